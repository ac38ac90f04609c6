{#- Fail the build with one line naming the column and the value when an input row holds a
    reserved value (see reserved_values) where it would merge with ml_monitor's own rows.
    `checks`: [{expr: SQL on `relation`, column: the user's column name, source: where it
    is configured, values: the reserved values it must not hold}]; `table` is the user's
    table, for the message. One query, stopped at the first offending row; `where` narrows
    it (an incremental run checks only the rows it reads). -#}
{% macro check_reserved_values(relation, checks, table, where='1 = 1') %}
  {%- if not execute or not checks -%}{{ return('') }}{%- endif -%}
  {%- set string = dbt.type_string() -%}
  {%- set conditions = [] -%}
  {%- for check in checks -%}
    {%- set literals = [] -%}
    {%- for value in check['values'] -%}{%- do literals.append(ml_monitor.string_literal(value)) -%}{%- endfor -%}
    {%- do conditions.append('cast(' ~ check.expr ~ ' as ' ~ string ~ ') in (' ~ literals | join(', ') ~ ')') -%}
  {%- endfor -%}
  {%- set query -%}
    select
        case {% for condition in conditions %}when {{ condition }}
            then {{ loop.index0 }} {% endfor %}end as check_index,
        case {% for condition in conditions %}when {{ condition }}
            then cast({{ checks[loop.index0].expr }} as {{ string }}) {% endfor %}end as reserved
    from {{ relation }}
    where ({{ where }}) and ({{ conditions | join(' or ') }})
    limit 1
  {%- endset -%}
  {%- set found = run_query(query) -%}
  {%- if found.rows | length > 0 -%}
    {%- set check = checks[found.rows[0][0] | int] -%}
    {%- set value = found.rows[0][1] -%}
    {{ exceptions.raise_compiler_error("ml_monitor: column '" ~ check.column ~ "' (" ~ check.source ~ ") of " ~ table
        ~ " holds the value '" ~ value ~ "', which ml_monitor reserves for " ~ ml_monitor.reserved_value_meaning(value)
        ~ " in its tables; map it to another value in a view over the table") }}
  {%- endif -%}
  {{- return('') -}}
{% endmacro %}

{#- The checks of the categorical features: a value '__null__' would merge with their NULLs. -#}
{% macro categorical_feature_checks() %}
  {%- set checks = [] -%}
  {%- for spec in ml_monitor.feature_specs() if spec.kind == 'categorical' -%}
    {%- do checks.append({'expr': spec.expr, 'column': spec.name, 'source': 'var ml_monitor_features',
                          'values': [ml_monitor.reserved_values().null]}) -%}
  {%- endfor -%}
  {{- return(checks) -}}
{% endmacro %}
