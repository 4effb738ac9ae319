"""The training loop on a chosen device: the GPU with bf16 mixed precision, or the CPU.

`DeviceTrainer` moves the module, each batch and the targets to the device, and runs the forward
pass under autocast on a GPU. The loss and the outputs are computed in float32. Prediction batches
are smaller than the base loop's (transformer activations are large) and come back on the CPU.
"""

from __future__ import annotations

from contextlib import nullcontext

import numpy as np
import torch

from textladder.neural.trainer import Batcher, Trainer


class DeviceTrainer(Trainer):
    def __init__(self, *args, device: str = "cpu", predict_batch_size: int = 64, **kwargs):
        super().__init__(*args, **kwargs)
        self.device = torch.device(device)
        self.predict_batch_size = predict_batch_size
        self.module.to(self.device)
        if self.head.weights is not None:
            self.head.weights = self.head.weights.to(self.device)

    def _autocast(self):
        if self.device.type == "cuda":
            return torch.autocast("cuda", dtype=torch.bfloat16)
        return nullcontext()

    def _to_device(self, inputs):
        return tuple(t.to(self.device, non_blocking=True) for t in inputs)

    def train_step(self, inputs, targets) -> float:
        self.module.train()
        self.optimizer.zero_grad()
        with self._autocast():
            logits = self.module(*self._to_device(inputs))
        loss = self.get_loss(logits.float(), targets.to(self.device))
        loss.backward()
        if self.clip_norm:
            torch.nn.utils.clip_grad_norm_(self.module.parameters(), self.clip_norm)
        self.optimizer.step()
        return float(loss.detach())

    @torch.no_grad()
    def predict_logits(self, batcher: Batcher, n: int, batch_size: int | None = None):
        self.module.eval()
        size = batch_size or self.predict_batch_size
        chunks = []
        for i in range(0, n, size):
            with self._autocast():
                logits = self.module(*self._to_device(batcher(np.arange(i, min(i + size, n)))))
            chunks.append(logits.float().cpu())
        return torch.cat(chunks) if chunks else torch.empty(0, self.head.n_units)
