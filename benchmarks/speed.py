"""How fast the encoder rungs predict, side by side: `minilm` against `finetune` on each test set.

    python -m benchmarks speed                                # every dataset, whole test sets
    python -m benchmarks speed --datasets sst5 --texts 1000   # the first 1000 test texts

Prediction speed does not depend on what a model learned, only on its network and its inputs, so
both rungs are trained briefly on a seeded slice of train (`SLICE` rows, valid likewise; finetune
for one epoch) at otherwise default settings: a fully trained model predicts exactly as fast. Each
model is saved, and each timed prediction loads it again with an empty embedding cache (the
texts are new to it, as a user's are), predicts one text to load its lazy parts, then predicts
the test texts in one batch call. The two rungs take turns, `rounds` times; each one's median
counts, so a slow spell of the machine slows both. Default runtimes only (no ONNX), the threads
the process has (`OMP_NUM_THREADS`, else torch's default). The figures say nothing about
quality; results go to their own file (`benchmarks/out/speed.json` by default), and with
`--results FILE` into that results file's `speed` section too (a rerun replaces its datasets'
records), whose report then shows them (`speed_section`).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.datasets import DEFAULT_DATA_ROOT, SPECS, load_dataset
from benchmarks.results import PACKAGE_DIR, run_info
from benchmarks.systems import WARM_UP

SLICE = {"train": 300, "valid": 100}
SYSTEMS = {"minilm": {}, "finetune": {"epochs": 1}}  # settings beside the defaults
SPEED = PACKAGE_DIR / "out" / "speed.json"


def _slice(split, n: int, seed: int = 0):
    rows = np.sort(np.random.default_rng(seed).permutation(len(split))[:n])
    return split.take(rows)


def _trained(name: str, data, params: dict, directory: Path) -> dict[str, Any]:
    from textladder import TextClassifier

    train, valid = _slice(data.train, SLICE["train"]), _slice(data.valid, SLICE["valid"])
    clf = TextClassifier(model=name, task=data.spec.task, metric=data.spec.metric,
                         model_params=params or None, seed=0)
    clf.fit(train.texts, train.labels, valid=(valid.texts, valid.labels))
    clf.save(directory / name)
    chosen = clf.family_.to_config()["chosen"]
    return {"head_model": chosen.get("head_model")} if name == "minilm" else {}


def _timed(model: Path, texts: list[str]) -> float:
    from textladder import TextClassifier

    os.environ["TEXTLADDER_CACHE_DIR"] = tempfile.mkdtemp(dir=model.parent)
    clf = TextClassifier.load(model)
    clf.predict([WARM_UP])
    start = time.perf_counter()
    clf.predict(texts)
    return time.perf_counter() - start


def measure_dataset(name: str, root: Path, texts: int | None, rounds: int) -> dict[str, Any]:
    import torch

    data = load_dataset(root, SPECS[name])
    test = data.test.texts[:texts] if texts else data.test.texts
    saved_cache = os.environ.get("TEXTLADDER_CACHE_DIR")
    seconds: dict[str, list[float]] = {system: [] for system in SYSTEMS}
    try:
        with tempfile.TemporaryDirectory() as scratch:
            os.environ["TEXTLADDER_CACHE_DIR"] = tempfile.mkdtemp(dir=scratch)
            notes = {system: _trained(system, data, params, Path(scratch))
                     for system, params in SYSTEMS.items()}
            for _ in range(rounds):
                for system in SYSTEMS:
                    seconds[system].append(_timed(Path(scratch) / system, test))
    finally:
        if saved_cache is None:
            os.environ.pop("TEXTLADDER_CACHE_DIR", None)
        else:
            os.environ["TEXTLADDER_CACHE_DIR"] = saved_cache
    rates = {system: len(test) / float(np.median(times)) for system, times in seconds.items()}
    return {"dataset": name, "texts": len(test), "rounds": rounds,
            "torch_threads": torch.get_num_threads(),
            "texts_per_second": rates,
            "texts_per_second_each_round": {s: [len(test) / t for t in times]
                                            for s, times in seconds.items()},
            "minilm_over_finetune": rates["minilm"] / rates["finetune"],
            "minilm": notes["minilm"]}


def run_speed(datasets: list[str] | None, texts: int | None, rounds: int,
              data_root: Path | None, output: Path | None, command: str,
              results: Path | None = None, report: Path | None = None) -> str:
    """Measure every dataset, write the JSON file (and merge into `results`), and return a
    short table."""
    root = Path(data_root) if data_root is not None else DEFAULT_DATA_ROOT.resolve()
    names = datasets or list(SPECS)
    unknown = [n for n in names if n not in SPECS]
    if unknown:
        raise ValueError(f"unknown dataset {unknown[0]!r}; known: {', '.join(SPECS)}")
    info = run_info(command, False)
    records = [measure_dataset(name, root, texts, rounds) for name in names]
    output = Path(output) if output is not None else SPEED
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps({**info, "results": records}, indent=1) + "\n",
                      encoding="utf-8")
    if results is not None:
        merge_speed(results, records, info, report)
    lines = [f"{'dataset':22s} {'texts':>6s} {'minilm':>8s} {'finetune':>9s} {'ratio':>6s}"]
    for r in records:
        rate = r["texts_per_second"]
        lines.append(f"{r['dataset']:22s} {r['texts']:6d} {rate['minilm']:8.0f} "
                     f"{rate['finetune']:9.0f} {r['minilm_over_finetune']:6.2f}")
    load = info["machine"]["load_average_at_start"]
    lines.append(f"batch texts/s (median of {rounds}); load average at start {load}; "
                 f"written to {output}")
    return "\n".join(lines)


def merge_speed(results: Path, records: list[dict[str, Any]], info: dict[str, Any],
                report: Path | None = None) -> None:
    """Merge `records` into the results file's speed section (by dataset) and write its
    report."""
    from benchmarks.report import write_report
    from benchmarks.results import RESULTS, REPORT, merge_section, read_results, write_results

    document = merge_section(read_results(results), "speed", records, info,
                             key=lambda r: r["dataset"])
    document = write_results(results, document)
    write_report(document, report or (REPORT if Path(results) == RESULTS else
                                      Path(results).with_suffix(".md")))


def speed_section(doc: dict[str, Any]) -> list[str]:
    """BENCHMARKS.md's table of minilm against finetune batch prediction speed (nothing
    without records)."""
    from benchmarks.report_sections import measured_runs

    records = (doc.get("speed") or {}).get("records") or []
    if not records:
        return []
    lines = ["## Prediction speed: minilm and finetune", "",
             "- `python -m benchmarks speed --results benchmarks/results.json` (see "
             "`benchmarks/speed.py`): both rungs trained briefly on a seeded slice (speed does "
             "not depend on what a model learned), saved, and each timed prediction loads the "
             "model again with an empty embedding cache and predicts the whole test set in one "
             "call, default runtimes; the two take turns, each one's median of the rounds "
             "counts.",
             *measured_runs(records), "",
             "| dataset | test texts | minilm texts/s | finetune texts/s | minilm ÷ finetune "
             "| minilm head |", "|---|---|---|---|---|---|"]
    for r in records:
        rate = r["texts_per_second"]
        lines.append(f"| {r['dataset']} | {r['texts']:,} | {rate['minilm']:,.0f} | "
                     f"{rate['finetune']:,.0f} | {r['minilm_over_finetune']:.2f}× | "
                     f"{(r.get('minilm') or {}).get('head_model', '–')} |")
    return lines + [""]
