{#- Percentiles of `expr` (a value in [0, 1]) per model_id, bucket_start, cohort (long format,
    as ml_monitor.cohort_name_value) and predicted_class ('__all__' for every class): one
    row per group with a column p_<i> per fraction. `relation` (a table, CTE or parenthesised
    query) has model_id, bucket_start, predicted_class and the positional cohort columns
    (ml_monitor.cohort_input_columns); mode is var ml_monitor_percentiles.

    exact: numpy's linear interpolation, in bounded memory. A holistic aggregate holds every
    value of a group at once and cannot spill, so the order statistics come from two passes
    of ordinary, spillable operators instead: pass 1 counts the values of each group per bin
    of width 1/bins, and the cumulative counts name the bin holding each rank needed; pass 2
    ranks only the values in those bins, inside their bin. approximate: a sketch. -#}
{% macro cohort_percentiles(relation, expr, fractions, mode) %}
  {%- if mode == 'approximate' %}
    select model_id, bucket_start, {{ ml_monitor.cohort_name_value() }},
           case when class_rolled_up = 1 then '__all__' else predicted_class end as predicted_class
           {%- for fraction in fractions %},
           {{ ml_monitor.array_element('percentiles', loop.index) }} as p_{{ loop.index }}
           {%- endfor %}
    from (
        select model_id, bucket_start, predicted_class, {{ ml_monitor.cohort_grouping_columns() }}
               grouping(predicted_class) as class_rolled_up,
               {{ ml_monitor.approx_percentiles(expr, fractions) }} as percentiles
        from {{ relation }} as input_rows
        group by {{ ml_monitor.cohort_grouping_sets([['model_id', 'bucket_start'],
                                                     ['model_id', 'bucket_start', 'predicted_class']]) }}
    ) as sketched
  {%- else %}
    {#- 1024 bins: pass 1 holds at most 1024 counts per group, and pass 2 about 2/1024 of the
        values per fraction (more where values crowd into few bins) -#}
    {%- set bins = 1024 -%}
    {%- set keys = 'model_id, bucket_start, cohort_name, cohort_value, predicted_class' -%}
    {%- set bigint = dbt.type_bigint() -%}
    {%- set all = ml_monitor.string_literal(ml_monitor.reserved_values().all) -%}
    {%- set fine_keys = ['model_id', 'bucket_start', 'predicted_class'] -%}
    {%- for name in ml_monitor.cohort_columns() %}{% do fine_keys.append('cohort_' ~ loop.index) %}{% endfor -%}
    {#- the rows with their bin, read by each pass rather than shared in a CTE, which engines
        that materialise one read twice would copy whole for pass 2 -#}
    {%- set binned -%}
        (select *, cast(floor({{ expr }} * {{ bins }}) as {{ bigint }}) as bin from {{ relation }} as input_rows)
    {%- endset %}
    {#- pass 1: one aggregate over the rows into the finest groups, each group's counts then
        sums of theirs (GROUPING SETS) -#}
    with fine_bin_counts as (

        select {{ fine_keys | join(', ') }}, bin, count(*) as n_bin
        from {{ binned }} as binned
        group by {{ fine_keys | join(', ') }}, bin

    ),

    bin_counts as (

        select
            model_id, bucket_start, {{ ml_monitor.cohort_name_value() }},
            case when class_rolled_up = 1 then {{ all }} else predicted_class end as predicted_class,
            bin, n_bin
        from (
            select model_id, bucket_start, predicted_class, bin, {{ ml_monitor.cohort_grouping_columns() }}
                   grouping(predicted_class) as class_rolled_up, sum(n_bin) as n_bin
            from fine_bin_counts
            group by {{ ml_monitor.cohort_grouping_sets([['model_id', 'bucket_start', 'bin'],
                                                         ['model_id', 'bucket_start', 'predicted_class', 'bin']]) }}
        ) as rolled_up

    ),

    cumulative_counts as (

        select
            *,
            sum(n_bin) over (partition by {{ keys }} order by bin
                             rows between unbounded preceding and current row) - n_bin as n_before,
            sum(n_bin) over (partition by {{ keys }}) as n
        from bin_counts

    ),

    {#- the order statistics numpy's linear interpolation needs: h = (n - 1) f (0-based), between
        ranks floor(h) and floor(h) + 1 (the last one at most); each group's bin rows are
        checked against them (a filter: no join over the bins) -#}
    wanted_ranks as (
        {%- for fraction in fractions %}{% set outer = loop %}{% for is_upper in [0, 1] %}
        select {{ outer.index }} as fraction_index, cast({{ fraction }} as {{ ml_monitor.type_double() }}) as fraction,
               {{ is_upper }} as is_upper{{ " union all" if not (outer.last and loop.last) }}
        {%- endfor %}{% endfor %}
    ),

    wanted_bins as (

        select {{ keys }}, bin, fraction_index, is_upper, h, rank_in_group - n_before + 1 as rank_in_bin
        from (
            select
                c.*, r.fraction_index, r.is_upper, (c.n - 1) * r.fraction as h,
                least(cast(floor((c.n - 1) * r.fraction) as {{ bigint }}) + r.is_upper, c.n - 1) as rank_in_group
            from cumulative_counts as c
            cross join wanted_ranks as r
        ) as ranks
        where rank_in_group >= n_before and rank_in_group < n_before + n_bin

    ),

    {#- pass 2: each row joined to the wanted bins of its model, bucket and bin that are of a
        group it belongs to (its class or every class; the whole population or its value of
        a cohort column), ranked inside the bin. Joining on the bin first keeps the rows few:
        a copy of every row in a wanted bin per group, filtered afterwards, was 8 times as
        many rows to join. -#}
    group_bins as (

        select distinct {{ keys }}, bin from wanted_bins

    ),

    ranked_in_bin as (

        select *, row_number() over (partition by {{ keys }}, bin order by value) as rank_in_bin
        from (
            select g.*, r.value
            from (select *, {{ expr }} as value from {{ binned }} as binned) as r
            inner join group_bins as g
                on g.model_id = r.model_id and g.bucket_start = r.bucket_start and g.bin = r.bin
                and (g.predicted_class = {{ all }} or g.predicted_class = r.predicted_class)
                and (g.cohort_name = {{ all }}
                    {%- for name in ml_monitor.cohort_columns() %}
                    or (g.cohort_name = {{ ml_monitor.string_literal(name) }} and g.cohort_value = r.cohort_{{ loop.index }})
                    {%- endfor %})
        ) as group_rows

    ),

    {#- numpy's lerp, from the nearer end (t = 1 gives the upper value exactly) -#}
    bounds as (

        select
            {{ keys }}, fraction_index, h - floor(h) as t,
            max(case when is_upper = 0 then value end) as lower_value,
            max(case when is_upper = 1 then value end) as upper_value
        from wanted_bins
        inner join ranked_in_bin using ({{ keys }}, bin, rank_in_bin)
        group by {{ keys }}, fraction_index, h

    )

    select
        {{ keys }}
        {%- for fraction in fractions %},
        max(case when fraction_index = {{ loop.index }} then
            case
                when t >= 0.5 then upper_value - (upper_value - lower_value) * (1 - t)
                else lower_value + (upper_value - lower_value) * t
            end
        end) as p_{{ loop.index }}
        {%- endfor %}
    from bounds
    group by {{ keys }}
  {%- endif %}
{% endmacro %}
