"""The imbalance plan of one fit: which strategy, why, and what it did to the training rows.

`plan_imbalance` turns the user's options (`imbalance=`, `class_weight=`, `sampling_ratio=`)
into an `Imbalance` for a task, its training targets and a model family, or refuses them in one
line where they do not apply (SMOTE on a rung without vector features, or on label sets; any
strategy on a regression; a strategy the rung cannot take). `auto` is resolved here too
(`auto.py`). A family applies the plan to its own training rows only, through the methods below:

- `weights(targets)`: per-class (or per-label positive) weights for its loss, or None;
- `sample_rows(targets, seed)`: row indices after over- or undersampling, or None;
- `resample(features, targets, seed)`: features and targets after any resampling (rows taken,
  or SMOTE's rows added); the rungs with vector features call it after featurising;
- `focal_gamma`: the focusing parameter of the focal loss (0: the plain loss).

What the plan did (rows and label counts before and after, the weights used) is kept in
`effect`, and saved with the model (`to_config`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from textladder.errors import TextladderError
from textladder.imbalance import sampling
from textladder.imbalance.counts import (balanced_weights, imbalance_ratio, label_counts,
                                         parse_class_weight, user_weights)

STRATEGIES = ("auto", "none", "weights", "oversample", "undersample", "smote", "focal")
SAMPLERS = ("oversample", "undersample", "smote")
WORDS = {
    "none": "the training rows as they are",
    "weights": "class weights in the loss",
    "oversample": "minority rows repeated at random",
    "undersample": "majority rows dropped at random",
    "smote": "synthetic minority rows between neighbours in the features (SMOTE)",
    "focal": "focal loss: class weights, and rows the model gets right weigh less",
}
FOCAL_GAMMA = 2.0  # Lin et al. 2017's focusing parameter
# How far resampling goes by default (see `sampling.py`): every class to the largest; for label
# sets, every label's positives to a tenth of the commonest label's (to the largest would
# repeat GoEmotions' 77 "grief" rows 180 times, and grow the data eight-fold).
DEFAULT_RATIO = {"single": 1.0, "multilabel": 0.1}


@dataclass
class Imbalance:
    """One fit's strategy against class imbalance (see the module docstring)."""

    strategy: str = "none"
    requested: str = "none"
    reason: str = ""
    labels: list[str] = field(default_factory=list)
    multilabel: bool = False
    class_weight: dict[str, float] | None = None  # the user's own, by label name
    sampling_ratio: float | None = None
    effect: dict[str, Any] = field(default_factory=dict)

    # ----- what a family asks -----------------------------------------------------------------
    @property
    def focal_gamma(self) -> float:
        return FOCAL_GAMMA if self.strategy == "focal" else 0.0

    @property
    def ratio(self) -> float:
        if self.sampling_ratio is not None:
            return float(self.sampling_ratio)
        return DEFAULT_RATIO["multilabel" if self.multilabel else "single"]

    def weights(self, targets: np.ndarray) -> np.ndarray | None:
        """Per-class weights (single-label) or per-label positive weights, or None. The focal
        loss takes them too: its alpha-balanced form (Lin et al. 2017, eq. 5), whose alpha are
        the class weights; without them it only refocuses on hard rows and leaves the classes'
        priors as they are (it did not raise a minority's recall in our tests)."""
        if self.strategy not in ("weights", "focal"):
            return None
        if self.class_weight is not None:
            weights = user_weights(self.class_weight, self.labels)
        else:
            weights = balanced_weights(targets, len(self.labels), self.multilabel)
        kind = "positive_weights" if self.multilabel else "class_weights"
        self.effect[kind] = {name: round(float(w), 4) for name, w in zip(self.labels, weights)}
        return weights

    def sample_rows(self, targets: np.ndarray, seed: int) -> np.ndarray | None:
        """Training row indices after random over- or undersampling; None for other strategies."""
        if self.strategy not in ("oversample", "undersample"):
            return None
        targets = np.asarray(targets)
        if self.multilabel:
            rows = sampling.multilabel_oversample(targets, self.ratio, seed)
        else:
            rows = sampling.sample_rows(targets, len(self.labels), self.strategy, self.ratio, seed)
        self._record(targets, targets[rows])
        return rows

    def resample(self, features, targets: np.ndarray, seed: int):
        """(features, targets) of the training rows after this plan's resampling, if any."""
        if self.strategy == "smote":
            X, y = sampling.smote(features, targets, len(self.labels), self.ratio, seed,
                                  self.labels)
            self._record(targets, y)
            return X, y
        rows = self.sample_rows(targets, seed)
        if rows is None:
            return features, targets
        return features[rows], np.asarray(targets)[rows]

    def _record(self, before: np.ndarray, after: np.ndarray) -> None:
        n = len(self.labels)
        counts = {"before": label_counts(before, n, self.multilabel),
                  "after": label_counts(after, n, self.multilabel)}
        self.effect.update(
            rows={"before": int(len(before)), "after": int(len(after))},
            counts={when: {name: int(c) for name, c in zip(self.labels, values)}
                    for when, values in counts.items()},
            ratio=self.ratio)

    # ----- saving ------------------------------------------------------------------------------
    def to_config(self) -> dict[str, Any]:
        return {"strategy": self.strategy, "requested": self.requested, "reason": self.reason,
                "class_weight": self.class_weight, "sampling_ratio": self.sampling_ratio,
                "effect": self.effect}

    @classmethod
    def from_config(cls, config: dict[str, Any], task) -> "Imbalance":
        return cls(config.get("strategy", "none"), config.get("requested", "none"),
                   config.get("reason", ""), [str(label) for label in task.labels],
                   task.name == "multilabel", config.get("class_weight"),
                   config.get("sampling_ratio"), config.get("effect", {}))


def check_options(imbalance: str, class_weight, sampling_ratio) -> dict[str, float] | None:
    """Refuse options that contradict each other, before any data is read; returns the parsed
    class weights."""
    if imbalance not in STRATEGIES:
        raise TextladderError(f"imbalance must be one of {', '.join(STRATEGIES)}; got "
                              f"'{imbalance}'.")
    weights = parse_class_weight(class_weight)
    if weights is not None and imbalance not in ("auto", "weights", "focal"):
        raise TextladderError(f"--class-weight gives class weights, which --imbalance "
                              f"{imbalance} does not use; use --imbalance weights or focal (or "
                              f"leave it at auto).")
    if sampling_ratio is not None:
        if (isinstance(sampling_ratio, bool) or not isinstance(sampling_ratio, (int, float))
                or not 0 < sampling_ratio <= 1):
            raise TextladderError(f"--sampling-ratio is the smallest class's share of the "
                                  f"largest after resampling: above 0, at most 1; got "
                                  f"{sampling_ratio!r}.")
        if imbalance not in SAMPLERS:
            raise TextladderError(f"--sampling-ratio goes with --imbalance oversample, "
                                  f"undersample or smote; got --imbalance {imbalance}.")
    return weights


def plan_imbalance(imbalance: str, class_weight, sampling_ratio, task, targets: np.ndarray,
                   family: type) -> Imbalance:
    """The plan for fitting `family` (a class) on these training targets of `task`."""
    from textladder.imbalance.auto import choose_strategy

    weights = check_options(imbalance, class_weight, sampling_ratio)
    labels = [str(label) for label in task.labels]
    multilabel = task.name == "multilabel"
    if task.name == "regression":
        if imbalance not in ("auto", "none"):
            raise TextladderError(f"--imbalance {imbalance} works on classes, and a regression "
                                  f"has none; leave --imbalance at auto or none.")
        return Imbalance("none", imbalance, "a regression has no classes to balance")
    if not family.imbalance_strategies and imbalance in ("auto", "none") and weights is None:
        return Imbalance("none", imbalance, "this model has no rows of its own to balance: an "
                         "ensemble's members took their own strategy, the baseline learns none")
    counts = label_counts(targets, len(labels), multilabel)
    if imbalance == "auto" and weights is not None:
        strategy, reason = "weights", "--class-weight given"
    elif imbalance == "auto":
        strategy, reason = choose_strategy(task.name, counts, family, task.primary_metric,
                                           " on the training rows")
    else:
        strategy, reason = imbalance, "asked for"
    _refuse_where_it_does_not_apply(strategy, task.name, family)
    if weights is not None:
        user_weights(weights, labels)  # unknown label names: refused now, not mid-fit
    return Imbalance(strategy, imbalance, reason, labels, multilabel, weights, sampling_ratio,
                     {"ratio_before": round(imbalance_ratio(counts), 2)})


def rungs_that_take(strategy: str) -> list[str]:
    """The registered families that can apply `strategy`."""
    from textladder.families import available_families, get_family

    return [name for name in available_families()
            if strategy in get_family(name).imbalance_strategies]


def applicable_strategies(task: str, family: type) -> list[str]:
    """The strategies (auto aside) that `family` can apply on a `task`, in STRATEGIES order."""
    usable = []
    for strategy in STRATEGIES[1:]:
        try:
            _refuse_where_it_does_not_apply(strategy, task, family)
        except TextladderError:
            continue
        usable.append(strategy)
    return usable if task != "regression" else ["none"]


def check_rung(imbalance: str, family: type) -> None:
    """Refuse a strategy the rung cannot take, before any data is read (tasks are checked when
    the labels are known, by `plan_imbalance`)."""
    if imbalance not in ("auto", "none"):
        _refuse_where_it_does_not_apply(imbalance, None, family)


def _refuse_where_it_does_not_apply(strategy: str, task: str | None, family: type) -> None:
    if strategy == "none":
        return
    if task == "multilabel" and strategy == "smote":
        raise TextladderError("smote makes synthetic rows of one class, and a multi-label row "
                              "has a set of labels; use --imbalance oversample (label-aware: "
                              "rows repeated by their rarest label) or weights (per-label "
                              "positive weights).")
    if task == "multilabel" and strategy == "undersample":
        raise TextladderError("undersample drops rows, and a multi-label row that carries a "
                              "common label often carries a rare one too; use --imbalance "
                              "oversample (label-aware) or weights (per-label positive weights).")
    if strategy not in family.imbalance_strategies:
        rungs = rungs_that_take(strategy)
        what = {"smote": "SMOTE needs a rung with vector features",
                "focal": "focal loss is for the torch rungs"}.get(strategy, "it cannot")
        raise TextladderError(f"model '{family.name}' cannot take --imbalance {strategy} "
                              f"({what}); the rungs that can: {', '.join(rungs) or 'none'}.")


def retired_class_weight(family: dict[str, Any], imbalance: dict[str, Any] | None):
    """A saved model's `family` config section without the retired `class_weight` setting, and
    its imbalance record (for models saved before `imbalance` existed: the strategy the setting
    meant, "balanced" -> weights, "none" -> none, "auto" -> auto)."""
    settings = dict(family.get("settings", {}))
    old = settings.pop("class_weight", None)
    if imbalance is None:
        strategy = {"balanced": "weights", "none": "none"}.get(old, "auto")
        imbalance = {"strategy": strategy, "requested": strategy,
                     "reason": "saved before the imbalance option; from its class_weight setting"}
    return {**family, "settings": settings}, imbalance
