"""Everything optional in training is a callback with no-op hooks (skorch style).

- `EarlyStopping`: stop when the validation score has not improved for `patience` epochs and put
  the best epoch's weights back at the end, so the saved model is the best one, not the last;
- `ReduceLROnPlateau`: divide the learning rate when the validation score stalls;
- `LinearDecay`: decay the learning rate linearly to zero over the planned steps (fastText style),
  after an optional linear warm-up (transformer fine-tuning);
- `ProgressBar`: a live bar with the loss and the validation score;
- `TimeLimit`: stop at the end of an epoch when the next one would pass a time limit (the
  climb's share of its budget); early stopping then puts the best epoch's weights back;
- the `Trainer` itself keeps the per-epoch history that is saved with the model.
"""

from __future__ import annotations

import math
import time

from textladder.progress import Progress


class Callback:
    def on_train_begin(self, trainer) -> None: ...
    def on_batch_end(self, trainer, loss: float) -> None: ...
    def on_epoch_end(self, trainer, record: dict) -> None: ...
    def on_train_end(self, trainer) -> None: ...


class EarlyStopping(Callback):
    def __init__(self, patience: int = 3):
        self.patience = patience

    def on_train_begin(self, trainer) -> None:
        self.best_score, self.best_epoch, self.best_state = -float("inf"), 0, None

    def on_epoch_end(self, trainer, record: dict) -> None:
        score = record["valid_score"]
        score = -float("inf") if math.isnan(score) else score  # e.g. roc_auc on one class
        if self.best_state is None or score > self.best_score:
            self.best_score, self.best_epoch = score, record["epoch"]
            self._keep(trainer.module.state_dict())
        elif record["epoch"] - self.best_epoch >= self.patience:
            trainer.stop = True

    def _keep(self, state: dict) -> None:
        """Copy `state` into the kept one, in place after the first time: no new memory for
        each better epoch (fastText's embedding table alone is 128 MB)."""
        if self.best_state is None:
            self.best_state = {k: v.detach().clone() for k, v in state.items()}
            return
        for key, value in state.items():
            self.best_state[key].copy_(value)

    def on_train_end(self, trainer) -> None:
        if self.best_state is not None:
            trainer.module.load_state_dict(self.best_state)
        trainer.best_epoch = self.best_epoch


class ReduceLROnPlateau(Callback):
    def __init__(self, factor: float = 0.5, patience: int = 2, min_lr: float = 1e-5):
        self.factor, self.patience, self.min_lr = factor, patience, min_lr

    def on_train_begin(self, trainer) -> None:
        self.best, self.waited = -float("inf"), 0

    def on_epoch_end(self, trainer, record: dict) -> None:
        if record["valid_score"] > self.best:
            self.best, self.waited = record["valid_score"], 0
            return
        self.waited += 1
        if self.waited >= self.patience:
            for group in trainer.optimizer.param_groups:
                group["lr"] = max(self.min_lr, group["lr"] * self.factor)
            self.waited = 0


class LinearDecay(Callback):
    """Linear decay to zero; with `warmup` > 0, first a linear rise over that share of the steps."""

    def __init__(self, warmup: float = 0.0):
        self.warmup = warmup

    def on_train_begin(self, trainer) -> None:
        self.start = [g["lr"] for g in trainer.optimizer.param_groups]
        self.total, self.done = max(1, trainer.planned_steps), 0
        self.rise = int(self.warmup * self.total)
        if self.rise:
            self._set(trainer, 1 / (self.rise + 1))

    def on_batch_end(self, trainer, loss: float) -> None:
        self.done += 1
        if self.done < self.rise:
            self._set(trainer, (self.done + 1) / (self.rise + 1))
        else:
            self._set(trainer, max(0.0, (self.total - self.done) / (self.total - self.rise)))

    def _set(self, trainer, factor: float) -> None:
        for group, start in zip(trainer.optimizer.param_groups, self.start):
            group["lr"] = start * factor


class ProgressBar(Callback):
    def __init__(self, progress: Progress, name: str):
        self.progress, self.name, self._context = progress, name, None

    def on_train_begin(self, trainer) -> None:
        self._context = self.progress.step(f"{self.name}: training", total=trainer.planned_steps)
        self.step = self._context.__enter__()
        self.batches, self.loss, self.epoch, self.valid = 0, 0.0, 1, ""

    def on_batch_end(self, trainer, loss: float) -> None:
        self.batches += 1
        self.loss += (loss - self.loss) / min(self.batches, 50)  # running mean of ~50 batches
        self.step.advance()
        if self.batches % 10 == 0:
            self.step.update(f"{self.name}: epoch {self.epoch} loss {self.loss:.4f}{self.valid}")

    def on_epoch_end(self, trainer, record: dict) -> None:
        self.epoch, self.valid = record["epoch"] + 1, f" valid {abs(record['valid_score']):.4f}"
        self.step.update(f"{self.name}: epoch {record['epoch']} loss {record['train_loss']:.4f}"
                         f"{self.valid}")

    def on_train_end(self, trainer) -> None:
        if self._context is not None:
            self._context.__exit__(None, None, None)
            self._context = None


class TimeLimit(Callback):
    """Stop at the end of an epoch when another epoch would end after `seconds` from the start.

    The next epoch is expected to take as long as the slowest so far (its validation scoring
    included). Training never stops mid-epoch, so a first epoch longer than the limit still
    runs whole: the climb gives a rung at least one epoch's worth of time before it starts it.
    """

    def __init__(self, seconds: float):
        self.seconds = seconds

    def on_train_begin(self, trainer) -> None:
        self.start = self.last = time.monotonic()
        self.slowest, self.stopped = 0.0, False

    def on_epoch_end(self, trainer, record: dict) -> None:
        now = time.monotonic()
        self.slowest, self.last = max(self.slowest, now - self.last), now
        if now - self.start + self.slowest > self.seconds:
            trainer.stop = self.stopped = True
