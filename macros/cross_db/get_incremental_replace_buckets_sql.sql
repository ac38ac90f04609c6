{#- Incremental strategy 'replace_buckets': delete the target's rows of every key (model and
    bucket) the new rows have, and every row computed with another configuration than the
    new rows (config_version: after a change they are a full recomputation, see
    ml_monitor.base_is_stale), then insert the new rows. dbt's delete+insert joins the target
    to every new row, which with thousands of rows per bucket on both sides is their
    product; this deletes against the distinct keys. The new rows' configuration and first
    bucket are read first and compared as literals, so that the engine skips the target's
    older blocks by their statistics: compared with a subquery, both deletes read every row
    of the target, a cost that grew with the history a daily run left untouched. -#}
{% macro get_incremental_replace_buckets_sql(arg_dict) %}
  {%- set keys = arg_dict['unique_key'] -%}
  {%- set keys = [keys] if keys is string else keys -%}
  {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) -%}
  {#- the version behind a letter, so that dbt reads it as text (a version of digits would
      become a number, losing its leading zeros) -#}
  {%- set new = run_query("select 'v' || max(config_version), min(bucket_start) from "
        ~ arg_dict['temp_relation']).rows[0] -%}
  {#- no new rows: nothing is deleted (a comparison with NULL holds for no row) -#}
  {%- set config_version = 'null' if new[0] is none else ml_monitor.string_literal(new[0][1:]) -%}
  {%- set first_bucket = 'null' if new[1] is none else ml_monitor.timestamp_literal(new[1]) %}
    delete from {{ arg_dict['target_relation'] }}
    where config_version <> {{ config_version }};

    delete from {{ arg_dict['target_relation'] }} as target_rows
    where target_rows.bucket_start >= {{ first_bucket }}
      and exists (
        select 1
        from (select distinct {{ keys | join(', ') }} from {{ arg_dict['temp_relation'] }}) as new_keys
        where {% for key in keys %}new_keys.{{ key }} = target_rows.{{ key }}{{ " and " if not loop.last }}{% endfor %}
    );

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}
