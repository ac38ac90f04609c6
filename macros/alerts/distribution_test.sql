{#- ml_monitor.distribution_distances with the evidence that the two distributions differ:
    evidence_note (ml_monitor.chi2_evidence_note) and, where it is NULL, chi2_p_value from
    the two-sample chi-square statistic. One row per group, like distribution_distances. -#}
{% macro distribution_test(shares, group_columns) %}
    select
        noted.*,
        case when noted.evidence_note is null
             then {{ ml_monitor.chi2_sf('noted.chi2_statistic', 'noted.chi2_dof') }} end as chi2_p_value
    from (
        select distances.*, {{ ml_monitor.chi2_evidence_note() }} as evidence_note
        from (
            {{ ml_monitor.distribution_distances(shares, group_columns) | indent(12) }}
        ) as distances
    ) as noted
{% endmacro %}
