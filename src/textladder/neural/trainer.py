"""The training loop of every torch rung, in small overridable steps.

`fit` runs epochs of `train_step` over shuffled mini-batches, scores the validation data after
each epoch with the task's `selection_score` (greater is better) and its loss, records a history
row (`epoch`, `train_loss`, `valid_score`, `valid_loss`, `lr`), and lets
callbacks act (early stopping, learning-rate schedules, progress). `predict_logits` runs batches
without gradient tracking. A seeded run is repeatable on the CPU. The loop knows nothing about
texts: a `Batcher` turns row indices into the module's input tensors. A batcher that can tell each
row's size (`row_sizes()`, e.g. tokens) gets batches of rows of similar size, in training when the
trainer is made with `group_by_size=True` and always in prediction (see `batching.py`).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from dataclasses import replace

import numpy as np
import torch

from textladder.errors import TextladderError
from textladder.neural.batching import grouped_batches, shuffled_batches, size_order
from textladder.neural.callbacks import Callback
from textladder.neural.heads import TorchHead
from textladder.tasks.base import Task

Batcher = Callable[[np.ndarray], tuple[torch.Tensor, ...]]


class TrainingDiverged(TextladderError):
    """The training loss or the validation outputs became infinite or NaN; the rung may restart
    at a lower rate."""

    def __init__(self, epoch: int, what: str):
        super().__init__(f"training diverged in epoch {epoch} ({what}); lower the learning rate "
                         f"with --set lr=..., e.g. to a tenth.")
        self.epoch = epoch


class Trainer:
    def __init__(self, module: torch.nn.Module, head: TorchHead, task: Task,
                 optimizer: torch.optim.Optimizer, callbacks: Sequence[Callback] = (),
                 max_epochs: int = 10, batch_size: int = 64, clip_norm: float | None = 1.0,
                 seed: int = 0, predict_batch_size: int = 512, group_by_size: bool = False):
        self.module, self.head, self.task = module, head, task
        self.optimizer, self.callbacks = optimizer, list(callbacks)
        self.max_epochs, self.batch_size, self.clip_norm = max_epochs, batch_size, clip_norm
        self.seed, self.predict_batch_size = seed, predict_batch_size
        self.group_by_size = group_by_size
        self.history: list[dict] = []
        self.stop, self.best_epoch = False, None

    # ----- steps a subclass may override ----------------------------------------------------
    def forward(self, inputs: tuple[torch.Tensor, ...]) -> torch.Tensor:
        """The module's float32 logits for one batch of inputs."""
        return self.module(*inputs)

    def get_loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return self.head.loss(logits, targets)

    def train_step(self, inputs: tuple[torch.Tensor, ...], targets: torch.Tensor) -> float:
        self.module.train()
        self.optimizer.zero_grad()
        loss = self.get_loss(self.forward(inputs), targets)
        loss.backward()
        if self.clip_norm:  # sparse gradients (embedding bags) cannot be clipped by norm
            dense = [p for p in self.module.parameters()
                     if p.grad is not None and not p.grad.is_sparse]
            torch.nn.utils.clip_grad_norm_(dense, self.clip_norm)
        self.optimizer.step()
        return float(loss.detach())

    def epoch_batches(self, batcher: Batcher, n: int, rng: np.random.Generator):
        """The row indices of each training batch of one epoch."""
        if self.group_by_size and hasattr(batcher, "row_sizes"):
            return grouped_batches(batcher.row_sizes(), self.batch_size, rng)
        return shuffled_batches(n, self.batch_size, rng)

    @torch.no_grad()
    def predict_logits(self, batcher: Batcher, n: int) -> torch.Tensor:
        """Logits for rows 0..n-1, on the CPU, in batches of `predict_batch_size`."""
        self.module.eval()
        order = size_order(batcher.row_sizes()) if hasattr(batcher, "row_sizes") else np.arange(n)
        if len(order) != n:
            raise ValueError(f"the batcher has {len(order)} rows, not {n}")
        size = self.predict_batch_size
        chunks = [self.forward(batcher(order[i:i + size])).cpu() for i in range(0, n, size)]
        if not chunks:
            return torch.empty(0, self.head.n_units)
        in_order = torch.cat(chunks)
        logits = torch.empty_like(in_order)
        logits[torch.from_numpy(order)] = in_order
        return logits

    def evaluation_step(self, batcher: Batcher, n: int,
                        targets: np.ndarray) -> dict[str, float] | float:
        """The validation entries of an epoch's record: the selection score, and the training
        loss on the validation rows (for learning curves: the same loss, class weights
        included). An override may return the score alone. Outputs that are not finite (the
        epoch's last steps diverged) raise `TrainingDiverged`."""
        logits = self.predict_logits(batcher, n)
        if not torch.isfinite(logits).all():
            raise TrainingDiverged(len(self.history) + 1, "the validation outputs are not finite")
        output = self.head.to_output(logits)
        weights = self.head.weights
        head = replace(self.head, weights=None if weights is None else weights.cpu())
        with torch.no_grad():
            loss = float(head.loss(logits, head.target_tensor(targets))) if n else float("nan")
        return {"valid_score": self.task.selection_score(targets, output), "valid_loss": loss}

    # ----- the loop -------------------------------------------------------------------------
    def fit(self, batcher: Batcher, targets: np.ndarray, valid_batcher: Batcher,
            valid_targets: np.ndarray) -> "Trainer":
        torch.manual_seed(self.seed)
        rng = np.random.default_rng(self.seed)
        n = len(targets)
        target_tensor = self.head.target_tensor(targets)
        self.planned_steps = self.max_epochs * int(np.ceil(n / self.batch_size))
        self._call("on_train_begin")
        try:
            self._epochs(batcher, target_tensor, n, rng, valid_batcher, valid_targets)
        finally:  # also on failure, so that callbacks close what they opened (progress bars)
            self._call("on_train_end")
        return self

    def _epochs(self, batcher, target_tensor, n, rng, valid_batcher, valid_targets) -> None:
        for epoch in range(1, self.max_epochs + 1):
            losses, started = [], time.perf_counter()
            for rows in self.epoch_batches(batcher, n, rng):
                losses.append(self.train_step(batcher(rows), target_tensor[rows]))
                if not np.isfinite(losses[-1]):
                    raise TrainingDiverged(epoch, f"the loss is {losses[-1]}")
                self._call("on_batch_end", losses[-1])
            record = {
                "epoch": epoch,
                "train_loss": float(np.mean(losses)),
            }
            found = self.evaluation_step(valid_batcher, len(valid_targets), valid_targets)
            record.update(found if isinstance(found, dict) else {"valid_score": found})
            record["lr"] = float(self.optimizer.param_groups[0]["lr"])
            record["seconds"] = round(time.perf_counter() - started, 3)  # validation included
            self.history.append(record)
            self._call("on_epoch_end", record)
            if self.stop:
                break

    def _call(self, hook: str, *args) -> None:
        for callback in self.callbacks:
            getattr(callback, hook)(self, *args)
