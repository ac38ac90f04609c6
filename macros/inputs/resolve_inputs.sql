{#- Map an input relation's columns to the canonical names of DESIGN §2.
    Returns {canonical: quoted column or none, 'configured': [(name, quoted column)]}. -#}
{% macro resolve_inputs(relation, required_canonical, optional_canonical) %}
  {%- set columns = ml_monitor.relation_columns(relation) -%}
  {%- set mapping = var('ml_monitor_columns', {}) or {} -%}
  {%- set resolved = {} -%}
  {%- for canonical in required_canonical + optional_canonical -%}
    {%- set mapped = canonical in mapping -%}
    {%- do resolved.update({canonical: ml_monitor.input_column(
          columns, ml_monitor.column_name(canonical),
          "var ml_monitor_columns." ~ canonical if mapped else "canonical column " ~ canonical ~ " (map it in var ml_monitor_columns)",
          relation, required=(canonical in required_canonical or mapped))}) -%}
  {%- endfor -%}
  {%- set configured = [] -%}
  {%- for name in ml_monitor.monitored_columns() -%}
    {%- set var_name = 'var ml_monitor_cohorts' if name in ml_monitor.cohort_columns()
          else ('var ml_monitor_features' if name in ml_monitor.feature_columns()
          else ('var ml_monitor_text_column' if name == var('ml_monitor_text_column', none) else 'var ml_monitor_embedding_column')) -%}
    {%- do configured.append((name, ml_monitor.input_column(columns, name, var_name, relation))) -%}
  {%- endfor -%}
  {%- do resolved.update({'configured': configured}) -%}
  {{- return(resolved) -}}
{% endmacro %}
