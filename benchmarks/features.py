"""Do the columns beside the text help? Each rung with and without them, on claff.

    python -m benchmarks features                                     # the fast rungs
    python -m benchmarks features --models lstm,bilstm,gru,finetune   # the slow rungs
    python -m benchmarks features --labels agency --output /tmp/features-results.json

claff (HappyDB happy moments from the CL-Aff shared task, `<data root>/claff/train.csv`):
`moment` is the text; `agency` and `social` (yes / no) are two binary tasks, each run on its own;
the columns beside the text are `reflection` (24h / 3m: the roadmap's period), `duration`, `age`,
`country`, `gender`, `married` and `parenthood`, their kinds read from the data as `train
--features` reads them. The one file is split once with a fixed seed: 10 % test, then 10 % of
the rest for validation (textladder's `split_holdout`: stratified, a text and its repeats on one
side), the same rows for every rung and both variants.

Each (label, rung, variant) is fitted in a fresh worker as `train` fits it: `TextClassifier` with
default settings (`quick_settings` with `--quick`, on seeded slices), the task's metric (f1 of
`yes`), validation rows given, the columns (`text+columns`) or not (`text`); test is scored once.
Records go to the results file's `features` list (a rerun replaces its own triples) and into
BENCHMARKS.md's table, with each variant's test decisions, so that the table gives the change in
f1 with its standard error over resamples of the test rows (`BOOTSTRAP` paired resamples: both
variants scored on the same resampled rows). Train seconds are wall clock on the machine it ran on: compare them only
within one run on a quiet machine.
"""

from __future__ import annotations

import shlex
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from rich.console import Console

from benchmarks.datasets import DEFAULT_DATA_ROOT, QUICK_ROWS
from benchmarks.measure import WorkerError, fresh_cache, in_worker, scalars
from benchmarks.report import write_report
from benchmarks.results import RESULTS, read_results, run_info, write_results

DATASET = "claff"
TEXT = "moment"
LABELS = ("agency", "social")
FEATURES = ("reflection", "duration", "age", "country", "gender", "married", "parenthood")
MODELS = ("tfidf", "fasttext", "wordvec", "minilm")  # the fast rungs; the others by --models
SLOW_MODELS = ("lstm", "bilstm", "gru", "finetune")
VARIANTS = ("text", "text+columns")
SEED = 0
HOLDOUT = 0.1
METRICS = ("f1", "accuracy", "macro_f1", "roc_auc")
BOOTSTRAP = 1000


def command_line(labels=None, models=None, quick=False, data_root=None, output=None) -> str:
    from benchmarks.runner import options

    return shlex.join(["python", "-m", "benchmarks", "features"]
                      + options(None, models, quick, data_root, output, labels=labels))


def load_splits(root: Path, label: str, quick: bool = False) -> dict[str, pd.DataFrame]:
    """claff's train, valid and test rows for `label` (text, feature columns and label)."""
    from textladder.data.formats import read_table
    from textladder.data.labels import is_missing
    from textladder.data.split import split_holdout

    frame = read_table(Path(root) / DATASET / "train.csv", None, "utf-8")
    frame = frame[[TEXT, *FEATURES, label]]
    usable = [not is_missing(t) and not is_missing(y) for t, y in zip(frame[TEXT], frame[label])]
    frame = frame[usable].reset_index(drop=True)
    labels, texts = frame[label].tolist(), frame[TEXT].tolist()
    rest, test = split_holdout(labels, "binary", HOLDOUT, SEED, "test", texts=texts)
    train, valid = split_holdout([labels[i] for i in rest], "binary", HOLDOUT, SEED,
                                 texts=[texts[i] for i in rest])
    splits = {"train": frame.iloc[rest[train]], "valid": frame.iloc[rest[valid]],
              "test": frame.iloc[test]}
    if quick:
        splits = {name: part.sample(min(len(part), QUICK_ROWS[name]), random_state=SEED)
                  for name, part in splits.items()}
    return {name: part.reset_index(drop=True) for name, part in splits.items()}


def measure_features(label: str, system: str, variant: str, splits: dict[str, pd.DataFrame],
                     quick: bool) -> dict[str, Any]:
    """One record: `system` fitted on the train rows with (or without) the columns (call in a
    fresh worker)."""
    from textladder import TextClassifier

    from benchmarks.systems import quick_params

    columns = list(FEATURES) if variant == "text+columns" else []
    train, valid, test = splits["train"], splits["valid"], splits["test"]

    def rows(part: pd.DataFrame):
        return part[[TEXT, *columns]] if columns else part[TEXT].tolist()

    with fresh_cache():
        clf = TextClassifier(model=system, task="binary", seed=SEED,
                             model_params=(quick_params(system) if quick else None) or None,
                             features=columns or None, text_column=TEXT if columns else None)
        start = time.perf_counter()
        clf.fit(rows(train), train[label].tolist(), valid=(rows(valid), valid[label].tolist()))
        seconds = time.perf_counter() - start
        targets = clf.encode_labels(test[label].tolist(), "the test rows")
        output = clf.predict_output(rows(test))
        test_metrics = clf.task_.evaluate(targets, output)
        decisions = clf.task_.decide(output)
    chosen = clf.family_.to_config()["chosen"]
    record = {
        "dataset": DATASET, "label": label, "system": system, "variant": variant,
        "metrics": {"test": _picked(scalars(test_metrics)),
                    "valid": _picked(scalars(clf.valid_metrics_))},
        "train_seconds": seconds,
        "rows": {name: len(part) for name, part in splits.items()},
        "positive": str(clf.classes_[1]),
        "test_targets": np.asarray(targets).astype(int).tolist(),
        "test_decisions": np.asarray(decisions).astype(int).tolist(),
        "chosen": {k: v for k, v in chosen.items() if not isinstance(v, (list, dict))},
    }
    if columns:
        record["features"] = [{"name": c.name, "kind": c.kind}
                              for c in clf.side_encoder_.columns]
        record["side_columns"] = clf.side_encoder_.n_outputs
    return record


def _picked(metrics: dict[str, Any]) -> dict[str, Any]:
    return {name: metrics.get(name) for name in METRICS}


def _key(record: dict[str, Any]) -> tuple:
    return record["label"], record["system"], record["variant"]


def merge_features(document: dict[str, Any], records: list[dict[str, Any]],
                   info: dict[str, Any]) -> dict[str, Any]:
    """The document with `records` (stamped with this run) in place of the same triples."""
    stamped = [{**r, **{k: info[k] for k in ("date", "commit", "command")}} for r in records]
    ran = {_key(r) for r in stamped}
    kept = [r for r in document.get("features", []) if _key(r) not in ran]
    order = list(MODELS + SLOW_MODELS)
    merged = sorted(kept + stamped, key=lambda r: (
        r["label"], order.index(r["system"]) if r["system"] in order else len(order),
        r["system"], VARIANTS.index(r["variant"])))
    return {**document, "features": merged}


def run_features(labels: list[str] | None = None, models: list[str] | None = None,
                 quick: bool = False, data_root: Path | None = None,
                 output: Path | None = None, report: Path | None = None,
                 console: Console | None = None) -> dict[str, Any]:
    """Measure every (label, rung, variant), merge the records into `output` after each, and
    rewrite the report beside it; raises `BenchmarkError` naming what failed."""
    from benchmarks.results import QUICK_RESULTS
    from benchmarks.runner import BenchmarkError, default_report

    console = console or Console(stderr=True, soft_wrap=True)
    command = command_line(labels, models, quick, data_root, output)
    labels, models = labels or list(LABELS), models or list(MODELS)
    unknown = [name for name in labels if name not in LABELS]
    if unknown:
        raise ValueError(f"unknown label {unknown[0]!r}; claff's are {', '.join(LABELS)}")
    root = Path(data_root) if data_root is not None else DEFAULT_DATA_ROOT.resolve()
    if not (root / DATASET / "train.csv").is_file():
        raise ValueError(f"no {root / DATASET / 'train.csv'}; pass --data-root")
    output = Path(output) if output is not None else (QUICK_RESULTS if quick else RESULTS)
    info = run_info(command, quick)
    document = read_results(output) or {**info, "results": []}
    failures = []
    for label in labels:
        splits = load_splits(root, label, quick)
        for system in models:
            for variant in VARIANTS:
                name = f"{label} · {system} · {variant}"
                console.print(f"{name}: fitting")
                try:
                    record = in_worker(measure_features, label, system, variant, splits, quick)
                except WorkerError as error:
                    failures.append(name)
                    console.print(f"[red]{name} failed:[/]\n{error}")
                    continue
                test = record["metrics"]["test"]
                console.print(f"  test f1 {test['f1']:.4f}, accuracy {test['accuracy']:.4f} "
                              f"({record['train_seconds']:.0f} s)")
                document = write_results(output, merge_features(document, [record], info))
                write_report(document, Path(report) if report is not None
                             else default_report(output))
    if failures:
        raise BenchmarkError(f"{len(failures)} failed: {', '.join(failures)}; the others were "
                             f"written to {output}")
    return document


def _f1(targets: np.ndarray, decisions: np.ndarray) -> float:
    true_positive = np.sum((targets == 1) & (decisions == 1))
    predicted, actual = np.sum(decisions == 1), np.sum(targets == 1)
    return 2 * true_positive / max(predicted + actual, 1)


def paired_change(text: dict[str, Any], both: dict[str, Any]) -> tuple[float, float] | None:
    """The change of test f1 from `text` to `both` and its standard error over `BOOTSTRAP`
    resamples of the test rows (the same rows for both); None without their decisions."""
    if "test_decisions" not in text or "test_decisions" not in both:
        return None
    targets = np.asarray(text["test_targets"])
    first, second = np.asarray(text["test_decisions"]), np.asarray(both["test_decisions"])
    if len(first) != len(second) or not np.array_equal(targets, both["test_targets"]):
        return None
    rng = np.random.default_rng(SEED)
    changes = []
    for _ in range(BOOTSTRAP):
        rows = rng.integers(0, len(targets), len(targets))
        changes.append(_f1(targets[rows], second[rows]) - _f1(targets[rows], first[rows]))
    return _f1(targets, second) - _f1(targets, first), float(np.std(changes))


def _num(value: float | None) -> str:
    return "–" if value is None else f"{value:.3f}"


def features_table(records: list[dict[str, Any]]) -> list[str]:
    """BENCHMARKS.md's section on the columns beside the text (empty without records)."""
    if not records:
        return []
    by_key = {_key(r): r for r in records}
    first = records[0]
    rows = first.get("rows", {})
    lines = [
        "## Columns beside the text: claff", "",
        "`python -m benchmarks features` (see `benchmarks/features.py`): each rung fitted on "
        f"claff's happy moments (`{TEXT}`) alone (*text*) and with the columns "
        f"{', '.join(f'`{c}`' for c in FEATURES)} beside it (*+columns*, `train --features`); "
        "`agency` and `social` are two binary tasks (f1 of `yes`, chosen on valid). One split "
        f"of claff's file, seed {SEED}: " + " / ".join(f"{rows[k]:,} {k}" for k in
                                                       ("train", "valid", "test") if k in rows)
        + " rows. Δ f1 is +columns minus text on test, ± its standard error over 1,000 paired "
        "resamples of the test rows: a Δ within two of them is noise.", "",
        "| label | rung | f1 text | f1 +columns | Δ f1 | accuracy text | accuracy +columns | "
        "roc_auc text | roc_auc +columns | valid f1 text | valid f1 +columns | train s text | "
        "train s +columns | measured |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|",
    ]
    pairs = list(dict.fromkeys((r["label"], r["system"]) for r in records))
    for label, system in pairs:
        text = by_key.get((label, system, "text"))
        both = by_key.get((label, system, "text+columns"))

        def metric(record, split, name):
            return None if record is None else record["metrics"][split].get(name)

        f1_text, f1_both = metric(text, "test", "f1"), metric(both, "test", "f1")
        delta = (f"{f1_both - f1_text:+.3f}" if f1_text is not None and f1_both is not None
                 else "–")
        change = paired_change(text, both) if text and both else None
        if change is not None:
            delta = f"{change[0]:+.3f} ± {change[1]:.3f}"
        quick = " (quick)" if any("--quick" in (r or {}).get("command", "")
                                  for r in (text, both)) else ""
        when = sorted({f"{r.get('date', '?')[:10]} `{r.get('commit', '?')}`"
                       for r in (text, both) if r})
        cells = [label, f"{system}{quick}", _num(f1_text), _num(f1_both), delta,
                 _num(metric(text, "test", "accuracy")), _num(metric(both, "test", "accuracy")),
                 _num(metric(text, "test", "roc_auc")), _num(metric(both, "test", "roc_auc")),
                 _num(metric(text, "valid", "f1")), _num(metric(both, "valid", "f1")),
                 "–" if text is None else f"{text['train_seconds']:.1f}",
                 "–" if both is None else f"{both['train_seconds']:.1f}", ", ".join(when)]
        lines.append(f"| {' | '.join(cells)} |")
    kinds = next((r["features"] for r in records if r.get("features")), None)
    if kinds:
        lines += ["", "- kinds read from the data: " + ", ".join(
            f"`{k['name']}` {k['kind']}" for k in kinds)
            + f" ({next(r['side_columns'] for r in records if r.get('side_columns'))} side "
              f"columns after encoding)"]
    slow = [m for m in SLOW_MODELS if not any(r["system"] == m for r in records)]
    if slow:
        lines.append(f"- not measured here: {', '.join(slow)} (`python -m benchmarks features "
                     f"--models {','.join(slow)}`)")
    return lines + [""]
