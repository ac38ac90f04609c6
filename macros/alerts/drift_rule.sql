{#- The drift rule, as SQL over columns psi and js_distance: an effect when either distance
    passes its threshold; the metric reported is the one furthest past its threshold, relative
    to it. Returns {metric, value, threshold, is_effect}. Thresholds default to the vars. -#}
{% macro drift_rule(psi_threshold=none, js_threshold=none) %}
  {%- set psi = psi_threshold if psi_threshold is not none else ml_monitor.setting('ml_monitor_psi_threshold') -%}
  {%- set js = js_threshold if js_threshold is not none else ml_monitor.setting('ml_monitor_js_threshold') -%}
  {%- set js_leads = 'js_distance / ' ~ js ~ ' >= psi / ' ~ psi -%}
  {{- return({
        'metric': "case when " ~ js_leads ~ " then 'js_distance' else 'psi' end",
        'value': 'case when ' ~ js_leads ~ ' then js_distance else psi end',
        'threshold': 'case when ' ~ js_leads ~ ' then ' ~ js ~ ' else ' ~ psi ~ ' end',
        'is_effect': '(psi > ' ~ psi ~ ' or js_distance > ' ~ js ~ ')',
  }) -}}
{% endmacro %}
