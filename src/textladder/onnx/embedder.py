"""Run an exported ONNX graph (int8 or float32) in place of a torch window embedder.

`OnnxWindowEmbedder` takes the torch embedder's inputs (padded token windows and their mask) and
gives its outputs (one vector per window), so an encoder rung predicts through it unchanged. It
runs on the CPU with onnxruntime, windows of similar length in padded batches, several threads
each running their own batches. The float32 graph gives the torch outputs up to rounding, faster
on a CPU; the int8 one is faster still, and close. Training never uses either.

Graphs written before per-token scales carry onnxruntime's dynamic quantisation (one activation
scale per run): they run one window per run, since windows run together would change each
other's vectors (`per_token_int8.runs_in_batches`).
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from textladder.errors import TextladderError

# Windows per run. On MiniLM (1,000 test texts of each benchmark dataset, two threads), batches
# of 16 ran at 670-750 windows/s: the fastest of 8, 16 and 32 or within 10 % of it, 40-75 %
# faster than the same export one window per run, and 10-33 % faster than the dynamic
# quantisation one window per run (measured while choosing it; the int8 study measures 16).
BATCH = 16


class OnnxWindowEmbedder(nn.Module):
    """An ONNX encoder (int8 or float32) behind the torch embedder's interface (CPU only).

    The file is read once: `digest` (its SHA-256) names exactly the graph the session runs.
    `threads` threads share the session, each running its own batches on one core: a batch of
    short windows is too small to split among threads.
    """

    def __init__(self, path: Path, threads: int | None = None):
        super().__init__()
        import hashlib

        import onnx
        import onnxruntime as ort

        from textladder.onnx.per_token_int8 import runs_in_batches

        if not Path(path).is_file():
            raise TextladderError(f"'{path}' is missing: the ONNX export is incomplete; run "
                                  f"`textladder export` on the model again.")
        graph = Path(path).read_bytes()
        self.digest = hashlib.sha256(graph).hexdigest()
        self.batch_size = BATCH if runs_in_batches(onnx.load_from_string(graph)) else 1
        self.threads = max(1, threads or torch.get_num_threads())
        options = ort.SessionOptions()
        options.intra_op_num_threads = 1
        options.inter_op_num_threads = 1
        self.session = ort.InferenceSession(graph, options, providers=["CPUExecutionProvider"])
        self.dimension = int(self.session.get_outputs()[0].shape[-1])

    def forward(self, input_ids: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
        """The torch embedder's interface: padded windows in, one vector per window out."""
        ids = input_ids.cpu().numpy()
        lengths = attention_mask.cpu().numpy().sum(axis=1).astype(int)
        return torch.from_numpy(self.run_windows([ids[i, :n] for i, n in enumerate(lengths)]))

    def run_windows(self, windows: Sequence[Sequence[int]]) -> np.ndarray:
        """One vector per window of token ids (without padding).

        Windows run in batches of similar length, padded; a window's vector does not depend
        on the others in its batch beyond float rounding (per-token scales). Exports with one
        scale per run (saved before per-token scales) run one window per run instead: run
        together, windows would change each other's vectors. Give it many windows at once: the
        threads wait for each other only at the end, and share out fewer windows than
        `threads` full batches in smaller batches.
        """
        from concurrent.futures import ThreadPoolExecutor

        from textladder.neural.batching import size_order

        vectors = np.zeros((len(windows), self.dimension), dtype=np.float32)
        lengths = np.array([len(w) for w in windows], dtype=int)
        order = size_order(lengths)
        order = order[lengths[order] > 0]  # no tokens to pool: a zero vector, as in torch
        size = max(1, min(self.batch_size, -(-len(order) // self.threads)))
        batches = [order[i:i + size] for i in range(0, len(order), size)]

        def run(batch: np.ndarray) -> None:
            ids, mask = padded([windows[i] for i in batch])
            vectors[batch] = self.session.run(None, {"input_ids": ids,
                                                     "attention_mask": mask})[0]

        if self.threads == 1 or len(batches) < 2:
            for batch in batches:
                run(batch)
        else:
            with ThreadPoolExecutor(self.threads) as pool:
                list(pool.map(run, batches))
        return vectors


def padded(windows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids padded to the longest window (with id 0, which the mask hides), and the mask."""
    width = max(len(w) for w in windows)
    ids = np.zeros((len(windows), width), dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    for row, window in enumerate(windows):
        ids[row, :len(window)] = window
        mask[row, :len(window)] = 1
    return ids, mask
