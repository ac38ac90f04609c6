{#- Q(x) = P(K > x) for the asymptotic Kolmogorov distribution (scipy.stats.kstwobign.sf):
      x >= 1: Q = 2 sum_{j >= 1} (-1)^(j-1) exp(-2 j^2 x^2), four terms;
      x < 1:  Q = 1 - sqrt(2 pi)/x sum_{j >= 1} exp(-(2j - 1)^2 pi^2 / (8 x^2)), three terms;
    the omitted terms are below 1e-13 of the result. 1 for x <= 0.04, 0 from x = 27 on. -#}
{% macro kolmogorov_sf(x) %}
  {{- return(adapter.dispatch('kolmogorov_sf', 'ml_monitor')(x)) -}}
{% endmacro %}

{% macro default__kolmogorov_sf(x) -%}
  {%- set x = 'cast(' ~ x ~ ' as ' ~ ml_monitor.type_double() ~ ')' -%}
  {%- set x2 = 'power(' ~ x ~ ', 2)' -%}
  {#- each series as its first term times 1 + the others' ratios to it: nothing multiplies a
      clamped exp by less than 1/2, so PostgreSQL never underflows to an error -#}
  (case when {{ x }} is null then null  {# greatest() would skip NULLs #}
        when {{ x }} <= 0.04 then 1
        when {{ x }} < 1 then 1 - exp(greatest(0.9189385332046727 - ln({{ x }}) - 1.2337005501361697 / {{ x2 }}, -745))
            * (1 + exp(greatest(-9.869604401089358 / {{ x2 }}, -745))
                 + exp(greatest(-29.608813203268074 / {{ x2 }}, -745)))
        when {{ x }} < 27 then 2 * exp(greatest(-2 * {{ x2 }}, -745))
            * (1 - exp(greatest(-6 * {{ x2 }}, -745)) + exp(greatest(-16 * {{ x2 }}, -745))
               - exp(greatest(-30 * {{ x2 }}, -745)))
        else 0 end)
{%- endmacro %}
