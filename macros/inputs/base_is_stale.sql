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
        ~ " where config_version <> " ~ ml_monitor.config_version_literal(current_version)) -%}
  {%- set changed = [] -%}
  {%- for version in stored.columns[0].values() -%}
    {%- set old = version.split('.') -%}
    {%- set named = [] -%}
    {%- for part in current_version.split(';') if ml_monitor.stored_config_version(part) not in old -%}
      {%- do named.append(part.split('=')[0]) -%}
    {%- endfor -%}
    {#- every current part unchanged: the old rows had a part no longer used -#}
    {%- for name in named or ['configuration'] if name not in changed -%}{%- do changed.append(name) -%}{%- endfor -%}
  {%- endfor -%}
  {%- if changed -%}
    {#- a warning the CLI shows too; logged, not raised, so that --warn-error does not fail the run -#}
    {%- do log("ml_monitor: warning: " ~ this.identifier ~ " was computed with another " ~ changed | sort | join(', ')
          ~ ": recomputing every bucket", info=True) -%}
  {%- endif -%}
  {{- return(changed | length > 0) -}}
{% endmacro %}
