"""The class-imbalance table: each strategy x each rung that takes it, per dataset.

    python -m benchmarks imbalance --datasets goemotions --models tfidf,fasttext,minilm
    python -m benchmarks imbalance --quick                 # -> benchmarks/out/imbalance-quick.json

Every (dataset, rung, strategy) is fitted in a fresh worker (`measure.in_worker`) through
`TextClassifier(model=rung, imbalance=strategy)` with the rung's default settings (its own
`quick_settings()` with --quick), chosen on valid by the dataset's published metric as in the
main table; test is scored once. A record keeps the published metric and macro_f1 on valid and
test, and the F1 of the three classes (labels) with the fewest training rows (positives).
`auto` is not fitted: its record says which strategy the rule (`textladder.imbalance.auto`)
picks for that rung on that dataset's training labels, so the table shows whether the measured
rows support it. Records go into the `imbalance` section of the results file (merged by
dataset, rung and strategy), which `report.py` renders as a section of its own.

The embedding cache is shared by the strategies of one run (a temporary folder), so the encoder
rungs encode each text once per run: their train seconds include encoding only on the first
strategy measured. Seconds measured on a loaded machine are not comparable between rows.
"""

from __future__ import annotations

import os
import shlex
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
from rich.console import Console

from benchmarks.datasets import DEFAULT_DATA_ROOT, SEED, SPECS, BenchData, load_dataset
from benchmarks.measure import WorkerError, in_worker, scalars
from benchmarks.results import PACKAGE_DIR, RESULTS, merge_section, read_results, run_info, \
    write_results
from benchmarks.systems import quick_params
from textladder import TextClassifier
from textladder.families import available_families, get_family
from textladder.imbalance import label_counts
from textladder.imbalance.auto import choose_strategy
from textladder.imbalance.plan import applicable_strategies

SECTION = "imbalance"
QUICK_OUTPUT = PACKAGE_DIR / "out" / "imbalance-quick.json"
DEFAULT_DATASETS = ("tweeteval-sentiment", "goemotions", "sst5")
DEFAULT_MODELS = ("tfidf", "fasttext", "minilm", "gru")
SMALLEST = 3  # classes whose F1 each record keeps


def key(record: dict[str, Any]) -> tuple:
    return record["dataset"], record["system"], record["strategy"]


def command_line(datasets, models, strategies, quick, data_root, output) -> str:
    from benchmarks.runner import options

    return shlex.join(["python", "-m", "benchmarks", SECTION]
                      + options(datasets, models, quick, data_root, output,
                                strategies=strategies))


def smallest_classes(data: BenchData) -> list[tuple[str, int]]:
    """The classes (labels) with the fewest training rows (positives), fewest first."""
    task = data.task
    counts = label_counts(data.targets(data.train), task.n_outputs, task.name == "multilabel")
    order = np.argsort(counts, kind="stable")[:SMALLEST]
    return [(str(task.labels[i]), int(counts[i])) for i in order]


def _per_class_f1(metrics: dict[str, Any]) -> dict[str, float]:
    rows = metrics.get("per_class") or metrics.get("per_label") or {}
    return {name: row["f1"] for name, row in rows.items()}


def measure_strategy(model: str, strategy: str, data: BenchData, quick: bool) -> dict[str, Any]:
    """Fit one rung with one strategy on one dataset and score it (call in a fresh process)."""
    params = quick_params(model) if quick else {}
    clf = TextClassifier(model=model, task=data.spec.task, metric=data.spec.metric,
                         model_params=params or None, seed=SEED, imbalance=strategy)
    start = time.perf_counter()
    clf.fit(data.train.texts, data.train.labels, valid=(data.valid.texts, data.valid.labels))
    seconds = time.perf_counter() - start
    test = clf.evaluate(data.test.texts, data.test.labels)
    valid_f1, test_f1 = _per_class_f1(clf.valid_metrics_), _per_class_f1(test)
    return {
        "dataset": data.spec.name, "system": model, "strategy": strategy,
        "chosen": clf.imbalance_.strategy, "reason": clf.imbalance_.reason,
        "metrics": {"test": scalars(test), "valid": scalars(clf.valid_metrics_)},
        "smallest": [{"label": name, "train": count, "f1_test": test_f1.get(name),
                      "f1_valid": valid_f1.get(name)} for name, count in smallest_classes(data)],
        "effect": {k: v for k, v in clf.imbalance_.effect.items() if k != "counts"},
        "train_seconds": seconds, "rows": data.rows(), "model_params": params,
        "chosen_settings": {k: v for k, v in clf.family_.to_config()["chosen"].items()
                            if not isinstance(v, (list, dict))},
    }


def auto_record(model: str, data: BenchData) -> dict[str, Any]:
    """What `auto` picks for this rung on this dataset's training labels (nothing is fitted):
    judged by macro-F1, the table's measure, and, under `with_metric`, by the dataset's
    published metric where that changes the choice (`train --imbalance auto` judges by the
    run's primary metric, and a metric that counts rows alike takes no strategy)."""
    task, family = data.task, get_family(model)
    counts = label_counts(data.targets(data.train), task.n_outputs, task.name == "multilabel")
    chosen, reason = choose_strategy(task.name, counts, family, "macro_f1")
    record = {"dataset": data.spec.name, "system": model, "strategy": "auto", "chosen": chosen,
              "reason": reason}
    own, why = choose_strategy(task.name, counts, family, data.spec.metric)
    if own != chosen:
        record["with_metric"] = {"metric": data.spec.metric, "chosen": own, "reason": why}
    return record


def plan_pairs(datasets, models, strategies) -> list[tuple[str, str, list[str]]]:
    """(dataset, model, strategies to fit) for every pair; unknown names raise ValueError."""
    unknown = [d for d in datasets if d not in SPECS]
    if unknown:
        raise ValueError(f"unknown dataset {unknown[0]!r}; known: {', '.join(SPECS)}")
    known = available_families()
    missing = [m for m in models if m not in known]
    if missing:
        raise ValueError(f"unknown or unavailable model {missing[0]!r}; available: "
                         f"{', '.join(known)}")
    pairs = []
    for dataset in datasets:
        for model in models:
            usable = applicable_strategies(SPECS[dataset].task, get_family(model))
            chosen = [s for s in (strategies or usable + ["auto"])
                      if s in usable or s == "auto"]
            pairs.append((dataset, model, chosen))
    return pairs


def run_imbalance(datasets=None, models=None, strategies=None, quick=False, data_root=None,
                  output=None, report=None, console: Console | None = None) -> dict[str, Any]:
    """Measure the table (or the part asked for), merging each record into `output` at once."""
    from benchmarks.report import write_report
    from benchmarks.runner import BenchmarkError, default_report

    console = console or Console(stderr=True, soft_wrap=True)
    datasets, models = datasets or list(DEFAULT_DATASETS), models or list(DEFAULT_MODELS)
    pairs = plan_pairs(datasets, models, strategies)
    root = Path(data_root) if data_root is not None else DEFAULT_DATA_ROOT.resolve()
    missing = [n for n in datasets if not (root / n / "train.csv").is_file()]
    if missing:
        raise ValueError(f"no {root / missing[0] / 'train.csv'}; pass --data-root")
    output = Path(output) if output is not None else (QUICK_OUTPUT if quick else RESULTS)
    report = Path(report) if report is not None else default_report(output)
    info = run_info(command_line(datasets, models, strategies, quick, data_root, output), quick)
    cache = tempfile.mkdtemp(prefix="textladder-imbalance-cache-")
    previous = os.environ.get("TEXTLADDER_CACHE_DIR")
    os.environ["TEXTLADDER_CACHE_DIR"] = cache  # shared by the workers of this run
    failures, document = [], read_results(output)
    try:
        for dataset in datasets:
            data = load_dataset(root, SPECS[dataset], quick)
            for _, model, chosen in (p for p in pairs if p[0] == dataset):
                for strategy in chosen:
                    label = f"{dataset} · {model} · {strategy}"
                    if strategy == "auto":
                        record = auto_record(model, data)
                    else:
                        try:
                            record = {**in_worker(measure_strategy, model, strategy, data,
                                                  quick), "quick": quick}
                        except WorkerError as error:
                            failures.append(label)
                            console.print(f"[red]{label} failed:[/]\n{error}")
                            continue
                    document = write_results(output, merge_section(
                        read_results(output), SECTION, [record], info, key))
                    write_report(document, report)
                    console.print(f"{label}: {_said(record, data)}")
    finally:
        shutil.rmtree(cache, ignore_errors=True)
        if previous is None:
            os.environ.pop("TEXTLADDER_CACHE_DIR", None)
        else:
            os.environ["TEXTLADDER_CACHE_DIR"] = previous
    console.print(f"wrote {output} and {report}")
    if failures:
        raise BenchmarkError(f"{len(failures)} fit(s) failed: {', '.join(failures)}")
    return document or {}


def _said(record: dict[str, Any], data: BenchData) -> str:
    if "metrics" not in record:
        return f"auto picks {record['chosen']} ({record['reason']})"
    valid, test = record["metrics"]["valid"], record["metrics"]["test"]
    metric = data.spec.metric
    return (f"valid macro_f1 {valid.get('macro_f1', float('nan')):.4f}, test {metric} "
            f"{test.get(metric, float('nan')):.4f}, macro_f1 "
            f"{test.get('macro_f1', float('nan')):.4f}, {record['train_seconds']:.0f} s")
