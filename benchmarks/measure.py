"""Measure one (dataset, system) pair in a fresh worker process, and return its record.

The worker is forked from the parent, which has loaded the dataset once, so every system sees the
same rows and none inherits another's memory. In the worker: the fit is timed (wall clock,
including every choice made on validation), then batch prediction over the whole test set, then
one-at-a-time prediction on the first `SINGLE_TEXTS` test texts; test is scored once, and the
peak resident set size is read from `getrusage(RUSAGE_SELF).ru_maxrss` (kilobytes on Linux). A
forked worker starts with the parent's resident pages counted in that figure; the worker's value
at start is kept as `start_rss_mb`.

Warnings raised while measuring are collected into the record's settings instead of printed.
This module does not choose which pairs run, merge results or write files.
"""

from __future__ import annotations

import contextlib
import multiprocessing
import os
import resource
import shutil
import tempfile
import time
import traceback
import warnings
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

from benchmarks.datasets import BenchData
from benchmarks.systems import TIMING_ROUNDS, make_system

SINGLE_TEXTS = 200


class WorkerError(RuntimeError):
    """The worker raised, or died without answering (killed for memory, crashed)."""


def rss_mb() -> float:
    """Peak resident set size of this process so far, in MB (ru_maxrss is in KB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def scalars(metrics: dict[str, Any]) -> dict[str, float | None]:
    """The scalar metrics of a metric dict (NaN as None, which JSON can hold)."""
    out = {}
    for name, value in metrics.items():
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            out[name] = None if value != value else float(value)
    return out


def _texts_per_second(count: int, run: Callable[[], Any]) -> float:
    start = time.perf_counter()
    run()
    return count / max(time.perf_counter() - start, 1e-9)


def measure(system_name: str, data: BenchData, quick: bool,
            keep: Path | None = None) -> dict[str, Any]:
    """Fit, time, score and size one system on one dataset (call in a fresh process); with
    `keep`, also save the fitted model to `keep/<dataset>/<system>`, outside the timings."""
    start_rss = rss_mb()
    with fresh_cache():
        return _measure(system_name, data, quick, start_rss, keep)


@contextlib.contextmanager
def fresh_cache():
    """A fresh, empty embedding cache (in a worker): encoders pay for every text they embed,
    as on a first run."""
    cache = tempfile.mkdtemp(prefix="textladder-bench-cache-")
    os.environ["TEXTLADDER_CACHE_DIR"] = cache
    try:
        yield
    finally:
        shutil.rmtree(cache, ignore_errors=True)


def count_warnings(caught: list) -> dict[str, int]:
    """The five most frequent of the warnings `catch_warnings(record=True)` caught, counted."""
    counts = Counter(f"{w.category.__name__}: {str(w.message)[:160]}" for w in caught)
    return dict(counts.most_common(5))


def _measure(system_name: str, data: BenchData, quick: bool, start_rss: float,
             keep: Path | None) -> dict[str, Any]:
    system = make_system(system_name)
    try:
        return _record(system, system_name, data, quick, start_rss, keep)
    finally:
        system.close()


def _record(system, system_name: str, data: BenchData, quick: bool, start_rss: float,
            keep: Path | None) -> dict[str, Any]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        start = time.perf_counter()
        system.fit(data, quick)
        train_seconds = time.perf_counter() - start
        if keep is not None:
            system.keep(Path(keep) / data.spec.name / system_name)
        tests = data.test.texts
        singles = tests[:SINGLE_TEXTS]
        # One at a time first: a batch first would leave those texts in an encoder's cache.
        single = _texts_per_second(len(singles), lambda: [system.predict_one(t) for t in singles])
        batch = _texts_per_second(len(tests), lambda: system.predict(tests))
        test_metrics = scalars(system.evaluate(data.test))
        runtimes = system.runtime_comparison(data.test, 2 if quick else TIMING_ROUNDS,
                                             export_texts=data.valid.texts)
        valid_metrics = scalars(system.valid_metrics())
    settings = system.settings()
    counts = count_warnings(caught)
    if counts:
        settings["warnings"] = counts
    record = {
        "dataset": data.spec.name,
        "system": system_name,
        "metrics": {"test": test_metrics, "valid": valid_metrics},
        "train_seconds": train_seconds,
        "predict_texts_per_second": {"batch": batch, "single": single},
        "peak_rss_mb": rss_mb(),
        "start_rss_mb": start_rss,
        "rows": data.rows(),
        "data_notes": list(data.notes),
        "settings": settings,
    }
    if runtimes:
        record["runtimes"] = runtimes
    return record


def _child(conn, function: Callable, args: tuple) -> None:
    try:
        conn.send(("ok", function(*args)))
    except BaseException:  # report everything to the parent, which decides
        conn.send(("error", traceback.format_exc()))
    finally:
        conn.close()


def in_worker(function: Callable, *args, on_wait: Callable[[], None] | None = None) -> Any:
    """Run `function(*args)` in a forked process and return its result; raises WorkerError."""
    context = multiprocessing.get_context("fork")
    receiver, sender = context.Pipe(duplex=False)
    # not a daemon: a system may start processes of its own (data loaders, tokenizers)
    process = context.Process(target=_child, args=(sender, function, args))
    process.start()
    sender.close()
    try:
        while not receiver.poll(0.25):
            if on_wait is not None:
                on_wait()
        status, payload = receiver.recv()
    except EOFError:
        process.join()
        raise WorkerError(f"the worker died without a result (exit code {process.exitcode}); "
                          f"killed for memory?") from None
    except BaseException:  # Ctrl-C in the parent: do not leave the worker running
        process.terminate()
        process.join()
        raise
    finally:
        receiver.close()
    process.join()
    if status != "ok":
        raise WorkerError(payload)
    return payload
