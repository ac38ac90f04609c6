{#- Session settings for the heaviest analytic models, as pre-hooks. PostgreSQL estimates
    one row for filtered CTEs and then picks nested loops, or merge joins on the first key
    with the others as a filter, that take minutes on joins of a few hundred thousand
    rows; hash joins take seconds (base_stats' exact percentiles on the 14,000 rows of the
    parity demo: 75 s, 1.2 s). The disabled plans cost some 10^10 more, over any
    jit_above_cost, so JIT goes off with them: it would compile every expression of the
    query at full optimisation (6.5 s more there). SET LOCAL ends with the model's
    transaction. -#}
{% macro planner_settings() %}
  {{- return(adapter.dispatch('planner_settings', 'ml_monitor')()) -}}
{% endmacro %}

{% macro default__planner_settings() %}
  {{- return([]) -}}
{% endmacro %}

{% macro postgres__planner_settings() %}
  {{- return(["set local enable_nestloop = off", "set local enable_mergejoin = off", "set local jit = off"]) -}}
{% endmacro %}
