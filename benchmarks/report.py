"""Render BENCHMARKS.md from a results document: method notes, then one table per dataset.

Rows are the systems measured, followed by the published figures (quoted from `published.py`)
in their metric's column. Train time is also shown as a ratio to `peer:fasttext` on the same
dataset, but only when both were measured in the same run. Reads nothing but the document it is
given; running and measuring are elsewhere.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from benchmarks.datasets import (GENERAL_METRICS, HOLDOUT_SIZE, QUICK_ROWS, SENTENCE_HOLDOUT,
                                 SPECS)
from benchmarks.fasttext_peer import GRID, QUICK_GRID, THRESHOLDS
from benchmarks.imbalance_report import imbalance_section
from benchmarks.measure import SINGLE_TEXTS
from benchmarks.peers import MAX_ITER
from benchmarks.published import PUBLISHED
from benchmarks.report_sections import load_section, memory_section
from benchmarks.results import STUDY
from textladder.cli.render import FLOAT_FFN_OUT_WORDS

REFERENCE = "peer:fasttext"


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _count(value: float | None) -> str:
    return "–" if value is None else f"{value:,.0f}"


def _figure(value: float | tuple[float, float]) -> str:
    return f"{value[0]:.3f}–{value[1]:.3f}" if isinstance(value, tuple) else f"{value:.3f}"


def _columns(dataset: str, records: list[dict[str, Any]]) -> tuple[list[str], str]:
    """Test metric columns and the selection metric of a dataset (known or not)."""
    spec = SPECS.get(dataset)
    if spec is not None:
        return list(spec.columns), spec.metric
    present = [m for m in GENERAL_METRICS if m in records[0]["metrics"]["test"]]
    return present, present[0] if present else ""


def _ratio(record: dict[str, Any], reference: dict[str, Any] | None) -> str:
    if reference is None or reference.get("date") != record.get("date"):
        return "–"
    return f"{record['train_seconds'] / max(reference['train_seconds'], 1e-9):.2f}×"


def dataset_table(dataset: str, records: list[dict[str, Any]]) -> list[str]:
    columns, metric = _columns(dataset, records)
    header = ([f"{c} (test)" for c in columns] + [f"{metric} (valid)", "train s",
              f"train ÷ {REFERENCE}", "batch texts/s", "single texts/s", "peak RSS MB"])
    lines = [f"| system | {' | '.join(header)} |", "|---" * (len(header) + 1) + "|"]
    reference = next((r for r in records if r["system"] == REFERENCE), None)
    for r in records:
        test, speed = r["metrics"]["test"], r["predict_texts_per_second"]
        cells = [_num(test.get(c)) for c in columns] + [
            _num(r["metrics"]["valid"].get(metric)), _num(r["train_seconds"], 1),
            _ratio(r, reference), _count(speed["batch"]), _count(speed["single"]),
            _count(r["peak_rss_mb"])]
        lines.append(f"| {r['system']} | {' | '.join(cells)} |")
    published = PUBLISHED.get(dataset)
    for figure in (published or {}).get("figures", []):
        cells = [_figure(figure.value) if c == published["metric"] else "" for c in columns]
        cells += [""] * (len(header) - len(columns))
        lines.append(f"| *published: {figure.system}* ({figure.source}) | {' | '.join(cells)} |")
    lines.append("")
    starts = [r["start_rss_mb"] for r in records if r.get("start_rss_mb") is not None]
    rows = records[0].get("rows", {})
    facts = ["rows: " + " / ".join(f"{rows[k]:,} {k}" for k in ("train", "valid", "test")
                                   if k in rows)]
    if starts:
        low, high = f"{min(starts):,.0f}", f"{max(starts):,.0f}"
        facts.append(f"workers start at {low if low == high else f'{low}–{high}'} MB resident "
                     f"(inherited from the parent; included in peak RSS)")
    facts += [line for r in records for line in _encoder_facts(r, metric)]
    facts += records[0].get("data_notes", [])
    if published:
        facts.append(f"published figures: {published['caveat']}")
    lines += [f"- {fact}" for fact in facts]
    for record in records:
        lines += _climb_lines(record, columns, metric)
    return lines + [""] + _older_runs(records)


def _climb_lines(record: dict[str, Any], columns: list[str], metric: str) -> list[str]:
    """A climb's leaderboard (the `ladder` systems), as its record keeps it."""
    settings = record.get("settings", {})
    board = settings.get("leaderboard")
    if not board:
        return []
    done = [r for r in board["rows"] if r["status"] == "done"]
    others = [r["name"] for r in board["rows"] if r["status"] != "done"]
    skipped = f", {len(others)} skipped or failed ({', '.join(others)})" if others else ""
    head = (f"**{record['system']}** (budget {settings['budget_minutes']:g} min): the climb took "
            f"{board.get('seconds') or record['train_seconds']:,.0f} s; {len(done)} rows done"
            f"{skipped}; best on validation: **{board['best']}**")
    reused = [r["name"] for r in board["rows"] if r.get("reused")]
    if reused:
        head += (f". It resumed the run directory of an earlier climb (`--ladder-dir`), reusing "
                 f"{', '.join(reused)} as trained there; the seconds above are this climb's")
    header = ["rung", "status", f"{metric} (valid, cross-fitted)",
              *[f"{c} (test)" for c in columns], "train s", "note"]
    lines = ["", head, "", f"| {' | '.join(header)} |", "|---" * len(header) + "|"]
    for row in board["rows"]:
        name = row["name"] + (f" ({', '.join(row['members'])})" if row.get("members") else "")
        name = f"**{name}**" if row["name"] == board["best"] else name
        test = row.get("test") or {}
        cells = [name, row["status"], _num(row.get("valid_score")),
                 *[_num(test.get(c)) for c in columns], _num(row.get("train_seconds"), 1),
                 (row.get("reason") or "").replace("|", "/")]
        lines.append(f"| {' | '.join(cells)} |")
    return lines


def _agreement(share: float) -> str:
    """A percentage truncated, not rounded, at two decimals: 98.97 % must not read as 99.0 %."""
    return f"{int(share * 10000 + 1e-6) / 100:.2f}%"


def _encoder_facts(record: dict[str, Any], metric: str) -> list[str]:
    """Encode time and the ONNX comparison of an encoder rung's record, when it has them."""
    facts = []
    chosen = record.get("settings", {}).get("chosen", {})
    if chosen.get("encode_seconds"):
        facts.append(f"{record['system']}: encoding {chosen['texts_encoded']:,} train + valid "
                     f"texts took {chosen['encode_seconds']:,.0f} s of its train time "
                     f"({chosen['texts_encoded'] / chosen['encode_seconds']:,.0f} texts/s)")
    runtimes = record.get("runtimes") or {}
    default = runtimes.get("default")
    again = record.get("runtimes_run")
    if again and runtimes:
        facts.append(f"{record['system']}: its runtimes below were measured again, on the model "
                     f"this row trained, at `{again['commit']}` on {again['date']} "
                     f"(`{again['command']}`)")
    for name, figures in runtimes.items():
        if name == "default" or default is None:
            continue
        option = _runtime_option(name, figures)
        if "agreement" not in figures:
            facts.append(f"{record['system']} with `{option}`: not measured "
                         f"({figures.get('error', default.get('error', 'no figures'))})")
            continue
        facts.append(
            f"{record['system']} with `{option}` ({_runtime_kind(figures, name)}): "
            f"{_agreement(figures['agreement'])} of test predictions agree with the default "
            f"runtime's; {metric} (test) "
            f"{_num(figures['test'].get(metric))} vs {_num(default['test'].get(metric))}; "
            f"{_count(figures['texts_per_second'])} vs {_count(default['texts_per_second'])} "
            f"texts/s, **{figures['speedup']:.2f}×** (batch predict of the test set, no cache)")
    return facts


def _runtime_option(name: str, figures: dict[str, Any]) -> str:
    """The command-line options a runtime entry was measured with."""
    if name.endswith("-alone"):
        return f"--runtime {name.removesuffix('-alone')} --recheck-margin 0"
    if "recheck_margin" in figures and "valid" not in figures:  # a margin given, not chosen
        return f"--runtime {name} --recheck-margin {figures['recheck_margin']:g}"
    return f"--runtime {name}"


def _runtime_kind(figures: dict[str, Any], name: str = "") -> str:
    if "rechecked" not in figures:
        return ("int8" if name.endswith("-alone") or not name
                else "int8 alone: measured before re-checking existed")
    with_ = ("the float32 export (the default runtime's outputs up to rounding)"
             if figures.get("rechecked_with") == "onnx-float" else "the default runtime")
    kind = f"int8, {100 * figures['rechecked']:.1f} % of texts re-checked with {with_}"
    valid = figures.get("valid")
    if valid and "agreement" in valid:  # the margin was the model's own, chosen on validation
        kind += (f", within {figures['recheck_margin']:g} log-odds: the model's margin, chosen on "
                 f"valid, where it kept {_agreement(valid['agreement'])} of decisions and "
                 f"re-checked {100 * valid['rechecked']:.1f} %")
        option = valid.get("float_ffn_out", valid.get("export_option"))
        if option in FLOAT_FFN_OUT_WORDS and "export_option" in valid:  # timed at save (older)
            kind += (f"; feed-forward outputs in float in {FLOAT_FFN_OUT_WORDS[option]}: the "
                     f"fastest of {len(valid['options'])} exports on valid")
        elif option in FLOAT_FFN_OUT_WORDS:  # `textladder export --texts` on valid
            kind += (f"; feed-forward outputs in float in {FLOAT_FFN_OUT_WORDS[option]}: the "
                     f"lowest expected cost of {len(valid['options'])} exports on valid")
    elif valid:  # exported without a choice (a regression: nothing to re-check)
        kind += f", within {figures['recheck_margin']:g} log-odds ({valid.get('chosen_by')})"
    return kind


def _older_runs(records: list[dict[str, Any]]) -> list[str]:
    dates = {r.get("date") for r in records}
    if len(dates) <= 1:
        return []
    out = [f"- {r['system']} measured {r.get('date')} at {r.get('commit')}" for r in records]
    return ["Records of this table come from different runs:", ""] + out + [""]


def _method() -> list[str]:
    grid = "; ".join(f"{k} {{{', '.join(map(str, v))}}}" for k, v in GRID.items())
    quick_grid = "; ".join(f"{k} {{{', '.join(map(str, v))}}}" for k, v in QUICK_GRID.items())
    return [
        "## Method",
        "",
        "- Every system gets the same train / valid / test rows of a dataset. Every setting is "
        "chosen on valid by the dataset's published metric (the first column of its table); test "
        "is scored once per system.",
        "- **textladder families** (every registered, available family, e.g. `tfidf`): "
        "`TextClassifier(model=<family>, task=<task>, metric=<published metric>, seed=0)` with "
        "default settings, fitted with the valid split; the family chooses its settings on valid "
        "and the task tunes its decision thresholds there (binary, multi-label).",
        "- **ladder** (`ladder`, or `ladder:<minutes>` for another budget): the climb of "
        "`textladder train` with no model flag, on the same rows, task and metric: the baseline, "
        "the rungs whose estimated cost (a timed probe on a sample of the data) fits the budget "
        "(15 minutes unless named; neural rungs may get fewer epochs), then soft voting, hard "
        "voting and stacking over the best rungs; its best row on validation (cross-fitted over 5 "
        "folds; an ensemble only if it leads the best rung by more than two standard errors of "
        "that lead) is the model scored. *train s* is the whole climb. Each "
        "climb's leaderboard is listed under its dataset's table.",
        f"- **peer:sklearn**: `make_pipeline(TfidfVectorizer(), LogisticRegression())` with "
        f"defaults (max_iter={MAX_ITER}); multi-label: `OneVsRestClassifier(LogisticRegression())`"
        f" on the binarized label matrix, predicted at 0.5. Nothing tuned.",
        f"- **peer:fasttext**: `fasttext.train_supervised(wordNgrams=2, thread=2, seed=0)`, other "
        f"settings fastText's defaults; {grid} chosen on valid; multi-label uses `loss='ova'` and "
        f"one global threshold from {{{', '.join(map(str, THRESHOLDS))}}} chosen on valid. "
        f"fastText with 2 threads is not deterministic; reruns differ slightly.",
        "- **peer:minilm-lr** (only when `sentence_transformers` is installed): frozen "
        "all-MiniLM-L6-v2 embeddings + default logistic regression (one-vs-rest for multi-label).",
        "- **Encoder rungs** (`minilm`, `finetune`): the bundled all-MiniLM-L6-v2, offline. Each "
        "pair starts with an empty embedding cache, so train time includes encoding every text. "
        "After scoring, the model is saved, exported to ONNX on the valid texts "
        "(`textladder export MODEL --texts valid`: at most 2,000 of them calibrate the int8 "
        "copy and choose what stays in float and the re-check margin, from agreement with the "
        "default runtime; nothing timed, docs/onnx.md), and reloaded three times: with the "
        "default runtime, with `--runtime onnx` (the int8 export, borderline texts re-checked "
        "with the float32 export at the export's margin; rows from older runs, listed under "
        "their table, chose the margin at save, some by timing, or predate the re-check itself, "
        "and say so) and with `onnx` alone (`--recheck-margin 0`); each predicts the whole test "
        "set from an empty cache, the three in turn, three times over (each one's median time "
        "counts, so that a slow spell of the machine slows all three), and the agreement of "
        "their predictions and their speed ratio are listed under the table.",
        *_study_line(),
        "- Peers are scored by textladder's own task objects on their hard decisions (one-hot or "
        "0/1 matrices), so every metric has one definition for all systems.",
        "- sst2 has no valid file and its train file holds every phrase of each sentence: valid is "
        f"{SENTENCE_HOLDOUT:.0%} of the whole sentences (phrases inside no other), and every train "
        "phrase inside a held-out sentence is dropped, so no valid text is seen in training "
        "(`benchmarks/holdout.py`; seed 0). A dataset without valid and without phrases gets "
        f"{HOLDOUT_SIZE:.0%} of train held out, stratified, with "
        "`textladder.data.split.split_holdout` (seed 0), used as valid by "
        "every system. A dataset without a test file (claff) first gets "
        f"{HOLDOUT_SIZE:.0%} of train held out as test the same way, as `textladder train` does; "
        "the claff datasets read the `moment` column as text and one label column each.",
        "- **Time**: wall clock (`time.perf_counter`). *train s* is the whole fit including every "
        "choice made on valid (for fastText: writing its training file and the grid). *batch "
        f"texts/s*: one predict call on the whole test set; *single texts/s*: predict on one "
        f"string at a time for the first {SINGLE_TEXTS} test texts. Seconds are noisy from run to "
        "run and machine to machine; the ratios between systems in one run hold better. Run on an "
        "otherwise idle machine: when another process holds a core, the busy-waiting of native "
        "thread pools (OpenBLAS, torch's OpenMP) slowed small fits 6-10× in testing; the load "
        "average and thread pools are recorded above.",
        "- **Memory**: each (dataset, system) runs in a fresh worker process forked (`fork` start "
        "method) from the parent, which has loaded only that dataset. *peak RSS MB* is the "
        "worker's `resource.getrusage(RUSAGE_SELF).ru_maxrss` (KB on Linux) at the end. A forked "
        "worker's figure starts at the parent's resident size, shown under each table.",
        f"- `--quick` runs every system on seeded slices ({QUICK_ROWS['train']} train / "
        f"{QUICK_ROWS['valid']} valid / {QUICK_ROWS['test']} test rows) with a smaller fastText "
        f"grid ({quick_grid}), and runs each textladder family with its own `quick_settings()` "
        f"(e.g. 2 epochs); its figures only show that the harness works.",
        "",
    ]


def render(doc: dict[str, Any]) -> str:
    m = doc["machine"]
    packages = ", ".join(f"{k} {v}" for k, v in m.get("packages", {}).items() if v)
    quick = " · **quick mode: small slices, figures not meaningful**" if doc.get("quick") else ""
    lines = [
        "# Benchmarks",
        "",
        "Generated by the harness in `benchmarks/` from its results file (`python -m benchmarks "
        "report` regenerates it); do not edit by hand.",
        "",
        f"- Rerun everything: `python -m benchmarks run` (every dataset and system; runs merge, so "
        f"`--datasets` / `--models` rerun a part).{quick}",
        "- Measure the runtimes of trained models again without training them again: `python -m "
        "benchmarks run --keep-models DIR`, later `python -m benchmarks runtimes --kept DIR` "
        "(rows so measured say so under their table).",
        "- The rows come from these runs (date · commit · command):",
        *[f"  - {date} · `{commit}` · `{command}`" for date, commit, command in _runs(doc)],
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['ram_gb']} GB RAM, Python {m['python']}, "
        f"{m['os']}; load average at start {m.get('load_average_at_start', '?')}",
        f"- Packages: {packages}; thread pools: {', '.join(m.get('thread_pools', [])) or '?'}",
        *[f"- Note: {note}" for note in doc.get("notes", [])],
        "",
        *_method(),
    ]
    datasets = list(dict.fromkeys(r["dataset"] for r in doc["results"]))
    for dataset in datasets:
        records = [r for r in doc["results"] if r["dataset"] == dataset]
        lines += [f"## {dataset}", ""] + dataset_table(dataset, records)
    from benchmarks.calibration import calibration_table  # it writes this report: import late

    lines += calibration_table(doc.get("calibration", []))
    lines += load_section(doc) + memory_section(doc)
    from benchmarks.features import features_table  # it writes this report too: import late

    lines += features_table(doc.get("features", []))
    lines += imbalance_section(doc)
    from benchmarks.speed import speed_section  # it writes this report too: import late

    lines += speed_section(doc)
    return "\n".join(lines).rstrip() + "\n"


def _study_line() -> list[str]:
    """A pointer to the int8 study, once it has been run (`python -m benchmarks int8-study`)."""
    if not STUDY.is_file():
        return []
    return ["- **int8 study** (`benchmarks/int8-study.md`, `python -m benchmarks int8-study`, "
            "its own command, date and commit inside): ways of quantising the encoder compared on "
            "its vectors (closeness to float32, throughput one window per run and in padded "
            "batches, how much a window's vector depends on its batch)."]


def _runs(doc: dict[str, Any]) -> list[tuple[str, str, str]]:
    """The distinct runs the records come from, oldest first."""
    runs = {(r.get("date", doc["date"]), r.get("commit", doc["commit"]),
             r.get("command", doc["command"])) for r in doc["results"]}
    runs |= {(r["runtimes_run"]["date"], r["runtimes_run"]["commit"], r["runtimes_run"]["command"])
             for r in doc["results"] if r.get("runtimes_run")}
    return sorted(runs)


def write_report(doc: dict[str, Any], path: Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(render(doc), encoding="utf-8")
    return path
