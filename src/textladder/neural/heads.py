"""The output layer and loss of each task head, in torch; rungs never choose these themselves.

- sigmoid (binary): one logit, binary cross-entropy (`pos_weight` with class weights);
- softmax (multiclass): C logits, cross-entropy (per-class weights with class weights);
- multi_sigmoid (multilabel): L logits, binary cross-entropy summed over labels (`pos_weight`
  per label with class weights);
- cumulative (ordinal): K-1 logits trained CORN-style: logit k learns P(level > k | level >= k)
  on the rows with level >= k; P(level > k) is the running product of those conditionals (with
  class weights, each row's events weigh its level's weight);
- linear (regression): one output, mean squared error on standardised targets (the training
  mean and spread are saved, and outputs are mapped back to the label scale).

Class weights come from `textladder.imbalance` (one per class; one positive weight per label).
With a focusing parameter `gamma` > 0 every classification loss becomes its focal form (Lin et
al. 2017): each row's (or event's, or label's) cross-entropy is scaled by (1 - p_t)^gamma, p_t
the probability the model gives the right answer, so rows it already gets right weigh little.

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
    gamma: float = 0.0  # the focal loss's focusing parameter; 0: plain cross-entropy

    def loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return _LOSSES[self.kind](self, logits, targets)

    def to_output(self, logits: torch.Tensor) -> np.ndarray:
        output = _OUTPUTS[self.kind](logits.detach().float()).numpy()
        if self.kind != "linear":
            return output
        # in float64: float32 keeps seven digits, and targets like 100,000,000.5 need more
        return output.astype(np.float64) * self.scale + self.shift

    def target_tensor(self, targets: np.ndarray) -> torch.Tensor:
        dtype = torch.long if self.kind in ("softmax", "cumulative") else torch.float32
        targets = np.asarray(targets)
        if self.kind == "linear":
            targets = (targets - self.shift) / self.scale
        return torch.as_tensor(targets, dtype=dtype)


def _binary_terms(logits, targets, pos_weight, gamma):
    """Per-element binary cross-entropy, in its focal form when gamma > 0."""
    losses = F.binary_cross_entropy_with_logits(logits, targets, pos_weight=pos_weight,
                                                reduction="none")
    if gamma:
        p = torch.sigmoid(logits)
        right = p * targets + (1 - p) * (1 - targets)
        losses = losses * (1 - right).pow(gamma)
    return losses


def _sigmoid_loss(head, logits, targets):
    if not head.gamma:
        return F.binary_cross_entropy_with_logits(logits.squeeze(-1), targets,
                                                  pos_weight=head.weights)
    return _binary_terms(logits.squeeze(-1), targets, head.weights, head.gamma).mean()


def _softmax_loss(head, logits, targets):
    if not head.gamma:
        return F.cross_entropy(logits, targets, weight=head.weights)
    log_p = F.log_softmax(logits, dim=1).gather(1, targets[:, None]).squeeze(1)
    losses = -(1 - log_p.exp()).pow(head.gamma) * log_p
    if head.weights is None:
        return losses.mean()
    row_weights = head.weights[targets]  # as cross_entropy's weighted mean
    return (losses * row_weights).sum() / row_weights.sum()


def _multi_sigmoid_loss(head, logits, targets):
    # Summed over labels, averaged over rows: each label learns at the rate one binary task
    # would, rather than 1/L of it.
    losses = _binary_terms(logits, targets, head.weights, head.gamma)
    return losses.sum(dim=1).mean()


def _corn_loss(head, logits, targets):
    total = logits.new_zeros(())
    row_weights = None if head.weights is None else head.weights[targets]
    for k in range(logits.shape[1]):
        at_least = targets >= k
        if at_least.any():
            event = (targets[at_least] > k).float()
            losses = _binary_terms(logits[at_least, k], event, None, head.gamma)
            if row_weights is not None:
                losses = losses * row_weights[at_least]
            total = total + losses.sum()
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


def _loss_weights(kind: str, weights: np.ndarray | None) -> torch.Tensor | None:
    """The loss's weights from the imbalance plan's: per class (softmax, and per level for the
    cumulative head's rows), the positive class's over the negative's (sigmoid), per label."""
    if weights is None or kind == "linear":
        return None
    weights = np.asarray(weights, dtype=np.float32)
    if kind == "sigmoid":
        return torch.tensor(weights[1] / weights[0], dtype=torch.float32)
    return torch.as_tensor(weights)


def make_head(task: Task, targets: np.ndarray, weights: np.ndarray | None = None,
              gamma: float = 0.0) -> TorchHead:
    """The head for `task`; `weights` (from `textladder.imbalance`: one per class, or one
    positive weight per label) weigh its loss, and `gamma` > 0 makes the loss focal."""
    n_units = {"sigmoid": 1, "linear": 1, "cumulative": task.n_outputs - 1}.get(
        task.head, task.n_outputs)
    if task.head == "linear":  # learn standardised scores; outputs are mapped back
        values = np.asarray(targets, dtype=float)
        return TorchHead(task.head, n_units, None, float(values.mean()),
                         float(values.std()) or 1.0)
    return TorchHead(task.head, n_units, _loss_weights(task.head, weights), gamma=float(gamma))
