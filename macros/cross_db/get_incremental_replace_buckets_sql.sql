{#- Incremental strategy 'replace_buckets': delete the target's rows of every key (model and
    bucket) the new rows have, and every row computed with another configuration than the
    new rows (config_version: after a change they are a full recomputation, see
    ml_monitor.base_is_stale), then insert the new rows. dbt's delete+insert joins the target
    to every new row, which with thousands of rows per bucket on both sides is their
    product; this deletes against the distinct keys. -#}
{% macro get_incremental_replace_buckets_sql(arg_dict) %}
  {%- set keys = arg_dict['unique_key'] -%}
  {%- set keys = [keys] if keys is string else keys -%}
  {%- set columns = get_quoted_csv(arg_dict['dest_columns'] | map(attribute='name')) %}
    delete from {{ arg_dict['target_relation'] }}
    where config_version <> (select max(config_version) from {{ arg_dict['temp_relation'] }});

    delete from {{ arg_dict['target_relation'] }} as target_rows
    where exists (
        select 1
        from (select distinct {{ keys | join(', ') }} from {{ arg_dict['temp_relation'] }}) as new_keys
        where {% for key in keys %}new_keys.{{ key }} = target_rows.{{ key }}{{ " and " if not loop.last }}{% endfor %}
    );

    insert into {{ arg_dict['target_relation'] }} ({{ columns }})
    select {{ columns }} from {{ arg_dict['temp_relation'] }}
{% endmacro %}
