"""ONNX graphs of an encoder rung's window embedder: the float32 trace and its int8 copies.

`export_float(embedder)` traces a window embedder (input ids and attention mask in, one
mean-pooled vector per window out) to an ONNX graph in float32: what the torch module computes, up
to rounding. `quantize(graph, float_ffn_out, maxima)` makes its int8 copy: smoothed with the
activation maxima measured on calibration texts (`smoothing.py`), then every matrix
multiplication with a constant weight in int8, with one activation scale per token
(`per_token_int8.py`), except the feed-forward output projections that `float_ffn_out` keeps in
float (`FLOAT_FFN_OUT`). The embedding tables stay float32. The int8 vectors are close to the
float ones, not equal: the re-check (`recheck.py`) and the choice of `float_ffn_out`
(`choice.py`) deal with that.

This module builds graphs in memory (and writes one to a file only where given a path); it runs
none (`embedder.py` does, and `exporter.py` writes the export).
"""

from __future__ import annotations

import contextlib
import logging
import warnings
from pathlib import Path

import torch
from torch import nn

OPSET = 17
# How many feed-forward output projections, from the first layer on, an int8 copy keeps in float
# (`quantize`'s `float_ffn_out`): all, the first layer's, or none.
FLOAT_FFN_OUT = {"all": None, "first": 1, "none": 0}


def kept_float(graph, float_ffn_out: str) -> list[str]:
    """The MatMul nodes of the float `graph` that its int8 copy keeps in float."""
    if float_ffn_out not in FLOAT_FFN_OUT:
        raise ValueError(f"float_ffn_out is one of {', '.join(FLOAT_FFN_OUT)}, not "
                         f"{float_ffn_out!r}")
    return narrowing_matmuls(graph)[:FLOAT_FFN_OUT[float_ffn_out]]


def quantize(graph, float_ffn_out: str = "none", maxima: dict | None = None):
    """The int8 copy of the loaded float `graph`: smoothed with `maxima` if given, every MatMul
    with a constant weight in int8 with per-token activation scales, except the feed-forward
    output projections `float_ffn_out` names (`FLOAT_FFN_OUT`). `graph` is left as it was."""
    from textladder.onnx.per_token_int8 import rewrite_per_token
    from textladder.onnx.smoothing import smooth_graph

    keep = frozenset(kept_float(graph, float_ffn_out))
    if maxima:
        graph = smooth_graph(graph, maxima, keep)
    return rewrite_per_token(graph, keep)


def quantize_int8(plain: Path, path: Path, float_ffn_out: str = "none",
                  maxima: dict | None = None) -> None:
    """`quantize` from the float graph in the file `plain` to the file `path` (the int8
    study's way in)."""
    import onnx

    onnx.save(quantize(onnx.load(str(plain)), float_ffn_out, maxima), str(path))


def export_float(embedder: nn.Module, path: Path | None = None):
    """`embedder` traced as a float32 ONNX graph (input ids and attention mask in, one vector per
    window out; a half-precision module in float32), returned loaded, and written to `path` if
    given. The module is left as it was (device, training mode, precision)."""
    import io

    import onnx

    from textladder.onnx.per_token_int8 import mark_batch_invariant

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
    if path is not None:
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
