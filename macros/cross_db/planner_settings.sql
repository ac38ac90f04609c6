{#- Session settings for the heaviest analytic models, as pre-hooks. PostgreSQL estimates
    one row for filtered CTEs and then picks nested loops, or merge joins on the first key
    with the others as a filter, that take minutes on joins of a few hundred thousand
    rows; hash joins take seconds. Plans so disabled cost some 10^10 more, over any
    jit_above_cost: JIT is turned off with them, else it compiles every expression of the
    query at full optimisation (6.5 s of base_stats' 7.7 s on the parity demo, 1.2 s
    without). SET LOCAL ends with the model's transaction. -#}
{% macro planner_settings() %}
  {{- return(adapter.dispatch('planner_settings', 'ml_monitor')()) -}}
{% endmacro %}

{% macro default__planner_settings() %}
  {{- return([]) -}}
{% endmacro %}

{% macro postgres__planner_settings() %}
  {{- return(["set local enable_nestloop = off", "set local enable_mergejoin = off", "set local jit = off"]) -}}
{% endmacro %}
