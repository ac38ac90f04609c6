{#- Buckets in a week at the time grain: the season of the seasonal baselines (the volume's,
    the class and label mix's seasonal guard). At weekly grain 1: the previous weeks. -#}
{% macro season_buckets() %}
  {{- return({'hour': 168, 'day': 7, 'week': 1}[ml_monitor.time_grain()]) -}}
{% endmacro %}
