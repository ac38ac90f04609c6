{#- The Mills ratio (1 - Phi(z)) / phi(z) of the standard normal, for z >= 0: Numerical
    Recipes' erfcc (a Chebyshev fit of erfc(x) = t exp(-x^2 + P(t)), t = 1 / (1 + x/2),
    fractional error < 1.2e-7 everywhere) at x = z / sqrt(2). Bounded (0, 1.26], so callers
    multiply by exp(-z^2/2) inside one exp and the tail never underflows. -#}
{% macro normal_mills_ratio(z) %}
  {{- return(adapter.dispatch('normal_mills_ratio', 'ml_monitor')(z)) -}}
{% endmacro %}

{% macro default__normal_mills_ratio(z) -%}
  {%- set t = '(1 / (1 + 0.3535533906 * ' ~ z ~ '))' -%}
  {%- set poly = namespace(sql='0.17087277') -%}
  {%- for c in ['-0.82215223', '1.48851587', '-1.13520398', '0.27886807', '-0.18628806',
                '0.09678418', '0.37409196', '1.00002368', '-1.26551223'] -%}
    {%- set poly.sql = c ~ ' + ' ~ t ~ ' * (' ~ poly.sql ~ ')' -%}
  {%- endfor -%}
  (1.2533141373155003 * {{ t }} * exp({{ poly.sql }}))
{%- endmacro %}
