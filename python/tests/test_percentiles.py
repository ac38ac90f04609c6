"""ml_monitor_percentiles: 'exact' equals numpy; 'approximate' (a bounded-memory sketch, for
logs too large to hold a group's values in memory) stays close to it; anything else is a
compile-time error naming the var."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from _tiny_project import build, reference, serving_log, table, tiny_project, write_tables
from ml_monitor.errors import MonitorError
from ml_monitor.names import ALL


# exact: the one dbt build of the fast tests (bin/test -m "not slow")
@pytest.mark.parametrize("mode", ["exact", pytest.param("approximate", marks=pytest.mark.slow)])
def test_percentiles_by_mode(tmp_path, mode):
    project = tiny_project(tmp_path, ml_monitor_percentiles=mode, ml_monitor_cohorts=["country"])
    log = serving_log(n_per_day=2000, days=2)  # rows 10 minutes apart: 15 daily buckets
    # values spread over many bins, ties and both ends of [0, 1]: the wanted ranks fall in
    # sparse and crowded bins alike
    rng = np.random.default_rng(17)
    spread = rng.random(len(log)).round(4)
    log["confidence"] = np.where(rng.random(len(log)) < 0.3, rng.choice([0.0, 0.5, 1.0], len(log)), spread)
    write_tables(project, predictions=log, reference=reference())
    # the statistics' table, not its public view (which adds the alert tests' models)
    build(project, "+int_ml_monitor__confidence", command="run")
    log["bucket_start"] = log.predicted_at.dt.floor("D")
    confidence = table(project, "int_ml_monitor__confidence")
    days = log.bucket_start.nunique()
    assert len(confidence) == days * (1 + 2) * (1 + 2)  # days x (all + 2 countries) x (all + 2 classes)
    if mode == "approximate":  # the whole population only: the sketch's guarantee is for large groups
        confidence = confidence[(confidence.cohort_name == ALL) & (confidence.predicted_class == ALL)]
    for row in confidence.itertuples():
        rows = log[log.bucket_start == pd.Timestamp(row.bucket_start)]
        if row.cohort_name != ALL:
            rows = rows[rows[row.cohort_name] == row.cohort_value]
        if row.predicted_class != ALL:
            rows = rows[rows.predicted_class == row.predicted_class]
        values = rows.confidence.to_numpy(float)
        for column, q in (("p10_confidence", 0.1), ("p50_confidence", 0.5), ("p90_confidence", 0.9)):
            got = getattr(row, column)
            if mode == "exact":
                assert got == pytest.approx(np.percentile(values, 100 * q), rel=1e-12), (row, column)
            else:  # within 2 % of the rank: the sketch's guarantee, ties included
                assert (values < got).mean() <= q + 0.02 and (values <= got).mean() >= q - 0.02


@pytest.mark.slow
def test_an_unknown_mode_names_the_var(tmp_path):
    project = tiny_project(tmp_path, ml_monitor_percentiles="median-of-medians")
    write_tables(project, predictions=serving_log(), reference=reference())
    with pytest.raises(MonitorError, match="ml_monitor_percentiles must be 'exact' or 'approximate'"):
        build(project, "+ml_monitor_base_stats", command="run")
