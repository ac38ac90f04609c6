{#- Every listed column is filled (optionally only where `where_clause` holds). -#}
{% test not_null_columns(model, columns, where_clause=none) %}
    select *
    from {{ model }}
    where ({% for column in columns %}{{ column }} is null{{ " or " if not loop.last }}{% endfor %})
    {%- if where_clause %} and ({{ where_clause }}){% endif %}
{% endtest %}
