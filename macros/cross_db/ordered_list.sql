{#- The values of a group joined into one string in a given order (aggregate). Spark's
    collect_list has no order, so it sorts (order key, value) pairs and keeps the values. -#}
{% macro ordered_list(measure, order_by, delimiter=', ') %}
  {{- return(adapter.dispatch('ordered_list', 'ml_monitor')(measure, order_by, delimiter)) -}}
{% endmacro %}

{% macro default__ordered_list(measure, order_by, delimiter) -%}
  string_agg({{ measure }}, {{ ml_monitor.string_literal(delimiter) }} order by {{ order_by }})
{%- endmacro %}

{% macro spark__ordered_list(measure, order_by, delimiter) -%}
  array_join(transform(array_sort(collect_list(struct({{ order_by }} as k, {{ measure }} as v))), x -> x.v),
             {{ ml_monitor.string_literal(delimiter) }})
{%- endmacro %}
