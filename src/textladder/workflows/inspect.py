"""Say what a labelled dataset is before training on it: `textladder inspect`.

Reports the columns picked (with the evidence for every candidate), the task detected and why
(and, for a binary task, which label is positive and why), the class or label counts and
imbalance (the ratio of the largest to the smallest, the smallest by name, each label's positive
rate for label sets, and the strategy `train --imbalance auto` would take), text length
percentiles with a suggested maximum sequence length, the groups of texts that repeat or contain
one another (which automatic splits keep on one side, `data.groups`), and the problems worth
knowing about: empty and duplicate texts, identical texts with conflicting
labels, rare classes, texts shared between the training file and the validation or test files,
and test texts that repeat validation texts. The table's other columns are listed with their kind,
cardinality and missing share, and a verdict on each (useful to `--features`, no signal, an
identifier, free text, or a leak of the label: `data.feature_analysis`). It reads only; it trains
nothing.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from typing import Any

import numpy as np

from textladder.data.dataset import load_labelled
from textladder.data.feature_analysis import analyse_columns
from textladder.data.groups import normal_text, text_groups
from textladder.classifier import TextClassifier, check_label_space
from textladder.data.labels import label_key
from textladder.errors import TextladderError
from textladder.imbalance.auto import recommend
from textladder.tasks.positive import choose_positive, refuse_outside_binary
from textladder.tasks.single_label import canonical_classes
from textladder.workflows.options import ReadOptions
from textladder.workflows.plan import check_known_labels, plan_task
from textladder.words import agree, count

RARE_CLASS = 10
SMALLEST_SHOWN = 5
IMBALANCE_WARNING = 5.0


# A text longer than this is worth a word: the default limit of `serve` per text, and tens of
# thousands of tokens for the models that read a whole text in windows
LONG_TEXT_CHARS = 20_000


def _lengths(texts: list[str]) -> dict[str, Any]:
    words = np.array([len(t.split()) for t in texts])
    chars = np.array([len(t) for t in texts])
    points = (50, 90, 95, 99)
    return {
        "words": {f"p{p}": float(np.percentile(words, p)) for p in points}
        | {"mean": float(words.mean()), "max": int(words.max())},
        "characters": {f"p{p}": float(np.percentile(chars, p)) for p in points}
        | {"mean": float(chars.mean()), "max": int(chars.max())},
        "texts_over_chars": {"limit": LONG_TEXT_CHARS,
                             "count": int(np.sum(chars > LONG_TEXT_CHARS))},
        "suggested_max_length": int(np.ceil(np.percentile(words, 95))),
        "suggested_max_length_reason": "95th percentile of words per text; longer texts are "
                                       "truncated by sequence models",
    }


def _balance(task: str, prepared: list) -> dict[str, Any]:
    if task == "regression":
        values = np.asarray(prepared, dtype=float)
        return {"distribution": {"min": float(values.min()), "mean": float(values.mean()),
                                 "median": float(np.median(values)), "max": float(values.max()),
                                 "std": float(values.std())}}
    if task == "multilabel":
        counts = Counter(label for row in prepared for label in row)
        sizes = np.array([len(row) for row in prepared])
        extra = {"labels_per_row": {"mean": float(sizes.mean()), "max": int(sizes.max()),
                                    "rows_without_label": int((sizes == 0).sum())}}
    else:
        counts = Counter(label_key(v) for v in prepared)
        extra = {}
    ordered = dict(sorted(counts.items(), key=lambda kv: -kv[1]))
    ratio = max(ordered.values()) / max(1, min(ordered.values()))
    if task == "multilabel":
        extra["positive_rates"] = {k: round(v / len(prepared), 4) for k, v in ordered.items()}
    smallest = list(reversed(ordered))[:SMALLEST_SHOWN]
    return {"counts": ordered, "imbalance_ratio": round(ratio, 2), "smallest": smallest,
            "recommended": recommend(task, np.array(list(ordered.values()))), **extra}


def _conflicts(texts: list[str], labels: list) -> int:
    seen: dict[str, set] = defaultdict(set)
    for text, label in zip(texts, labels):
        seen[normal_text(text)].add(label if isinstance(label, tuple) else label_key(label))
    return sum(len(v) > 1 for v in seen.values())


def inspect(data: str, read: ReadOptions = ReadOptions(), task: str = "auto",
            order: str | None = None, label_map: str | None = None,
            others: dict[str, str] | None = None, positive: str | None = None) -> dict[str, Any]:
    """Describe the labelled file `data`; `others` maps names (valid, test) to files to compare;
    `positive` names the positive class of a binary task (else it is chosen, with the reason)."""
    table = load_labelled(data, read.fmt, read.encoding, read.text, read.labels, read.strict,
                          keep_frame=True)
    options = TextClassifier(task=task, order=order, label_map=label_map)
    detection, prepared = options.resolve_labels(table.labels)
    refuse_outside_binary(detection.task, positive)
    other_texts, other_labels = {}, {}
    for name, path in (others or {}).items():
        other = load_labelled(path, read.fmt, read.encoding, table.columns.text,
                              table.columns.labels, read.strict)
        other_texts[name], other_labels[name] = other.texts, other.labels
    report: dict[str, Any] = {
        "file": data,
        "rows": len(table) + sum(table.dropped.values()),
        "usable_rows": len(table),
        "columns": {"text": table.columns.text, "labels": list(table.columns.labels)},
        "column_reasons": list(table.columns.reasons),
        "column_candidates": table.columns.candidates,
        "task": detection.task,
        "task_reason": detection.reason,
        "order": None if detection.order is None else [str(v) for v in detection.order],
        "positive": _positive(detection.task, prepared, positive),
        **describe(table.texts, prepared, detection.task, table.dropped, other_texts),
        "other_columns": analyse_columns(table.frame, table.columns.text, table.columns.labels,
                                         detection.task, prepared),
    }
    for name, path in (others or {}).items():
        report["overlap"][name]["file"] = path
    report["problems"] += [f"column '{c['name']}' leaks the label: {c['reason']}"
                           for c in report["other_columns"] if c["verdict"] == "leaks the label"]
    report["problems"] += refusals(options, detection, prepared,
                                   {name: (others[name], labels)
                                    for name, labels in other_labels.items()})
    return report


def refusals(options: TextClassifier, detection, prepared: list,
             others: dict[str, tuple[str, list]]) -> list[str]:
    """What `train` would refuse in these labels, said as problems: a single class (or score),
    and labels of the other files (name: (path, labels)) that training never saw."""
    try:
        task = plan_task(options, detection, prepared)
        check_label_space(task, prepared)
    except TextladderError as error:
        return [str(error).rstrip(".")]
    found = []
    for name, (path, labels) in others.items():
        try:
            check_known_labels(options, task, detection, labels, f"the {name} file '{path}'")
        except TextladderError as error:
            found.append(str(error).rstrip("."))
    return found


def describe(texts: list[str], prepared: list, task: str, dropped: dict[str, int],
             others: dict[str, list[str]] | None = None) -> dict[str, Any]:
    """The balance, lengths, groups and problems of `texts` with labels `prepared` for `task`;
    `others` maps names (valid, then test) to texts to look for in these and in each other. What
    `inspect` reports of a file, and what `train` records for the report."""
    counts = Counter(normal_text(t) for t in texts)
    duplicates = sum(c for c in counts.values() if c > 1) - sum(1 for c in counts.values() if c > 1)
    report: dict[str, Any] = {
        "balance": _balance(task, prepared),
        "lengths": _lengths(texts),
        "empty_texts": dropped.get("empty_text", 0),
        "missing_labels": dropped.get("missing_label", 0),
        "duplicate_texts": duplicates,
        "conflicting_labels": _conflicts(texts, prepared),
        "groups": text_groups(texts).summary(),
        "label_variants": _label_variants(task, prepared),
        "overlap": {},
    }
    seen: dict[str, set[str]] = {}  # the normalised texts of each file compared
    for name, other in (others or {}).items():
        normal = [normal_text(t) for t in other]
        overlap = {"rows": len(other), "texts_also_in_train": sum(t in counts for t in normal)}
        for earlier, earlier_texts in seen.items():  # test against valid
            overlap[f"texts_also_in_{earlier}"] = sum(t in earlier_texts for t in normal)
        report["overlap"][name] = overlap
        seen[name] = set(normal)
    report["problems"] = _problems(report)
    return report


def _positive(task: str, prepared: list, requested: str | None) -> dict[str, str] | None:
    """The positive class of a binary task and why, as `train` will choose it."""
    if task != "binary":
        return None
    choice = choose_positive(canonical_classes(prepared), prepared, requested)
    return {"label": label_key(choice.label), "reason": choice.reason}


def _label_variants(task: str, prepared: list) -> list[list[str]]:
    """Labels that look like one label spelt otherwise (`data.spellings`); none for numbers."""
    from textladder.data.spellings import variant_groups

    if task in ("regression", "ordinal"):
        return []
    labels = [label for value in prepared
              for label in (value if isinstance(value, tuple) else (value,))]
    return variant_groups(str(label) for label in labels)


def _problems(report: dict[str, Any]) -> list[str]:
    problems = []
    if variants := report.get("label_variants"):
        shown = "; ".join(" / ".join(group) for group in variants[:3])
        problems.append(f"labels that look like one label spelt otherwise ({shown}): each is a "
                        f"class of its own; write each class one way in the file")
    empty, missing = report["empty_texts"], report["missing_labels"]
    if empty or missing:
        problems.append(f"{count(empty, 'row')} with empty text and {missing:,} with a missing "
                        f"label will be skipped (--strict refuses them)")
    if repeats := report["duplicate_texts"]:
        problems.append(f"{count(repeats, 'row')} {agree(repeats, 'repeats', 'repeat')} an "
                        f"earlier text (automatic splits keep repeats on one side)")
    groups = report["groups"]
    if groups["nested_texts"]:
        problems.append(f"{groups['groups']:,} groups of texts that repeat or sit inside one "
                        f"another hold {groups['rows_in_groups']:,} rows ({groups['nested_texts']:,} "
                        f"texts inside a longer one, e.g. a sentence's phrases): automatic "
                        f"validation and test splits keep each group on one side and score it on "
                        f"its longest text")
    long = report["lengths"].get("texts_over_chars", {})
    if long.get("count"):
        most = report["lengths"]["characters"]["max"]
        problems.append(f"{count(long['count'], 'text')} {agree(long['count'], 'is', 'are')} "
                        f"longer than {long['limit']:,} characters (the longest {most:,}): "
                        f"slow for the models that read whole texts, and over the server's "
                        f"default limit per text; is the text column right, or should they be "
                        f"cut?")
    if conflicts := report["conflicting_labels"]:
        problems.append(f"{count(conflicts, 'text')} {agree(conflicts, 'appears', 'appear')} "
                        f"with different labels")
    counts = report["balance"].get("counts", {})
    rare = [k for k, v in counts.items() if v < RARE_CLASS]
    if rare:
        problems.append(f"{count(len(rare), 'class', 'classes')} "
                        f"{agree(len(rare), 'has', 'have')} fewer than {RARE_CLASS} examples "
                        f"({', '.join(rare[:5])})")
    ratio = report["balance"].get("imbalance_ratio", 1.0)
    if ratio >= IMBALANCE_WARNING:
        strategy = report["balance"]["recommended"]["strategy"]
        problems.append(f"imbalance ratio {ratio:g}:1; accuracy will flatter the model: read "
                        f"macro_f1 and per-class recall (train prints them); train --imbalance "
                        f"auto takes {strategy} (see 'imbalance' above)")
    for name, overlap in report["overlap"].items():
        for key, shared in overlap.items():
            where = key.removeprefix("texts_also_in_")
            if where == key or not shared:
                continue
            texts = f"{count(shared, name + ' text')} also {agree(shared, 'appears', 'appear')}"
            if where == "train":
                problems.append(f"{texts} in the training file; their scores will be optimistic")
            else:
                problems.append(f"{texts} in the {where} file; settings chosen on {where} are "
                                f"then tested on the same texts, and the {name} score will be "
                                f"optimistic")
    return problems
