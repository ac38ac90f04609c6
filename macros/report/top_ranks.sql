{#- The groups of `keys` in `relation` (cohorts, classes, features) with their rank `name`:
    the largest `weight` first, ties by key; the whole population or every class ('__all__'
    in the first key) ranks 0. The report shows the first few (its presentation limits), so
    a chart keeps the same groups from one bucket to the next. -#}
{% macro top_ranks(relation, keys, weight, name, where='1 = 1') %}
  {%- set is_all = keys[0] ~ ' = ' ~ ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
  select {{ keys | join(', ') }},
         case when {{ is_all }} then 0
              else row_number() over (partition by case when {{ is_all }} then 1 else 0 end
                                      order by {{ weight }} desc, {{ keys | join(', ') }}) end as {{ name }}
  from {{ relation }}
  where {{ where }}
  group by {{ keys | join(', ') }}
{% endmacro %}
