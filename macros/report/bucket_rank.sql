{#- A row's bucket counted back from the latest (1) in what the view holds: the report
    keeps the last few buckets of every time series (bucket_rank <= its limit). -#}
{% macro bucket_rank(column='bucket_start') -%}
  dense_rank() over (order by {{ column }} desc nulls last)
{%- endmacro %}
