{#- Vars of earlier versions that no longer decide anything: say so once, where the alert
    decisions are made, instead of ignoring them silently. -#}
{% macro warn_deprecated_vars() %}
  {%- set replaced = {
        'ml_monitor_min_bucket_size': 'small buckets now alert when the evidence is there (ml_monitor_alert_fdr)',
        'ml_monitor_anomaly_z': 'the confidence anomaly is a t-test decided with ml_monitor_alert_fdr',
  } -%}
  {%- if execute -%}
    {%- for name, why in replaced.items() if var(name, none) is not none -%}
      {%- do exceptions.warn("ml_monitor: var " ~ name ~ " is no longer used: " ~ why ~ ".") -%}
    {%- endfor -%}
  {%- endif -%}
{% endmacro %}
