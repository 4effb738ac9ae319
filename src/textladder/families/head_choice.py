"""Choosing between candidate models on validation without chasing its noise.

A validation set of a thousand rows scores two good models a point apart by chance alone, and
the best of several candidates on it is the luckiest as often as the best. `beats` keeps a
challenger over a reference only when the challenger's gain on validation exceeds `margin`
standard errors of that gain, estimated by a paired bootstrap over the validation rows: both
models are scored on the same resampled rows, so what they share (hard rows, easy rows) cancels.
Each model's decision (thresholds) is tuned once on the whole validation set, as at fit, and kept
fixed across resamples. `search_linear_with_reference` applies the rule to a grid of linear
models: the reference candidate (the first C) stays unless another is clearly better.

Nothing here fits a neural network or encodes texts: neural models come in as their validation
outputs; only the linear candidates are fitted here.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from textladder.families.linear_heads import LINEAR_HEADS, linear_candidates
from textladder.families.linear_search import LinearChoice
from textladder.families.resampled_scores import resampled_scores
from textladder.progress import Progress
from textladder.tasks.base import LOWER_IS_BETTER, Task

ROUNDS = 200  # bootstrap resamples; the standard error is itself within about 5 % of its value


@dataclass(frozen=True)
class Comparison:
    """A challenger against a reference on validation (scores oriented: greater is better)."""

    challenger: float
    reference: float
    standard_error: float
    margin: float

    @property
    def gain(self) -> float:
        return self.challenger - self.reference

    @property
    def kept(self) -> bool:
        """True when the challenger wins by more than `margin` standard errors (and wins)."""
        return self.gain > max(self.margin * self.standard_error, 0.0)

    def record(self) -> dict:
        return {"gain": round(self.gain, 6), "standard_error": round(self.standard_error, 6),
                "margin_se": self.margin}


def _resample_weights(n: int, rounds: int, rng: np.random.Generator) -> np.ndarray:
    """(rounds, n): how often each of n rows is drawn in each bootstrap resample."""
    return np.stack([np.bincount(rng.integers(0, n, n), minlength=n) for _ in range(rounds)])


def _scores_on(task: Task, targets: np.ndarray, output: np.ndarray,
               weights: np.ndarray | None) -> tuple[float, np.ndarray]:
    """The primary metric (greater is better) on all rows and on each resample (none without
    `weights`), with the decision tuned once on all rows."""
    tuned = task.tuned_copy(targets, output)
    sign = -1.0 if task.primary_metric in LOWER_IS_BETTER else 1.0
    whole = tuned.score(targets, output)
    whole = -np.inf if np.isnan(whole) else sign * whole
    if weights is None:
        return whole, np.zeros(0)
    resampled = resampled_scores(tuned, targets, tuned.decide(output), weights)
    if resampled is None:  # a metric not counted there: through the task, one resample at a time
        resampled = np.array([tuned.score(targets[rows], output[rows]) for rows in
                              (np.repeat(np.arange(len(targets)), w) for w in weights)])
    return whole, sign * resampled


def beats(task: Task, targets: np.ndarray, challenger: np.ndarray, reference: np.ndarray,
          margin: float = 1.0, seed: int = 0, rounds: int = ROUNDS) -> Comparison:
    """Whether `challenger` (validation outputs) beats `reference` by more than `margin`
    standard errors of the paired gain; `margin` 0 keeps any strict gain."""
    targets = np.asarray(targets)
    weights = None
    if margin > 0:
        weights = _resample_weights(len(targets), rounds, np.random.default_rng(seed))
    a, a_resampled = _scores_on(task, targets, challenger, weights)
    b, b_resampled = _scores_on(task, targets, reference, weights)
    gains = a_resampled - b_resampled
    gains = gains[np.isfinite(gains)]
    error = float(np.std(gains, ddof=1)) if len(gains) > 1 else 0.0
    return Comparison(float(a), float(b), error, margin)


def search_linear_with_reference(X, targets: np.ndarray, X_valid, valid_targets: np.ndarray,
                                 task: Task, grid: list[float], seed: int,
                                 progress: Progress, name: str, margin: float,
                                 weights: np.ndarray | None = None
                                 ) -> tuple[LinearChoice, np.ndarray]:
    """Fit every linear head of `linear_candidates(task)` at every C of `grid` (with the
    imbalance plan's class `weights`, if any); the first head at the first C is the reference,
    and the best of the others replaces it only when `beats` says so. Returns the kept one (its
    validation score in `score`, its head in `chosen["linear_head"]`) and its validation
    outputs."""
    candidates = [(head, C) for head in linear_candidates(task) for C in grid]
    fitted = []
    with progress.step(f"{name}: linear head, C on validation", total=len(candidates)) as step:
        for head_name, C in candidates:
            head = LINEAR_HEADS[head_name]
            model = head.build(C, weights, seed, task.n_outputs).fit(X, targets)
            output = head.output(model, X_valid)
            score = task.selection_score(valid_targets, output)
            score = -np.inf if np.isnan(score) else float(score)
            fitted.append((score, model, output, {"C": C, "linear_head": head_name}))
            step.update(f"{name}: {head_name} C={C:g} -> {abs(score):.4f}")
            step.advance()
    best = LinearChoice(history=[{**chosen, "score": score} for score, _, _, chosen in fitted])
    kept = fitted[0]
    if len(fitted) > 1:
        challenger = max(fitted[1:], key=lambda f: f[0])
        comparison = beats(task, valid_targets, challenger[2], kept[2], margin, seed)
        if comparison.kept:
            kept = challenger
        best.chosen["against_reference"] = {**comparison.record(),
                                            "challenger": challenger[3]}
    best.score, best.model = kept[0], kept[1]
    best.chosen.update(kept[3])
    return best, kept[2]
