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
For each dataset the bundled all-MiniLM-L6-v2 is exported to float32 ONNX, smoothed with
activation maxima measured on that dataset's training texts (as `minilm` does), then quantised
several ways; the first test texts run through each:

- `float32`: the reference;
- `dynamic, all int8` / `dynamic, FFN out float`: the library's exports
  (`onnx_embedder.quantize_int8`: onnxruntime's dynamic quantisation, one activation scale per
  run), for single-label and for multi-label tasks;
- `per-token, ...`: `per_token_int8.rewrite_per_token`, one activation scale per token;
- `8-bit blocks (MatMulNBits)`: onnxruntime's block-wise 8-bit weights (blocks of 32, accuracy
  level 4).

Columns: the mean 1 - cosine of each window's vector, run alone, to the float32 one; the
throughput with one window per run (two threads taking windows in turn, as the library runs its
exports) and in padded batches of 32 windows of similar length (one session, two intra-op
threads), each the median of three rounds (lowest-highest in brackets) with the variants taking
turns in a rotated order; and the largest 1 - cosine between a window's vector run alone and run in its batch (how
much a window's vector depends on the windows beside it). Vectors, not decisions: the main
benchmark measures how often predictions agree."""
BATCH = 32
ROUNDS = 3
SEED = 0


def build_variants(train_texts: list[str], scratch: Path) -> tuple[dict[str, Path], Callable]:
    """{variant name: onnx file} for the bundled encoder, and a tokenizer of texts to windows."""
    import onnx
    from onnxruntime.quantization.matmul_nbits_quantizer import (
        DefaultWeightOnlyQuantConfig, MatMulNBitsQuantizer)

    from benchmarks.per_token_int8 import rewrite_per_token
    from textladder.encoders.onnx_sentence import (
        sentence_maxima, sentence_pipeline, tokenize_as_exported)
    from textladder.encoders.sentence import SentenceEncoder
    from textladder.neural.onnx_embedder import (
        export_float, narrowing_matmuls, quantize_int8, quiet_export)
    from textladder.neural.transformer import WindowEmbedder

    model = SentenceEncoder(cache=False, device="cpu").model
    pipeline = sentence_pipeline(model)
    maxima = sentence_maxima(model, train_texts, pipeline, SEED)
    files = {"float32": scratch / "float.onnx"}
    export_float(WindowEmbedder(list(model)[0].auto_model), files["float32"], maxima)
    plain = files["float32"]
    ffn_out = narrowing_matmuls(plain)
    for name, ffn_out_float in [("dynamic, all int8", False), ("dynamic, FFN out float", True)]:
        files[name] = scratch / f"{len(files)}.onnx"
        quantize_int8(plain, files[name], ffn_out_float)
    with quiet_export():
        graph = onnx.load(str(plain))
        for name, keep in [("per-token, all int8", frozenset()),
                           ("per-token, FFN out float", frozenset(ffn_out))]:
            files[name] = scratch / f"{len(files)}.onnx"
            onnx.save(rewrite_per_token(graph, keep), str(files[name]))
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


def one_per_run(path: Path) -> Callable:
    """Windows one per run, two threads taking them in turn (the library's runtime)."""
    from textladder.neural.onnx_embedder import OnnxWindowEmbedder

    embedder = OnnxWindowEmbedder(path, threads=2)
    return embedder.run_windows


def batched(path: Path) -> Callable:
    """Windows sorted by length, padded batches of `BATCH`, two intra-op threads."""
    import onnxruntime as ort

    from textladder.neural.batching import size_order
    from textladder.neural.windows import Windows, WindowBatcher

    options = ort.SessionOptions()
    options.intra_op_num_threads = 2
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])

    def run(windows: list[list[int]]) -> np.ndarray:
        alone = np.arange(len(windows) + 1)  # each window its own text
        batcher = WindowBatcher(Windows(windows, alone[:-1], alone), pad_id=0)
        order = size_order(batcher.row_sizes())
        vectors = np.zeros((len(windows), int(session.get_outputs()[0].shape[-1])), np.float32)
        for start in range(0, len(order), BATCH):
            group = order[start:start + BATCH]
            ids, mask, _ = batcher(group)
            vectors[group] = session.run(None, {"input_ids": ids.numpy(),
                                                "attention_mask": mask.numpy()})[0]
        return vectors

    return run


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
        longest = sorted(windows, key=len)[-BATCH:]
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
