{#- P(Z > z) for a standard normal Z and any real z, fractional error < 1.2e-7 (the Mills
    ratio's). One exp of ln(ratio) - z^2/2, clamped at -745 (PostgreSQL raises on underflow);
    beyond |z| = 38.6 the answer is 0 or 1 in double precision. -#}
{% macro normal_sf(z) %}
  {{- return(adapter.dispatch('normal_sf', 'ml_monitor')(z)) -}}
{% endmacro %}

{% macro default__normal_sf(z) -%}
  {%- set z = 'cast(' ~ z ~ ' as ' ~ ml_monitor.type_double() ~ ')' -%}
  {#- greatest() skips NULLs: hence the NULL branch -#}
  (case when {{ z }} is null then null
        when {{ z }} > 38.6 then 0 when {{ z }} < -38.6 then 1
        else abs(case when {{ z }} < 0 then 1 else 0 end
                 - exp(greatest(ln({{ ml_monitor.normal_mills_ratio('abs(' ~ z ~ ')') }})
                                - {{ z }} * {{ z }} / 2 - 0.9189385332046727, -745))) end)
{%- endmacro %}
