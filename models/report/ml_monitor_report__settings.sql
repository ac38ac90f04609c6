{#- The settings the charts draw: the time axis's grain, the rolling window, and the reference lines. -#}
{%- set double = ml_monitor.type_double() -%}
select
  {{ ml_monitor.string_literal(ml_monitor.time_grain()) }} as time_grain,
  {{ ml_monitor.setting('ml_monitor_rolling_windows') | min }} as rolling_window,
  cast({{ ml_monitor.setting('ml_monitor_psi_threshold') }} as {{ double }}) as psi_threshold,
  cast({{ ml_monitor.setting('ml_monitor_js_threshold') }} as {{ double }}) as js_threshold,
  cast({{ ml_monitor.setting('ml_monitor_band_width') }} as {{ double }}) as band_width
