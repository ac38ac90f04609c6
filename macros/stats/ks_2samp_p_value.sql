{#- Two-sample Kolmogorov-Smirnov p-value from the statistic d = sup |F_n - G_m| and the sample
    sizes n, m: the asymptotic Kolmogorov distribution at Stephens' small-sample corrected
    statistic (Stephens 1970; Numerical Recipes' kstwo),
      p = kolmogorov_sf((sqrt(e) + 0.12 + 0.11 / sqrt(e)) d),  e = n m / (n + m)
    (the correction brings the asymptotic p-value close to the exact one for small samples).
    NULL when n or m is below 1. -#}
{% macro ks_2samp_p_value(d, n, m) %}
  {{- return(adapter.dispatch('ks_2samp_p_value', 'ml_monitor')(d, n, m)) -}}
{% endmacro %}

{% macro default__ks_2samp_p_value(d, n, m) -%}
  {%- set root_e = 'sqrt(cast(' ~ n ~ ' as ' ~ ml_monitor.type_double() ~ ') * (' ~ m ~ ')'
      ~ ' / ((' ~ n ~ ') + (' ~ m ~ ')))' -%}
  (case when ({{ n }}) >= 1 and ({{ m }}) >= 1
        then {{ ml_monitor.kolmogorov_sf('(' ~ root_e ~ ' + 0.12 + 0.11 / ' ~ root_e ~ ') * (' ~ d ~ ')') }} end)
{%- endmacro %}
