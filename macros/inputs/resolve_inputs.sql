{#- Map an input relation's columns to the canonical names of DESIGN §2.
    Returns {canonical: quoted column or none, 'configured': [(name, quoted column)],
    'data_types': {canonical: lower-case type}} for the typed columns (confidence,
    predicted_at), whose types are checked at compile time. -#}
{% macro resolve_inputs(relation, required_canonical, optional_canonical) %}
  {%- set columns = ml_monitor.relation_columns(relation) -%}
  {%- set mapping = ml_monitor.setting('ml_monitor_columns') or {} -%}
  {%- set resolved = {} -%}
  {%- set data_types = {} -%}
  {%- for canonical in required_canonical + optional_canonical -%}
    {%- set mapped = canonical in mapping -%}
    {%- set var_name = "var ml_monitor_columns." ~ canonical if mapped else "canonical column " ~ canonical
        ~ " (map it in var ml_monitor_columns)" -%}
    {%- do resolved.update({canonical: ml_monitor.input_column(
          columns, ml_monitor.column_name(canonical), var_name,
          relation, required=(canonical in required_canonical or mapped))}) -%}
    {%- if execute and canonical in ['confidence', 'predicted_at'] -%}
      {%- do data_types.update({canonical: ml_monitor.check_input_type(columns, canonical, var_name, relation)}) -%}
    {%- endif -%}
  {%- endfor -%}
  {%- do resolved.update({'data_types': data_types}) -%}
  {%- set configured = [] -%}
  {%- for name in ml_monitor.monitored_columns() -%}
    {%- set var_name = 'var ml_monitor_cohorts' if name in ml_monitor.cohort_columns()
          else ('var ml_monitor_features' if name in ml_monitor.feature_columns()
          else ('var ml_monitor_text_column' if name == ml_monitor.setting('ml_monitor_text_column')
              else 'var ml_monitor_embedding_column')) -%}
    {%- do configured.append((name, ml_monitor.input_column(columns, name, var_name, relation))) -%}
  {%- endfor -%}
  {%- do resolved.update({'configured': configured}) -%}
  {{- return(resolved) -}}
{% endmacro %}
