{#- P(T > t) for T Student t with dof degrees of freedom (a whole number, per row); NULL
    when dof < 1. With w = t^2/dof and S = dof/2 ln(1 + w):
    S >= 3, a tail: P = 1/2 I_{1/(1+w)}(dof/2, 1/2), written as
      Gamma((dof+1)/2) / (2 sqrt(pi) Gamma(dof/2 + 1)) (1 + w)^(-(dof-1)/2)
        int_0^inf exp(-r) (w + 1 - exp(-2r/dof))^(-1/2) dr,
    an integrand smooth enough there for 10-point Gauss-Laguerre.
    S < 3 and dof > 6: P = 1/2 - t int_0^1 f(xt) dx, f the density
      Gamma((dof+1)/2) / (sqrt(dof pi) Gamma(dof/2)) (1 + s^2/dof)^(-(dof+1)/2),
    by 10-point Gauss-Legendre.
    S < 3 and dof <= 6: the closed forms (Abramowitz & Stegun 26.7.3, 26.7.4), with
    theta = atan(t / sqrt(dof)) and P = (1 - A)/2:
      odd dof:  A = 2/pi (theta + sin cos (1 + 2/3 cos^2 + 2 4/(3 5) cos^4 + ...)), dof = 1: 2 theta/pi;
      even dof: A = sin (1 + 1/2 cos^2 + 1 3/(2 4) cos^4 + ...).
    The closed forms cancel in the tail (the reason for the tail's quadrature); where these two
    subtract, P >= 7e-3 and nothing is lost. |t| > 1e150: 0 or 1 (1/(pi |t|) for dof = 1).
    Above dof = 1e9 the tail loses precision (1e-16 dof). Measured error: docs/statistics.md. -#}
{% macro student_t_sf(t, dof) %}
  {{- return(adapter.dispatch('student_t_sf', 'ml_monitor')(t, dof)) -}}
{% endmacro %}

{% macro default__student_t_sf(t, dof) -%}
  {%- set t = 'cast(' ~ t ~ ' as ' ~ ml_monitor.type_double() ~ ')' -%}
  {%- set v = '(' ~ dof ~ ')' -%}
  {%- set w = '(power(' ~ t ~ ', 2) / ' ~ v ~ ')' -%}
  {%- set log_u = 'ln(1 + ' ~ w ~ ')' -%}
  {#- Gauss-Laguerre nodes r and weights -#}
  {%- set laguerre = [
      (0.1377934705404926, 0.3084411157650173), (0.729454549503171, 0.4011199291552761),
      (1.8083429017403159, 0.2180682876118096), (3.4014336978548996, 0.062087456098677773),
      (5.552496140063804, 0.0095015169751811), (8.330152746764497, 0.0007530083885875384),
      (11.843785837900066, 2.8259233495995642e-05), (16.279257831378104, 4.249313984962698e-07),
      (21.99658581198076, 1.839564823979633e-09), (29.92069701227389, 9.91182721960906e-13)] -%}
  {%- set tail = [] -%}
  {%- for r, weight in laguerre -%}
    {%- do tail.append(weight ~ ' / sqrt(' ~ w ~ ' + 1 - exp(' ~ ('%.12e' | format(-2 * r)) ~ ' / ' ~ v ~ '))') -%}
  {%- endfor -%}
  {#- Gauss-Legendre on [0, 1]: squared nodes x^2 and weights -#}
  {%- set legendre = [
      (0.00017021731350629285, 0.03333567215434407), (0.004551973752327862, 0.0747256745752902),
      (0.02569455622455447, 0.109543181257991), (0.08026019484848777, 0.13463335965499826),
      (0.18110372271098882, 0.1477621123573764), (0.32997806169262, 0.1477621123573764),
      (0.513655588977735, 0.13463335965499826), (0.705104124523579, 0.109543181257991),
      (0.8696153404413125, 0.0747256745752902), (0.974076745830678, 0.03333567215434407)] -%}
  {%- set body = [] -%}
  {%- for x2, weight in legendre -%}
    {%- do body.append(weight ~ ' * power(1 + ' ~ x2 ~ ' * ' ~ w ~ ', -0.5 * (' ~ v ~ ' + 1))') -%}
  {%- endfor -%}
  {#- the closed forms' series in u = cos^2(theta), up to dof 6; a term's ratio to the previous
      one is (2j - 1)/(2j) for even dof and 2j/(2j + 1) for odd dof -#}
  {%- set odd = 'mod(' ~ v ~ ', 2)' -%}
  {%- set series = namespace(sql='1') -%}
  {%- for j in [2, 1] -%}
    {%- set even_ratio = (2 * j - 1) / (2 * j) -%}
    {%- set series.sql = '1 + (' ~ even_ratio ~ ' + ' ~ (2 * j / (2 * j + 1) - even_ratio) ~ ' * ' ~ odd ~ ') / (1 + '
        ~ w ~ ')'
                         ~ ' * (case when ' ~ v ~ ' > ' ~ (2 * j + 1) ~ ' then ' ~ series.sql ~ ' else 0 end)' -%}
  {%- endfor -%}
  {%- set theta = 'atan(' ~ t ~ ' / sqrt(' ~ v ~ '))' -%}
  (case when {{ v }} < 1 then null
        when abs({{ t }}) < 1e-100 then 0.5
        when abs({{ t }}) > 1e150 then abs(case when {{ t }} < 0 then 1 else 0 end
                                           - case when {{ v }} = 1 then 1 / (pi() * abs({{ t }})) else 0 end)
        when {{ v }} * {{ log_u }} >= 6 then abs(case when {{ t }} < 0 then 1 else 0 end - exp(greatest(
            {{ ml_monitor.ln_gamma_ratio(v) }} - 1.2655121234846454 - ({{ v }} - 1) * 0.5 * {{ log_u }}
            + ln({{ tail | join(' + ') }}), -745)))
        when {{ v }} > 6 then 0.5 - {{ t }} * exp({{ ml_monitor.ln_gamma_ratio(v) }} + 0.5 * ln({{ v }} / (4 * pi())))
            * ({{ body | join(' + ') }})
        else 0.5 - 0.5 * ({{ odd }} * 0.6366197723675814 * {{ theta }}
            + sin({{ theta }}) * (case when {{ v }} > 1 then {{ series.sql }} else 0 end)
              * (1 - {{ odd }} + {{ odd }} * 0.6366197723675814 / sqrt(1 + {{ w }}))) end)
{%- endmacro %}
