{#- The serving log under canonical names, one row per logged prediction, each valid row
    with its bucket and each invalid one with the reason it is excluded from the monitors.
    A numeric feature's NaN or ±Infinity is read as missing (NULL) and flagged in
    feature_not_finite_<i> (i: its place among the numeric features), for the data-quality
    count: the row stays, the value is no measurement. -#}
{%- set relation = source('ml_monitor', 'predictions') -%}
{%- set c = ml_monitor.resolve_inputs(relation,
      ['prediction_id', 'predicted_at', 'predicted_class', 'confidence'],
      ['model_id', 'model_version', 'label']) -%}
{%- set string = dbt.type_string() -%}
{%- set positive_class = ml_monitor.setting('ml_monitor_positive_class') -%}
{%- set numeric_features = ml_monitor.numeric_feature_columns() -%}
{%- set min_predicted_at = ml_monitor.min_predicted_at() -%}
{#- A time-zone-aware predicted_at is converted to UTC explicitly: a plain cast would use
    the session's time zone. "Now" is UTC alike, for the future-timestamp check. -#}
{%- set predicted_at_type = c.data_types.get('predicted_at') or '' -%}
{%- if 'with time zone' in predicted_at_type or predicted_at_type.startswith('timestamptz') -%}
{%- set predicted_at = ml_monitor.to_utc_timestamp(c.predicted_at) -%}
{%- else -%}
{%- set predicted_at = 'cast(' ~ c.predicted_at ~ ' as ' ~ dbt.type_timestamp() ~ ')' -%}
{%- endif -%}

with source_rows as (

    select
        cast({{ c.prediction_id }} as {{ string }}) as prediction_id,
        {% if c.model_id -%}
        coalesce(cast({{ c.model_id }} as {{ string }}),
            {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_default_model_id')) }})
        {%- else -%}
        {{ ml_monitor.string_literal(ml_monitor.setting('ml_monitor_default_model_id')) }}
        {%- endif %} as model_id,
        {{ 'cast(' ~ c.model_version ~ ' as ' ~ string ~ ')' if c.model_version else 'cast(null as ' ~ string
            ~ ')' }} as model_version,
        {{ predicted_at }} as predicted_at,
        cast({{ c.predicted_class }} as {{ string }}) as predicted_class,
        cast({{ c.confidence }} as {{ ml_monitor.type_double() }}) as confidence,
        {{ 'cast(' ~ c.label ~ ' as ' ~ string ~ ')' if c.label else 'cast(null as ' ~ string ~ ')' }} as label
        {%- for name, column in c.configured %},
        {{ ml_monitor.finite_or_null(column) if name in numeric_features
            else column }} as {{ ml_monitor.quote_identifier(name) }}
        {%- endfor %}
        {%- for name in numeric_features %},
        {%- set column = dict(c.configured)[name] %}
        case when {{ column }} is not null
            and not {{ ml_monitor.is_finite(column) }} then 1 else 0 end as feature_not_finite_{{ loop.index }}
        {%- endfor %}
    from {{ relation }}

),

classified as (

    select
        *,
        case
            when predicted_at is null then 'predicted_at_null'
            {%- if min_predicted_at %}
            when predicted_at < {{ min_predicted_at }} then 'predicted_at_too_old'
            {%- endif %}
            when predicted_at > {{ ml_monitor.to_utc_timestamp(dbt.current_timestamp()) }} then 'predicted_at_future'
            when predicted_class is null then 'predicted_class_null'
            when confidence is null then 'confidence_null'
            when {{ ml_monitor.is_nan('confidence') }} or confidence < 0
                or confidence > 1 then 'confidence_out_of_range'
            when prediction_id is null then 'prediction_id_null'
        end as exclusion_reason
    from source_rows

)

select
    *,
    {{ ml_monitor.bucket_start('predicted_at') }} as bucket_start,
    {%- if positive_class is not none %}
    -- binary mode: the thresholded score is the positive class's probability
    case when predicted_class = {{ ml_monitor.string_literal(positive_class) }}
        then confidence else 1 - confidence end as score
    {%- else %}
    confidence as score
    {%- endif %}
from classified
