"""Re-check the fast runtime's borderline decisions with the exact one.

The int8 ONNX runtime moves a text's outputs a little, so it can only change decisions that were
close to begin with. `Recheck` finds the texts whose fast outputs lie within `margin` of another
decision and recomputes just those with the default runtime, loaded on first need. The others
keep their fast outputs.

The margin is in log-odds (`Task.decision_margin`), where int8 moves a model's scores by about
the same amount at any probability. For decisions against a threshold (binary, multi-label,
ordinal) 0.08 is 0.02 in probability near 0.5 and far less near 0 or 1. For multi-class ones the
margin is half the gap between the two top log-probabilities, since both may move: 0.08 re-checks
a text whose top two are closer than 0.54 and 0.46.
In probability, a multi-label model whose rarest label has a threshold of 0.004 re-checked
99.6 % of GoEmotions texts.

0.08 was chosen on validation sentences of the four benchmark datasets (MiniLM, logistic head,
each with its task's export, `onnx_embedder.keeps_ffn_out_float`): it is the smallest margin
tried that kept at least 99 % of decisions on every one of them, re-checking 2.5 % (sst2), 10 %
(sst5, tweeteval) and 21 % (goemotions, 28 labels) of texts.

It does not make the two runtimes identical: a text beyond the margin whose fast outputs moved
further than the margin can still differ (the benchmark measures how often). Regression outputs
have no decision to flip, so nothing is re-checked there.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable, Sequence

import numpy as np

from textladder.errors import TextladderError

RECHECK_MARGIN = 0.08


def check_margin(margin: float) -> float:
    if not (isinstance(margin, numbers.Real) and not isinstance(margin, bool)
            and np.isfinite(margin) and margin >= 0):
        raise TextladderError(f"the recheck margin is a finite number of log-odds, 0 or more "
                              f"(0 turns re-checking off, {RECHECK_MARGIN:g} is the default); "
                              f"got {margin!r}.")
    return float(margin)


class Recheck:
    """Recompute outputs within `margin` of another decision with the exact family."""

    def __init__(self, task, load_exact: Callable[[], object], margin: float = RECHECK_MARGIN):
        self.task, self.load_exact, self.margin = task, load_exact, check_margin(margin)
        self.exact = None
        self.seen = self.rechecked = 0

    def __call__(self, texts: Sequence[str], output: np.ndarray) -> np.ndarray:
        close = np.flatnonzero(self.task.decision_margin(output) < self.margin)
        self.seen += len(texts)
        self.rechecked += len(close)
        if len(close) == 0:
            return output
        output = np.array(output, dtype=float)
        output[close] = self.task.check_output(
            self.exact_family().predict_output([texts[i] for i in close]))
        return output

    def exact_family(self):
        """The default runtime's family, loaded on first call."""
        if self.exact is None:
            self.exact = self.load_exact()
        return self.exact

    @property
    def share(self) -> float:
        """The share of texts re-checked so far."""
        return self.rechecked / self.seen if self.seen else 0.0
