{#- The class mix of a column stays close to a reference column's mix: fails (one row)
    when PSI > max_psi or JS distance > max_js. Use dbt's `where` config to test a recent
    window only. Arguments:
      column_name        the tested column (e.g. predicted_class)
      reference          the reference relation, e.g. ref('training_data') or source(...)
      reference_column   its class column (default: label)
      max_psi, max_js    bounds (default: vars ml_monitor_psi_threshold and ml_monitor_js_threshold,
                         which a test in your project sees only when your project sets them) -#}
{% test class_distribution_matches_reference(model, column_name, reference, reference_column='label', max_psi=none,
    max_js=none) %}
{%- set max_psi = max_psi if max_psi is not none else ml_monitor.setting('ml_monitor_psi_threshold') -%}
{%- set max_js = max_js if max_js is not none else ml_monitor.setting('ml_monitor_js_threshold') -%}
{%- set double = ml_monitor.type_double() -%}
with serving as (
    select cast({{ column_name }} as {{ dbt.type_string() }}) as category, count(*) as n
    from {{ model }}
    group by 1
),
expected as (
    select cast({{ reference_column }} as {{ dbt.type_string() }}) as category, count(*) as n
    from {{ reference }}
    group by 1
),
shares as (
    select
        'all' as test_group,
        coalesce(s.n, 0) as n,
        (select sum(n) from serving) as n_total,
        cast(coalesce(s.n, 0) as {{ double }}) / (select sum(n) from serving) as p,
        coalesce(e.n, 0) as r,
        (select sum(n) from expected) as r_total,
        cast(coalesce(e.n, 0) as {{ double }}) / (select sum(n) from expected) as q
    from serving as s
    full outer join expected as e on e.category = s.category
),
distances as (
    {{ ml_monitor.distribution_distances('shares', ['test_group']) }}
)
select psi, js_distance, {{ max_psi }} as max_psi, {{ max_js }} as max_js
from distances
where {{ ml_monitor.drift_rule(max_psi, max_js).is_effect }}
{% endtest %}
