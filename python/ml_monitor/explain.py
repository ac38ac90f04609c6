"""LIME explanations of a bounded set of serving predictions, per sample and per class.

The model comes from `model.load_model` and is used only through `model.Classifier`:
batched class probabilities plus the class of each column. Text
models are explained with LIME's text explainer (features are words); tabular models
with its tabular explainer, perturbing around each sample (`sample_around_instance`)
with the training statistics of the reference data, continuous features left
undiscretised so that a feature's weight means the same thing in every sample (the local
slope per standard deviation) and can be averaged over samples. A categorical feature
appears as `name=value`.

Each sample is explained for the class the model predicts for it (`explained_class`),
with its own explainer seeded alike, so an explanation does not depend on which other
samples were explained.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from . import names, samples
from .config import Project
from .model import classifier, model_classifier
from .warehouse import Warehouse

Progress = Callable[[int, int], None]


class TabularCodec:
    """Feature frames to the numeric matrices LIME works on and back: categorical values
    become codes, and the model always receives a frame with the original columns."""

    def __init__(self, reference: pd.DataFrame, features: Sequence[str], rows: pd.DataFrame):
        self.features = list(features)
        self.categories = {  # values of the rows too: a value unseen in training still needs a code
            f: sorted(set(reference[f].astype(str)) | set(rows[f].astype(str)))
            for f in self.features
            if not pd.api.types.is_numeric_dtype(reference[f]) or pd.api.types.is_bool_dtype(reference[f])
        }

    @property
    def categorical_indices(self) -> list[int]:
        return [self.features.index(f) for f in self.categories]

    def encode(self, frame: pd.DataFrame) -> np.ndarray:
        columns = [
            pd.Categorical(frame[f].astype(str), categories=self.categories[f]).codes
            if f in self.categories
            else frame[f].to_numpy(dtype=float)
            for f in self.features
        ]
        return np.column_stack(columns).astype(float)

    def decode(self, matrix: np.ndarray) -> pd.DataFrame:
        return pd.DataFrame(
            {
                f: np.asarray(self.categories[f], dtype=object)[matrix[:, i].round().astype(int)]
                if f in self.categories
                else matrix[:, i]
                for i, f in enumerate(self.features)
            }
        )


def explain_texts(
    rows: pd.DataFrame,
    model,
    *,
    classes: Sequence[str] | None = None,
    num_features: int = 10,
    num_samples: int = 500,
    seed: int = 0,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """LIME word weights (words as written: LIME splits on non-word characters and keeps
    case) for each row of `rows`: prediction_id and input, the text."""
    from lime.lime_text import LimeTextExplainer

    clf = classifier(model, classes)
    texts = rows[rows["input"].astype(str).str.contains(r"\w", regex=True)]  # LIME needs a word to remove
    return _explain(
        texts["prediction_id"].tolist(),
        texts["input"].astype(str).tolist(),
        clf,
        clf.classes,
        lambda: LimeTextExplainer(class_names=clf.classes, random_state=seed),
        num_features,
        num_samples,
        progress,
    )


def explain_tabular(
    rows: pd.DataFrame,
    reference: pd.DataFrame,
    model,
    features: Sequence[str],
    *,
    classes: Sequence[str] | None = None,
    num_features: int = 10,
    num_samples: int = 500,
    seed: int = 0,
    progress: Progress | None = None,
) -> pd.DataFrame:
    """LIME feature weights for each row of `rows` (prediction_id and features); the
    training statistics come from `reference` (its feature columns). Rows with a NULL
    feature are left out on both sides: LIME cannot perturb a missing value."""
    from lime.lime_tabular import LimeTabularExplainer

    clf = classifier(model, classes)
    reference, rows = reference.dropna(subset=list(features)), rows.dropna(subset=list(features))
    codec = TabularCodec(reference, features, rows)
    training = codec.encode(reference)

    def make_explainer():
        return LimeTabularExplainer(
            training,
            mode="classification",
            feature_names=codec.features,
            class_names=clf.classes,
            categorical_features=codec.categorical_indices,
            categorical_names={codec.features.index(f): values for f, values in codec.categories.items()},
            discretize_continuous=False,
            sample_around_instance=True,
            random_state=seed,
        )

    return _explain(
        rows["prediction_id"].tolist(),
        codec.encode(rows),
        lambda matrix: clf(codec.decode(matrix)),
        clf.classes,
        make_explainer,
        num_features,
        num_samples,
        progress,
    )


def _explain(ids, instances, predict, classes, make_explainer, num_features, num_samples, progress) -> pd.DataFrame:
    """One explanation per instance, for the class the model predicts for it.

    instances: texts, or rows of an encoded matrix; predict: LIME's classifier function,
    probabilities for a batch of instances as LIME builds them. Rank 1 is the largest |weight|.
    """
    predicted = predict(instances).argmax(axis=1) if len(ids) else []
    rows = []
    for done, (prediction_id, instance, label) in enumerate(zip(ids, instances, predicted), 1):
        # a fresh explainer per sample, seeded alike: explanations independent of each other
        explanation = make_explainer().explain_instance(
            instance, predict, labels=(int(label),), num_features=num_features, num_samples=num_samples
        )
        weights = sorted(explanation.as_list(label=int(label)), key=lambda fw: -abs(fw[1]))
        rows += [
            (prediction_id, classes[label], str(feature), float(weight), rank)
            for rank, (feature, weight) in enumerate(weights, 1)
        ]
        if progress:
            progress(done, len(ids))
    return pd.DataFrame(rows, columns=["prediction_id", "explained_class", "feature", "weight", "rank"])


def class_explanations(explanations: pd.DataFrame) -> pd.DataFrame:
    """Mean weight and mean |weight| of each feature over the explained samples of a class.

    A feature missing from a sample's explanation counts as weight 0 for that sample: the
    sums are divided by the number of explained samples of the class, not by the number of
    samples the feature appears in.
    """
    n = explanations.groupby("explained_class")["prediction_id"].nunique().rename("n_samples")
    summed = (
        explanations.assign(abs_weight=explanations["weight"].abs())
        .groupby(["explained_class", "feature"], as_index=False)[["weight", "abs_weight"]]
        .sum()
        .join(n, on="explained_class")
    )
    summed["mean_weight"] = summed["weight"] / summed["n_samples"]
    summed["mean_abs_weight"] = summed["abs_weight"] / summed["n_samples"]
    columns = ["explained_class", "feature", "mean_weight", "mean_abs_weight", "n_samples"]
    return summed[columns].sort_values(
        ["explained_class", "mean_abs_weight"], ascending=[True, False], ignore_index=True
    )


def _queued_ids(warehouse: Warehouse, model_id: str, limit: int) -> list[str]:
    """The first `limit` predictions of ml_monitor_label_queue (none while it does not
    exist): priority 1 first, so every reason gets its turn."""
    if limit <= 0 or not warehouse.table_exists(names.LABEL_QUEUE):
        return []
    q = warehouse.quote
    rows = warehouse.query(
        f"select {q('prediction_id')} as prediction_id, min({q('priority')}) as first_priority"
        f" from {warehouse.relation(names.LABEL_QUEUE)} where {q('model_id')} = ?"
        f" group by {q('prediction_id')} order by first_priority, prediction_id limit ?",
        [model_id, int(limit)],
    )
    return rows["prediction_id"].astype(str).tolist()


def run(
    warehouse: Warehouse,
    project: Project,
    model,
    *,
    model_id: str | None = None,
    per_class: int = 20,
    queue_limit: int = 100,
    reference_size: int = 2000,
    num_features: int = 10,
    num_samples: int = 500,
    seed: int = 0,
    progress: Progress | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Explain serving samples and write ml_monitor_explanations and ml_monitor_class_explanations.

    Samples: the first queue_limit predictions of ml_monitor_label_queue (when that table
    exists) and up to per_class random valid rows per predicted class. Tabular models take their
    training statistics from up to reference_size rows of the reference split. Returns
    the two frames written.
    """
    inputs = samples.model_inputs(project, "explain")
    model_id = samples.resolve_model_id(warehouse, names.PREDICTIONS, model_id)
    clf = model_classifier(warehouse, model, model_id)
    q = warehouse.quote
    valid = (f"{q('model_id')} = ? and {q('exclusion_reason')} is null and {inputs.present(q)}", [model_id])
    columns = {"prediction_id": "prediction_id", **inputs.columns}
    chosen = [
        samples.sample(
            warehouse,
            names.PREDICTIONS,
            columns,
            per_group=per_class,
            group_by=["predicted_class"],
            where=[valid],
            seed=seed,
        )
    ]
    queued = _queued_ids(warehouse, model_id, queue_limit)
    if queued:
        listed = (f"{q('prediction_id')} in ({', '.join('?' * len(queued))})", queued)
        chosen.insert(
            0,
            samples.sample(
                warehouse, names.PREDICTIONS, columns, per_group=queue_limit, where=[valid, listed], seed=seed
            ),
        )
    rows = pd.concat(chosen, ignore_index=True).drop_duplicates("prediction_id")
    settings = dict(num_features=num_features, num_samples=num_samples, seed=seed, progress=progress)
    if inputs.text:
        explanations = explain_texts(rows, clf, **settings)
    else:
        reference = samples.sample(
            warehouse,
            names.REFERENCE,
            inputs.columns,
            per_group=reference_size,
            seed=seed,
            where=[
                (
                    f"{q('model_id')} = ? and {q('split')} = ?",
                    [model_id, project.var("ml_monitor_reference_split")],
                )
            ],
        )
        explanations = explain_tabular(rows, reference, clf, inputs.features, **settings)
    by_class = class_explanations(explanations)
    with warehouse.atomic():
        samples.write_model_rows(warehouse, names.EXPLANATIONS, explanations, model_id)
        samples.write_model_rows(warehouse, names.CLASS_EXPLANATIONS, by_class, model_id)
    return explanations, by_class
