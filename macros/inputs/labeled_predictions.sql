{#- The monitored predictions whose label has arrived (the log's label column, or the labels
    table, which wins), with `label` the one used: the rows measured performance and
    calibration are computed on. `columns` is the select list before the label (ending in a
    comma; the prediction's columns as p.<name>); `rows` narrows the predictions read (an
    incremental model's buckets). Only labelled rows are read past the filter. -#}
{% macro labeled_predictions(columns, rows='1 = 1') %}
    select
        {{ columns }}
        coalesce(l.label, p.label) as label
    from (
        {#- narrowed before de-duplication: of a prediction logged twice with the label on
            the later copy only, that copy is the one counted here -#}
        {{ ml_monitor.monitored_predictions(
            '(' ~ rows ~ ') and (label is not null'
            ~ (' or prediction_id in (select prediction_id from ' ~ ref('stg_ml_monitor__labels') ~ ')'
               if ml_monitor.setting('ml_monitor_labels_table') else '') ~ ')') }}
    ) as p
    left join {{ ref('stg_ml_monitor__labels') }} as l
        on l.prediction_id = p.prediction_id
    where coalesce(l.label, p.label) is not null
{% endmacro %}
