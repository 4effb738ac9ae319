"""Activation smoothing before int8 quantisation (SmoothQuant, Xiao et al., 2023).

Dynamic int8 quantisation gives a whole activation tensor one scale. A few input channels of a
transformer's linear layers carry values far larger than the rest, so that scale is coarse for
every other channel. `smoothed_copy` moves part of that range into the weights, which are
quantised per output channel and take it well: each linear layer y = x W^T + b becomes
y = (x / s) (W s)^T + b, the same function in exact arithmetic, with
s_j = max|x_j|^alpha / max|W_j|^(1 - alpha) measured on calibration windows (`input_maxima`),
bounded to [1/100, 100] so that a channel that was quiet in calibration cannot blow up later.
Only the exported copy (float32, on the CPU) changes; the module it is made from does not. The
maxima are saved with a model (`save_maxima` / `load_maxima`: numbers per channel, no text), so a
model loaded from disk and saved again exports the same file.
"""

from __future__ import annotations

import copy
from collections.abc import Sequence

import torch
from torch import nn

ALPHA = 0.75  # chosen on the cosine between int8 and float vectors of sst5 validation sentences
CALIBRATION_WINDOWS = 256
SCALE_BOUND = 100.0
MAXIMA_FILE = "onnx-calibration.safetensors"


def sample_windows(items: Sequence, seed: int, n: int = CALIBRATION_WINDOWS) -> list:
    """Up to `n` of `items` (training windows or texts), picked at random, in their order."""
    import numpy as np

    picked = np.random.default_rng(seed).permutation(len(items))[:n]
    return [items[i] for i in sorted(picked)]


class SmoothedLinear(nn.Module):
    """A linear layer whose inputs are divided by `scale` and whose weights are multiplied by it."""

    def __init__(self, linear: nn.Linear, scale: torch.Tensor):
        super().__init__()
        self.register_buffer("inverse_scale", 1.0 / scale.float())
        self.weight = nn.Parameter(linear.weight.detach().float() * scale.float()[None, :])
        self.bias = linear.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return nn.functional.linear(x * self.inverse_scale, self.weight, self.bias)


@torch.no_grad()
def input_maxima(embedder: nn.Module, windows: Sequence[Sequence[int]]) -> dict[str, torch.Tensor]:
    """The largest absolute input of every linear layer, per input channel, over `windows`.

    Each window (token ids) runs alone, without padding: padding would add rows of its own to
    the maxima.
    """
    maxima: dict[str, torch.Tensor] = {}

    def record(name):
        def hook(_module, inputs, _output):
            x = inputs[0].detach().abs().reshape(-1, inputs[0].shape[-1]).amax(0).float()
            maxima[name] = torch.maximum(maxima[name], x) if name in maxima else x
        return hook

    hooks = [module.register_forward_hook(record(name)) for name, module in
             embedder.named_modules() if isinstance(module, nn.Linear)]
    was_training = embedder.training
    embedder.eval()
    try:
        device = next(embedder.parameters()).device
        for ids in windows:
            ids_tensor = torch.tensor([list(ids)], dtype=torch.long, device=device)
            embedder(ids_tensor, torch.ones_like(ids_tensor))
    finally:
        for hook in hooks:
            hook.remove()
        embedder.train(was_training)
    return maxima


def smoothed_copy(embedder: nn.Module, maxima: dict[str, torch.Tensor],
                  alpha: float = ALPHA) -> nn.Module:
    """A float32 copy of `embedder` on the CPU whose measured linear layers are smoothed."""
    smoothed = copy.deepcopy(embedder).to("cpu", torch.float32)
    for parent_name, parent in list(smoothed.named_modules()):
        for child_name, child in list(parent.named_children()):
            name = f"{parent_name}.{child_name}" if parent_name else child_name
            if isinstance(child, nn.Linear) and name in maxima:
                activation = maxima[name].cpu().clamp(min=1e-5)
                weight = child.weight.detach().abs().amax(0).float().clamp(min=1e-5)
                scale = (activation ** alpha / weight ** (1 - alpha)).clamp(1 / SCALE_BOUND,
                                                                             SCALE_BOUND)
                setattr(parent, child_name, SmoothedLinear(child, scale))
    return smoothed


def save_maxima(maxima: dict[str, torch.Tensor] | None, path) -> None:
    if maxima:
        from safetensors.torch import save_file

        save_file({name: value.float().cpu().contiguous() for name, value in maxima.items()},
                  str(path))


def load_maxima(path) -> dict[str, torch.Tensor] | None:
    """The saved maxima, or None for a model saved without them (its export is not smoothed)."""
    from pathlib import Path

    if not Path(path).is_file():
        return None
    from safetensors.torch import load_file

    return load_file(str(path))
