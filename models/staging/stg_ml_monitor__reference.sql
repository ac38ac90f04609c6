{#- The reference data (training and holdout splits) under canonical names. Holdout rows
    carry the model's own predicted_class and confidence. A numeric feature's NaN or
    ±Infinity is read as missing (NULL), as in the serving log. -#}
{%- set relation = source('ml_monitor', 'reference') -%}
{%- set c = ml_monitor.resolve_inputs(relation,
      ['label', 'split'],
      ['prediction_id', 'model_id', 'predicted_class', 'confidence']) -%}
{%- set string = dbt.type_string() -%}
{%- set positive_class = ml_monitor.setting('ml_monitor_positive_class') -%}
{%- set numeric_features = ml_monitor.numeric_feature_columns() -%}
{#- Without training rows every drift number would compare serving with nothing: fail with
    the reason instead (a reference without holdout rows is fine until fit-thresholds). -#}
{%- if execute -%}
  {%- set train_split = ml_monitor.setting('ml_monitor_reference_split') -%}
  {%- set found = run_query("select count(*) from (select 1 as found from " ~ relation ~ " where cast(" ~ c.split
      ~ " as "
        ~ string ~ ") = " ~ ml_monitor.string_literal(train_split) ~ " limit 1) as first_row") -%}
  {%- if found.columns[0].values()[0] == 0 -%}
    {{ exceptions.raise_compiler_error("ml_monitor: the reference table " ~ relation
        ~ " has no rows of the training split '"
        ~ train_split ~ "' (var ml_monitor_reference_split): drift is measured against them. Load the training data,"
        ~ " or set ml_monitor_reference_split to the split that holds it") }}
  {%- endif -%}
  {#- a class named '__all__' would merge with the model-wide rows (its calibration too) -#}
  {%- set every_class = [ml_monitor.reserved_values().all] -%}
  {%- set class_checks = [{'expr': c.label, 'column': ml_monitor.column_name('label'), 'source': 'the label',
      'values': every_class}] -%}
  {%- if c.predicted_class -%}
    {%- do class_checks.append({'expr': c.predicted_class, 'column': ml_monitor.column_name('predicted_class'),
                                'source': 'the predicted class', 'values': every_class}) -%}
  {%- endif -%}
  {{- ml_monitor.check_reserved_values(relation, class_checks, relation) -}}
{%- endif -%}

with source_rows as (

    select
        {{ 'cast(' ~ c.prediction_id ~ ' as ' ~ string ~ ')' if c.prediction_id else 'cast(null as ' ~ string
            ~ ')' }} as prediction_id,
        {% if c.model_id -%}
        coalesce(cast({{ c.model_id }} as {{ string }}),
            {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_default_model_id')) }})
        {%- else -%}
        {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_default_model_id')) }}
        {%- endif %} as model_id,
        cast({{ c.split }} as {{ string }}) as split,
        cast({{ c.label }} as {{ string }}) as label,
        {{ 'cast(' ~ c.predicted_class ~ ' as ' ~ string ~ ')' if c.predicted_class else 'cast(null as ' ~ string
            ~ ')' }} as predicted_class,
        {{ 'cast(' ~ c.confidence ~ ' as ' ~ ml_monitor.type_double() ~ ')' if c.confidence else 'cast(null as '
            ~ ml_monitor.type_double() ~ ')' }} as confidence
        {%- for name, column in c.configured %},
        {{ ml_monitor.finite_or_null(column) if name in numeric_features
            else column }} as {{ ml_monitor.quote_identifier(name) }}
        {%- endfor %}
    from {{ relation }}

)

select
    *,
    {%- if positive_class is not none %}
    case when predicted_class = {{ ml_monitor.string_literal(positive_class) }}
        then confidence else 1 - confidence end as score
    {%- else %}
    confidence as score
    {%- endif %}
from source_rows
