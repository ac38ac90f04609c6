{#- The fingerprint stored with an ml_monitor_reference_table and the one this run would
    store, as {'stored': ..., 'current': ...}: its compiled SQL, the fingerprints of the
    models it reads (stg_ml_monitor__reference's SQL and column types; the other reference
    tables') and a hash of the reference table's rows. None (rebuilt every run) where the
    warehouse keeps no fingerprints or a model it reads has none. -#}
{% macro reference_table_fingerprint(relation, sql) %}
  {%- set stored = ml_monitor.stored_fingerprints([relation] + ml_monitor.upstream_relations(model)) -%}
  {%- if stored is none or none in stored[1:] -%}{{ return(none) }}{%- endif -%}
  {{- return({'stored': stored[0], 'current': 'ml_monitor ' ~ local_md5(sql) ~ ' ' ~ local_md5(stored[1:] | join(';'))
              ~ ' ' ~ ml_monitor.reference_data_hash()}) -}}
{% endmacro %}
