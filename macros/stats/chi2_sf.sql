{#- P(X > x) for X chi-square with dof degrees of freedom (a whole number, per row).
    NULL when dof < 1; 1 when x <= 1e-100; 0 where the answer is below 5e-324.

    dof <= 30, the exact finite sum: with r = dof mod 2,
      Q = exp(-x/2) ( r sqrt(2/pi) mills(sqrt(x)) + sum_{j < floor(dof/2)} (x/2)^(j + r/2) / Gamma(j + 1 + r/2) )
    (the first term is 2 Phi_c(sqrt(x))), the sum as a Horner chain whose levels switch off
    above the row's dof: a term is the previous one times x / (2j + 2 + r).
    dof > 30, Temme's uniform expansion (DLMF 8.12): with a = dof/2, mu = x/dof - 1 and
    w = sign(mu) sqrt(x - dof - dof ln(x/dof)),
      Q = Phi_c(w) + phi(w) / sqrt(a) (C0 + C1/a + C2/a^2),
    C_k in closed form, or as Taylor series in mu where the closed forms cancel (|mu| < 0.05).
    Each inside one exp, so that the tail never underflows. Measured error: docs/statistics.md. -#}
{% macro chi2_sf(x, dof) %}
  {{- return(adapter.dispatch('chi2_sf', 'ml_monitor')(x, dof)) -}}
{% endmacro %}

{% macro default__chi2_sf(x, dof) -%}
  {%- set x = 'cast(' ~ x ~ ' as ' ~ ml_monitor.type_double() ~ ')' -%}
  {%- set k = '(' ~ dof ~ ')' -%}
  {%- set odd = 'mod(' ~ k ~ ', 2)' -%}
  {#- the sum over j < floor(dof/2), divided by its first term -#}
  {%- set chain = namespace(sql='1') -%}
  {%- for j in range(13, -1, -1) -%}
    {%- set chain.sql = '1 + ' ~ x ~ ' / (' ~ (2 * j + 2) ~ ' + ' ~ odd ~ ') * (case when ' ~ k ~ ' > '
                        ~ (2 * j + 3) ~ ' then ' ~ chain.sql ~ ' else 0 end)' -%}
  {%- endfor -%}
  {%- set mu = '(' ~ x ~ ' / ' ~ k ~ ' - 1)' -%}
  {%- set w2 = '(' ~ x ~ ' - ' ~ k ~ ' - ' ~ k ~ ' * ln(' ~ x ~ ' / ' ~ k ~ '))' -%}
  {%- set w = 'sqrt(greatest(' ~ w2 ~ ', 0))' -%}
  {#- sign(mu) (C0 + C1/a + C2/a^2) / sqrt(a), closed form: a polynomial in 1/mu over
      |mu| sqrt(a), minus the 1/eta^k terms, which are 1/|w| (1 - 1/w^2 + 3/w^4) -#}
  {%- set kk = '(1e0 * ' ~ k ~ ' * ' ~ k ~ ')' -%}
  {%- set closed = '1 / abs(' ~ mu ~ ') / sqrt(' ~ k ~ ' * 0.5e0) * (1 - 1 / (6e0 * ' ~ k ~ ') + 1 / (72 * ' ~ kk ~ ')'
      ~ ' + (-2 / (1e0 * ' ~ k ~ ') + 1 / (3 * ' ~ kk ~ ') + (-2 / (1e0 * ' ~ k ~ ') + 25 / (3 * ' ~ kk ~ ')'
      ~ ' + (20 + 12 / ' ~ mu ~ ') / ' ~ kk ~ ' / ' ~ mu ~ ') / ' ~ mu ~ ') / ' ~ mu ~ ')'
      ~ ' - (1 - (1 - 3 / ' ~ w2 ~ ') / ' ~ w2 ~ ') / ' ~ w -%}
  {#- the same near mu = 0, from the Taylor coefficients of C0, C1, C2 (exact rationals) -#}
  {%- set c0 = [-1/3, 1/12, -23/540, 353/12960, -589/30240, 81083/5443200] -%}
  {%- set c1 = [-1/540, -1/288, 23/6048, -3733/1088640] -%}
  {%- set c2 = [25/6048, -139/51840] -%}
  {%- set taylor = namespace(sql=None) -%}
  {%- for i in range(5, -1, -1) -%}
    {%- set coef = '%.12e' | format(c0[i]) -%}
    {%- if i < 4 %}{% set coef = coef ~ ' + ' ~ ('%.12e' | format(2 * c1[i])) ~ ' / ' ~ k %}{% endif -%}
    {%- if i < 2 %}{% set coef = coef ~ ' + ' ~ ('%.12e' | format(4 * c2[i])) ~ ' / ' ~ kk %}{% endif -%}
    {%- set taylor.sql = coef if taylor.sql is none else coef ~ ' + ' ~ mu ~ ' * (' ~ taylor.sql ~ ')' -%}
  {%- endfor -%}
  (case when {{ x }} is null or {{ k }} is null or {{ k }} < 1 then null {# greatest() would skip NULLs #}
        when {{ x }} <= 1e-100 then 1
        when {{ x }} > 2 * {{ k }} + 1700 then 0
        when {{ k }} <= 30 then exp(greatest(-{{ x }} / 2 + ln(
            (case when {{ k }} > 1
                then {{ chain.sql }} else 0 end) * (1 + {{ odd }} * (0.7978845608028654 * sqrt({{ x }}) - 1))
            + {{ odd }} * 0.7978845608028654 * {{ ml_monitor.normal_mills_ratio('sqrt(' ~ x ~ ')') }}), -745))
        {#- the expansion gives 1 - Q below the mean #}
        else abs(case when {{ x }} < {{ k }}
            then 1 else 0 end - exp(greatest(-{{ w2 }} / 2 - 0.9189385332046727 + ln(greatest(
            {{ ml_monitor.normal_mills_ratio(w) }} + case when abs({{ mu }}) < 0.05
                then (case when {{ x }} < {{ k }} then -1 else 1 end) * ({{ taylor.sql }}) / sqrt({{ k }} * 0.5e0)
                else {{ closed }} end, 1e-300)), -745))) end)
{%- endmacro %}
