{#- The rows of `relation` (a CTE of a report view) with the rank `name` of their group of
    `keys` (top_ranks: by `weight`, over `where`) and their bucket_rank. -#}
{% macro rank_groups(relation, keys, weight, name, where='1 = 1') %}
select s.*, g.{{ name }}, {{ ml_monitor.bucket_rank('s.bucket_start') }} as bucket_rank
from {{ relation }} s
join ({{ ml_monitor.top_ranks(relation, keys, weight, name, where) }}) g
  on {% for key in keys %}g.{{ key }} = s.{{ key }}{{ ' and ' if not loop.last }}{% endfor %}
{% endmacro %}
