"""Draw workflow reports for people (rich tables) or machines (JSON on standard output)."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from typing import Any

from rich.console import Console
from rich.markup import escape
from rich.table import Table

from textladder.jsonsafe import finite
from textladder.words import agree, count, setting

LOG_WIDTH = 160  # columns of output that goes to a file or a pipe (a terminal gives its own)


def _width(stream) -> int | None:
    """None (rich asks the terminal, or COLUMNS) for a terminal, else LOG_WIDTH: at rich's 80
    columns for a file, a leaderboard's notes wrapped one word a line, 150 lines for 6 rows."""
    import os

    isatty = getattr(stream, "isatty", None)
    return None if os.environ.get("COLUMNS") or (isatty and isatty()) else LOG_WIDTH


out = Console(highlight=False, width=_width(sys.stdout))
err = Console(stderr=True, highlight=False)


def print_json(report: Any) -> None:
    """One JSON document on standard output; NaN becomes null."""
    print(json.dumps(finite(report), ensure_ascii=False, indent=2))


def _fmt(value: Any) -> str:
    if isinstance(value, float):
        return "n/a" if math.isnan(value) else f"{value:.4f}"
    return str(value)


def metrics_table(title: str, columns: dict[str, dict[str, Any]], primary: str) -> Table:
    """A metric-by-split table; the primary metric is marked."""
    table = Table(title=title, title_justify="left")
    table.add_column("metric")
    for name in columns:
        table.add_column(name, justify="right")
    names = list(next(iter(columns.values())).keys()) if columns else []
    for metric in names:
        label = f"[bold]{metric} *[/bold]" if metric == primary else metric
        table.add_row(label, *(_fmt(columns[c].get(metric, float("nan"))) for c in columns))
    return table


MANY_CLASSES = 8  # above this, per-class tables list the smallest classes first
PER_CLASS_COLUMNS = ("recall", "f1", "precision", "support")


def per_class_table(title: str, per_class: dict[str, dict[str, Any]]) -> Table:
    """Recall and F1 first, so that the minorities' fate shows; with many classes, the
    smallest (by support) first."""
    rows = list(per_class.items())
    if len(rows) > MANY_CLASSES and all("support" in row for _, row in rows):
        rows.sort(key=lambda item: item[1]["support"])
        title += ", smallest first"
    table = Table(title=title, title_justify="left")
    table.add_column("label")
    present = list(rows[0][1]) if rows else []
    keys = [k for k in PER_CLASS_COLUMNS if k in present] + \
        [k for k in present if k not in PER_CLASS_COLUMNS]
    for key in keys:
        table.add_column(key, justify="right")
    for label, row in rows:
        table.add_row(escape(label), *(_fmt(row[k]) for k in keys))
    return table


def confusion_table(title: str, confusion: dict[str, Any]) -> Table:
    table = Table(title=title, title_justify="left")
    table.add_column("true \\ predicted")
    for label in confusion["labels"]:
        table.add_column(escape(label), justify="right")
    for label, row in zip(confusion["labels"], confusion["matrix"]):
        table.add_row(escape(label), *(str(v) for v in row))
    return table


def show_plan(plan: dict[str, Any]) -> None:
    """What training is about to do (`workflows.plan`), said before the fit starts."""
    for reason in plan["column_reasons"]:
        out.print(f"picked {escape(reason)}")
    for column in plan.get("features", []):
        out.print(f"feature column '{escape(column['name'])}': {column['kind']} "
                  f"({escape(column['evidence'])})")
    out.print(f"[bold]task[/bold]: {escape(plan['task_reason'])}")
    labels = plan["labels"]
    if labels:
        shown = (" < " if plan["ordered"] else ", ").join(labels[:12])
        more = f" (and {len(labels) - 12} more)" if len(labels) > 12 else ""
        out.print(f"  labels: {escape(shown + more)}")
    _show_positive(plan.get("positive"))
    choices = plan["choices"]
    out.print(f"  output layer: {choices['output_layer']}; loss: {choices['loss']}")
    out.print(f"  decision: {choices['decision_rule']}; primary metric: {choices['primary_metric']}")
    if plan.get("imbalance"):
        out.print(f"  imbalance: {escape(imbalance_line(plan['imbalance']))}")
    sources = plan["sources"]
    what = plan["model"] or "the ladder"  # no --model: a climb
    out.print(f"[bold]training[/bold] {what}: {plan['rows']['train']:,} usable rows in "
              f"the training file; validation: {escape(sources['valid'])}; test: "
              f"{escape(sources['test'])}")
    for name, shared in plan.get("also_in_train", {}).items():
        out.print(f"[yellow]warning[/yellow]: {shared:,} of the {plan['rows'][name]:,} {name} "
                  f"texts also appear in the training file; their scores will be optimistic")
    if plan.get("test_also_in_valid"):
        out.print(f"[yellow]warning[/yellow]: {plan['test_also_in_valid']:,} of the "
                  f"{plan['rows']['test']:,} test texts also appear in the validation data, "
                  f"on which settings, thresholds and the best rung are chosen; the test scores "
                  f"will be optimistic")
    for leak in plan.get("leaking_features", []):
        out.print(f"[yellow]warning[/yellow]: column '{escape(leak['name'])}' given with "
                  f"--features leaks the label ({escape(leak['reason'])}); the scores will "
                  f"be no guide to rows whose label is not known yet")
    out.file.flush()  # said now, not when the buffer fills: the fit may take minutes


def show_train(report: dict[str, Any]) -> None:
    data = report["data"]
    if "plan" not in report:  # said before the fit otherwise (`show_plan`)
        out.print(f"[bold]task[/bold]: {escape(report['task_reason'])}")
        _show_positive(report.get("positive"))
    rows = data["rows"]
    inside = rows.get("inside_held_out")
    out.print(f"[bold]data[/bold]: {rows['train']:,} train / {rows['valid']:,} valid / "
              f"{rows['test']:,} test rows" + (
                  f"; {count(inside, 'text')} that {agree(inside, 'repeats', 'repeat')} or "
                  f"{agree(inside, 'sits', 'sit')} inside a held-out text "
                  f"{agree(inside, 'is', 'are')} in no part (each such group is scored once, "
                  f"on its longest text)" if inside else ""))
    for name, dropped in data["dropped"].items():
        _show_dropped(name, dropped)
    board = report.get("leaderboard")
    if board and len(board["rows"]) > 1:
        out.print(leaderboard_table(board))
    best = f" (best of the climb: {escape(report['best'])})" if board and len(board["rows"]) > 1 \
        else ""
    out.print(f"[bold]model[/bold]: {report['model']}{best} {escape(_brief(report['chosen']))}")
    if report.get("imbalance"):
        out.print(f"[bold]imbalance[/bold]: {escape(imbalance_line(report['imbalance']))}")
        for line in imbalance_effect(report["imbalance"].get("effect", {})):
            out.print(f"  {escape(line)}")
    out.print(metrics_table("metrics (* primary)", report["metrics"], report["primary_metric"]))
    if "valid" in report["metrics"] and "test" in report["metrics"]:
        fairer = ("; the cross-fitted valid score in the table above is the fairer one" if board
                  and len(board["rows"]) > 1 else "")
        out.print(f"  valid: the rows its settings and thresholds were chosen on, so it flatters "
                  f"the model{fairer}; test was held out from every choice")
    for warning in report.get("test_warnings", []):
        out.print(f"[yellow]warning[/yellow]: {escape(warning)}")
    if below := report.get("below_baseline"):
        out.print(f"[yellow]warning[/yellow]: {report['model']} scored {below['metric']} "
                  f"{below['rung']:.4f} on validation, no better than a baseline that ignores the "
                  f"text ({below['baseline']:.4f}): it learned nothing from the texts. Its "
                  f"settings (a learning rate too high?), or the labels, may be at fault.")
    _show_importance(report.get("feature_importance"))
    _show_details("test", report["details"]["test"])
    if report.get("best_path"):
        out.print(f"run saved to [bold]{escape(report['run'])}[/bold] in "
                  f"{report['train_seconds']:.0f} s; its best model is "
                  f"[bold]{escape(report['best_path'])}[/bold] (predict, evaluate and serve "
                  f"take either path)")
    coverage = report["chosen"].get("coverage")
    if isinstance(coverage, dict) and "summary" in coverage:  # the rungs on word vectors
        source = report["chosen"].get("vectors_source")
        out.print(f"  word vectors{f' from {escape(str(source))}' if source else ''}: "
                  f"{escape(coverage['summary'])}")
    _show_calibration(report.get("calibration"))
    if report.get("report"):
        out.print(f"report: [bold]{escape(report['report'])}[/bold]")
    elif report.get("report_note"):
        out.print(f"[yellow]no report: {escape(report['report_note'])}[/yellow]")


def _show_calibration(calibration: dict[str, Any] | None) -> None:
    """The temperature `--calibrate` fitted, and what it did to the validation ECE."""
    if not calibration:
        return
    valid = calibration["valid"]
    out.print(f"calibrated: temperature {calibration['temperature']:.3g} fitted on "
              f"validation; expected calibration error {valid['ece_before']:.4f} -> "
              f"{valid['ece_after']:.4f} there")
    if valid["ece_after"] > valid["ece_before"]:
        out.print("  [yellow]the error rose: the temperature minimises the validation log-loss, "
                  "not this binned error, so the outputs were about as calibrated as validation "
                  "can tell; training without --calibrate keeps them as they were[/yellow]")


def _show_importance(importance: dict[str, Any] | None) -> None:
    """What shuffling each feature column costs on validation (`importance.py`)."""
    if not importance:
        return
    ranked = sorted(importance["columns"], key=lambda c: -c["fall"])
    shown = ", ".join(f"{escape(c['name'])} {c['fall']:+.4f}" for c in ranked)
    out.print(f"[bold]feature columns[/bold]: {importance['metric']} on validation falls by, "
              f"when shuffled: {shown}")


def leaderboard_table(board: dict[str, Any]) -> Table:
    """The leaderboard as a table: one row per rung, baseline or ensemble, best marked."""
    metric = board["primary_metric"]
    budget = board.get("budget_seconds")
    spent = board.get("seconds")
    title = "leaderboard" + (f" ({spent:.0f} s of a {budget:.0f} s budget)"
                             if budget and spent is not None else "")
    table = Table(title=title, title_justify="left",
                  caption=f"valid: {escape(board.get('valid_score', metric))}; the best (*) is "
                          f"chosen on it, never on test", caption_justify="left")
    for column in ("model", f"valid {metric}", f"test {metric}", "train s", "texts/s", "MB",
                   "note"):
        table.add_column(column, justify="left" if column in ("model", "note") else "right")
    for row in board["rows"]:
        name = row["name"] + (" *" if row["name"] == board.get("best") else "")
        if row.get("members"):
            name += f" ({', '.join(row['members'])})"
        note = row.get("reason") or ""
        if row["status"] != "done":
            note = f"{row['status']}: {note}"
        cells = [_fmt(row.get("valid_score")) if row.get("valid_score") is not None else "–",
                 _fmt(row["test"].get(metric)) if row.get("test") else "–",
                 f"{row['train_seconds']:.1f}" if row.get("train_seconds") is not None else "–",
                 f"{row['predict_texts_per_s']:,.0f}" if row.get("predict_texts_per_s") else "–",
                 f"{row['size_bytes'] / 1e6:.1f}" if row.get("size_bytes") else "–"]
        style = "bold" if row["name"] == board.get("best") else ("dim" if row["status"] != "done"
                                                                 else None)
        table.add_row(escape(name), *cells, escape(note), style=style)
    return table


def leaderboard_progress() -> Callable[[dict[str, Any]], None]:
    """What to show as each row of a climb ends, on standard error: the leaderboard so far on
    a terminal; in a log (not a terminal), a line for each row that is new or changed since
    the last board (rows keep their places, so the new one is not always last; the climb passes
    the board again when it has chosen the best), as the table is printed once at the end."""
    said: dict[str, tuple] = {}  # each row's state when last said

    def show(board: dict[str, Any]) -> None:
        if err.is_terminal:
            err.print(leaderboard_table(board))
            return
        for row in board["rows"]:  # new rows and changed ones (skipped, then run at the end)
            state = (row["status"], row.get("reason"), row.get("valid_score"))
            if said.get(row["name"]) != state:
                said[row["name"]] = state
                err.print(escape(rung_line(board, row)), soft_wrap=True)

    return show


def rung_line(board: dict[str, Any], row: dict[str, Any]) -> str:
    """One row of the leaderboard as a line of a log."""
    name = row["name"] + (f" ({', '.join(row['members'])})" if row.get("members") else "")
    spent = f" [{board['seconds']:.0f} s of {board['budget_seconds']:.0f} s]" if (
        board.get("budget_seconds") and board.get("seconds") is not None) else ""
    if row["status"] != "done":
        return f"{name}: {row['status']}: {row.get('reason') or ''}{spent}"
    said = [f"valid {board['primary_metric']} {_fmt(row['valid_score'])}"
            if row.get("valid_score") is not None else None,
            f"{row['train_seconds']:.1f} s" if row.get("train_seconds") is not None else None,
            row.get("reason")]
    return f"{name}: done, " + ", ".join(s for s in said if s) + spent


def imbalance_line(imbalance: dict[str, Any]) -> str:
    """The strategy, what it means and why it was taken, in one line."""
    from textladder.imbalance.plan import WORDS

    strategy = imbalance["strategy"]
    why = (f"auto: {imbalance['reason']}" if imbalance.get("requested") == "auto"
           else imbalance.get("reason", ""))
    others = "; ".join(f"{rung}: {s}" for rung, s in imbalance.get("others", {}).items())
    why = f"{why}; otherwise {others}" if others else why
    return f"{strategy} ({WORDS.get(strategy, strategy)}; {why})" if why else strategy


def imbalance_effect(effect: dict[str, Any], shown: int = 5) -> list[str]:
    """What the strategy did to the training rows: rows and the smallest counts, or weights."""
    lines = []
    if "rows" in effect:
        before, after = effect["counts"]["before"], effect["counts"]["after"]
        smallest = sorted(before, key=before.get)[:shown]
        lines.append(f"training rows {effect['rows']['before']:,} -> {effect['rows']['after']:,}"
                     f" (sampling ratio {effect['ratio']:g}); smallest: "
                     + ", ".join(f"{name} {before[name]:,} -> {after[name]:,}"
                                 for name in smallest))
        if before == after:
            lines.append(_nothing_resampled(before, effect["ratio"]))
    for kind, words in (("class_weights", "class weights"),
                        ("positive_weights", "positive weights")):
        if kind in effect:
            weights = effect[kind]
            heaviest = sorted(weights, key=lambda name: -weights[name])[:shown]
            lines.append(f"{words} (heaviest): "
                         + ", ".join(f"{name} {weights[name]:.3g}" for name in heaviest))
    return lines


def _nothing_resampled(counts: dict[str, int], ratio: float) -> str:
    """Why a resampling changed no row: the classes are within the ratio asked for already."""
    present = [c for c in counts.values() if c > 0]
    own = min(present) / max(present) if present else 1.0
    return (f"nothing was resampled: the smallest class is already {own:.2f} of the largest, "
            f"at least the sampling ratio {ratio:g}; raise --sampling-ratio (up to 1) to "
            f"resample")


def _show_positive(positive: dict[str, Any] | None) -> None:
    """A binary task's positive class and why (`tasks.positive`)."""
    if positive:
        out.print(f"  positive class: {escape(positive['label'])} ({escape(positive['reason'])})")


def _brief(chosen: dict[str, Any]) -> str:
    """The chosen settings in one line, without long entries such as the training history."""
    return ", ".join(f"{k}={setting(v)}" for k, v in chosen.items()
                     if not isinstance(v, (list, dict)) and k != "max_length_reason")


def _show_details(split: str, details: dict[str, Any]) -> None:
    if "per_class" in details:
        out.print(per_class_table(f"per class ({split})", details["per_class"]))
    if "per_label" in details:
        out.print(per_class_table(f"per label ({split})", details["per_label"]))
    if "confusion_matrix" in details:
        out.print(confusion_table(f"confusion matrix ({split})", details["confusion_matrix"]))


def _show_dropped(name: str, dropped: dict[str, int]) -> None:
    if any(dropped.values()):
        out.print(f"  {escape(name)}: skipped {count(dropped['empty_text'], 'row')} with empty "
                  f"text and {dropped['missing_label']} with a missing label")


def show_evaluate(report: dict[str, Any]) -> None:
    out.print(f"{report['model']} {report['task']} model on {report['rows']:,} rows")
    _show_dropped("the file", report.get("dropped", {}))
    unseen = report.get("skipped_unseen") or {}
    if unseen.get("rows"):
        out.print(f"  the file: skipped {count(unseen['rows'], 'row')} whose labels training "
                  f"never saw ({escape(', '.join(unseen['labels']))}): the model cannot "
                  f"predict them (--strict refuses them)")
        if spellings := unseen.get("spellings"):
            shown = ", ".join(f"{a} for {b}" for a, b in list(spellings.items())[:5])
            out.print(f"  [yellow]some look like known labels spelt otherwise[/yellow] "
                      f"({escape(shown)}): labels are matched exactly; write them as training "
                      f"did")
    for warning in report.get("warnings", []):
        out.print(f"[yellow]warning[/yellow]: {escape(warning)}")
    out.print(metrics_table("metrics (* primary)", {"value": report["metrics"]},
                            report["primary_metric"]))
    _show_details("this file", report["details"])


def show_inspect(report: dict[str, Any]) -> None:
    out.print(f"[bold]{escape(report['file'])}[/bold]: {report['rows']:,} rows, "
              f"{report['usable_rows']:,} usable")
    for reason in report["column_reasons"]:
        out.print(f"  picked {escape(reason)}")
    out.print(f"[bold]task[/bold]: {escape(report['task_reason'])}")
    _show_positive(report.get("positive"))
    balance = report["balance"]
    if "counts" in balance:
        table = Table(title=f"label counts (imbalance ratio {balance['imbalance_ratio']:g}:1)",
                      title_justify="left")
        table.add_column("label")
        table.add_column("rows", justify="right")
        table.add_column("share", justify="right")
        total = sum(balance["counts"].values())
        rates = balance.get("positive_rates")
        if rates:  # label sets: the share of rows that carry each label
            table.add_column("positive rate", justify="right")
        for label, count in balance["counts"].items():
            cells = [f"{count:,}", f"{100 * count / total:.1f} %"]
            if rates:
                cells.append(f"{100 * rates[label]:.2f} %")
            table.add_row(escape(label), *cells)
        out.print(table)
        _show_imbalance(balance)
    else:
        out.print("  scores: " + ", ".join(f"{name} {value:.4g}" for name, value
                                           in balance["distribution"].items()))
    words = report["lengths"]["words"]
    out.print(f"[bold]length[/bold] in words: median {words['p50']:g}, p95 {words['p95']:g}, "
              f"max {words['max']}; suggested max length {report['lengths']['suggested_max_length']}")
    _show_other_columns(report.get("other_columns", []))
    problems = report["problems"]
    out.print("[bold]problems[/bold]: " + ("none found" if not problems else ""))
    for problem in problems:
        out.print(f"  - {escape(problem)}")


def _show_other_columns(columns: list[dict[str, Any]]) -> None:
    """The columns beside the text and labels, with a verdict on each (`feature_analysis`)."""
    if not columns:
        return
    table = Table(title="other columns (for --features: association with the label on these "
                        "rows)", title_justify="left")
    for name, justify in (("column", "left"), ("kind", "left"), ("distinct", "right"),
                          ("missing", "right"), ("adjusted MI", "right"), ("verdict", "left")):
        table.add_column(name, justify=justify)
    for column in columns:
        ami = column.get("adjusted_mutual_information")
        table.add_row(escape(column["name"]), column.get("kind") or "–",
                      f"{column['distinct']:,}", f"{100 * column['missing_share']:.1f} %",
                      "–" if ami is None else f"{ami:.4f}", escape(column["verdict"]))
    out.print(table)
    for column in columns:
        if column["verdict"] in ("useful", "free text", "identifier"):
            out.print(f"  {escape(column['name'])}: {escape(column['reason'])}")
def _show_imbalance(balance: dict[str, Any]) -> None:
    """inspect's imbalance line: the ratio, the smallest classes, and what auto would take."""
    counts, advice = balance["counts"], balance["recommended"]
    smallest = ", ".join(f"{name} ({counts[name]:,})" for name in balance["smallest"])
    out.print(f"[bold]imbalance[/bold]: largest / smallest {balance['imbalance_ratio']:g}:1; "
              f"smallest: {escape(smallest)}")
    others = "; ".join(f"{rung}: {s}" for rung, s in advice["others"].items())
    out.print(f"  recommended: --imbalance {advice['strategy']} ({escape(advice['reason'])}; "
              f"what auto takes for {', '.join(advice['rungs'])}"
              f"{f'; otherwise {escape(others)}' if others else ''})")


def show_predictions(records: list[dict[str, Any]]) -> None:
    table = Table()
    table.add_column("text")
    table.add_column("prediction")
    classified = any("probabilities" in record for record in records)  # none: a regression
    if classified:
        table.add_column("probabilities")
    for record in records:
        prediction = record["prediction"]
        if prediction is None:  # a blank text
            prediction = "(no text)"
        elif isinstance(prediction, tuple):
            prediction = ", ".join(prediction) or "(none)"
        probabilities = record.get("probabilities", {})
        top = sorted(probabilities.items(), key=lambda kv: -kv[1])[:3]
        cells = [escape(record["text"]), escape(_fmt(prediction))]
        if classified:
            cells.append(escape("  ".join(f"{k} {v:.2f}" for k, v in top)))
        table.add_row(*cells)
    out.print(table)


# Where an int8 export keeps its feed-forward outputs in float (`onnx.graph.FLOAT_FFN_OUT`)
FLOAT_FFN_OUT_WORDS = {"all": "every layer", "first": "the first layer", "none": "no layer"}


def show_export(report: dict[str, Any]) -> None:
    """What `textladder export` wrote and chose."""
    record = report["export"]
    out.print(f"wrote the ONNX copies of {escape(report['model'])} to "
              f"[bold]{escape(report['written'])}[/bold]")
    layers = FLOAT_FFN_OUT_WORDS.get(record["float_ffn_out"], record["float_ffn_out"])
    few = record.get("too_few_texts")
    if few:
        out.print(f"  {few['given']:,} texts given: too few to choose on (at least "
                  f"{few['needed']:,}; on fewer, agreement cannot tell 99 % from 97 %), so the "
                  f"fixed rule below is used")
        out.print(f"  not calibrated; feed-forward outputs in float in {layers}, re-checks texts "
                  f"within {record['recheck_margin']:g} log-odds (a fixed rule)")
        return
    if not record["texts"]:
        out.print(f"  no texts given: not calibrated; feed-forward outputs in float in {layers}, "
                  f"re-checks texts within {record['recheck_margin']:g} log-odds (a fixed "
                  f"rule). Give --texts VALID_FILE to calibrate and choose on validation texts: "
                  f"usually faster at the same agreement")
        return
    out.print(f"  calibrated on {record['texts']:,} texts of {escape(report['texts_file'])} "
              f"(column '{escape(report['text_column'])}')")
    if "options" not in record:
        out.print(f"  feed-forward outputs in float in {layers}; {record['chosen_by']}")
        return
    costs = ", ".join(f"{FLOAT_FFN_OUT_WORDS.get(name, name)} {each['expected_cost']:.3f}"
                      for name, each in record["options"].items())
    out.print(f"  int8 with the feed-forward outputs in float in {layers}: the lowest expected "
              f"cost with its re-check ({costs}; 1 = an all-int8 pass)")
    out.print(f"  --runtime onnx re-checks texts within {record['recheck_margin']:g} log-odds "
              f"of another decision ({record['rechecked']:.1%} of these texts) and makes the "
              f"default runtime's decision on {record['agreement']:.1%} of them")
    if record["agreement"] < record["target"]:
        out.print(f"  [yellow]short of the {record['target']:.1%} aimed at even so: prefer "
                  f"the default runtime for this model[/yellow]")
