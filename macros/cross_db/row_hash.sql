{#- A 64-bit hash of a whole row (`alias`: its table alias), for fingerprints that tell a
    changed set of rows from an unchanged one without keeping a copy; none where the package
    keeps no fingerprints (Spark). -#}
{% macro row_hash(alias) %}
  {{- return(adapter.dispatch('row_hash', 'ml_monitor')(alias)) -}}
{% endmacro %}

{% macro default__row_hash(alias) %}
  {{- return(none) -}}
{% endmacro %}

{% macro duckdb__row_hash(alias) %}
  {{- return('hash(' ~ alias ~ ')') -}}
{% endmacro %}

{% macro postgres__row_hash(alias) %}
  {{- return("('x' || left(md5(" ~ alias ~ "::text), 16))::bit(64)::bigint") -}}
{% endmacro %}
