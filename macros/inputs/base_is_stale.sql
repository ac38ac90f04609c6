{#- True when the incremental table holds rows computed with another configuration than
    `current_version` (ml_monitor.config_version): another column mapping, feature list,
    model id, fit, reference, ... Then the run recomputes every bucket rather than the
    recent ones, and the incremental strategy drops the old rows the new ones do not
    replace, so the table equals a full refresh. Logs which parts changed. -#}
{% macro base_is_stale(current_version) %}
  {%- if not execute -%}{{ return(false) }}{%- endif -%}
  {%- set names = ml_monitor.relation_columns(this) | map(attribute='name') | map('lower') | list -%}
  {%- if 'config_version' not in names -%}{{ return(true) }}{%- endif -%}
  {%- set stored = run_query("select distinct config_version from " ~ this
        ~ " where config_version <> " ~ ml_monitor.string_literal(current_version)) -%}
  {%- set current = current_version.split(';') -%}
  {%- set changed = [] -%}
  {%- for version in stored.columns[0].values() -%}
    {%- set old = version.split(';') -%}
    {%- for part in old + current if part not in old or part not in current -%}
      {%- if part.split('=')[0] not in changed -%}{%- do changed.append(part.split('=')[0]) -%}{%- endif -%}
    {%- endfor -%}
  {%- endfor -%}
  {%- if changed -%}
    {#- a warning the CLI shows too; logged, not raised, so that --warn-error does not fail the run -#}
    {%- do log("ml_monitor: warning: " ~ this.identifier ~ " was computed with another " ~ changed | sort | join(', ')
          ~ ": recomputing every bucket", info=True) -%}
  {%- endif -%}
  {{- return(changed | length > 0) -}}
{% endmacro %}
