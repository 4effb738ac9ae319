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


def recommend(task: str, counts: np.ndarray) -> dict:
    """What `auto` takes on these counts, per rung: {"strategy", "reason", "rungs", "others"}
    (the choice of most rungs, and {rung: strategy} where a rung chooses otherwise)."""
    from textladder.families import available_families, get_family

    if task == "regression":
        return {"strategy": "none", "reason": "a regression has no classes to balance",
                "rungs": [], "others": {}}
    choices = {name: choose_strategy(task, counts, get_family(name))
               for name in available_families()}
    tally: dict[str, list[str]] = {}
    for name, (strategy, _) in choices.items():
        tally.setdefault(strategy, []).append(name)
    strategy = max(tally, key=lambda s: len(tally[s]))
    reason = next(r for name, (s, r) in choices.items() if s == strategy)
    return {"strategy": strategy, "reason": reason, "rungs": tally[strategy],
            "others": {name: s for name, (s, _) in choices.items() if s != strategy}}
