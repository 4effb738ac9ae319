"""What `--imbalance auto` chooses, and why: a rule from the imbalance ratio and measured evidence.

The rule (provisional until the benchmark table is measured):
- classes (or labels) within `BALANCED` of each other: none;
- otherwise class weights, where the rung takes them;
- a rung that takes no strategy trains on its rows as they are.
"""

from __future__ import annotations

import numpy as np

from textladder.imbalance.counts import imbalance_ratio

BALANCED = 1.5  # largest / smallest count below which auto leaves the rows as they are


def choose_strategy(task: str, counts: np.ndarray, family: type) -> tuple[str, str]:
    """(strategy, reason) for training `family` on a `task` with these class counts."""
    ratio = imbalance_ratio(counts)
    said = f"imbalance ratio {ratio:.1f}:1"
    if ratio < BALANCED:
        return "none", f"{said}, below {BALANCED:g}:1: the classes are nearly balanced"
    if "weights" in family.imbalance_strategies:
        return "weights", f"{said}"
    return "none", f"{said}, but model '{family.name}' takes no imbalance strategy"
