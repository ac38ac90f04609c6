{#- A table computed from the reference table alone (through stg_ml_monitor__reference and
    each other), rebuilt only when the reference, its SQL or the SQL of what it reads
    changed: the reference rarely changes, and rebuilding these seven tables was a tenth of
    the small models' cost in a daily run. The fingerprint
    (ml_monitor.reference_table_fingerprint) is kept in the table's comment. -#}
{% materialization ml_monitor_reference_table, default %}
  {{ return(ml_monitor.build_unless_unchanged(ml_monitor.reference_table_fingerprint(this, sql),
                                              materialization_table_default, 'table')) }}
{% endmaterialization %}

{% materialization ml_monitor_reference_table, adapter='duckdb' %}
  {{ return(ml_monitor.build_unless_unchanged(ml_monitor.reference_table_fingerprint(this, sql),
                                              materialization_table_duckdb, 'table')) }}
{% endmaterialization %}

{#- Spark keeps no fingerprint: the table is rebuilt every run. -#}
{% materialization ml_monitor_reference_table, adapter='spark' %}
  {{ return(materialization_table_spark()) }}
{% endmaterialization %}
