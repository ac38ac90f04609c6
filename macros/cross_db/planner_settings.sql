{#- Session settings for the heaviest analytic models, as pre-hooks. PostgreSQL estimates
    one row for filtered CTEs and then picks nested loops, or merge joins on the first key
    with the others as a filter, that take minutes on joins of a few hundred thousand
    rows; hash joins take seconds. SET LOCAL ends with the model's transaction. -#}
{% macro planner_settings() %}
  {{- return(adapter.dispatch('planner_settings', 'ml_monitor')()) -}}
{% endmacro %}

{% macro default__planner_settings() %}
  {{- return([]) -}}
{% endmacro %}

{% macro postgres__planner_settings() %}
  {{- return(["set local enable_nestloop = off", "set local enable_mergejoin = off"]) -}}
{% endmacro %}
