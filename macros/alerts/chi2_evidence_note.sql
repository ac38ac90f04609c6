{#- Why a chi-square test of ml_monitor.distribution_distances has no p-value, else NULL:
    no reference, a reference below ml_monitor_min_reference_rows (its shares are mostly
    noise), a single category, or expected counts too small for the chi-square
    approximation (Cochran: none below 1, at most a fifth below 5). -#}
{% macro chi2_evidence_note() -%}
    {{ ml_monitor.evidence_note([
        ('n_reference is null or n_reference = 0', 'no_reference'),
        ('n_reference < ' ~ ml_monitor.setting('ml_monitor_min_reference_rows'), 'reference_too_small'),
        ('chi2_dof < 1', 'one_category'),
        ('min_expected < 1 or small_expected_share > 0.2', 'too_few_rows'),
    ]) }}
{%- endmacro %}
