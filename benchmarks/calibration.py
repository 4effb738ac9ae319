"""Does temperature scaling make probabilities honest? Before and after, on valid and test.

    python -m benchmarks calibration                      # tweeteval-sentiment, minilm + finetune
    python -m benchmarks calibration --kept DIR           # models kept by `run --keep-models`
    python -m benchmarks calibration --quick --models tfidf --output out.json

Each (dataset, model) is trained as `run` trains it (`TextClassifier` with the dataset's metric,
default settings, `quick_settings` with `--quick`) in a fresh worker, or loaded from
`DIR/<dataset>/<model>` where `--kept` has one (not trained again). A temperature is fitted on
the validation outputs exactly as `calibrate=True` fits it (`calibration.Temperature.fit`), and
the expected calibration error (15 bins), the negative log-likelihood and the primary metric
(thresholds tuned again on the calibrated validation outputs, as `calibrate=True` does) are
measured on valid and on test, before and after. Test is scored once and fits nothing.

Records go to the results file's `calibration` list (one per dataset and model; a rerun replaces
its pairs) and into BENCHMARKS.md's calibration table. Nothing here is timed.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from rich.console import Console

from benchmarks.datasets import DEFAULT_DATA_ROOT, SPECS, BenchData, load_dataset
from benchmarks.measure import WorkerError, fresh_cache, in_worker
from benchmarks.report import write_report
from benchmarks.results import RESULTS, read_results, run_info, write_results

DATASETS = ["tweeteval-sentiment"]
MODELS = ["minilm", "finetune"]


def command_line(datasets=None, models=None, quick=False, data_root=None, output=None,
                 kept=None) -> str:
    from benchmarks.runner import options

    return shlex.join(["python", "-m", "benchmarks", "calibration"]
                      + options(datasets, models, quick, data_root, output)
                      + (["--kept", str(kept)] if kept is not None else []))


def measure_calibration(system: str, data: BenchData, quick: bool,
                        kept: Path | None = None) -> dict[str, Any]:
    """The calibration record of one model on one dataset (call in a fresh worker)."""
    from textladder import TextClassifier
    from textladder.calibration import Temperature, negative_log_likelihood
    from benchmarks.systems import SEED, quick_params

    with fresh_cache():
        if kept is not None:
            clf, source = TextClassifier.load(kept), f"kept: {kept}"
        else:
            params = quick_params(system) if quick else {}
            clf = TextClassifier(model=system, task=data.spec.task, metric=data.spec.metric,
                                 model_params=params or None, seed=SEED)
            clf.fit(data.train.texts, data.train.labels,
                    valid=(data.valid.texts, data.valid.labels))
            source = "trained"
        task = clf.task_
        outputs = {}
        for name, split in (("valid", data.valid), ("test", data.test)):
            raw = task.check_output(clf.family_.predict_output(split.texts))
            if clf.calibration_ is not None:  # a model kept with its own: judge it bare
                raw = clf.calibration_.undo(raw)
            outputs[name] = (clf.encode_labels(split.labels), raw)
    valid_targets, valid_raw = outputs["valid"]
    fitted = Temperature.fit(task.name, valid_targets, valid_raw)
    tuned = task.tuned_copy(valid_targets, fitted(valid_raw))  # as calibrate=True tunes them
    untuned = task.tuned_copy(valid_targets, valid_raw)
    metric = task.primary_metric
    record: dict[str, Any] = {"dataset": data.spec.name, "system": system, "model": source,
                              "temperature": fitted.temperature, "metric": metric,
                              "rows": data.rows()}
    from textladder.calibration import expected_calibration_error as ece

    for name, (targets, raw) in outputs.items():
        after = fitted(raw)
        record[name] = {
            "ece_before": ece(task.name, targets, raw), "ece_after": ece(task.name, targets, after),
            "nll_before": negative_log_likelihood(task.name, targets, raw),
            "nll_after": negative_log_likelihood(task.name, targets, after),
            f"{metric}_before": untuned.evaluate(targets, raw)[metric],
            f"{metric}_after": tuned.evaluate(targets, after)[metric]}
    return record


def merge_calibration(document: dict[str, Any], records: list[dict[str, Any]],
                      info: dict[str, Any]) -> dict[str, Any]:
    """The document with `records` (stamped with this run) in place of the same pairs."""
    stamped = [{**r, **{k: info[k] for k in ("date", "commit", "command")}} for r in records]
    ran = {(r["dataset"], r["system"]) for r in stamped}
    kept = [r for r in document.get("calibration", []) if (r["dataset"], r["system"]) not in ran]
    order = list(SPECS)
    merged = sorted(kept + stamped, key=lambda r: (
        order.index(r["dataset"]) if r["dataset"] in order else len(order), r["system"]))
    return {**document, "calibration": merged}


def run_calibration(datasets: list[str] | None = None, models: list[str] | None = None,
                    quick: bool = False, data_root: Path | None = None,
                    output: Path | None = None, report: Path | None = None,
                    kept: Path | None = None, console: Console | None = None) -> dict[str, Any]:
    """Measure every (dataset, model) pair, merge the records into `output`, rewrite the
    report beside it; raises `BenchmarkError` naming the pairs that failed."""
    from benchmarks.runner import BenchmarkError, default_report
    from benchmarks.results import QUICK_RESULTS

    console = console or Console(stderr=True, soft_wrap=True)
    command = command_line(datasets, models, quick, data_root, output, kept)
    datasets, models = datasets or DATASETS, models or MODELS
    unknown = [d for d in datasets if d not in SPECS]
    if unknown:
        raise ValueError(f"unknown dataset {unknown[0]!r}; known: {', '.join(SPECS)}")
    output = Path(output) if output is not None else (QUICK_RESULTS if quick else RESULTS)
    root = Path(data_root) if data_root is not None else DEFAULT_DATA_ROOT.resolve()
    info = run_info(command, quick)
    document = read_results(output) or {**info, "results": []}
    failures = []
    for dataset in datasets:
        data = load_dataset(root, SPECS[dataset], quick)
        for system in models:
            model = Path(kept) / dataset / system if kept is not None else None
            if model is not None and not (model / "config.json").is_file():
                console.print(f"[yellow]{dataset} · {system}: no kept model at {model}; "
                              f"training it[/]")
                model = None
            console.print(f"{dataset} · {system}: calibrating")
            try:
                record = in_worker(measure_calibration, system, data, quick, model)
            except WorkerError as error:
                failures.append(f"{dataset} · {system}")
                console.print(f"[red]{dataset} · {system} failed:[/]\n{error}")
                continue
            valid, test = record["valid"], record["test"]
            console.print(f"  T = {record['temperature']:.3f}; ECE valid {valid['ece_before']:.4f}"
                          f" -> {valid['ece_after']:.4f}, test {test['ece_before']:.4f} -> "
                          f"{test['ece_after']:.4f}")
            document = write_results(output, merge_calibration(document, [record], info))
            write_report(document, Path(report) if report is not None else default_report(output))
    if failures:
        raise BenchmarkError(f"{len(failures)} failed: {', '.join(failures)}; the others were "
                             f"written to {output}")
    return document


def calibration_table(records: list[dict[str, Any]]) -> list[str]:
    """BENCHMARKS.md's calibration section (empty without records)."""
    if not records:
        return []
    lines = [
        "## Calibration: temperature scaling", "",
        "`python -m benchmarks calibration` (see `benchmarks/calibration.py`): one temperature T "
        "fitted on valid by log-likelihood, as `train --calibrate` fits it; expected calibration "
        "error (ECE, 15 bins of top-class confidence; multi-label: of every label's probability) "
        "and negative log-likelihood (NLL) before → after, on valid (where T is fitted) and on "
        "test (untouched). The primary metric moves only where thresholds are tuned again on the "
        "calibrated outputs (binary, multi-label); argmax and median decisions do not move.", "",
        "| dataset | model | T | ECE valid | ECE test | NLL valid | NLL test | test metric | "
        "measured |",
        "|---|---|---:|---|---|---|---|---|---|",
    ]
    for r in records:
        valid, test, metric = r["valid"], r["test"], r["metric"]
        quick = " (quick)" if "--quick" in r.get("command", "") else ""
        lines.append(
            f"| {r['dataset']} | {r['system']}{quick} | {r['temperature']:.3f} | "
            f"{valid['ece_before']:.4f} → {valid['ece_after']:.4f} | "
            f"{test['ece_before']:.4f} → {test['ece_after']:.4f} | "
            f"{valid['nll_before']:.4f} → {valid['nll_after']:.4f} | "
            f"{test['nll_before']:.4f} → {test['nll_after']:.4f} | "
            f"{metric} {test[f'{metric}_before']:.4f} → {test[f'{metric}_after']:.4f} | "
            f"{r.get('date', '?')[:10]} `{r.get('commit', '?')}`, {r.get('model', 'trained')} |")
    return lines + [""]
