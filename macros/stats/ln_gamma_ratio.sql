{#- ln(Gamma((v + 1)/2) / Gamma(v/2 + 1)) for v >= 1: the ratio shifted up by five steps of
    Gamma(z + 1) = z Gamma(z), then its asymptotic series to b^-7 (error < 4e-10). -#}
{% macro ln_gamma_ratio(v) %}
  {{- return(adapter.dispatch('ln_gamma_ratio', 'ml_monitor')(v)) -}}
{% endmacro %}

{% macro default__ln_gamma_ratio(v) -%}
  {%- set shift = [] -%}
  {%- for i in range(5) -%}
    {%- do shift.append('(' ~ v ~ ' + ' ~ (2 * i + 2) ~ 'e0) / (' ~ v ~ ' + ' ~ (2 * i + 1) ~ ')') -%}
  {%- endfor -%}
  {%- set b = '(' ~ v ~ ' * 0.5e0 + 5)' -%}
  {#- -1/(8b) + 1/(192b^3) - 1/(640b^5) + 17/(14336b^7), nested -#}
  (ln({{ shift | join(' * ') }}) - 0.5 * ln({{ b }})
   - (1 - (1 - (0.3 - 0.22767857142857142 / ({{ b }} * {{ b }})) / ({{ b }} * {{ b }}))
          / (24 * {{ b }} * {{ b }})) / (8 * {{ b }}))
{%- endmacro %}
