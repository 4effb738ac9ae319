"""Re-check the int8 runtime's borderline decisions with the float32 export.

The int8 ONNX runtime moves a text's outputs a little, so it can only change decisions that were
close to begin with. `Recheck` finds the texts whose int8 outputs lie within `margin` of another
decision and recomputes just those with the model's float32 export, loaded on first need (the
default runtime's outputs up to rounding, faster on a CPU). The others keep their int8 outputs.

The margin is in log-odds (`Task.decision_margin`), where int8 moves a model's scores by about
the same amount at any probability. For decisions against a threshold (binary, multi-label,
ordinal) 0.08 is 0.02 in probability near 0.5 and far less near 0 or 1. For multi-class ones the
margin is half the gap between the two top log-probabilities, since both may move: 0.08 re-checks
a text whose top two are closer than 0.54 and 0.46.
In probability, a multi-label model whose rarest label has a threshold of 0.004 re-checked
99.6 % of GoEmotions texts.

How far int8 moves a model's outputs depends on the model and its texts, so `choose_margin`
picks each export's margin on the texts the export is given (`exporter.py`; validation texts): the
smallest step of `MARGIN_STEPS` at which the int8 runtime, re-checked, makes the default
runtime's decision on at least `RECHECK_TARGET` of them. An export that reaches it at no step
gets the largest, which may re-check most texts and be slower than the default runtime:
agreement comes first. An export given no texts re-checks at `RECHECK_MARGIN`, 0.08: before each
model chose its own, that was chosen on validation sentences of the four benchmark datasets
(MiniLM, logistic head, smoothed exports): the smallest margin tried that kept at least 99 % of
decisions on every one of them, re-checking 2.5 % (sst2), 10 % (sst5, tweeteval) and 21 %
(goemotions, 28 labels) of texts.

It does not make the two runtimes identical: a text beyond the margin whose int8 outputs moved
further than the margin can still differ (the benchmark measures how often). Regression outputs
have no decision to flip, so nothing is re-checked there.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np

from textladder.errors import TextladderError

RECHECK_MARGIN = 0.08  # for exports given no texts to choose one on

# The aim is 99 % of new texts' decisions. Agreement measured on 1,000 validation texts has a
# standard error of about 0.3 points near 99 %, so half a point of slack is roughly a one-sided
# 95 % allowance there: less on smaller validation sets (under 200 texts it asks for every
# decision), and no guarantee (the smallest margin that clears the bar favours a lucky sample).
# It was set after MiniLM on sst5 kept 99.46 % of validation decisions at 0.08 and 98.64 % of
# test ones; no margin was chosen on test.
RECHECK_TARGET = 0.995
# Steps of 0.01 up to 0.2, where the int8 exports' margins fall (with the former steps, 0.02
# apart, the step above the smallest margin that holds could re-check a point or two more texts
# than needed). Agreement rises almost monotonically with the margin, so finer steps pick it
# closer without choosing among many unrelated options; they also leave less room above the
# target on validation, which its slack is for.
MARGIN_STEPS = tuple(round(0.01 * i, 2) for i in range(21)) + (0.25, 0.3, 0.4, 0.5, 0.75, 1.0,
                                                                1.5, 2.0)


def check_margin(margin: float) -> float:
    if not (isinstance(margin, numbers.Real) and not isinstance(margin, bool)
            and np.isfinite(margin) and margin >= 0):
        raise TextladderError(f"the re-check margin is a finite number of log-odds, 0 or more "
                              f"(0 turns re-checking off; by default a model uses the one its "
                              f"export chose, or {RECHECK_MARGIN:g}); got {margin!r}.")
    return float(margin)


class Recheck:
    """Recompute outputs within `margin` of another decision with the exact family (the model
    with its float32 export), which `load_exact` loads on first need."""

    def __init__(self, task, load_exact: Callable[[], object], margin: float):
        self.task, self.load_exact, self.margin = task, load_exact, check_margin(margin)
        self.exact = None
        self.seen = self.rechecked = 0

    def __call__(self, texts: Sequence[str], output: np.ndarray,
                 side: np.ndarray | None = None) -> np.ndarray:
        """`output` with the texts close to another decision predicted again (with their rows
        of `side`, for a model that reads columns beside the text)."""
        from textladder.families.base import side_arguments

        close = np.flatnonzero(self.task.decision_margin(output) < self.margin)
        self.seen += len(texts)
        self.rechecked += len(close)
        if len(close) == 0:
            return output
        output = np.array(output, dtype=float)
        picked = side_arguments(None if side is None else side[close])
        output[close] = self.task.check_output(
            self.exact_family().predict_output([texts[i] for i in close], **picked))
        return output

    def exact_family(self):
        """The re-checking family, loaded on first call."""
        if self.exact is None:
            self.exact = self.load_exact()
        return self.exact

    @property
    def share(self) -> float:
        """The share of texts re-checked so far."""
        return self.rechecked / self.seen if self.seen else 0.0


def same_decisions(task, first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Per text, whether the two outputs lead to the same decision (a whole label set)."""
    a, b = task.decide(first), task.decide(second)
    return (a == b).reshape(len(a), -1).all(axis=1)


def choose_margin(task, exact: np.ndarray, fast: np.ndarray, target: float = RECHECK_TARGET,
                  refined: np.ndarray | None = None) -> dict | None:
    """The smallest of `MARGIN_STEPS` at which `fast` outputs, re-checked, decide as `exact`
    ones on at least `target` of the texts (the largest step if none does), with the agreement
    and the share re-checked there; None where the task makes no decisions (regression).
    `refined` are the outputs a re-check gives (the float32 export's), `exact` by default."""
    refined = exact if refined is None else refined
    margins = task.decision_margin(fast)
    if len(fast) == 0 or not np.isfinite(margins).any():
        return None
    for margin in MARGIN_STEPS:
        close = margins < margin
        mixed = np.where(close.reshape(-1, *[1] * (fast.ndim - 1)), refined, fast)
        agreement = float(same_decisions(task, exact, mixed).mean())
        if agreement >= target:
            break
    return {"recheck_margin": margin, "agreement": agreement, "rechecked": float(close.mean()),
            "texts": len(fast), "target": target}
