"""A one-hidden-layer net on fixed features, for rungs whose features are computed beforehand.

Columns beside the text (`n_side`, the last input) are read with the features: the hidden layer
sees both (`side.py`).
"""

from __future__ import annotations

import torch
from torch import nn


class DenseNet(nn.Sequential):
    """Linear -> ReLU -> dropout -> linear, over the features and the side columns joined."""

    def forward(self, features: torch.Tensor, side: torch.Tensor | None = None) -> torch.Tensor:
        if side is not None:
            features = torch.cat([features, side.to(features.dtype)], dim=1)
        return super().forward(features)


def dense_net(n_inputs: int, hidden: int, dropout: float, n_units: int,
              n_side: int = 0) -> nn.Module:
    """Linear -> ReLU -> dropout -> linear to the task head's units."""
    return DenseNet(nn.Linear(n_inputs + n_side, hidden), nn.ReLU(), nn.Dropout(dropout),
                    nn.Linear(hidden, n_units))


def rows_of(features):
    """A batcher over a fixed float32 feature matrix: row indices -> (tensor,)."""
    import torch

    tensor = torch.from_numpy(features)
    return lambda rows: (tensor[rows],)
