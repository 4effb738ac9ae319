"""The sections of BENCHMARKS.md that are not per dataset: the server under load
(`python -m benchmarks load`) and predicting a file at flat memory (`python -m benchmarks
memory`). Each renders its section of the results document (results.SECTIONS), or nothing
when that command has not been run. Reads nothing but the document it is given.
"""

from __future__ import annotations

from typing import Any

from benchmarks.load import WARMUP, batching_gain
from benchmarks.memory import FLAT_RATIO, ratios


def _machine(section: dict[str, Any]) -> str:
    m = section.get("machine", {})
    return (f"{m.get('cpu', '?')}, {m.get('cores', '?')} cores, load average at start "
            f"{m.get('load_average_at_start', '?')}")


def measured_runs(records: list[dict[str, Any]]) -> list[str]:
    runs = sorted({(r.get("date"), r.get("commit"), r.get("command")) for r in records})
    return [f"- Measured {date} at `{commit}` with `{command}`" for date, commit, command in runs]


def load_section(doc: dict[str, Any]) -> list[str]:
    section = doc.get("load")
    if not section or not section.get("records"):
        return []
    records = section["records"]
    lines = [
        "## Serving under load", "",
        "- `python -m benchmarks load` (`--models tfidf,minilm`, `--requests 2000`, "
        "`--baseline-requests 500` for concurrency 1). Each model runs in `textladder serve "
        "MODEL` (one worker, default limits and batching) in its own process; a client in the "
        "benchmark process (asyncio, a minimal HTTP/1.1 client with one kept-alive connection per "
        "request in flight) keeps *concurrency* requests of *texts* texts in flight on loopback "
        f"until *requests* are answered, after {WARMUP} uncounted warm-up "
        "requests. Latency is from sending a request to its whole answer; errors are non-200 "
        "answers and failed connections. *texts / call* is the mean number of texts per model "
        "call, from the server's counters (`GET /health`): how far requests were batched.",
        "- The models are trained on the bundled demo tweets (`data/demo`, default settings) "
        "unless given with `--model NAME=DIR`; the requests cycle through its test texts.",
        f"- Machine: {_machine(section)}. The client shares it with the server.",
        *measured_runs(records), "",
        "| model | texts | concurrency | requests | errors | requests/s | texts/s | p50 ms | "
        "p99 ms | texts / call |",
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for r in records:
        lines.append(f"| {r['model']} | {r['texts_per_request']} | {r['concurrency']} | "
                     f"{r['requests']:,} | {r['errors']} | {r['requests_per_s']:,.0f} | "
                     f"{r['texts_per_s']:,.0f} | {r['p50_ms']:.1f} | {r['p99_ms']:.1f} | "
                     f"{r['texts_per_model_call']:.1f} |")
    lines.append("")
    for model in dict.fromkeys(r["model"] for r in records):
        for batch in (1, 32):
            gain = batching_gain(records, model, batch)
            if gain is not None:
                lines.append(f"- {model}, {batch} text(s) per request: concurrency 32 answers "
                             f"{gain:.2f}× the requests per second of one request at a time.")
    return lines + [""]


def memory_section(doc: dict[str, Any]) -> list[str]:
    section = doc.get("memory")
    if not section or not section.get("records"):
        return []
    records = section["records"]
    lines = [
        "## Predicting a file at flat memory", "",
        "- `python -m benchmarks memory` (`--rows 100000,1000000`, `--formats csv,jsonl,"
        "parquet`): a tf-idf model of the bundled demo tweets predicts files of each size "
        "(`predict_file`, chunks of *chunk* rows), each in a fresh process; *peak RSS* is its "
        "`ru_maxrss` at the end, *start RSS* the same after its imports. The files repeat the "
        "demo texts with a row number.",
        f"- Machine: {_machine(section)}.",
        *measured_runs(records), "",
        "| format | rows | chunk | peak RSS MB | start RSS MB | rows/s |",
        "|---|---|---|---|---|---|",
    ]
    for r in records:
        lines.append(f"| {r['format']} | {r['rows']:,} | {r['chunksize']:,} | "
                     f"{r['peak_rss_mb']:,.0f} | {r['start_rss_mb']:,.0f} | "
                     f"{r['rows_per_s']:,.0f} |")
    lines.append("")
    for fmt, ratio in ratios(records).items():
        rows = sorted(r["rows"] for r in records if r["format"] == fmt)
        verdict = "within" if ratio <= FLAT_RATIO else "over"
        lines.append(f"- {fmt}: {rows[-1]:,} rows peak at {ratio:.2f}× the memory of "
                     f"{rows[0]:,} rows ({verdict} the {FLAT_RATIO}× target).")
    return lines + [""]
