"""The training loop on a chosen device: the GPU with bf16 mixed precision, or the CPU.

`DeviceTrainer` moves the module, each batch and the targets to the device, and runs the forward
pass under autocast on a GPU. The loss and the outputs are computed in float32. Prediction batches
are set by the caller (transformer activations are large); logits come back on the CPU.
"""

from __future__ import annotations

import torch

from textladder.neural.trainer import Trainer


class DeviceTrainer(Trainer):
    def __init__(self, *args, device: str = "cpu", **kwargs):
        super().__init__(*args, **kwargs)
        self.device = torch.device(device)
        self.module.to(self.device)
        if self.head.weights is not None:
            self.head.weights = self.head.weights.to(self.device)

    def forward(self, inputs) -> torch.Tensor:
        inputs = tuple(t.to(self.device, non_blocking=True) for t in inputs)
        if self.device.type != "cuda":
            return self.module(*inputs)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            return self.module(*inputs).float()

    def get_loss(self, logits: torch.Tensor, targets: torch.Tensor) -> torch.Tensor:
        return super().get_loss(logits, targets.to(self.device))
