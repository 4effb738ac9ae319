"""The protocol every model family follows, in the scikit-learn spirit.

A family turns texts into the task's outputs (see `textladder.tasks.base`). `__init__` only stores
its settings; `fit` learns from training texts and targets, may try candidate settings and keep the
best by the task's `selection_score` on the validation data it is given, and records what it chose
in `chosen_`. `save(directory)` writes only files that cannot run code on load; `load(directory,
settings)` reads them back. A family never decides the output layer, loss or decision rule: the task
it is given does.

Columns beside the text reach a family as the side matrix (float32, one row per text: the
encoded columns, `data/side_encoder.py`). A family that reads it sets `takes_side = True`; its
`fit` then gets `side=` (the training rows' matrix) and a `valid` of three, (texts, targets,
side), and its `predict_output` gets `side=`. A family that does not is never given them:
`TextClassifier` refuses features for it, in one line.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from textladder.families.setting_types import check_positive, check_types, setting_types
from textladder.imbalance import NO_IMBALANCE, Imbalance
from textladder.progress import Progress
from textladder.tasks.base import Task


RETIRED_CLASS_WEIGHT = (
    "the class_weight setting is now the --imbalance option: --imbalance weights (balanced "
    "class weights; --class-weight 'label=10,other=0.5' for your own), none, oversample, "
    "undersample, smote, focal or auto (Python: TextClassifier(imbalance=...)).")


class ModelFamily(ABC):
    """Base class of model families (rungs of the ladder)."""

    name: ClassVar[str]
    version: ClassVar[int] = 1
    summary: ClassVar[str] = ""
    takes_side: ClassVar[bool] = False  # reads the side matrix (see the module docstring)
    # True for a family whose output does not depend on the text (the climb's baseline): the
    # contract suite does not ask it to fit tiny data perfectly, and the report shows its
    # scores only.
    ignores_texts: ClassVar[bool] = False
    # The imbalance strategies this family applies to its training rows (`textladder.imbalance`):
    # "weights" (class weights in its loss), "oversample" / "undersample" (rows it trains on),
    # "smote" (rows added to its vector features), "focal" (focal loss). Others are refused.
    imbalance_strategies: ClassVar[tuple[str, ...]] = ()
    # False for a family whose `epochs` train a small head on features it computes once (the
    # frozen encoder's): the climb does not cut them to fit a rung's share of the budget, as
    # they cost little of it, and a head cut to one epoch is no head.
    budget_cuts_epochs: ClassVar[bool] = True

    def __init__(self, **settings: Any):
        self.settings = settings

    def balance(self, plan: Imbalance) -> "ModelFamily":
        """Apply `plan` to the training rows of the next `fit` (the classifier calls this with
        the plan for its data); without it a family trains on its rows as they are."""
        self._imbalance = plan
        return self

    @property
    def imbalance(self) -> Imbalance:
        """The plan `balance` gave, or none."""
        return getattr(self, "_imbalance", None) or NO_IMBALANCE

    @classmethod
    def is_available(cls) -> bool:
        """False when an optional dependency of the family is not installed."""
        return True

    @classmethod
    def default_settings(cls) -> dict[str, Any]:
        return {}

    @classmethod
    def quick_settings(cls) -> dict[str, Any]:
        """Settings for a fast smoke run (the benchmark's --quick): not for measuring quality."""
        return {}

    # The types a setting accepts where its default's type does not say (None for null), e.g.
    # {"C": (list, float)}; other settings take their default's type (`setting_types.py`).
    setting_type_exceptions: ClassVar[dict[str, tuple]] = {}
    # Settings whose numbers (a list's too) must be above zero, where a family has them: a
    # rate, a size or a count of zero or less trains nothing or fails deep inside the fit.
    positive_settings: ClassVar[tuple[str, ...]] = (
        "lr", "head_lr", "dim", "hidden", "embedding_dim", "buckets", "batch_size",
        "predict_batch_size", "epochs", "C", "max_length", "max_features")

    def resolved_settings(self) -> dict[str, Any]:
        """Defaults overlaid with the user's settings; unknown names and wrong types are refused."""
        from textladder.errors import TextladderError

        defaults = self.default_settings()
        if "class_weight" in self.settings and "class_weight" not in defaults:
            raise TextladderError(RETIRED_CLASS_WEIGHT)
        unknown = sorted(set(self.settings) - set(defaults))
        if unknown:
            raise TextladderError(
                f"model '{self.name}' has no setting '{unknown[0]}'; its settings are: "
                f"{', '.join(sorted(defaults))}."
            )
        check_types(self.name, self.settings, setting_types(type(self)))
        check_positive(self.name, self.settings, self.positive_settings)
        return {**defaults, **self.settings}

    @abstractmethod
    def fit(
        self,
        texts: Sequence[str],
        targets: np.ndarray,
        task: Task,
        valid: tuple[Sequence[str], np.ndarray],
        seed: int = 0,
        progress: Progress | None = None,
    ) -> "ModelFamily":
        """Learn from the training data; choose settings on `valid`. Returns self. A family
        that `takes_side` also takes `side=` here, and `valid` then holds the validation rows'
        side matrix third (`valid_side`)."""

    @abstractmethod
    def predict_output(self, texts: Sequence[str]) -> np.ndarray:
        """Outputs in the task's shape for `texts` (and `side=`, where the family
        `takes_side`)."""

    @abstractmethod
    def save(self, directory: Path) -> None:
        """Write the learned state into `directory` (which exists and is empty)."""

    @classmethod
    @abstractmethod
    def load(cls, directory: Path, config: dict[str, Any], task: Task) -> "ModelFamily":
        """Rebuild a fitted family from `directory` and the `family` section of its config."""

    def represent(self, texts: Sequence[str]) -> np.ndarray | None:
        """One vector per text from the model's own representation (a sentence encoder's), for
        the report's embedding map, recorded at training time; None where the family has none
        worth drawing (the report then maps tf-idf vectors of the texts)."""
        return None

    def validation_output(self) -> np.ndarray | None:
        """The outputs on the validation data `fit` was given, where they must not come from
        `predict_output` (an ensemble fits weights or a meta-model on them, and gives outputs
        cross-fitted over validation folds instead); None for most families."""
        return None

    def to_config(self) -> dict[str, Any]:
        """The `family` section of the model config: name, version, settings and choices."""
        return {
            "name": self.name,
            "version": self.version,
            "settings": _jsonable(self.settings),
            "chosen": _jsonable(getattr(self, "chosen_", {})),
        }


def valid_side(valid: tuple) -> np.ndarray | None:
    """The validation rows' side matrix: the third entry of `valid`, None without one."""
    return valid[2] if len(valid) > 2 else None


def check_side(name: str, fitted_width: int, side: np.ndarray | None, n_rows: int) -> None:
    """Refuse side features that do not match those the family was fitted with."""
    from textladder.errors import TextladderError

    width = 0 if side is None else side.shape[1]
    if width != fitted_width or (side is not None and len(side) != n_rows):
        raise TextladderError(
            f"the {name} model was fitted with {fitted_width} side feature columns and is given "
            f"{width} (for {n_rows} texts, {n_rows if side is None else len(side)} rows); "
            f"predict through the TextClassifier that fitted it.")


def side_arguments(side: np.ndarray | None) -> dict[str, Any]:
    """The keyword arguments that hand `side` to a family: none without it, so that a family
    that does not take side features is called as it always was."""
    return {} if side is None else {"side": side}


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, np.generic):
        return value.item()
    return value
