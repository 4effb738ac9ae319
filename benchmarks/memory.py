"""Peak memory of `predict --input` on a file and on one ten times longer (`python -m benchmarks
memory`).

A tf-idf model (trained on the bundled demo tweets unless `--model` is given) predicts files of
each size in each format, each run in a fresh process that reads `getrusage(RUSAGE_SELF)
.ru_maxrss` at the end (and after its imports, as `start_rss_mb`). The files repeat the demo
texts with a row number, are written in chunks into a scratch folder, and are removed after.
Streaming holds if the largest file's peak stays within `FLAT_RATIO` of the smallest's.
This module measures and returns records; results.py stores them, report.py renders them.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import pandas as pd

from benchmarks.results import PACKAGE_DIR, REPO_ROOT

FLAT_RATIO = 1.2
DEMO = REPO_ROOT / "data" / "demo"
WRITE_CHUNK = 50_000

# The measured process: predict one file, then say what it took. Its imports come first, so
# that start_rss_mb is what any prediction costs before reading a row.
CHILD = """
import json, resource, sys, time
from textladder.workflows.predict import predict_file
from textladder.workflows.options import ReadOptions
start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
began = time.perf_counter()
report = predict_file(sys.argv[1], sys.argv[2], sys.argv[3], ReadOptions(),
                      chunksize=int(sys.argv[4]))
seconds = time.perf_counter() - began
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"rows": report["rows"], "seconds": seconds, "start_rss_mb": start,
                  "peak_rss_mb": peak}))
"""


def demo_model(folder: Path) -> Path:
    """A tf-idf model of the bundled demo tweets, trained once into `folder`."""
    from textladder.workflows.options import ReadOptions
    from textladder.workflows.train import TrainJob, train

    path = folder / "memory-tfidf"
    if not (path / "config.json").is_file():
        train(TrainJob(data=str(DEMO / "train.csv"), valid=str(DEMO / "valid.csv"), test=None,
                       out=str(path), model="tfidf"), ReadOptions())
    return path


def write_input(path: Path, rows: int, texts: list[str]) -> Path:
    """`rows` rows of (id, text) in the format of `path`. CSV and JSONL are written
    `WRITE_CHUNK` rows at a time; Parquet in one go, so that it has pyarrow's default row
    groups (up to a million rows each: the hardest case for a streaming reader)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    fmt, tables = path.suffix.lstrip("."), []
    for start in range(0, rows, WRITE_CHUNK):
        ids = range(start, min(rows, start + WRITE_CHUNK))
        frame = pd.DataFrame({"id": list(ids),
                              "text": [f"{texts[i % len(texts)]} #{i}" for i in ids]})
        if fmt == "csv":
            frame.to_csv(path, mode="a" if start else "w", header=not start, index=False)
        elif fmt == "jsonl":
            frame.to_json(path, orient="records", lines=True, mode="a" if start else "w",
                          force_ascii=False)
        else:
            tables.append(pa.Table.from_pandas(frame, preserve_index=False))
    if tables:
        pq.write_table(pa.concat_tables(tables), path)
    return path


def measure_file(model: Path, data: Path, chunksize: int) -> dict[str, Any]:
    output = data.with_name(f"out-{data.name}")
    done = subprocess.run([sys.executable, "-c", CHILD, str(model), str(data), str(output),
                           str(chunksize)], capture_output=True, text=True)
    output.unlink(missing_ok=True)
    if done.returncode != 0:
        raise RuntimeError(f"predicting {data.name} failed: {done.stderr.strip()[-2000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_memory(rows: list[int], formats: list[str], model: Path | None = None,
               chunksize: int = 10_000, log=print) -> dict[str, Any]:
    """One record per (format, rows), and per format the ratio of the largest file's peak to
    the smallest's."""
    scratch = PACKAGE_DIR / "out"
    scratch.mkdir(parents=True, exist_ok=True)
    model = Path(model) if model else demo_model(scratch)
    texts = pd.read_csv(DEMO / "train.csv", dtype=str)["text"].dropna().tolist()
    records, folder = [], Path(tempfile.mkdtemp(prefix="memory-", dir=scratch))
    try:
        for fmt in formats:
            for count in sorted(rows):
                data = write_input(folder / f"rows-{count}.{fmt}", count, texts)
                started = time.perf_counter()
                measured = measure_file(model, data, chunksize)
                data.unlink()
                record = {"format": fmt, "rows": count, "chunksize": chunksize,
                          "peak_rss_mb": round(measured["peak_rss_mb"], 1),
                          "start_rss_mb": round(measured["start_rss_mb"], 1),
                          "seconds": round(measured["seconds"], 2),
                          "rows_per_s": round(count / max(measured["seconds"], 1e-9))}
                records.append(record)
                log(f"{fmt} {count:,} rows: peak {record['peak_rss_mb']:,.0f} MB, "
                    f"{record['rows_per_s']:,} rows/s ({time.perf_counter() - started:.0f} s)")
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    return {"model": str(model), "records": records, "ratios": ratios(records)}


def ratios(records: list[dict[str, Any]]) -> dict[str, float]:
    """Per format: peak RSS of its largest file over its smallest file's."""
    out = {}
    for fmt in dict.fromkeys(r["format"] for r in records):
        mine = sorted((r for r in records if r["format"] == fmt), key=lambda r: r["rows"])
        if len(mine) > 1:
            out[fmt] = round(mine[-1]["peak_rss_mb"] / mine[0]["peak_rss_mb"], 3)
    return out
