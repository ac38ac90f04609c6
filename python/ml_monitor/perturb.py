"""Perturbation checks: does the model keep its prediction when a holdout input changes the
way real inputs vary (typos, case, spacing, punctuation, a missing word, measurement noise)?

Each perturbation is a small function (inputs, rng) -> perturbed inputs, registered by
name: texts for text models, a frame of features for tabular ones. Every perturbation
draws from its own generator, seeded from the seed and its name, so its result does not
depend on which other perturbations run. Per perturbation and originally predicted class
(plus '__all__'): the share of predictions that change (flip_rate) and the mean absolute
change of the probability of the originally predicted class. A flip rate above the
tolerance is a failure: the model is fragile to variation it will meet in production.
"""

from __future__ import annotations

import functools
import re
import zlib
from collections.abc import Callable, Sequence

import numpy as np
import pandas as pd

from . import names, samples
from .config import Project
from .errors import MonitorError
from .model import classifier, model_classifier
from .warehouse import Warehouse

TYPO_RATE = 0.05  # per letter: about one word in four of six letters gets a typo
CASE_RATE = 0.3  # per word
WHITESPACE_RATE = 0.3  # per gap between words
PUNCTUATION_RATE = 0.1  # per word: a mark appended; existing marks dropped at 5x this rate
DROPOUT_RATE = 0.1  # per word
NOISE_SCALE = 0.1  # gaussian noise: this share of each numeric feature's standard deviation

_WORD = re.compile(r"\S+")
_MARKS = np.array(list(".,!?;:") + ["...", "!!"])
_CASES = (str.lower, str.upper, str.capitalize)


def _per_text(perturb_one: Callable[[str, np.random.Generator], str]):
    """A perturbation of many texts from one of a single text."""

    @functools.wraps(perturb_one)
    def perturb(texts: Sequence[str], rng: np.random.Generator) -> list[str]:
        return [perturb_one(text, rng) for text in texts]

    return perturb


@_per_text
def typos(text: str, rng: np.random.Generator) -> str:
    """Letters swapped with the next character or dropped, each at TYPO_RATE."""
    chars = list(text)
    for i in np.flatnonzero(rng.random(len(chars)) < TYPO_RATE)[::-1]:  # from the end: positions stay valid
        if not chars[i].isalpha():
            continue
        if rng.random() < 0.5 and i + 1 < len(chars):
            chars[i], chars[i + 1] = chars[i + 1], chars[i]
        else:
            del chars[i]
    return "".join(chars)


@_per_text
def change_case(text: str, rng: np.random.Generator) -> str:
    """Words put in lower, upper or capitalised case, each at CASE_RATE."""
    words = text.split(" ")
    hit, case = rng.random(len(words)) < CASE_RATE, rng.integers(len(_CASES), size=len(words))
    return " ".join(_CASES[c](w) if h else w for w, h, c in zip(words, hit, case))


@_per_text
def whitespace_noise(text: str, rng: np.random.Generator) -> str:
    """Gaps between words widened to runs of spaces, tabs or a newline, at WHITESPACE_RATE;
    and sometimes leading or trailing spaces."""
    words = text.split()
    gaps = [rng.choice(["  ", "\t", "\n", " \n "]) if rng.random() < WHITESPACE_RATE else " " for _ in words[1:]]
    body = "".join(w + g for w, g in zip(words, gaps)) + (words[-1] if words else "")
    return " " * int(rng.integers(0, 3)) + body + " " * int(rng.integers(0, 3))


@_per_text
def punctuation_noise(text: str, rng: np.random.Generator) -> str:
    """Marks appended to words at PUNCTUATION_RATE; existing marks dropped at 5x that rate."""

    def swap(match: re.Match) -> str:
        word = match.group()
        if rng.random() < 5 * PUNCTUATION_RATE:
            word = word.rstrip(".,!?;:") or word
        return word + (str(rng.choice(_MARKS)) if rng.random() < PUNCTUATION_RATE else "")

    return _WORD.sub(swap, text)


@_per_text
def word_dropout(text: str, rng: np.random.Generator) -> str:
    """Words dropped at DROPOUT_RATE, always keeping one."""
    words = text.split()
    kept = [w for w in words if rng.random() >= DROPOUT_RATE]
    return " ".join(kept or words[:1])


def gaussian_noise(frame: pd.DataFrame, rng: np.random.Generator) -> pd.DataFrame:
    """Numeric features plus normal noise of NOISE_SCALE x their standard deviation in the
    sample; integer features stay integers (rounded), other features are unchanged."""
    noisy = frame.copy()
    for column in frame.columns:
        values = frame[column]
        if pd.api.types.is_bool_dtype(values) or not pd.api.types.is_numeric_dtype(values):
            continue
        changed = values + rng.normal(0.0, NOISE_SCALE * np.nan_to_num(values.std()), len(values))
        noisy[column] = changed.round().astype(values.dtype) if pd.api.types.is_integer_dtype(values) else changed
    return noisy


TEXT_PERTURBATIONS: dict[str, Callable] = {
    "typos": typos,
    "case": change_case,
    "whitespace": whitespace_noise,
    "punctuation": punctuation_noise,
    "word_dropout": word_dropout,
}
TABULAR_PERTURBATIONS: dict[str, Callable] = {"gaussian_noise": gaussian_noise}

COLUMNS = ["perturbation", "predicted_class", "n", "flip_rate", "mean_abs_confidence_change", "tolerance", "is_failure"]


def check(
    inputs,
    model,
    *,
    perturbations: dict[str, Callable] | None = None,
    classes: Sequence[str] | None = None,
    tolerance: float = 0.1,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Flip rates and confidence changes of the model under each perturbation.

    inputs: a list of texts or a frame of features (the holdout sample). perturbations:
    name -> function; default: the text or the tabular registry, by the kind of inputs.
    """
    clf = classifier(model, classes)
    is_text = not isinstance(inputs, pd.DataFrame)
    if is_text:
        inputs = [str(text) for text in inputs]
    if perturbations is None:
        perturbations = TEXT_PERTURBATIONS if is_text else TABULAR_PERTURBATIONS
    original = clf(inputs)
    predicted = original.argmax(axis=1)
    results = []
    for done, (name, perturb) in enumerate(perturbations.items(), 1):
        rng = np.random.default_rng([seed, zlib.crc32(name.encode())])
        after = clf(perturb(inputs, rng))
        results.append(
            _summary(
                name,
                np.asarray(clf.classes)[predicted],
                after.argmax(axis=1) != predicted,
                np.abs(after - original)[np.arange(len(predicted)), predicted],
                tolerance,
            )
        )
        if progress:
            progress(done, len(perturbations))
    return pd.concat(results, ignore_index=True) if results else pd.DataFrame(columns=COLUMNS)


def _summary(name: str, predicted_class, flipped, change, tolerance: float) -> pd.DataFrame:
    """One row per originally predicted class and one for all of them (names.ALL)."""
    rows = pd.DataFrame({"predicted_class": predicted_class, "flipped": flipped, "change": change})
    stats = {
        "n": ("flipped", "size"),
        "flip_rate": ("flipped", "mean"),
        "mean_abs_confidence_change": ("change", "mean"),
    }
    summary = pd.concat(
        [
            rows.groupby("predicted_class", as_index=False).agg(**stats),
            rows.assign(predicted_class=names.ALL).groupby("predicted_class", as_index=False).agg(**stats),
        ],
        ignore_index=True,
    )
    summary.insert(0, "perturbation", name)
    summary["tolerance"] = tolerance
    summary["is_failure"] = summary["flip_rate"] > tolerance
    return summary[COLUMNS]


def run(
    warehouse: Warehouse,
    project: Project,
    model,
    *,
    model_id: str | None = None,
    per_class: int = 200,
    perturbations: Sequence[str] | None = None,
    tolerance: float = 0.1,
    seed: int = 0,
    progress: Callable[[int, int], None] | None = None,
) -> pd.DataFrame:
    """Check the model on up to per_class holdout rows of each label and write
    ml_monitor_perturbation_checks. perturbations: names from the registry of the model's
    kind of input (default: all of them). Returns the frame written."""
    inputs = samples.model_inputs(project, "perturb")
    registry = TEXT_PERTURBATIONS if inputs.text else TABULAR_PERTURBATIONS
    unknown = sorted(set(perturbations or ()) - set(registry))
    if unknown:
        raise MonitorError(f"unknown perturbation(s) {', '.join(unknown)}; choose from {', '.join(registry)}")
    chosen = {name: registry[name] for name in perturbations} if perturbations else registry
    model_id = samples.resolve_model_id(warehouse, names.REFERENCE, model_id)
    clf = model_classifier(warehouse, model, model_id)
    split = project.var("ml_monitor_holdout_split")
    q = warehouse.quote
    holdout = samples.sample(
        warehouse,
        names.REFERENCE,
        inputs.columns,
        per_group=per_class,
        group_by=["label"],
        seed=seed,
        key=["prediction_id", *([inputs.text] if inputs.text else [])],
        where=[(f"{q('model_id')} = ? and {q('split')} = ? and {inputs.present(q)}", [model_id, split])],
    )
    if holdout.empty:
        raise MonitorError(f"no rows of the holdout split '{split}' with the model's inputs for model '{model_id}'")
    data = holdout["input"].tolist() if inputs.text else holdout[inputs.features]
    checks = check(data, clf, perturbations=chosen, tolerance=tolerance, seed=seed, progress=progress)
    samples.write_model_rows(warehouse, names.PERTURBATION_CHECKS, checks, model_id)
    return checks
