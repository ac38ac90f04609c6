{#- Hours from a prediction to its label's arrival (labels table's labeled_at − predicted_at),
    NULL without labeled_at: the label lag of the label coverage monitor. -#}
{% macro label_lag_hours(predicted_at='p.predicted_at', labeled_at='l.labeled_at') %}
  {#- Spark's datediff asserts its arguments are not NULL -#}
  {{- return('case when ' ~ labeled_at ~ ' is not null then '
      ~ dbt.datediff(predicted_at, labeled_at, 'second') ~ ' / 3600e0 end') -}}
{% endmacro %}
