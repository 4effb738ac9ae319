"""What every torch rung shares: training with the core loop, prediction, safetensors weights.

A subclass says how texts become inputs (`_prepare`, `_batcher`), which module to build
(`_build_module`) and what else to save beside the weights (`_save_state` / `_load_state`).
This base fits with early stopping on the task's primary metric (the best epoch's weights are
kept), a learning-rate schedule, gradient clipping where `clip_norm` is set (fasttext's defaults
leave it unset) and a progress bar, applies the imbalance plan to the training rows (class
weights or focal loss in the head's loss; rows over- or undersampled; SMOTE for the rungs whose
inputs are vectors), and records the per-epoch history in `chosen_`, which is saved in the model
config. A loss that diverges at the default learning rate restarts at a lower one, as
`chosen_["restarted"]` says. torch is imported only when a family fits or loads, so the core
package works without it. Every torch rung reads columns beside the text: the side matrix reaches
its module as the last input of each batch (`neural/side.py` says where each module joins it),
and the module is built with `n_side_` side columns (`_build_module` passes it on).
"""

from __future__ import annotations

import importlib.util
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from textladder.errors import TextladderError
from textladder.families.base import ModelFamily, check_side, valid_side
from textladder.progress import Progress
from textladder.tasks.base import Task

# A loss that diverges at a rung's default learning rate restarts training at this fraction of
# the rate, at most this many times (a rate the user set is kept: the error stays for them).
RESTART_FACTOR, MAX_RESTARTS = 0.25, 3
NEEDS_TORCH = ("model '{name}' needs PyTorch: pip install torch==2.13.0, then "
               "pip install 'textladder[neural]'.")


def _check_torch(name: str) -> None:
    if importlib.util.find_spec("torch") is None:
        raise TextladderError(NEEDS_TORCH.format(name=name))


class TorchFamily(ModelFamily):
    """Base class of the neural rungs."""

    takes_side = True
    n_side_ = 0  # side columns the module reads (set by `fit` and `load`)

    # Settings every torch rung has; subclasses add their own.
    common_settings: dict[str, Any] = {
        "epochs": 10, "patience": 2, "batch_size": 64, "lr": 2e-3, "weight_decay": 0.0,
        "clip_norm": 1.0, "schedule": "plateau",
        "time_limit": None,  # seconds: stop at the end of the epoch after which another won't fit
    }
    imbalance_strategies = ("weights", "oversample", "undersample", "focal")
    setting_type_exceptions = {"clip_norm": (float, None)}  # null: no clipping

    @classmethod
    def is_available(cls) -> bool:
        return importlib.util.find_spec("torch") is not None

    @classmethod
    def quick_settings(cls) -> dict[str, Any]:
        return {"epochs": 2}

    @classmethod
    def planned_epochs(cls, settings: dict[str, Any], n_rows: int) -> int:
        """The most epochs one fit would run on `n_rows` training rows with these (resolved)
        settings: for the climb's estimates."""
        return int(settings["epochs"])

    @classmethod
    def planned_fits(cls, settings: dict[str, Any]) -> int:
        """How many times a fit with these (resolved) settings trains its epochs."""
        return 1

    # ----- what subclasses provide ----------------------------------------------------------
    def _prepare(self, texts: Sequence[str], fit: bool, progress: Progress) -> Any:
        raise NotImplementedError

    def _batcher(self, prepared: Any):
        raise NotImplementedError

    def _build_module(self, n_units: int):
        raise NotImplementedError

    def _optimizer(self, module, head):
        import torch

        return torch.optim.AdamW(module.parameters(), lr=self.settings_["lr"],
                                 weight_decay=self.settings_["weight_decay"])

    def _new_trainer(self, module, head, task: Task | None, optimizer, callbacks, seed: int):
        """The training loop (no optimizer and no task when it only predicts)."""
        from textladder.neural.trainer import Trainer

        return Trainer(module, head, task, optimizer, callbacks,
                       max_epochs=self.settings_["epochs"], batch_size=self.settings_["batch_size"],
                       clip_norm=self.settings_["clip_norm"], seed=seed)

    def _save_state(self, directory: Path) -> None:
        """Save what `_prepare` learned (vocabularies, idf, ...)."""

    def _load_state(self, directory: Path) -> None:
        """Restore what `_save_state` wrote; `self.settings_` and `self.chosen_` are set."""

    # ----- the shared work ------------------------------------------------------------------
    def _callbacks(self, progress: Progress, spent: float = 0.0):
        """Early stopping, the schedule, the time limit (less the `spent` seconds of earlier
        tries of this fit: restarts share it) and the progress bar."""
        from textladder.neural.callbacks import (EarlyStopping, LinearDecay, ProgressBar,
                                                 ReduceLROnPlateau, TimeLimit)

        warmup = self.settings_.get("warmup", 0.1)
        if not (isinstance(warmup, (int, float)) and 0 <= warmup < 1):
            raise TextladderError(f"warmup is the share of the training steps spent warming up: "
                                  f"at least 0 and less than 1; got {warmup!r}.")
        schedules = {"plateau": [ReduceLROnPlateau()], "linear": [LinearDecay()], "none": [],
                     "warmup_linear": [LinearDecay(warmup)]}
        if self.settings_["schedule"] not in schedules:
            raise TextladderError(f"schedule must be one of {', '.join(schedules)}; got "
                                  f"'{self.settings_['schedule']}'.")
        limit = self.settings_.get("time_limit")
        if limit is not None and not (isinstance(limit, (int, float)) and limit > 0):
            raise TextladderError(f"time_limit is in seconds: a positive number, or null for "
                                  f"none; got {limit!r}.")
        limits = [TimeLimit(max(limit - spent, 1e-6))] if limit is not None else []
        return [EarlyStopping(self.settings_["patience"]), *schedules[self.settings_["schedule"]],
                *limits, ProgressBar(progress, self.name)]

    # The learning-rate settings a restart lowers, all together; `lr` first.
    restart_rates: tuple[str, ...] = ("lr",)

    def _restart_slower(self, diverged) -> None:
        """After a loss diverged at the default learning rates: lower them (`restart_rates`)
        for a fresh start and say so in `chosen_["restarted"]`. A rate the user set is kept,
        and after `MAX_RESTARTS` the error stands: either way `diverged` is raised again."""
        tries = self.chosen_.setdefault("diverged", [])
        rates = self.restart_rates
        if any(r in self.settings for r in rates) or len(tries) >= MAX_RESTARTS:
            raise diverged
        tries.append({"lr": self.settings_["lr"], "epoch": diverged.epoch})
        for rate in rates:
            self.settings_[rate] = self.settings_[rate] * RESTART_FACTOR
        where = ", then ".join(f"lr {t['lr']:g} (epoch {t['epoch']})" for t in tries)
        lowered = "".join(f", {r} {self.settings_[r]:g}" for r in rates[1:])
        self.chosen_["restarted"] = (f"the loss diverged at the default {where}; trained at lr "
                                     f"{self.settings_['lr']:g}{lowered} instead")

    def _side_scale(self, side: np.ndarray) -> float:
        """What the side matrix is multiplied by before the module reads it (1: as encoded);
        a rung whose optimizer needs small inputs says so (fasttext's plain SGD)."""
        return 1.0

    def _with_side(self, batcher, side: np.ndarray | None):
        """The batcher, with the side rows (times `side_scale_`) after the text's inputs where
        there are any."""
        if side is None:
            return batcher
        from textladder.neural.side import WithSide

        scale = getattr(self, "side_scale_", 1.0)
        return WithSide(batcher, side if scale == 1.0 else (side * scale).astype(np.float32))

    def fit(self, texts: Sequence[str], targets: np.ndarray, task: Task,
            valid: tuple[Sequence[str], np.ndarray], seed: int = 0,
            progress: Progress | None = None, side: np.ndarray | None = None) -> "TorchFamily":
        _check_torch(self.name)
        import torch

        from textladder.neural.heads import make_head
        from textladder.neural.trainer import TrainingDiverged

        progress = progress or Progress()
        self.settings_ = self.resolved_settings()
        self.seed_ = seed
        self.chosen_ = {}
        self.n_side_ = 0 if side is None else int(side.shape[1])
        self.side_scale_ = 1.0 if side is None else float(self._side_scale(side))
        if self.n_side_:
            self.chosen_["side_features"] = self.n_side_
        if self.side_scale_ != 1.0:
            self.chosen_["side_scale"] = self.side_scale_
        torch.manual_seed(seed)
        prepared = self._prepare(list(texts), True, progress)
        prepared_valid = self._prepare(list(valid[0]), False, progress)
        batcher, targets = self._balanced(prepared, targets, seed, side)
        valid_batcher = self._with_side(self._batcher(prepared_valid), valid_side(valid))
        plan = self.imbalance
        head = make_head(task, targets, plan.weights(targets), plan.focal_gamma)
        started = time.monotonic()
        while True:
            torch.manual_seed(seed)
            module = self._build_module(head.n_units)
            callbacks = self._callbacks(progress, time.monotonic() - started)
            trainer = self._new_trainer(module, head, task, self._optimizer(module, head),
                                        callbacks, seed)
            try:
                trainer.fit(batcher, targets, valid_batcher, valid[1])
                break
            except TrainingDiverged as diverged:
                self._restart_slower(diverged)
        self.module_, self.head_ = module, head
        if any(getattr(c, "stopped", False) for c in callbacks):  # TimeLimit
            self.chosen_["stopped_by_time_limit"] = True
        self.chosen_.update(best_epoch=trainer.best_epoch, epochs_run=len(trainer.history),
                            history=trainer.history, n_units=head.n_units, head=head.kind)
        if head.kind == "linear":  # a regression's targets, standardised: mapped back by these
            self.chosen_.update(head_shift=head.shift, head_scale=head.scale)
        return self

    def _balanced(self, prepared, targets: np.ndarray, seed: int, side: np.ndarray | None):
        """The training batcher (with the side rows) and targets after the imbalance plan's
        resampling: SMOTE's rows added to vector inputs (an array; the side columns joined to
        them while SMOTE draws, then parted again), or the rows over- or undersampled, chosen
        by index."""
        plan = self.imbalance
        if plan.strategy == "smote":  # only the rungs that declare it: their inputs are arrays
            width = prepared.shape[1]
            joined = prepared if side is None else np.hstack([prepared, side]).astype(np.float32)
            joined, targets = plan.resample(joined, targets, seed)
            prepared, side = (joined, None) if side is None else (joined[:, :width],
                                                                  joined[:, width:])
        batcher = self._with_side(self._batcher(prepared), side)
        rows = plan.sample_rows(targets, seed)
        if rows is None:
            return batcher, targets
        from textladder.neural.batching import ChosenRows

        return ChosenRows(batcher, rows), np.asarray(targets)[rows]

    def predict_output(self, texts: Sequence[str], side: np.ndarray | None = None) -> np.ndarray:
        check_side(self.name, self.n_side_, side, len(texts))
        prepared = self._prepare(list(texts), False, Progress())
        trainer = self._new_trainer(self.module_, self.head_, None, None, [], self.seed_)
        batcher = self._with_side(self._batcher(prepared), side)
        return self.head_.to_output(trainer.predict_logits(batcher, len(texts)))

    def save(self, directory: Path) -> None:
        from safetensors.torch import save_file

        state = {k: v.detach().cpu().contiguous() for k, v in self.module_.state_dict().items()}
        save_file(state, str(directory / "weights.safetensors"))
        self._save_state(directory)

    def to_config(self) -> dict[str, Any]:
        """The user's settings under `settings` (what a refit of the loaded model takes), and
        every setting as the fit resolved it (defaults, `auto`, a restart's lower rate) under
        `resolved_settings` (what the loaded model predicts with)."""
        config = super().to_config()
        if hasattr(self, "settings_"):
            config["resolved_settings"] = {**self.settings_}
        return config

    @classmethod
    def from_config(cls, config: dict[str, Any]) -> "TorchFamily":
        """A family with the saved settings: the user's, and the resolved ones over them (a
        config from before `resolved_settings` held the resolved ones as `settings`)."""
        family = cls(**config["settings"])
        family.settings_ = {**family.resolved_settings(), **config.get("resolved_settings", {})}
        return family

    @classmethod
    def load(cls, directory: Path, config: dict[str, Any], task: Task) -> "TorchFamily":
        _check_torch(cls.name)
        from safetensors.torch import load_file

        from textladder.neural.heads import TorchHead

        family = cls.from_config(config)
        family.chosen_ = config.get("chosen", {})
        family.seed_ = 0
        family.n_side_ = int(family.chosen_.get("side_features", 0))
        family.side_scale_ = float(family.chosen_.get("side_scale", 1.0))
        family._load_state(directory)
        family.head_ = TorchHead(family.chosen_["head"], family.chosen_["n_units"],
                                 shift=family.chosen_.get("head_shift", 0.0),
                                 scale=family.chosen_.get("head_scale", 1.0))
        family.module_ = family._build_module(family.head_.n_units)
        family.module_.load_state_dict(load_file(str(directory / "weights.safetensors")))
        family.module_.eval()
        return family
