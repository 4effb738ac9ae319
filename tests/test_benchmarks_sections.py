"""The load and memory sections of the benchmark results: merged by key, kept through dataset
runs, rendered into BENCHMARKS.md with the verdicts the issue asks for."""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` lives at the repository root, beside src/

from benchmarks.load import batching_gain  # noqa: E402
from benchmarks.memory import ratios  # noqa: E402
from benchmarks.report import render  # noqa: E402
from benchmarks.results import merge, merge_section  # noqa: E402

MACHINE = {"cpu": "test cpu", "cores": 2, "ram_gb": 1, "python": "3", "os": "x",
           "load_average_at_start": [0.1, 0.1, 0.1]}


def _info(date: str) -> dict:
    return {"commit": "abc", "date": date, "command": "python -m benchmarks x", "quick": False,
            "machine": MACHINE, "notes": []}


def _load(model, batch, concurrency, rate):
    return {"model": model, "family": model, "texts_per_request": batch,
            "concurrency": concurrency, "requests": 2000, "errors": 0, "seconds": 1.0,
            "requests_per_s": rate, "texts_per_s": rate * batch, "p50_ms": 5.0, "p99_ms": 9.0,
            "texts_per_model_call": 12.0}


def _memory(fmt, rows, peak):
    return {"format": fmt, "rows": rows, "chunksize": 10_000, "peak_rss_mb": peak,
            "start_rss_mb": 300.0, "seconds": 10.0, "rows_per_s": 1000}


def test_sections_merge_by_key_and_survive_dataset_runs():
    key = lambda r: (r["model"], r["texts_per_request"], r["concurrency"])  # noqa: E731
    doc = merge_section(None, "load", [_load("tfidf", 1, 1, 100), _load("tfidf", 1, 32, 400)],
                        _info("d1"), key)
    doc = merge_section(doc, "load", [_load("tfidf", 1, 32, 500)], _info("d2"), key)
    records = doc["load"]["records"]
    assert [(r["concurrency"], r["requests_per_s"], r["date"]) for r in records] == [
        (1, 100, "d1"), (32, 500, "d2")]
    after = merge(doc, [], _info("d3"), [])
    assert after["load"] == doc["load"] and after["date"] == "d3"


def test_the_report_renders_the_sections_and_their_verdicts():
    load = [_load("tfidf", 1, 1, 100), _load("tfidf", 1, 32, 450), _load("minilm", 32, 1, 10)]
    memory = [_memory("csv", 100_000, 500.0), _memory("csv", 1_000_000, 550.0),
              _memory("parquet", 100_000, 500.0), _memory("parquet", 1_000_000, 650.0)]
    doc = merge_section(None, "load", load, _info("d1"), lambda r: r["model"])
    doc = merge_section(doc, "memory", memory, _info("d1"), lambda r: (r["format"], r["rows"]))
    doc["load"]["records"] = load  # keep all three (the key above merged nothing away)
    text = render(doc)
    assert "## Serving under load" in text and "## Predicting a file at flat memory" in text
    assert "| tfidf | 1 | 32 | 2,000 | 0 | 450 | 450 | 5.0 | 9.0 | 12.0 |" in text
    assert "tfidf, 1 text(s) per request: concurrency 32 answers 4.50×" in text
    assert "csv: 1,000,000 rows peak at 1.10× the memory of 100,000 rows (within" in text
    assert "parquet: 1,000,000 rows peak at 1.30× the memory of 100,000 rows (over" in text
    assert batching_gain(load, "minilm") is None
    assert ratios(memory) == {"csv": 1.1, "parquet": 1.3}
