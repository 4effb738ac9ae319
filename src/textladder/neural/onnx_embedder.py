"""Fast CPU inference for the encoder rungs: ONNX copies of encoder + mean pooling, int8 and
float32.

`export_onnx(embedder, folder, maxima, float_ffn_out)` traces a `WindowEmbedder` (input ids and
attention mask in, one mean-pooled vector per window out) to ONNX in float32 (`FLOAT_FILE`) and
writes a copy (`ONNX_FILE`) whose matrix multiplications are int8: int8 weights with one scale
per output channel, activations with one scale per token (`per_token_int8.py`); the embedding
tables stay float32.
Given the activation maxima measured on training windows, the int8 copy is first smoothed
(`smoothing.py`): on MiniLM and sst5 sentences, 1 - cosine to the float vectors drops about four
times. The float32 file is not: it computes what the torch module does. The int8 vectors are
close to the original's, not equal; the benchmark reports how often predictions agree.
`OnnxWindowEmbedder` runs either file with onnxruntime and stands in for the torch embedder
(same inputs, same outputs); the float32 one gives the torch outputs up to rounding, faster on a
CPU, and re-checks the int8 runtime's borderline texts. Training never uses them.

Which layers stay in float is chosen per model (`FLOAT_FFN_OUT`): the feed-forward output
projections, where int8 loses most, stay in float in every layer, in the first only, or in none.
Keeping them costs time in every text; int8 costs time in the borderline texts that the re-check
(`recheck.py`) recomputes. `TextClassifier` picks the fastest of the three on validation texts
when it first saves a model (`default_float_ffn_out` before that, and for regression).

Models saved before per-token scales carry onnxruntime's dynamic quantisation (one scale per
run); `OnnxWindowEmbedder` still runs them, one window per run.
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
from torch import nn

from textladder.errors import TextladderError

ONNX_FILE = "encoder-int8.onnx"
FLOAT_FILE = "encoder-float.onnx"  # the same graph in float32: what the re-check runs
OPSET = 17
# How many feed-forward output projections, from the first layer on, an int8 export keeps in
# float (`float_ffn_out` of `export_onnx`): all, the first layer's, or none.
FLOAT_FFN_OUT = {"all": None, "first": 1, "none": 0}


def default_float_ffn_out(task_name: str) -> str:
    """The export's float layers for this task type before (or without) a choice on validation
    texts (`TextClassifier` chooses among `FLOAT_FFN_OUT` when it first saves a model).

    A multi-label set changes when any one of its labels flips: with 28 labels (GoEmotions), all
    int8 kept 95 % of MiniLM's label sets on validation texts after the re-check at the then
    fixed 0.08 log-odds, and 99.3 % with these six layers in float. Where one decision is made
    per text, all int8 re-checked at that margin kept 99.1-99.7 % (sst2, sst5, tweeteval), and
    its windows ran 25-30 % faster. Regression outputs are never re-checked (they have no
    decision), so they keep the float layers, and nothing is chosen for them.
    """
    return "all" if task_name in ("multilabel", "regression") else "none"


def kept_float(graph, float_ffn_out: str) -> list[str]:
    """The MatMul nodes of the float `graph` that its int8 copy keeps in float."""
    if float_ffn_out not in FLOAT_FFN_OUT:
        raise ValueError(f"float_ffn_out is one of {', '.join(FLOAT_FFN_OUT)}, not "
                         f"{float_ffn_out!r}")
    return narrowing_matmuls(graph)[:FLOAT_FFN_OUT[float_ffn_out]]


def export_onnx(embedder: nn.Module, folder: Path, maxima: dict | None = None,
                float_ffn_out: str = "none") -> None:
    """Write `embedder` into `folder` as ONNX twice: `FLOAT_FILE` in float32 and `ONNX_FILE`,
    its int8 copy (smoothed with `maxima` if given) with the feed-forward output projections
    that `float_ffn_out` names (`FLOAT_FFN_OUT`) in float."""
    import onnx

    graph = export_float(embedder, Path(folder) / FLOAT_FILE)
    onnx.save(_quantized(graph, float_ffn_out, maxima), str(Path(folder) / ONNX_FILE))


def quantize_int8(plain: Path, path: Path, float_ffn_out: str = "none",
                  maxima: dict | None = None) -> None:
    """Quantise the float graph `plain` to `path` as `export_onnx` does: smoothed with `maxima`
    if given, every MatMul with a constant weight in int8 with per-token activation scales
    (`per_token_int8.py`), except the feed-forward output projections `float_ffn_out` names."""
    import onnx

    onnx.save(_quantized(onnx.load(str(plain)), float_ffn_out, maxima), str(path))


def _quantized(graph, float_ffn_out: str, maxima: dict | None):
    """The int8 copy of the loaded float `graph` (`quantize_int8`)."""
    from textladder.neural.per_token_int8 import rewrite_per_token
    from textladder.neural.smoothing import smooth_graph

    keep = frozenset(kept_float(graph, float_ffn_out))
    if maxima:
        graph = smooth_graph(graph, maxima, keep)
    return rewrite_per_token(graph, keep)


def export_float(embedder: nn.Module, path: Path):
    """Write `embedder` as a float32 ONNX graph to `path` (input ids and attention mask in, one
    vector per window out; a half-precision module in float32): the graph `quantize_int8`
    quantises; returns it, loaded."""
    import io

    import onnx

    from textladder.neural.per_token_int8 import mark_batch_invariant

    if any(p.dtype != torch.float32 for p in embedder.parameters()):  # half precision
        import copy

        embedder = copy.deepcopy(embedder).to("cpu", torch.float32)  # exported in float32
    device = next(embedder.parameters()).device
    was_training = embedder.training
    ids = torch.ones((2, 8), dtype=torch.long)
    mask = torch.ones((2, 8), dtype=torch.long)
    axes = {0: "windows", 1: "tokens"}
    traced = io.BytesIO()
    try:
        with quiet_export():
            torch.onnx.export(embedder.to("cpu").eval(), (ids, mask), traced,
                              opset_version=OPSET, dynamo=False,
                              input_names=["input_ids", "attention_mask"],
                              output_names=["vectors"],
                              dynamic_axes={"input_ids": axes, "attention_mask": axes,
                                            "vectors": {0: "windows"}})
    finally:
        embedder.to(device).train(was_training)
    graph = onnx.load_from_string(traced.getvalue())
    mark_batch_invariant(graph)  # every operation of a float graph treats tokens apart
    onnx.save(graph, str(path))
    return graph


@contextlib.contextmanager
def quiet_export():
    """Silence the tracer's warnings about shapes fixed by the example, and the advice that
    onnxruntime's quantizer logs on the root logger."""
    root = logging.getLogger()
    level = root.level
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            root.setLevel(logging.ERROR)
            yield
    finally:
        root.setLevel(level)


def narrowing_matmuls(graph) -> list[str]:
    """The MatMul nodes whose constant weight narrows the width: feed-forward output projections.

    Their inputs (after GELU) have the widest, most outlying ranges in a transformer, so int8
    loses most there: on MiniLM and sst5 sentences, keeping these six of 36 in float cuts
    1 - cosine to the float vectors from 0.0014 to 0.0004 and cost about a sixth of the
    throughput (per-token scales in batches of 32, `benchmarks/int8-study.md` at d95701d).
    Read from the graph's weight shapes ([in, out], as the exporter writes linear layers), so
    it needs no layer names; any other narrowing linear layer would stay in float too. In the
    graph's order: the first layer's first.
    """
    import onnx

    if isinstance(graph, (str, Path)):  # a file, else a loaded model
        graph = onnx.load(str(graph))
    graph = graph.graph
    shapes = {weight.name: list(weight.dims) for weight in graph.initializer}
    return [node.name for node in graph.node if node.op_type == "MatMul"
            and any(len(shapes.get(x, ())) == 2 and shapes[x][0] > shapes[x][1]
                    for x in node.input)]


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

        from textladder.neural.per_token_int8 import runs_in_batches

        if not Path(path).is_file():
            raise TextladderError(f"'{path}' is missing: this model was saved without its ONNX "
                                  f"export; predict with --runtime default, or retrain it.")
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


# Windows per run. On MiniLM (1,000 test texts of each benchmark dataset, two threads), batches
# of 16 ran at 670-750 windows/s: the fastest of 8, 16 and 32 or within 10 % of it, 40-75 %
# faster than the same export one window per run, and 10-33 % faster than the dynamic
# quantisation one window per run (measured while choosing it; the int8 study measures 16).
BATCH = 16


def padded(windows: Sequence[Sequence[int]]) -> tuple[np.ndarray, np.ndarray]:
    """Token ids padded to the longest window (with id 0, which the mask hides), and the mask."""
    width = max(len(w) for w in windows)
    ids = np.zeros((len(windows), width), dtype=np.int64)
    mask = np.zeros((len(windows), width), dtype=np.int64)
    for row, window in enumerate(windows):
        ids[row, :len(window)] = window
        mask[row, :len(window)] = 1
    return ids, mask
