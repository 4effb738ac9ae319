"""What `--imbalance auto` chooses, and why: a rule from the imbalance ratio and measured evidence.

The rule:
- classes (or labels) within `BALANCED` of each other: none;
- a primary metric that counts every row alike (accuracy, mae, ...: `ROW_METRICS`): none, since
  class weights trade right answers on the common classes for recall on the rare ones, and such
  a metric counts that as a loss;
- label sets (multi-label): none, since each label's decision threshold is tuned on validation,
  which balances it already (`LABEL_SETS`, from the measured table);
- otherwise class weights, where the rung takes them;
- a rung that takes no strategy trains on its rows as they are.
"""

from __future__ import annotations

import numpy as np

from textladder.imbalance.counts import imbalance_ratio

BALANCED = 1.5  # largest / smallest count below which auto leaves the rows as they are
# On goemotions (BENCHMARKS.md, Class imbalance) class weights lowered test macro-F1 against none
# for tfidf (0.474 vs 0.481), minilm (0.384 vs 0.392) and gru (0.479 vs 0.494), and moved
# fasttext's by +0.002 (0.389 vs 0.388); and on small label sets a rare label's weight in the
# hundreds made the model call it on every text, an empty one too.
LABEL_SETS = ("each label's threshold, tuned on validation, already balances it: on goemotions "
              "class weights lowered the test macro-F1 of tfidf, minilm and gru (BENCHMARKS.md)")
ROW_METRICS = frozenset({"accuracy", "mae", "off_by_one_accuracy", "rmse",  # one per row
                         "micro_f1", "samples_f1", "subset_accuracy", "hamming_loss"})


def choose_strategy(task: str, counts: np.ndarray, family: type,
                    metric: str | None = None, where: str = "") -> tuple[str, str]:
    """(strategy, reason) for training `family` on a `task` with these class counts, judged
    by the primary `metric` (None: not known yet, as in `inspect`); `where` says which rows
    were counted (" in the training file")."""
    ratio = imbalance_ratio(counts)
    said = f"imbalance ratio {ratio:.1f}:1{where}"
    if ratio < BALANCED:
        return "none", f"{said}, below {BALANCED:g}:1: the classes are nearly balanced"
    if metric in ROW_METRICS:
        return "none", (f"{said}, but the primary metric {metric} counts every row alike, and "
                        f"balancing would trade common-class hits for rare-class recall")
    if task == "multilabel" and family.imbalance_strategies:
        return "none", f"{said}, but {LABEL_SETS}"
    if "weights" in family.imbalance_strategies:
        return "weights", f"{said}"
    return "none", f"{said}, but model '{family.name}' takes no imbalance strategy"


def recommend(task: str, counts: np.ndarray, metric: str | None = None,
              where: str = "") -> dict:
    """What `auto` takes on these counts, per rung: {"strategy", "reason", "rungs", "others"}
    (the choice of most rungs, and {rung: strategy} where a rung chooses otherwise). Only the
    rungs that take a strategy count: the baseline and the ensembles balance no rows."""
    from textladder.families import available_families, get_family

    if task == "regression":
        return {"strategy": "none", "reason": "a regression has no classes to balance",
                "rungs": [], "others": {}}
    takers = [n for n in available_families() if get_family(n).imbalance_strategies]
    choices = {name: choose_strategy(task, counts, get_family(name), metric, where)
               for name in takers or available_families()}  # the baseline, ensembles: no rows
    tally: dict[str, list[str]] = {}
    for name, (strategy, _) in choices.items():
        tally.setdefault(strategy, []).append(name)
    strategy = max(tally, key=lambda s: len(tally[s]))
    reason = next(r for name, (s, r) in choices.items() if s == strategy)
    return {"strategy": strategy, "reason": reason, "rungs": tally[strategy],
            "others": {name: s for name, (s, _) in choices.items() if s != strategy}}
