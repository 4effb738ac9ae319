"""A one-hidden-layer net on fixed features, for rungs whose features are computed beforehand."""

from __future__ import annotations

from torch import nn


def dense_net(n_inputs: int, hidden: int, dropout: float, n_units: int) -> nn.Module:
    """Linear -> ReLU -> dropout -> linear to the task head's units."""
    return nn.Sequential(nn.Linear(n_inputs, hidden), nn.ReLU(), nn.Dropout(dropout),
                         nn.Linear(hidden, n_units))


def rows_of(features):
    """A batcher over a fixed float32 feature matrix: row indices -> (tensor,)."""
    import torch

    tensor = torch.from_numpy(features)
    return lambda rows: (tensor[rows],)
