"""Render the `imbalance` section of a results document (`python -m benchmarks imbalance`).

One table per dataset: every rung's strategies, with the published metric and macro_f1 on test,
the F1 of the three classes with the fewest training rows, and macro_f1 on valid. The row best
on valid macro_f1 of each rung is in bold (the choice a user could make without test data), and
the strategy `auto` picks is marked. Under each table, per rung: the best strategy's gain over
`none` on valid and on test. Reads nothing but the document.
"""

from __future__ import annotations

from typing import Any

from benchmarks.datasets import SPECS
from textladder.imbalance.plan import STRATEGIES

MODEL_ORDER = ("tfidf", "fasttext", "wordvec", "minilm", "lstm", "bilstm", "gru", "finetune")


def _num(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def _rung_order(name: str) -> tuple:
    return (MODEL_ORDER.index(name) if name in MODEL_ORDER else len(MODEL_ORDER), name)


def best_on_valid(rows: list[dict[str, Any]]) -> dict[str, Any] | None:
    """The fitted row with the highest valid macro_f1 (ties: the earlier strategy)."""
    fitted = [r for r in rows if r["metrics"]["valid"].get("macro_f1") is not None]
    return max(fitted, key=lambda r: r["metrics"]["valid"]["macro_f1"], default=None)


def _gain(row: dict[str, Any], base: dict[str, Any] | None, split: str) -> str:
    if base is None:
        return "–"
    value = row["metrics"][split].get("macro_f1")
    before = base["metrics"][split].get("macro_f1")
    return "–" if value is None or before is None else f"{value - before:+.3f}"


def dataset_section(dataset: str, records: list[dict[str, Any]]) -> list[str]:
    metric = SPECS[dataset].metric if dataset in SPECS else "macro_f1"
    fitted = [r for r in records if "metrics" in r]
    if not fitted:
        return []
    smallest = fitted[0].get("smallest", [])
    header = ([f"{metric} (test)"] + (["macro_f1 (test)"] if metric != "macro_f1" else [])
              + [f"F1 {s['label']} ({s['train']:,})" for s in smallest]
              + ["macro_f1 (valid)", "train s"])
    lines = [f"### {dataset}", "", f"| rung | strategy | {' | '.join(header)} |",
             "|---" * (len(header) + 2) + "|"]
    notes = []
    for rung in sorted({r["system"] for r in records}, key=_rung_order):
        rows = sorted((r for r in fitted if r["system"] == rung),
                      key=lambda r: STRATEGIES.index(r["strategy"]))
        auto = next((r for r in records if r["system"] == rung and r["strategy"] == "auto"), None)
        best = best_on_valid(rows)
        for r in rows:
            test, valid = r["metrics"]["test"], r["metrics"]["valid"]
            by_label = {s["label"]: s.get("f1_test") for s in r.get("smallest", [])}
            cells = ([_num(test.get(metric))]
                     + ([_num(test.get("macro_f1"))] if metric != "macro_f1" else [])
                     + [_num(by_label.get(s["label"])) for s in smallest]
                     + [_num(valid.get("macro_f1")), _num(r.get("train_seconds"), 0)])
            strategy = r["strategy"]
            if auto is not None and auto["chosen"] == strategy:
                strategy += " ← auto"
            if r is best:
                cells = [f"**{c}**" for c in cells]
                strategy = f"**{strategy}**"
            lines.append(f"| {rung} | {strategy} | {' | '.join(cells)} |")
        base = next((r for r in rows if r["strategy"] == "none"), None)
        if best is not None:
            said = (f"{rung}: best on valid macro_f1: {best['strategy']} (valid "
                    f"{_gain(best, base, 'valid')}, test {_gain(best, base, 'test')} macro_f1 "
                    f"over none)")
            if auto is not None:
                agrees = "the same" if auto["chosen"] == best["strategy"] else "not the same"
                said += f"; auto picks {auto['chosen']}, {agrees} ({auto['reason']})"
                other = auto.get("with_metric")
                if other:
                    said += (f"; with the published metric, {other['metric']}, as the primary "
                             f"one, `train --imbalance auto` picks {other['chosen']} "
                             f"({other['reason']})")
            notes.append(said)
    rows = fitted[0].get("rows", {})
    notes.append("rows: " + " / ".join(f"{rows[k]:,} {k}" for k in ("train", "valid", "test")
                                       if k in rows))
    if any(r.get("quick") for r in fitted):
        notes.append("**quick mode: small slices and quick settings; figures not meaningful**")
    return lines + [""] + [f"- {note}" for note in notes] + [""]


def imbalance_section(doc: dict[str, Any]) -> list[str]:
    """The markdown of the section, or nothing when the document has none."""
    section = doc.get("imbalance")
    if not section or not section.get("records"):
        return []
    records = section["records"]
    m = section.get("machine", {})
    runs = sorted({(r.get("date"), r.get("commit"), r.get("command")) for r in records})
    lines = [
        "## Class imbalance",
        "",
        "`python -m benchmarks imbalance [--datasets ...] [--models ...] [--strategies ...]` "
        "fits each rung with each strategy it takes (`--imbalance`, `textladder.imbalance`) "
        "with its default settings, chosen on valid by the dataset's published metric as above, "
        "and scores test once. Strategies act on the training rows only. *F1 label (n)*: the "
        "test F1 of the classes (labels) with the fewest training rows (positives), n of them. "
        "**Bold**: the strategy best on valid macro_f1 for that rung; *← auto*: what "
        "`--imbalance auto` picks for it with macro_f1 as the primary metric "
        "(`textladder/imbalance/auto.py`). *train s* is wall "
        "time on the machine below, which was shared and loaded: not comparable between rows, "
        "and the encoder rungs' first strategy includes encoding (the cache is shared by a "
        "run).",
        f"- Machine: {m.get('cpu', '?')}, {m.get('cores', '?')} cores; load average at start "
        f"{m.get('load_average_at_start', '?')}",
        "- Runs (date · commit · command):",
        *[f"  - {date} · `{commit}` · `{command}`" for date, commit, command in runs],
        "",
    ]
    order = list(SPECS)
    datasets = sorted({r["dataset"] for r in records},
                      key=lambda d: (order.index(d) if d in order else len(order), d))
    for dataset in datasets:
        lines += dataset_section(dataset, [r for r in records if r["dataset"] == dataset])
    return lines
