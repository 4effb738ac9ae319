"""The results file: what a run records about itself, and how runs merge.

`results.json` holds the latest run's commit, date, command and machine, and one record per
(dataset, system). A run replaces the records of the pairs it ran and keeps every other record;
each record keeps the `date` and `commit` of the run that measured it, so a merged file never
passes an older measurement off as new. Commands that measure something other than datasets
(`load`, `memory`, `imbalance`: one record per strategy too) keep their records in a section of their own (`SECTIONS`), with the machine
they ran on; the runs of one never touch the others'. Writes are atomic. Nothing here measures
or renders.
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
from datetime import datetime, timezone
from importlib import metadata
from pathlib import Path
from typing import Any

from textladder.jsonsafe import finite

from benchmarks.datasets import SPECS

REPO_ROOT = Path(__file__).resolve().parents[1]
PACKAGE_DIR = Path(__file__).resolve().parent
RESULTS = PACKAGE_DIR / "results.json"
QUICK_RESULTS = PACKAGE_DIR / "out" / "results-quick.json"  # benchmarks/out/ is gitignored
REPORT = REPO_ROOT / "BENCHMARKS.md"
STUDY = PACKAGE_DIR / "int8-study.md"  # written by `python -m benchmarks int8-study`
# Kept beside "results" by a merge: {name: {"machine": ..., "records": [...]}}, and calibration's
# own list of records (benchmarks/calibration.py).
SECTIONS = ("load", "memory", "calibration", "features", "imbalance", "speed")


def _git(*args: str) -> str:
    try:
        return subprocess.run(["git", *args], cwd=REPO_ROOT, capture_output=True, text=True,
                              check=True).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return ""


def commit() -> str:
    """Short HEAD commit, with '-dirty' when the working tree has changes other than the
    results, report and int8 study that earlier runs wrote (runs in a row would otherwise all
    but the first be marked dirty)."""
    head = _git("rev-parse", "--short", "HEAD") or "unknown"
    own = [f":(exclude){path.relative_to(REPO_ROOT).as_posix()}"
           for path in (RESULTS, REPORT, STUDY)]
    return f"{head}-dirty" if _git("status", "--porcelain", "--", ".", *own) else head


def _version(*names: str) -> str | None:
    for name in names:
        try:
            return metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
    return None


def _thread_pools() -> list[str]:
    """The native thread pools (BLAS, OpenMP) loaded so far, with their thread counts."""
    from threadpoolctl import threadpool_info

    return sorted({f"{p['internal_api']} x{p['num_threads']}" for p in threadpool_info()})


def machine() -> dict[str, Any]:
    cpu = platform.processor()
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            cpu = next((ln.split(":", 1)[1].strip() for ln in info if ln.startswith("model name")),
                       cpu)
    except OSError:
        pass
    ram = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return {
        "cpu": cpu, "cores": os.cpu_count(), "ram_gb": round(ram, 1),
        "python": platform.python_version(), "os": platform.platform(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "thread_pools": _thread_pools(),
        "packages": {"textladder": _version("textladder"), "scikit-learn": _version("scikit-learn"),
                     "fasttext": _version("fasttext-numpy2", "fasttext"),
                     "numpy": _version("numpy"), "torch": _version("torch"),
                     "transformers": _version("transformers"),
                     "sentence-transformers": _version("sentence-transformers"),
                     "onnxruntime": _version("onnxruntime"), "gensim": _version("gensim")},
    }


def run_info(command: str, quick: bool) -> dict[str, Any]:
    """What a run records about itself, taken when it starts."""
    date = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    return {"commit": commit(), "date": date, "command": command, "quick": quick,
            "machine": machine(), "notes": []}


def read_results(path: Path) -> dict[str, Any] | None:
    path = Path(path)
    if not path.exists():
        return None
    return json.loads(path.read_text(encoding="utf-8"))


def _order(record: dict[str, Any], systems: list[str]) -> tuple:
    datasets = list(SPECS)
    dataset, system = record["dataset"], record["system"]
    return (datasets.index(dataset) if dataset in datasets else len(datasets), dataset,
            systems.index(system) if system in systems else len(systems), system)


def merge(old: dict[str, Any] | None, records: list[dict[str, Any]], info: dict[str, Any],
          systems: list[str]) -> dict[str, Any]:
    """The new document: this run's info, its records, and the old records of other pairs."""
    stamped = [{**r, "date": info["date"], "commit": info["commit"], "command": info["command"]}
               for r in records]
    ran = {(r["dataset"], r["system"]) for r in stamped}
    kept = [r for r in (old or {}).get("results", []) if (r["dataset"], r["system"]) not in ran]
    merged = sorted(kept + stamped, key=lambda r: _order(r, systems))
    sections = {name: (old or {})[name] for name in SECTIONS if name in (old or {})}
    return {**info, "results": merged, **sections}


def merge_section(old: dict[str, Any] | None, name: str, records: list[dict[str, Any]],
                  info: dict[str, Any], key) -> dict[str, Any]:
    """The document with section `name` holding this run's records (stamped with its date,
    commit and command) and the old records of other `key(record)`s, and this run's machine."""
    document = dict(old) if old else {**info, "results": []}
    stamped = [{**r, "date": info["date"], "commit": info["commit"], "command": info["command"]}
               for r in records]
    ran = {key(r) for r in stamped}
    kept = [r for r in document.get(name, {}).get("records", []) if key(r) not in ran]
    document[name] = {"machine": info["machine"], "records": kept + stamped}
    return document


def write_results(path: Path, document: dict[str, Any]) -> dict[str, Any]:
    """Write atomically; return the document as it reads back (plain JSON values)."""
    path, text = Path(path), json.dumps(finite(document), indent=1, allow_nan=False, default=str)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.write_text(text + "\n", encoding="utf-8")
    partial.replace(path)
    return json.loads(text)
