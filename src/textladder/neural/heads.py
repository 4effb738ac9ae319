"""The output layer and loss of each task head, in torch; rungs never choose these themselves.

- sigmoid (binary): one logit, binary cross-entropy (`pos_weight` with class weights);
- softmax (multiclass): C logits, cross-entropy (per-class weights with class weights);
- multi_sigmoid (multilabel): L logits, binary cross-entropy summed over labels (`pos_weight`
  per label with class weights);
- cumulative (ordinal): K-1 logits trained CORN-style: logit k learns P(level > k | level >= k)
  on the rows with level >= k; P(level > k) is the running product of those conditionals;
- linear (regression): one output, mean squared error on standardised targets (the training
  mean and spread are saved, and outputs are mapped back to the label scale).

`to_output` turns logits into the task's output shape (see `textladder.tasks.base`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F

from textladder.tasks.base import Task
from textladder.tasks.ordinal import cumulative_to_class_probs


@dataclass
class TorchHead:
    """Width, loss and output conversion of one task head."""

    kind: str
    n_units: int
    weights: torch.Tensor | None = None  # class weights or pos_weight, from training targets
    shift: float = 0.0  # regression: targets are learned as (y - shift) / scale
    scale: float = 1.0

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return _LOSSES[self.kind](self, logits, targets)

    def to_output(self, logits: torch.Tensor) -> np.ndarray:
        output = _OUTPUTS[self.kind](logits.detach().float()).numpy()
        return output * self.scale + self.shift if self.kind == "linear" else output

    def target_tensor(self, targets: np.ndarray) -> torch.Tensor:
        dtype = torch.long if self.kind in ("softmax", "cumulative") else torch.float32
        targets = np.asarray(targets)
        if self.kind == "linear":
            targets = (targets - self.shift) / self.scale
        return torch.as_tensor(targets, dtype=dtype)


def _sigmoid_loss(head, logits, targets):
    return F.binary_cross_entropy_with_logits(logits.squeeze(-1), targets, pos_weight=head.weights)


def _softmax_loss(head, logits, targets):
    return F.cross_entropy(logits, targets, weight=head.weights)


def _multi_sigmoid_loss(head, logits, targets):
    # Summed over labels, averaged over rows: each label learns at the rate one binary task
    # would, rather than 1/L of it.
    losses = F.binary_cross_entropy_with_logits(logits, targets, pos_weight=head.weights,
                                                reduction="none")
    return losses.sum(dim=1).mean()


def _corn_loss(head, logits, targets):
    total = logits.new_zeros(())
    for k in range(logits.shape[1]):
        at_least = targets >= k
        if at_least.any():
            event = (targets[at_least] > k).float()
            total = total + F.binary_cross_entropy_with_logits(
                logits[at_least, k], event, reduction="sum")
    return total / max(len(targets), 1)  # summed over events, averaged over rows


def _mse_loss(head, logits, targets):
    return F.mse_loss(logits.squeeze(-1), targets)


def _corn_output(logits):
    greater = torch.cumprod(torch.sigmoid(logits), dim=1)
    return torch.as_tensor(cumulative_to_class_probs(greater.numpy()))


_LOSSES = {"sigmoid": _sigmoid_loss, "softmax": _softmax_loss,
           "multi_sigmoid": _multi_sigmoid_loss, "cumulative": _corn_loss, "linear": _mse_loss}
_OUTPUTS = {
    "sigmoid": lambda z: torch.cat([1 - torch.sigmoid(z), torch.sigmoid(z)], dim=1),
    "softmax": lambda z: torch.softmax(z, dim=1),
    "multi_sigmoid": torch.sigmoid,
    "cumulative": _corn_output,
    "linear": lambda z: z.squeeze(-1),
}


def _balanced_weights(kind: str, targets: np.ndarray, n_outputs: int) -> torch.Tensor | None:
    targets = np.asarray(targets)
    if kind == "softmax":
        counts = np.bincount(targets, minlength=n_outputs).astype(float)
        return torch.tensor(len(targets) / (n_outputs * np.maximum(counts, 1)), dtype=torch.float32)
    if kind == "sigmoid":
        positives = max(targets.sum(), 1)
        return torch.tensor((len(targets) - positives) / positives, dtype=torch.float32)
    if kind == "multi_sigmoid":
        positives = np.maximum(targets.sum(axis=0), 1)
        return torch.tensor((len(targets) - positives) / positives, dtype=torch.float32)
    return None  # cumulative and linear heads take no class weights


def make_head(task: Task, targets: np.ndarray, class_weight: str | None = None) -> TorchHead:
    """The head for `task`; `class_weight="balanced"` weighs the loss by inverse frequency."""
    n_units = {"sigmoid": 1, "linear": 1, "cumulative": task.n_outputs - 1}.get(
        task.head, task.n_outputs)
    weights = _balanced_weights(task.head, targets, task.n_outputs) \
        if class_weight == "balanced" else None
    if task.head == "linear":  # learn standardised scores; outputs are mapped back
        values = np.asarray(targets, dtype=float)
        return TorchHead(task.head, n_units, None, float(values.mean()),
                         float(values.std()) or 1.0)
    return TorchHead(task.head, n_units, weights)
