"""Temperature scaling, and how far probabilities are from meaning what they say.

A model whose texts rated 0.9 are right 70 % of the time is overconfident. Temperature scaling
(Guo et al., 2017) divides the scores a task's probabilities come from by one number T, fitted on
validation data by the negative log-likelihood: T > 1 softens overconfident probabilities, T < 1
sharpens timid ones. Dividing by a positive number keeps every score's sign and order, so argmax
and median decisions do not change, and tuned thresholds move with the probabilities (the
classifier tunes them again on the calibrated outputs).

Which scores a task's outputs come from (`SCORES`, one entry per task that has probabilities):
- binary: the positive class's log-odds;
- multiclass: the log-probabilities (softmax of them divided by T);
- multilabel: each label's log-odds (one T shared by the labels);
- ordinal: the log-odds of the cumulative events "level > k" (class probabilities follow).
Regression outputs are values, not probabilities: nothing here applies to them.

`expected_calibration_error` and `reliability` measure it in 15 equal-width bins of confidence:
the top label's probability for single-label tasks, each (text, label) probability for
multi-label ones. This module fits and applies; the classifier decides when (`calibrate=True`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from textladder.tasks.base import log_odds
from textladder.tasks.ordinal import cumulative_to_class_probs

N_BINS = 15
T_RANGE = (0.05, 20.0)  # temperatures searched; beyond them a validation set says little
_TINY = 1e-12


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _binary(output: np.ndarray, t: float) -> np.ndarray:
    positive = _sigmoid(log_odds(output[:, 1]) / t)
    return np.column_stack([1 - positive, positive])


def _softmax(output: np.ndarray, t: float) -> np.ndarray:
    scores = np.log(np.clip(output, _TINY, None)) / t
    scores -= scores.max(axis=1, keepdims=True)
    exp = np.exp(scores)
    return exp / exp.sum(axis=1, keepdims=True)


def _labels(output: np.ndarray, t: float) -> np.ndarray:
    return _sigmoid(log_odds(output) / t)


def _cumulative(output: np.ndarray, t: float) -> np.ndarray:
    greater = 1.0 - np.cumsum(output, axis=1)[:, :-1]  # P(level > k), k = 0..K-2
    return cumulative_to_class_probs(_sigmoid(log_odds(greater) / t))


# task name -> (output, T) -> output with its scores divided by T
SCORES: dict[str, Callable[[np.ndarray, float], np.ndarray]] = {
    "binary": _binary, "multiclass": _softmax, "multilabel": _labels, "ordinal": _cumulative,
}


def applies_to(task: str) -> bool:
    """Whether outputs of `task` are probabilities that temperature scaling can calibrate."""
    return task in SCORES


def scale(task: str, output: np.ndarray, temperature: float) -> np.ndarray:
    """`output` with its scores divided by `temperature` (1 leaves it as it is)."""
    output = np.asarray(output, dtype=float)
    if temperature == 1.0 or len(output) == 0:
        return output
    return SCORES[task](output, float(temperature))


def negative_log_likelihood(task: str, targets: np.ndarray, output: np.ndarray) -> float:
    """Mean NLL of the targets: of the true class (single-label), of each label's 0/1 value
    (multi-label, averaged over texts and labels)."""
    output = np.clip(np.asarray(output, dtype=float), _TINY, 1 - _TINY)
    targets = np.asarray(targets)
    if task == "multilabel":
        return float(-np.mean(targets * np.log(output) + (1 - targets) * np.log1p(-output)))
    return float(-np.mean(np.log(output[np.arange(len(targets)), targets.astype(int)])))


def fit_temperature(task: str, targets: np.ndarray, output: np.ndarray) -> float:
    """The T in `T_RANGE` that minimises the NLL of `scale(task, output, T)` (searched over
    log T, where the NLL is smooth); 1 for no data."""
    from scipy.optimize import minimize_scalar

    if len(targets) == 0:
        return 1.0
    low, high = np.log(T_RANGE[0]), np.log(T_RANGE[1])
    result = minimize_scalar(
        lambda log_t: negative_log_likelihood(task, targets, scale(task, output, np.exp(log_t))),
        bounds=(low, high), method="bounded", options={"xatol": 1e-4})
    best = float(np.exp(result.x))
    # the bounded search may stop short of 1 where the NLL is flat: keep 1 when it is as good
    fitted = negative_log_likelihood(task, targets, scale(task, output, best))
    return 1.0 if negative_log_likelihood(task, targets, output) <= fitted else best


def confidences(task: str, targets: np.ndarray,
                output: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(confidence, hit) pairs that calibration compares: the top label's probability and
    whether that label is the true one (single-label), or every label's probability and
    whether the label is on (multi-label)."""
    output = np.asarray(output, dtype=float)
    targets = np.asarray(targets)
    if task == "multilabel":
        return output.ravel(), targets.ravel().astype(float)
    return output.max(axis=1), (output.argmax(axis=1) == targets).astype(float)


def reliability(task: str, targets: np.ndarray, output: np.ndarray,
                bins: int = N_BINS) -> dict[str, Any]:
    """The reliability diagram's bins (mean confidence, share right, count; empty bins left
    out) and the expected calibration error: the bins' |confidence - accuracy| weighted by
    their share of the pairs."""
    confidence, hit = confidences(task, targets, output)
    which = np.clip((confidence * bins).astype(int), 0, bins - 1)
    counts = np.bincount(which, minlength=bins)
    sums = np.bincount(which, weights=confidence, minlength=bins)
    hits = np.bincount(which, weights=hit, minlength=bins)
    kept = counts > 0
    mean_conf, accuracy = sums[kept] / counts[kept], hits[kept] / counts[kept]
    total = max(int(counts.sum()), 1)
    ece = float(np.sum(np.abs(mean_conf - accuracy) * counts[kept]) / total)
    return {"confidence": mean_conf.tolist(), "accuracy": accuracy.tolist(),
            "count": counts[kept].astype(int).tolist(),
            "edges": np.flatnonzero(kept).tolist(), "bins": bins, "ece": ece}


def expected_calibration_error(task: str, targets: np.ndarray, output: np.ndarray,
                               bins: int = N_BINS) -> float:
    return reliability(task, targets, output, bins)["ece"]


@dataclass(frozen=True)
class Temperature:
    """A fitted temperature for one task's outputs; calling it calibrates outputs."""

    task: str
    temperature: float
    valid: dict[str, float] | None = None  # ECE and NLL on validation, before and after

    def __call__(self, output: np.ndarray) -> np.ndarray:
        return scale(self.task, output, self.temperature)

    def undo(self, output: np.ndarray) -> np.ndarray:
        """The outputs before calibration (up to float rounding at 0 and 1)."""
        return scale(self.task, output, 1.0 / self.temperature)

    @classmethod
    def fit(cls, task: str, targets: np.ndarray, output: np.ndarray) -> "Temperature":
        t = fit_temperature(task, targets, output)
        after = scale(task, output, t)
        valid = {"ece_before": expected_calibration_error(task, targets, output),
                 "ece_after": expected_calibration_error(task, targets, after),
                 "nll_before": negative_log_likelihood(task, targets, output),
                 "nll_after": negative_log_likelihood(task, targets, after),
                 "texts": int(len(targets))}
        return cls(task, t, valid)

    def to_config(self) -> dict[str, Any]:
        return {"method": "temperature", "temperature": self.temperature,
                "valid": self.valid or {}}

    @classmethod
    def from_config(cls, task: str, config: dict[str, Any] | None) -> "Temperature | None":
        if not config:
            return None
        return cls(task, float(config["temperature"]), config.get("valid"))

