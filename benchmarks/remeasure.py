"""Measure the runtimes of kept models again, without training them again.

    python -m benchmarks runtimes --kept DIR [--datasets sst5,sst2] [--models finetune]

`run --keep-models DIR` saves each fitted model as DIR/<dataset>/<model>, with the run that
trained it beside it (`<model>.run.json`). This loads each such model whose record in the results
file still comes from that run, exports it to ONNX again with the current code, choosing on the
dataset's validation texts (`textladder.onnx.export`), and times its runtimes on test exactly as
`run` does (`TextladderSystem.runtime_comparison`), in a fresh worker with an empty cache. The
record keeps its training and quality figures and gets the new `runtimes`, with `runtimes_run`:
the date, commit and command of this measurement, which the report shows.

It does not train, and it skips (saying why) a kept model whose record was since replaced, and
one with no ONNX export (not an encoder rung). A quick run's records are measured again on the
same quick slices. Models kept by earlier versions load too (their ONNX files, written at save
then, are not used: the export is written anew).
"""

from __future__ import annotations

import json
import shlex
import warnings
from pathlib import Path
from typing import Any

from rich.console import Console

from benchmarks.datasets import DEFAULT_DATA_ROOT, SPECS, BenchData, load_dataset
from benchmarks.measure import WorkerError, count_warnings, fresh_cache, in_worker
from benchmarks.report import write_report
from benchmarks.results import RESULTS, read_results, run_info, write_results
from benchmarks.systems import TIMING_ROUNDS

RUN_FILE = "{system}.run.json"


def forget_run(kept: Path, dataset: str, system: str) -> None:
    """Before a kept model is replaced: no record of the run that trained the old one stays
    beside the new one (were the new run to fail, it would pair them)."""
    (Path(kept) / dataset / RUN_FILE.format(system=system)).unlink(missing_ok=True)


def keep_run(kept: Path, dataset: str, system: str, info: dict[str, Any]) -> None:
    """Record beside a kept model which run trained it (`run --keep-models`)."""
    path = Path(kept) / dataset / RUN_FILE.format(system=system)
    path.write_text(json.dumps({k: info[k] for k in ("date", "commit", "command")}) + "\n",
                    encoding="utf-8")


def command_line(kept: Path, datasets=None, models=None, data_root=None, output=None) -> str:
    from benchmarks.runner import options

    return shlex.join(["python", "-m", "benchmarks", "runtimes", "--kept", str(kept)]
                      + options(datasets, models, data_root=data_root, output=output))


def remeasure(kept: Path, datasets: list[str] | None = None, models: list[str] | None = None,
              data_root: Path | None = None, output: Path | None = None,
              report: Path | None = None, console: Console | None = None) -> dict[str, Any]:
    """Measure the kept models' runtimes again and write them into their records."""
    from benchmarks.runner import BenchmarkError, default_report

    console = console or Console(stderr=True, soft_wrap=True)
    kept = Path(kept)
    command = command_line(kept, datasets, models, data_root, output)  # as given
    output = Path(output) if output is not None else RESULTS
    document = read_results(output)
    if document is None:
        raise ValueError(f"no results at {output}; run `python -m benchmarks run` first")
    root = Path(data_root) if data_root is not None else DEFAULT_DATA_ROOT.resolve()
    names = datasets or [d for d in SPECS if (kept / d).is_dir()]
    unknown = [n for n in names if n not in SPECS]
    if unknown:
        raise ValueError(f"unknown dataset {unknown[0]!r}; known: {', '.join(SPECS)}")
    quick = bool(document.get("quick"))  # the rows the records were measured on
    info = run_info(command, quick=quick)
    failures = []
    for dataset in names:
        systems = sorted(p.name for p in (kept / dataset).glob("*") if p.is_dir()
                         and (models is None or p.name in models))
        data = load_dataset(root, SPECS[dataset], quick) if systems else None
        for system in systems:
            record = _record_of(document, kept, dataset, system, console)
            if record is None:
                continue
            console.print(f"{dataset} · {system}: measuring its runtimes again")
            try:
                runtimes, caught = in_worker(_runtimes_of, kept / dataset / system, system, data,
                                             2 if quick else TIMING_ROUNDS)
            except WorkerError as error:
                failures.append(f"{dataset} · {system}")
                console.print(f"[red]{dataset} · {system} failed:[/]\n{error}")
                continue
            if not runtimes:
                console.print(f"[yellow]skipped {dataset} · {system}:[/] it has no ONNX export")
                continue
            record["runtimes"] = runtimes
            packages = info["machine"]["packages"]
            record["runtimes_run"] = {
                **{k: info[k] for k in ("date", "commit", "command")},
                "packages": {k: packages.get(k) for k in ("torch", "onnxruntime", "textladder")},
                **({"warnings": caught} if caught else {})}
            document = write_results(output, document)
            write_report(document, Path(report) if report is not None
                         else default_report(output))
    if failures:
        raise BenchmarkError(f"{len(failures)} failed: {', '.join(failures)}; the others were "
                             f"written to {output}")
    return document


def _record_of(document: dict[str, Any], kept: Path, dataset: str, system: str,
               console: Console) -> dict[str, Any] | None:
    """The results record the kept model was trained for, or None (said) if it was replaced."""
    run_file = kept / dataset / RUN_FILE.format(system=system)
    if not run_file.is_file():
        console.print(f"[yellow]skipped {dataset} · {system}:[/] no {run_file.name} beside it")
        return None
    run = json.loads(run_file.read_text(encoding="utf-8"))
    for record in document["results"]:
        if (record["dataset"], record["system"]) == (dataset, system):
            if (record.get("date"), record.get("commit")) == (run["date"], run["commit"]):
                return record
            console.print(f"[yellow]skipped {dataset} · {system}:[/] its record comes from "
                          f"{record.get('date')} at {record.get('commit')}, the kept model from "
                          f"{run['date']} at {run['commit']}")
            return None
    console.print(f"[yellow]skipped {dataset} · {system}:[/] no record of it in the results")
    return None


def _runtimes_of(path: Path, system_name: str, data: BenchData,
                 rounds: int) -> tuple[dict[str, Any] | None, dict[str, int]]:
    """In a worker: the kept model exported on valid again, its runtimes compared on test; with
    the warnings raised meanwhile, counted."""
    from textladder import TextClassifier

    from benchmarks.systems import TextladderSystem

    with fresh_cache(), warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        system = TextladderSystem(system_name)
        system.clf = TextClassifier.load(path)
        runtimes = system.runtime_comparison(data.test, rounds,
                                             export_texts=list(data.valid.texts))
    return runtimes, count_warnings(caught)
