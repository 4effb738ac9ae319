"""Ray's predictions against local ones, row for row (`python -m benchmarks ray-check`).

Writes a file of `rows` rows (an id, a text, a column of strings that look like missing values
or numbers; every 97th text empty), predicts it with `predict_file` and with `predict --engine
ray` on a local Ray instance of `cpus` CPUs, and compares the two outputs: the same rows in the
same order, every input column as it was, the same predictions, and probabilities equal to
within float formatting. The default test suite runs the same comparison on a smaller file
(tests/test_scale_ray.py). Prints what it found; returns 0 when they agree.
"""

from __future__ import annotations

import shutil
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchmarks.results import PACKAGE_DIR

WORDS = ["great", "awful", "tuesday", "lovely", "boring", "kitchen"]


def write_rows(path: Path, rows: int) -> Path:
    frame = pd.DataFrame({
        "id": range(rows),
        "text": [f"{WORDS[i % 6]} {WORDS[(i * 7) % 6]} film {i}" if i % 97 else ""
                 for i in range(rows)],
        "note": ["NA" if i % 5 == 0 else f"{i:05d}" for i in range(rows)],
    })
    if path.suffix == ".parquet":
        frame.to_parquet(path, index=False)
    elif path.suffix == ".jsonl":
        frame.to_json(path, orient="records", lines=True)
    else:
        frame.to_csv(path, index=False)
    return path


def read_output(path: Path) -> pd.DataFrame:
    """A predictions file, or a folder of them (Ray's), as strings, in file order."""
    files = sorted(p for p in path.iterdir() if not p.name.startswith((".", "_"))) \
        if path.is_dir() else [path]
    if files[0].suffix == ".parquet":
        frames = [pd.read_parquet(f) for f in files]
    elif files[0].suffix in (".json", ".jsonl"):
        frames = [pd.read_json(f, lines=True, dtype=False) for f in files]
    else:
        frames = [pd.read_csv(f, dtype=str, keep_default_na=False) for f in files]
    return pd.concat(frames, ignore_index=True)


def differences(local: pd.DataFrame, ray: pd.DataFrame) -> list[str]:
    """What differs between the local and the Ray output (nothing, ideally)."""
    if list(local.columns) != list(ray.columns):
        return [f"columns {list(ray.columns)} instead of {list(local.columns)}"]
    if len(local) != len(ray):
        return [f"{len(ray)} rows instead of {len(local)}"]
    problems = []
    for column in local.columns:
        mine, theirs = local[column], ray[column]
        if column.startswith("proba_"):
            a = pd.to_numeric(mine.replace("", np.nan)).to_numpy(float)
            b = pd.to_numeric(theirs.replace("", np.nan)).to_numpy(float)
            if not np.allclose(a, b, rtol=1e-6, atol=1e-9, equal_nan=True):
                problems.append(f"{column}: {int((~np.isclose(a, b, equal_nan=True)).sum())} rows")
        else:
            a = mine.astype(object).where(mine.notna(), "").astype(str).to_numpy()
            b = theirs.astype(object).where(theirs.notna(), "").astype(str).to_numpy()
            if (a != b).any():
                first = int(np.flatnonzero(a != b)[0])
                problems.append(f"{column}: {int((a != b).sum())} rows, first {first}: "
                                f"{a[first]!r} vs {b[first]!r}")
    return problems


def compare(model: Path, rows: int, folder: Path, suffix: str = "csv") -> dict:
    """Predict one file locally and with Ray (already initialised); what differs, and times."""
    from textladder.scale import predict_with_ray
    from textladder.workflows.predict import predict_file

    source = write_rows(folder / f"rows-{rows}.{suffix}", rows)
    began = time.perf_counter()
    predict_file(str(model), str(source), str(folder / f"local.{suffix}"))
    local_seconds = time.perf_counter() - began
    began = time.perf_counter()
    predict_with_ray(str(model), str(source), str(folder / f"ray.{suffix}"))
    ray_seconds = time.perf_counter() - began
    return {"rows": rows, "format": suffix, "local_seconds": round(local_seconds, 1),
            "ray_seconds": round(ray_seconds, 1),
            "differences": differences(read_output(folder / f"local.{suffix}"),
                                       read_output(folder / f"ray.{suffix}"))}


def check(rows: int, cpus: int, formats: tuple[str, ...] = ("csv",)) -> int:
    import ray

    from benchmarks.memory import demo_model

    scratch = PACKAGE_DIR / "out"
    scratch.mkdir(parents=True, exist_ok=True)
    model = demo_model(scratch)
    folder = Path(tempfile.mkdtemp(prefix="ray-check-", dir=scratch))
    ray.init(num_cpus=cpus, include_dashboard=False, log_to_driver=False)
    failed = False
    try:
        for suffix in formats:
            result = compare(model, rows, folder, suffix)
            failed = failed or bool(result["differences"])
            print(f"{suffix}, {rows:,} rows: local {result['local_seconds']} s, Ray ({cpus} "
                  f"CPUs) {result['ray_seconds']} s; " + (
                      "predictions equal, row for row" if not result["differences"] else
                      "DIFFERENT: " + "; ".join(result["differences"])), flush=True)
    finally:
        ray.shutdown()
        shutil.rmtree(folder, ignore_errors=True)
    return 1 if failed else 0
