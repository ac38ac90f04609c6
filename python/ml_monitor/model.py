"""The model the Python steps use: loaded from a joblib file or a `module:callable`
(`load_model`), and called only through `Classifier` (batched class probabilities plus the
class of each column), so LIME and the perturbation checks see one interface."""

from __future__ import annotations

import importlib
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import joblib
import numpy as np
import pandas as pd

from . import samples
from .errors import MonitorError
from .warehouse import Warehouse

BATCH_SIZE = 1000  # rows per predict_proba call: bounds the memory a large model needs
_CALLABLE_SPEC = re.compile(r"[A-Za-z_][\w.]*:[A-Za-z_]\w*")


def load_model(spec: str) -> Any:
    """The model named by `spec`: a joblib file path, or `module:callable`.

    A joblib file is a pickle, and unpickling runs code: only the path given here is ever
    loaded, so give only files you trust. It must hold an estimator with predict_proba
    (e.g. a scikit-learn Pipeline). `module:callable` imports the module (it must be
    importable, e.g. on PYTHONPATH) and calls the callable with no arguments; it returns
    the model, or a predict_proba function itself.
    """
    if _CALLABLE_SPEC.fullmatch(spec) and not Path(spec).exists():
        module_name, name = spec.split(":")
        try:
            factory = getattr(importlib.import_module(module_name), name)
        except (ImportError, AttributeError) as exc:
            raise MonitorError(f"cannot load the model {spec}: {exc}") from None
        model = factory()
    else:
        path = Path(spec).expanduser()
        if not path.is_file():
            raise MonitorError(f"model file not found: {path}")
        if not _is_pickle_file(path):
            raise MonitorError(
                f"{path} is not a model file: expected a joblib (pickle) file of an estimator"
                " with predict_proba, or module:callable"
            )
        try:
            model = joblib.load(path)
        except Exception as exc:  # a corrupt file raises anything
            raise MonitorError(f"cannot read the model file {path}: {type(exc).__name__}: {exc}") from None
    if not (hasattr(model, "predict_proba") or callable(model)):
        raise MonitorError(f"the model from {spec} has no predict_proba and is not a function")
    return model


# How a joblib file begins: a pickle (protocol 2 or later), or one of joblib's compressions.
_PICKLE_STARTS = (b"\x80", b"\x78", b"\x1f\x8b", b"BZh", b"\xfd7zXZ", b"\x5d\x00\x00", b"\x04\x22\x4d\x18", b"ZF")


def _is_pickle_file(path: Path) -> bool:
    """Whether the file can be a joblib dump; a text file or a foreign binary cannot (and
    would fail in the unpickler with a meaningless KeyError). Unreadable files pass, for
    joblib.load to say why."""
    try:
        with path.open("rb") as file:
            head = file.read(6)
    except OSError:
        return True
    return head.startswith(_PICKLE_STARTS)


@dataclass(frozen=True)
class Classifier:
    """A model as the steps use it: probabilities of a batch of inputs, one column per class."""

    predict_proba: Callable[[Any], np.ndarray]
    classes: list[str]

    def __call__(self, inputs) -> np.ndarray:
        """Probabilities for a list of texts or a frame of features, BATCH_SIZE rows at a time."""
        parts = [
            np.asarray(self.predict_proba(_rows(inputs, start, start + BATCH_SIZE)), dtype=float)
            for start in range(0, len(inputs), BATCH_SIZE)
        ]
        proba = np.vstack(parts) if parts else np.empty((0, len(self.classes)))
        if proba.shape != (len(inputs), len(self.classes)):
            raise MonitorError(
                f"predict_proba returned shape {proba.shape} for {len(inputs)} inputs and {len(self.classes)} classes"
            )
        return proba


def _rows(inputs, start: int, stop: int):
    return inputs.iloc[start:stop] if isinstance(inputs, pd.DataFrame) else inputs[start:stop]


def classifier(model, classes: Sequence[str] | None = None) -> Classifier:
    """Wrap a model (or a predict_proba function); classes default to the model's `classes_`."""
    if isinstance(model, Classifier):
        return model
    classes = classes if classes is not None else getattr(model, "classes_", None)
    if classes is None:
        raise MonitorError("the model does not name its classes (no classes_): pass them explicitly")
    predict = model.predict_proba if hasattr(model, "predict_proba") else model
    return Classifier(predict, [str(c) for c in classes])


def model_classifier(warehouse: Warehouse, model, model_id: str) -> Classifier:
    """The model as a Classifier. A bare predict_proba function names no classes: its
    columns are taken in scikit-learn's order, the sorted labels of the reference data."""
    return classifier(model, None if hasattr(model, "classes_") else samples.reference_classes(warehouse, model_id))
