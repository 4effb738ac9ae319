"""Run the benchmark: every chosen (dataset, system) pair, one fresh worker each, then save.

`run_benchmarks` is the Python entry point behind `python -m benchmarks run`. It loads one
dataset at a time in this process, measures each system on it in a forked worker (`measure.py`)
while a rich progress bar counts the pairs, merges the records into the output file and rewrites
the report next to it. A full run writes `benchmarks/results.json` and `BENCHMARKS.md`; a quick
run writes `benchmarks/out/results-quick.json` (and `.md`) unless `output` says otherwise.
"""

from __future__ import annotations

import shlex
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from benchmarks.datasets import DEFAULT_DATA_ROOT, SPECS, load_dataset
from benchmarks.measure import WorkerError, in_worker, measure
from benchmarks.remeasure import forget_run, keep_run
from benchmarks.report import write_report
from benchmarks.results import (QUICK_RESULTS, REPORT, RESULTS, merge, read_results, run_info,
                                write_results)
from benchmarks.systems import all_system_names, resolve_systems


class BenchmarkError(RuntimeError):
    """Some pairs failed; the others were saved."""


def command_line(datasets=None, models=None, quick=False, data_root=None, output=None) -> str:
    """The command that reruns exactly this run."""
    return shlex.join(["python", "-m", "benchmarks", "run"]
                      + options(datasets, models, quick, data_root, output))


def options(datasets=None, models=None, quick=False, data_root=None, output=None,
            **lists: list[str] | None) -> list[str]:
    """The command-line options that select these pairs (and any other comma-separated
    `lists`, by flag name), data and output."""
    parts = []
    for flag, names in (("datasets", datasets), ("models", models), *lists.items()):
        if names:
            parts += [f"--{flag}", ",".join(names)]
    if quick:
        parts.append("--quick")
    if data_root is not None:
        parts += ["--data-root", str(data_root)]
    if output is not None:
        parts += ["--output", str(output)]
    return parts


def default_report(output: Path) -> Path:
    """BENCHMARKS.md for the main results file, else a .md beside the output."""
    output = Path(output)
    return REPORT if output.resolve() == RESULTS.resolve() else output.with_suffix(".md")


def _save(output: Path, report, records: list, info: dict, notes: list) -> dict[str, Any]:
    """Merge the records measured so far into `output` and rewrite the report."""
    info["notes"] = notes
    document = write_results(output, merge(read_results(output), records, info,
                                           all_system_names()))
    write_report(document, Path(report) if report is not None else default_report(output))
    return document


def run_benchmarks(datasets: list[str] | None = None, models: list[str] | None = None,
                   quick: bool = False, data_root: str | Path | None = None,
                   output: str | Path | None = None, report: str | Path | None = None,
                   console: Console | None = None,
                   keep_models: str | Path | None = None,
                   ladder_dir: str | Path | None = None) -> dict[str, Any]:
    """Measure the pairs, merge them into `output`, write the report; return the document.
    With `keep_models`, each fitted model is also saved under it (`measure`); that changes no
    measurement, so the recorded command leaves it out. With `ladder_dir`, climbs run in
    `ladder_dir/<dataset>` and resume what is finished there (`benchmarks.ladder`); that
    changes what is measured, so the command keeps it."""
    import benchmarks.ladder

    console = console or Console(stderr=True, soft_wrap=True)
    command = command_line(datasets, models, quick, data_root, output)
    if ladder_dir is not None:
        command += f" --ladder-dir {shlex.quote(str(ladder_dir))}"
    # workers are forked: they see it
    benchmarks.ladder.RUN_ROOT = Path(ladder_dir) if ladder_dir is not None else None
    names = datasets or list(SPECS)
    unknown = [n for n in names if n not in SPECS]
    if unknown:
        raise ValueError(f"unknown dataset {unknown[0]!r}; known: {', '.join(SPECS)}")
    systems, notes = resolve_systems(models)
    root = Path(data_root) if data_root is not None else DEFAULT_DATA_ROOT.resolve()
    missing = [n for n in names if not (root / SPECS[n].folder / "train.csv").is_file()]
    if missing:
        raise ValueError(f"no {root / SPECS[missing[0]].folder / 'train.csv'}; pass --data-root")
    output = Path(output) if output is not None else (QUICK_RESULTS if quick else RESULTS)
    for note in notes:
        console.print(f"[yellow]note:[/] {note}")
    info = run_info(command, quick)
    records, failures = [], []
    columns = [TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(),
               TimeElapsedColumn()]
    with Progress(*columns, console=console, auto_refresh=False) as bar:  # no thread across fork
        progress = bar.add_task("benchmarks", total=len(names) * len(systems))
        for dataset in names:
            bar.update(progress, description=f"{dataset}: loading")
            bar.refresh()
            data = load_dataset(root, SPECS[dataset], quick)
            for system in systems:
                bar.update(progress, description=f"{dataset} · {system}")
                bar.refresh()
                if keep_models is not None:
                    forget_run(Path(keep_models), dataset, system)
                try:
                    record = in_worker(measure, system, data, quick, keep_models,
                                       on_wait=bar.refresh)
                except WorkerError as error:
                    failures.append(f"{dataset} · {system}")
                    console.print(f"[red]{dataset} · {system} failed:[/]\n{error}")
                else:
                    records.append(record)
                    if keep_models is not None:
                        keep_run(Path(keep_models), dataset, system, info)
                    # Save after every pair: a run cut short keeps what it measured.
                    document = _save(output, report, records, info, notes)
                    score = record["metrics"]["test"].get(data.spec.metric)
                    console.print(f"{dataset} · {system}: test {data.spec.metric} "
                                  f"{score if score is None else round(score, 4)}, train "
                                  f"{record['train_seconds']:.1f} s, peak "
                                  f"{record['peak_rss_mb']:,.0f} MB")
                bar.advance(progress)
                bar.refresh()
            del data
    document = _save(output, report, records, info, notes)
    written = Path(report) if report is not None else default_report(output)
    console.print(f"wrote {output} and {written}")
    if failures:
        raise BenchmarkError(f"{len(failures)} pair(s) failed: {', '.join(failures)}")
    return document
