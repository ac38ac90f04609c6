{#- P(X >= k) for X binomial with n trials of probability p, for whole numbers n <= max_n
    (a literal): the sum of the upper tail's terms C(n, j) p^j (1 − p)^(n − j), one per
    j <= max_n, each C(n, j) written out as Π (n − i) / (i + 1). Exact up to rounding; its
    text grows with max_n², so it is meant for counts of recent buckets, not of rows. -#}
{% macro binomial_sf(k, n, p, max_n) %}
  {{- return(adapter.dispatch('binomial_sf', 'ml_monitor')(k, n, p, max_n)) -}}
{% endmacro %}

{% macro default__binomial_sf(k, n, p, max_n) -%}
  {%- set double = ml_monitor.type_double() -%}
  {%- set p = 'cast(' ~ p ~ ' as ' ~ double ~ ')' -%}
  (case when {{ k }} is null or {{ n }} is null or {{ p }} is null then null
        when {{ k }} <= 0 then 1
        when {{ k }} > {{ n }} then 0
        else least(1.0, 0
        {%- for j in range(1, max_n + 1) %}
            + case when {{ j }} >= {{ k }} and {{ j }} <= {{ n }} then
                {%- for i in range(j) %} ({{ n }} - {{ i }}) / {{ i + 1 }}e0 *{% endfor %}
                power({{ p }}, {{ j }}) * power(1 - {{ p }}, {{ n }} - {{ j }}) else 0 end
        {%- endfor %}) end)
{%- endmacro %}
