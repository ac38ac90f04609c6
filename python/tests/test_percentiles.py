"""ml_monitor_percentiles: 'exact' equals numpy; 'approximate' (a bounded-memory sketch, for
logs too large to hold a group's values in memory) stays close to it; anything else is a
compile-time error naming the var."""

from __future__ import annotations

import numpy as np
import pytest

from _tiny_project import build, reference, serving_log, table, tiny_project, write_tables
from ml_monitor.errors import MonitorError
from ml_monitor.names import ALL


# exact: the one dbt build of the fast tests (bin/test -m "not slow")
@pytest.mark.parametrize("mode", ["exact", pytest.param("approximate", marks=pytest.mark.slow)])
def test_percentiles_by_mode(tmp_path, mode):
    project = tiny_project(tmp_path, ml_monitor_percentiles=mode)
    log = serving_log(n_per_day=2000, days=2)
    write_tables(project, predictions=log, reference=reference())
    build(project, "+ml_monitor_confidence", command="run")
    confidence = table(project, "ml_monitor_confidence")
    population = confidence[(confidence.cohort_name == ALL) & (confidence.predicted_class == ALL)]
    for row in population.itertuples():
        values = log.loc[log.predicted_at.dt.floor("D") == row.bucket_start, "confidence"].to_numpy(float)
        for column, q in (("p10_confidence", 0.1), ("p50_confidence", 0.5), ("p90_confidence", 0.9)):
            got = getattr(row, column)
            if mode == "exact":
                assert got == pytest.approx(np.percentile(values, 100 * q), rel=1e-12)
            else:  # within 2 % of the rank: the sketch's guarantee, ties included
                assert (values < got).mean() <= q + 0.02 and (values <= got).mean() >= q - 0.02


@pytest.mark.slow
def test_an_unknown_mode_names_the_var(tmp_path):
    project = tiny_project(tmp_path, ml_monitor_percentiles="median-of-medians")
    write_tables(project, predictions=serving_log(), reference=reference())
    with pytest.raises(MonitorError, match="ml_monitor_percentiles must be 'exact' or 'approximate'"):
        build(project, "+ml_monitor_base_stats", command="run")
