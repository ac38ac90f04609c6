{#- How many training rows each drift comparison stands on, per model: the whole training
    split (kind 'model', subject '__all__'), each class (kind 'class': rows labelled with
    it) and each feature (kind 'feature': its non-missing values). Below
    ml_monitor_min_reference_rows a reference share or distribution is mostly sampling
    noise — against a one-row reference every bucket "drifts" — so reference_too_small
    marks drift against it as not to be judged, and the build warns, once per model. -#}
{{ config(materialized='ml_monitor_reference_table') }}
{%- set min_rows = ml_monitor.setting('ml_monitor_min_reference_rows') -%}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}

{%- set sizes -%}
with training_rows as (

    select model_id, label
    from {{ ref('stg_ml_monitor__reference') }}
    where split = {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_reference_split')) }}

),

counts as (

    select model_id, 'model' as kind, {{ all }} as subject, count(*) as n
    from training_rows
    group by model_id
    union all
    select model_id, 'class', label, count(*)
    from training_rows
    where label is not null
    group by model_id, label
    union all
    select model_id, 'feature', feature, sum(n)
    from {{ ref('ml_monitor_reference_feature_values') }}
    where cohort_name = {{ all }}
    group by model_id, feature

)

select
    model_id,
    kind,
    subject,
    cast(n as {{ dbt.type_bigint() }}) as reference_rows,
    n < {{ min_rows }} as reference_too_small
from counts
{%- endset -%}

{%- if execute -%}
  {%- set small = run_query('select model_id, kind, subject, reference_rows from (' ~ sizes ~ ') as sizes'
        ~ ' where reference_too_small order by model_id, kind desc, subject') -%}
  {%- for model_id in small.columns[0].values() | unique -%}
    {%- set parts = [] -%}
    {%- for row in small.rows if row[0] == model_id -%}
      {%- do parts.append(('in all' if row[1] == 'model' else row[1] ~ " '" ~ row[2] ~ "'") ~ ': ' ~ row[3]) -%}
    {%- endfor -%}
    {%- do exceptions.warn("ml_monitor: warning: model '" ~ model_id
          ~ "' has too few training rows to judge drift against ("
          ~ (parts[:6] | join(', ')) ~ (', …' if parts | length > 6 else '')
          ~ "; fewer than ml_monitor_min_reference_rows = "
          ~ min_rows ~ "): see reference_too_small in ml_monitor_reference_sizes") -%}
  {%- endfor -%}
{%- endif %}

{{ sizes }}
