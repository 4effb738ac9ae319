"""The int8 study: how close and how fast each way of quantising MiniLM to int8 is.

    python -m benchmarks int8-study --datasets goemotions,sst5 --texts 1000

`METHOD` says what it measures. Writes benchmarks/int8-study.md; the main report points to it.
Not part of the library: it informs which runtime the library should use.
"""

from __future__ import annotations

import datetime
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

from benchmarks.datasets import DEFAULT_DATA_ROOT, SPECS, load_dataset
from benchmarks.results import STUDY, commit

METHOD = """\
For each dataset the bundled all-MiniLM-L6-v2 is exported to float32 ONNX, then smoothed with
activation maxima measured on a sample of that dataset's training texts (as `textladder export`
does on the texts it is given) and quantised several ways; the first test texts run through
each:

- `float32`: the reference;
- `dynamic, all int8` / `dynamic, FFN out float`: onnxruntime's dynamic quantisation, one
  activation scale per run (the library's exports until per-token scales replaced it), for
  single-label and for multi-label tasks;
- `per-token, ...`: the library's exports (`onnx.graph.quantize`, one activation scale
  per token, `per_token_int8.py`);
- `8-bit blocks (MatMulNBits)`: onnxruntime's block-wise 8-bit weights (blocks of 32, accuracy
  level 4).

Columns: the mean 1 - cosine of each window's vector, run alone, to the float32 one; the
throughput with one window per run and in padded batches of windows of similar length
(`onnx.embedder.BATCH` of them), two threads taking runs in turn on one session, each the median
of three rounds (lowest-highest in brackets) with the variants taking turns in a rotated order;
and the largest 1 - cosine between a window's vector run alone and run in its batch (how much a
window's vector depends on the windows beside it). The library runs per-token exports in
batches and dynamic ones one window per run. Vectors, not decisions: the main
benchmark measures how often predictions agree."""
ROUNDS = 3
SEED = 0


def build_variants(train_texts: list[str], scratch: Path) -> tuple[dict[str, Path], Callable]:
    """{variant name: onnx file} for the bundled encoder, and a tokenizer of texts to windows."""
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import (
        DefaultWeightOnlyQuantConfig, MatMulNBitsQuantizer)

    from textladder.encoders.sentence import SentenceEncoder
    from textladder.neural.transformer import WindowEmbedder
    from textladder.onnx.graph import export_float, quantize_int8, quiet_export
    from textladder.onnx.sentence import sentence_pipeline, tokenize_as_exported
    from textladder.onnx.smoothing import input_maxima, sample_windows, smooth_graph

    model = SentenceEncoder(cache=False, device="cpu").model
    pipeline = sentence_pipeline(model)
    embedder = WindowEmbedder(list(model)[0].auto_model)
    calibration = tokenize_as_exported(model.tokenizer, sample_windows(train_texts, SEED),
                                       pipeline)["input_ids"]
    maxima = input_maxima(embedder, calibration)
    files = {"float32": scratch / "float.onnx"}
    float_graph = export_float(embedder, files["float32"])
    plain = scratch / "smoothed.onnx"  # what the other quantisers start from
    onnx.save(smooth_graph(float_graph, maxima), str(plain))
    for name, quantize, ffn_out_float in [
            ("dynamic, all int8", quantize_dynamic_int8, False),
            ("dynamic, FFN out float", quantize_dynamic_int8, True)]:
        files[name] = scratch / f"{len(files)}.onnx"
        quantize(plain, files[name], ffn_out_float)
    for name, float_ffn_out in [("per-token, all int8", "none"),
                                ("per-token, FFN out float", "all")]:
        files[name] = scratch / f"{len(files)}.onnx"
        quantize_int8(files["float32"], files[name], float_ffn_out, maxima)
    with quiet_export():
        config = DefaultWeightOnlyQuantConfig(block_size=32, is_symmetric=True, accuracy_level=4,
                                              bits=8)
        blocks = MatMulNBitsQuantizer(onnx.load(str(plain)), bits=8, block_size=32,
                                      is_symmetric=True, accuracy_level=4, algo_config=config)
        blocks.process()
        files["8-bit blocks (MatMulNBits)"] = scratch / f"{len(files)}.onnx"
        blocks.model.save_model_to_file(str(files["8-bit blocks (MatMulNBits)"]), False)

    def windows(texts: list[str]) -> list[list[int]]:
        return tokenize_as_exported(model.tokenizer, texts, pipeline)["input_ids"]

    return files, windows


def quantize_dynamic_int8(plain: Path, path: Path, ffn_out_float: bool) -> None:
    """onnxruntime's dynamic quantisation of every MatMul (int8 weights, one scale per output
    channel; one activation scale per run), the library's export before per-token scales."""
    from onnxruntime.quantization import QuantType, quantize_dynamic

    from textladder.onnx.graph import narrowing_matmuls, quiet_export

    with quiet_export():
        quantize_dynamic(str(plain), str(path), weight_type=QuantType.QInt8,
                         per_channel=True, op_types_to_quantize=["MatMul"],
                         nodes_to_exclude=narrowing_matmuls(plain) if ffn_out_float else [])


def one_per_run(path: Path) -> Callable:
    """Windows one per run, two threads taking them in turn."""
    return _runner(path, batch_size=1)


def batched(path: Path) -> Callable:
    """Windows sorted by length, padded batches of `onnx.embedder.BATCH`, two threads taking
    batches in turn (the library's runtime for per-token exports)."""
    from textladder.onnx.embedder import BATCH

    return _runner(path, batch_size=BATCH)


def _runner(path: Path, batch_size: int) -> Callable:
    from textladder.onnx.embedder import OnnxWindowEmbedder

    embedder = OnnxWindowEmbedder(path, threads=2)
    embedder.batch_size = batch_size  # whatever the graph: the study measures both ways
    return embedder.run_windows


def one_minus_cosines(vectors: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """1 - cosine of each vector to its reference (a zero vector counts as 1)."""
    norms = np.linalg.norm(vectors, axis=1) * np.linalg.norm(reference, axis=1)
    return 1 - (vectors * reference).sum(1) / np.maximum(norms, 1e-12)


def one_minus_cosine(vectors: np.ndarray, reference: np.ndarray) -> float:
    return float(np.mean(one_minus_cosines(vectors, reference)))


def study(dataset: str, texts: int, root: Path) -> list[dict]:
    """One row per variant: closeness to float32, throughput each way, batch dependence."""
    from tqdm import tqdm

    data = load_dataset(root, SPECS[dataset])
    with tempfile.TemporaryDirectory() as scratch:
        files, tokenize = build_variants(list(data.train.texts), Path(scratch))
        windows = tokenize(list(data.test.texts[:texts]))
        runners = {(name, way): make(path) for name, path in files.items()
                   for way, make in [("single", one_per_run), ("batched", batched)]}
        seconds = {key: [] for key in runners}
        vectors = {}
        longest = sorted(windows, key=len)[-64:]
        for run in runners.values():  # warm up, with the largest shapes the runs will see
            run(longest)
        keys = list(runners)
        for round_ in tqdm(range(ROUNDS), desc=f"int8 study {dataset}", unit="round"):
            for key in keys[round_:] + keys[:round_]:
                start = time.perf_counter()
                vectors[key] = runners[key](windows)
                seconds[key].append(time.perf_counter() - start)
    reference = vectors[("float32", "batched")]
    rows = []
    for name in files:
        single, batch = vectors[(name, "single")], vectors[(name, "batched")]
        rows.append({"variant": name, "1-cos": one_minus_cosine(single, reference),
                     "single/s": [len(windows) / t for t in seconds[(name, "single")]],
                     "batched/s": [len(windows) / t for t in seconds[(name, "batched")]],
                     "batch change": float(np.max(one_minus_cosines(single, batch)))})
    return rows


def write_study(results: dict[str, list[dict]], texts: int, command: str) -> Path:
    stamp = datetime.datetime.now(datetime.timezone.utc).replace(microsecond=0).isoformat()
    lines = ["# int8 study: quantising MiniLM", "",
             f"`{command}` · {stamp} · `{commit()}` · first {texts} test texts per dataset", "",
             METHOD, ""]
    for dataset, rows in results.items():
        lines += [f"## {dataset}", "",
                  "| variant | 1 - cos to float32 | windows/s, one per run | windows/s, batched "
                  "| largest 1 - cos, alone vs in a batch |",
                  "|---|---|---|---|---|"]
        lines += [f"| {r['variant']} | {max(r['1-cos'], 0.0):.5f} | {_spread(r['single/s'])} "
                  f"| {_spread(r['batched/s'])} | {r['batch change']:.1e} |" for r in rows]
        lines.append("")
    STUDY.write_text("\n".join(lines))
    return STUDY


def _spread(rates: list[float]) -> str:
    return f"{statistics.median(rates):.0f} ({min(rates):.0f}-{max(rates):.0f})"


def run_study(datasets: list[str] | None, texts: int, root: Path | None, command: str) -> Path:
    root = Path(root) if root is not None else DEFAULT_DATA_ROOT.resolve()
    results = {d: study(d, texts, root) for d in datasets or list(SPECS)}
    return write_study(results, texts, command)
