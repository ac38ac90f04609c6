{#- The values the output tables give a meaning of their own: '__all__' for every class,
    every cohort value or every model at once, and '__null__' for a NULL cohort or
    categorical feature value. An input holding one as data would merge with those rows, so
    the build refuses it (check_reserved_values) rather than encode it: an escaped value
    would no longer show as it is in the data. -#}
{% macro reserved_values() %}
  {{- return({'all': '__all__', 'null': '__null__'}) -}}
{% endmacro %}

{% macro reserved_value_meaning(value) %}
  {{- return({'__all__': 'the rows of every class, cohort value or model at once',
      '__null__': 'NULL values'}[value]) -}}
{% endmacro %}
