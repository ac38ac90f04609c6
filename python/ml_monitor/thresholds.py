"""Decision thresholds and confidence calibration, fitted on the holdout split.

`fit_thresholds` and `fit_calibration` are pure functions of a frame of holdout rows
(model_id, predicted_class, confidence, label); `run` reads those rows from the dbt
staging view, fits both and writes ml_monitor_thresholds and ml_monitor_calibration.

Threshold (DESIGN §4): per model and predicted class c, a row predicted c is accepted when
its score >= t; precision = correct accepted / accepted; recall = correct accepted / holdout
rows labelled c (whatever they were predicted). Binary mode (a positive class) uses
p_positive over all of a model's rows: the usual positive-class precision and recall.
Each group costs two value sorts and one binary search; there is no loop over rows.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np
import pandas as pd
from sklearn.isotonic import IsotonicRegression

from .config import Project
from .errors import MonitorError
from .names import ALL, CALIBRATION, REFERENCE, THRESHOLDS
from .warehouse import Warehouse

HOLDOUT_COLUMNS = ["model_id", "predicted_class", "confidence", "label"]
OBJECTIVES = ("f1", "min_precision", "min_recall")


# --- thresholds ---------------------------------------------------------------------


def _objective(objective: str, min_precision: float | None, min_recall: float | None) -> tuple[str, float | None]:
    """The objective's label for the table and its bound, checked."""
    if objective not in OBJECTIVES:
        raise MonitorError(f"unknown threshold objective '{objective}' (use one of: {', '.join(OBJECTIVES)})")
    bounds = {"min_precision": min_precision, "min_recall": min_recall}
    for name, value in bounds.items():
        if value is not None and name != objective:
            raise MonitorError(f"{name} is only used with the objective {name} (the objective is {objective})")
    if objective == "f1":
        return "f1", None
    bound = bounds[objective]
    if bound is None or not 0 < bound <= 1:
        raise MonitorError(f"the objective {objective} needs {objective} in (0, 1]")
    return f"{objective}({bound:g})", bound


def _check_holdout(holdout: pd.DataFrame) -> None:
    missing = [c for c in HOLDOUT_COLUMNS if c not in holdout.columns]
    if missing:
        raise MonitorError(f"holdout rows lack the column(s) {', '.join(missing)}")
    if holdout.empty:
        raise MonitorError("no holdout rows to fit on")
    if holdout[HOLDOUT_COLUMNS].isna().any().any() or not holdout["confidence"].between(0, 1).all():
        raise MonitorError("holdout rows need a model_id, predicted_class, label and a confidence in [0, 1]")


def _partition(group: np.ndarray) -> Iterator[tuple[int, np.ndarray]]:
    """(group code, positions of its rows) for each group code present."""
    # Small unsigned codes get numpy's radix sort: linear time on millions of rows.
    order = np.argsort(group.astype(np.min_scalar_type(group.max())), kind="stable")
    counts = np.bincount(group)
    ends = np.cumsum(counts)
    for code in np.flatnonzero(counts):
        yield int(code), order[ends[code] - counts[code] : ends[code]]


class _Coded:
    """The holdout as integer codes: models, and classes shared by predictions and labels."""

    def __init__(self, holdout: pd.DataFrame):
        self.model, self.models = pd.factorize(holdout["model_id"], sort=True)
        predicted, predicted_classes = pd.factorize(holdout["predicted_class"])
        label, label_classes = pd.factorize(holdout["label"])
        self.classes = pd.Index(predicted_classes).union(pd.Index(label_classes))
        self.predicted = self.classes.get_indexer(predicted_classes)[predicted]
        self.label = self.classes.get_indexer(label_classes)[label]
        self.confidence = holdout["confidence"].to_numpy(float)


def _threshold_groups(holdout: pd.DataFrame, positive_class: str | None) -> Iterator[tuple]:
    """(model_id, predicted_class, score, hit, support) per fitted group.

    hit: the row is correct when accepted; support: the recall denominator.
    """
    data = _Coded(holdout)
    if positive_class is None:
        k = len(data.classes)
        group = data.model.astype(np.int64) * k + data.predicted
        hit = data.predicted == data.label
        support = np.bincount(data.model.astype(np.int64) * k + data.label, minlength=len(data.models) * k)
        for code, rows in _partition(group):
            yield data.models[code // k], data.classes[code % k], data.confidence[rows], hit[rows], int(support[code])
        return
    positive = data.classes.get_indexer([positive_class])[0]  # -1 when absent
    hit = data.label == positive
    if not hit.any():
        raise MonitorError(f"the positive class '{positive_class}' is not the label of any holdout row")
    score = np.where(data.predicted == positive, data.confidence, 1 - data.confidence)
    for code, rows in _partition(data.model):
        yield data.models[code], positive_class, score[rows], hit[rows], int(hit[rows].sum())


def _candidates(score: np.ndarray, hit: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every candidate threshold (the distinct scores, ascending) with the rows it accepts
    (score >= threshold) and the hits among them."""
    ordered = np.sort(score)
    first = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]])
    threshold = ordered[first]
    accepted = len(ordered) - first
    true_pos = hit.sum() - np.searchsorted(np.sort(score[hit]), threshold, side="left")
    return threshold, accepted, true_pos


def _metrics(accepted, true_pos, support: int) -> dict:
    """Precision, recall and F1 at each candidate (arrays) or at one (scalars); recall is
    NaN for a class no holdout row is labelled with."""
    with np.errstate(invalid="ignore", divide="ignore"):
        return {
            "precision": true_pos / accepted,
            "recall": true_pos / np.float64(support),
            # F1 as a ratio of integers, so that equal F1s tie exactly.
            "f1": 2 * true_pos / (accepted + support),
        }


def _choose(metrics: dict, objective: str, bound: float | None) -> tuple[int, bool]:
    """Index of the chosen candidate and whether the objective's constraint was met."""
    f1 = metrics["f1"]
    best_f1 = len(f1) - 1 - int(np.argmax(f1[::-1]))  # the last maximum: ties go to the higher threshold
    if objective == "f1":
        return best_f1, True
    met = np.flatnonzero(metrics["precision" if objective == "min_precision" else "recall"] >= bound)
    if met.size == 0:
        return best_f1, False
    # The lowest threshold keeping the precision (most recall); the highest keeping the recall.
    return int(met[0] if objective == "min_precision" else met[-1]), True


def fit_thresholds(
    holdout: pd.DataFrame,
    objective: str = "f1",
    min_precision: float | None = None,
    min_recall: float | None = None,
    positive_class: str | None = None,
) -> pd.DataFrame:
    """One threshold per model and predicted class (per model in binary mode).

    objective: "f1" (maximise F1, ties to the higher threshold), "min_precision" (the
    lowest threshold with precision >= min_precision) or "min_recall" (the highest with
    recall >= min_recall). Where no candidate meets the constraint, the best-F1 threshold
    is used and the objective column says `<objective>(<bound>):unmet`.
    """
    label, bound = _objective(objective, min_precision, min_recall)
    _check_holdout(holdout)
    fitted_at = pd.Timestamp.now(tz="UTC").floor("s")
    rows = []
    for model, cls, score, hit, support in _threshold_groups(holdout, positive_class):
        threshold, accepted, true_pos = _candidates(score, hit)
        index, met = _choose(_metrics(accepted, true_pos, support), objective, bound)
        rows.append(
            {
                "model_id": model,
                "predicted_class": cls,
                "threshold": threshold[index],
                "objective": label if met else f"{label}:unmet",
                **_metrics(accepted[index], true_pos[index], support),
                "support": support,
                "fitted_at": fitted_at,
            }
        )
    return pd.DataFrame(rows)


# --- calibration ----------------------------------------------------------------------


def _calibration_groups(holdout: pd.DataFrame) -> Iterator[tuple]:
    """(model_id, predicted_class, confidence, correct): each model whole, then each
    class it predicts on the holdout, however few its rows or however one-sided."""
    data = _Coded(holdout)
    correct = data.predicted == data.label
    for model, rows in _partition(data.model):
        yield data.models[model], ALL, data.confidence[rows], correct[rows]
        for cls, part in _partition(data.predicted[rows]):
            in_class = rows[part]
            yield data.models[model], data.classes[cls], data.confidence[in_class], correct[in_class]


def _step(knots: np.ndarray, values: np.ndarray, score: np.ndarray) -> np.ndarray:
    """The calibration step function: the value at the largest knot <= score (the first
    knot's value below it)."""
    return values[np.clip(np.searchsorted(knots, score, side="right") - 1, 0, None)]


# Isotonic regression fits on a seeded sample of at most this many rows per group: its
# cost grows with the rows (seconds per million) while the curve barely changes.
MAX_CALIBRATION_ROWS = 250_000


def _fit_rows(n: int) -> np.ndarray | slice:
    if n <= MAX_CALIBRATION_ROWS:
        return slice(None)
    return np.sort(np.random.default_rng(0).choice(n, MAX_CALIBRATION_ROWS, replace=False))


def _prior(confidence: np.ndarray, model_curve: pd.DataFrame, prior_rows: float) -> tuple:
    """The model's curve as pseudo-rows of total weight prior_rows, at the class's own
    holdout confidences (the fitted sample of them): a prior on P(correct) where the class
    has rows, and no say beyond them."""
    x = confidence[_fit_rows(len(confidence))]
    lower = model_curve["score_lower"].to_numpy()
    y = model_curve["calibrated_probability"].to_numpy()[np.searchsorted(lower, x, side="right") - 1]
    return x, y, np.full(len(x), prior_rows / len(x))


def _intervals(confidence: np.ndarray, correct: np.ndarray, prior: tuple | None = None) -> pd.DataFrame:
    rows = _fit_rows(len(confidence))
    x, y = confidence[rows], correct[rows].astype(float)
    weight = np.ones(len(x))
    if prior is not None:
        x, y, weight = np.r_[x, prior[0]], np.r_[y, prior[1]], np.r_[weight, prior[2]]
    iso = IsotonicRegression(out_of_bounds="clip", y_min=0, y_max=1).fit(x, y, sample_weight=weight)
    knots, values = iso.X_thresholds_, iso.y_thresholds_
    lower = np.r_[0.0, knots[(knots > 0) & (knots < 1)], 1.0]
    n = np.bincount(np.searchsorted(lower, confidence, side="right") - 1, minlength=len(lower))
    return pd.DataFrame(
        {
            "score_lower": lower,
            "score_upper": np.r_[lower[1:], 1.0],
            "calibrated_probability": _step(knots, values, lower),
            "n": n,
        }
    )


def fit_calibration(holdout: pd.DataFrame, prior_rows: float) -> pd.DataFrame:
    """Isotonic calibration of confidence -> P(correct), as a table of score intervals.

    One step function per model (predicted_class '__all__') and one per class the model
    predicts on the holdout. A class's curve is the
    isotonic fit of its own rows plus, at the same confidences, the model's curve as a
    Beta-like prior worth prior_rows rows in all (pseudo-rows, see _prior): at each
    confidence, roughly (correct + prior_rows' share × model's P) / (rows + that share).
    A class of thousands of rows follows its own rows, a class of five mostly the model's
    curve, and a class whose holdout rows are all correct (all wrong) gets a curve just
    below 1 (above 0) — what a few hundred successes show, never a certainty and never
    silently the model's curve. Beyond the class's lowest (highest) holdout confidence the
    curve stays at its first (last) value, as isotonic regression does: the model's curve
    there describes other classes. A class the holdout never predicts has no rows here;
    the SQL uses the model's curve for it and says so (calibration_source 'model').

    The isotonic fit's X thresholds are the knots; a score s takes the fit's value at the
    largest knot <= s (the lowest knot's value below it). This equals
    IsotonicRegression.predict at every knot; between two knots, where sklearn
    interpolates linearly, the step keeps the lower knot's value.

    The table holds that step function exactly: per (model, class), intervals
    [score_lower, score_upper) between consecutive knots, starting at 0.0, followed by the
    single point [1.0, 1.0]. A score s belongs to the interval with
    score_lower <= s and (s < score_upper or s = score_lower), which is exactly one.
    n counts the holdout rows in the interval. Groups of more than MAX_CALIBRATION_ROWS
    rows are fitted on a seeded sample of that size (n still counts every row).
    """
    _check_holdout(holdout)
    if not prior_rows > 0:
        raise MonitorError(f"the calibration prior needs a positive weight in rows, not {prior_rows}")
    parts = []
    for model, cls, confidence, correct in _calibration_groups(holdout):
        if cls == ALL:  # each model's own curve comes first: its classes' prior
            model_curve = _intervals(confidence, correct)
            parts.append(model_curve.assign(model_id=model, predicted_class=cls))
        else:
            curve = _intervals(confidence, correct, _prior(confidence, model_curve, prior_rows))
            parts.append(curve.assign(model_id=model, predicted_class=cls))
    columns = ["model_id", "predicted_class", "score_lower", "score_upper", "calibrated_probability", "n"]
    return pd.concat(parts, ignore_index=True)[columns]


# --- warehouse ------------------------------------------------------------------------


def _read_holdout(warehouse: Warehouse, project: Project) -> tuple[pd.DataFrame, int]:
    """The usable holdout rows, and how many holdout rows were left out as unusable."""
    if not warehouse.table_exists(REFERENCE):
        raise MonitorError(f"{warehouse.relation(REFERENCE)} does not exist: run dbt build first")
    view, split = warehouse.relation(REFERENCE), project.var("ml_monitor_holdout_split")
    total = int(warehouse.query(f"select count(*) as n from {view} where split = ?", [split])["n"].iloc[0])
    if total == 0:
        raise MonitorError(
            f"{view} has no row with split = {split!r}: no holdout rows to fit thresholds on"
            " (load the model's validation rows, or set ml_monitor_holdout_split)"
        )
    holdout = warehouse.query(
        f"select model_id, predicted_class, confidence, label from {view}"
        " where split = ? and predicted_class is not null and label is not null"
        " and confidence between 0 and 1",
        [split],
    )
    if holdout.empty:
        raise MonitorError(
            f"none of the {total} holdout rows (split = {split!r}) has a predicted_class,"
            " a label and a confidence in [0, 1]"
        )
    return holdout, total - len(holdout)


def run(
    warehouse: Warehouse,
    project: Project,
    objective: str = "f1",
    min_precision: float | None = None,
    min_recall: float | None = None,
) -> dict:
    """Fit thresholds and calibration on the holdout split and write both tables."""
    positive = project.var("ml_monitor_positive_class")
    # Labels are strings after staging; a var written as `1` in YAML means the label '1'.
    positive = None if positive is None else str(positive)
    _objective(objective, min_precision, min_recall)  # fail on bad options before reading
    holdout, excluded = _read_holdout(warehouse, project)
    thresholds = fit_thresholds(holdout, objective, min_precision, min_recall, positive)
    # one fit time for both tables: dbt recomputes base buckets computed with another fit
    calibration = fit_calibration(holdout, project.var("ml_monitor_calibration_prior_rows")).assign(
        fitted_at=thresholds["fitted_at"].iloc[0]
    )
    with warehouse.atomic():  # a threshold never meets the calibration of another fit
        warehouse.replace_table(THRESHOLDS, thresholds)
        warehouse.replace_table(CALIBRATION, calibration)
    return {
        "mode": "multiclass" if positive is None else f"binary (positive class '{positive}')",
        "holdout_rows": len(holdout),
        "excluded_rows": excluded,
        "thresholds": len(thresholds),
        "unmet": int(thresholds["objective"].str.endswith(":unmet").sum()),
        "calibrated_groups": int(calibration[["model_id", "predicted_class"]].drop_duplicates().shape[0]),
        "tables": [warehouse.relation(THRESHOLDS), warehouse.relation(CALIBRATION)],
    }
