{#- The feature drift charts: each feature's drift per bucket over the whole population (cohorts' drift is in the alerts and segment findings). -#}
{%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
with drift as (
  select model_id, bucket_start, feature, feature_type, n, psi, js_distance, ks_statistic, unseen_share, is_drift
  from {{ ref('ml_monitor_feature_drift') }}
  where cohort_name = {{ all }}
)

{{ ml_monitor.rank_groups('drift', ['feature'], 'max(coalesce(psi, 0))', 'feature_rank') }}
