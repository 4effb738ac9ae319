"""Choose the text and label columns of a table from what they hold; names only break ties.

`choose_columns` is small and pure, in the spirit of scikit-learn's `type_of_target`: it reads a
DataFrame (a seeded sample of `PROFILE_ROWS` rows of it) and returns the columns with the evidence
for every candidate, so that the caller can print the choice and how to override it.

- The text is the column of long, varied, free-form strings: its score is the share of free-form
  strings (letters, not numbers or lists) x the share of distinct values x log(1 + median words).
  A two-word title beside a fifty-word overview loses; a usual text name (text, tweet, review ...)
  decides only between candidates within `CLOSE` of the best.
- Labels are ranked by how clearly the data says "labels": lists of labels (`['Drama', 'Crime']`),
  two or more 0/1 columns (one per label; a 0/1 column named like a label stays a label of its
  own) and named ordered scales rank first; delimited label sets and integer scales next; plain
  classes and numbers after; constant columns, identifiers and free text last. A column with a
  usual label name (label, sentiment, category ...) that holds labels of any kind comes first:
  a table with a `label` column is labelled by it, whatever 0/1 flags sit beside it (the others
  are shown as close); otherwise names break ties within a rank.
When two candidates tie, the choice is refused with both named; when they are close, it is made
and said. Columns given by the user are only checked.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from textladder.data.labels import as_numbers, guess_delimiter, is_missing, parse_list_literal
from textladder.data.scales import scale_order
from textladder.errors import TextladderError

TEXT_NAMES = (
    "text", "texts", "sentence", "sentences", "tweet", "tweets", "review", "reviews", "response",
    "content", "body", "document", "doc", "comment", "message", "utterance", "description",
    "plot", "abstract", "question", "moment", "post", "story", "summary", "overview", "synopsis",
    "title", "headline",
)
LABEL_NAMES = (
    "label", "labels", "sentiment", "category", "categories", "target", "targets", "class",
    "classes", "emotion", "emotions", "genre", "genres", "tag", "tags", "topic", "topics",
    "rating", "stars", "score", "y",
)
PROFILE_ROWS = 5000  # rows sampled (seeded) to profile each column
CLOSE = 0.8  # a text candidate scoring at least this share of the best is close to it
MAX_CLASSES = 100  # more distinct values than this (and than half the rows) are not classes

# label evidence ranks
STRUCTURED, SETS_OR_LEVELS, PLAIN, NONE = 3, 2, 1, 0


@dataclass(frozen=True)
class Candidate:
    """A column (or a group of 0/1 columns) that could hold the text or the labels."""

    columns: tuple[str, ...]
    score: float  # text: the free-form score; labels: the evidence rank
    evidence: str
    named: bool

    @property
    def name(self) -> str:
        return self.columns[0] if len(self.columns) == 1 else f"{len(self.columns)} 0/1 columns"

    def as_dict(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "score": round(self.score, 3),
                "evidence": self.evidence, "named": self.named}


@dataclass(frozen=True)
class ColumnChoice:
    """The columns a table is read with, why, and the evidence for every candidate."""

    text: str
    labels: tuple[str, ...]
    reasons: tuple[str, ...] = field(default=())
    candidates: dict[str, list[dict[str, Any]]] = field(default_factory=dict)


def _listing(frame: pd.DataFrame) -> str:
    return ", ".join(repr(str(c)) for c in frame.columns)


def _require(frame: pd.DataFrame, column: str, origin: str, source: str, flag: str) -> str:
    if column not in frame.columns:
        hint = ("" if origin.startswith(f"from {flag}") else
                f"; name its column '{column}' as in the training file (every file of a run "
                f"is read with the training file's columns)" if "training file" in origin else
                f"; pass {flag} COLUMN to read another")
        raise TextladderError(
            f"column '{column}' ({origin}) is not in {source}; its columns are: "
            f"{_listing(frame)}{hint}."
        )
    return column


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.0f} %"


def _present(series: pd.Series) -> list:
    return [v for v in series.tolist() if not is_missing(v)]


def _named(column, names: tuple[str, ...]) -> bool:
    return str(column).strip().lower() in names


def _name_rank(candidate: Candidate, names: tuple[str, ...]) -> int:
    name = str(candidate.columns[0]).strip().lower()
    return names.index(name) if name in names else len(names)


# ----- text ----------------------------------------------------------------------------------
def _free_form(value) -> bool:
    """A string with letters that is not a number, a list, or a boolean."""
    if not isinstance(value, str) or not any(c.isalpha() for c in value):
        return False
    return parse_list_literal(value) is None and value.strip().lower() not in ("true", "false")


def text_candidate(column, values: list) -> Candidate:
    """How much `values` (one column's present cells) look like free-form text."""
    if not values:
        return Candidate((str(column),), 0.0, "empty", _named(column, TEXT_NAMES))
    words = float(np.median([len(str(v).split()) for v in values]))
    distinct = len({str(v) for v in values}) / len(values)
    free = sum(_free_form(v) for v in values) / len(values)
    score = free * distinct * math.log1p(words)
    evidence = f"median {words:g} word{'' if words == 1 else 's'}, {_percent(distinct)} distinct"
    if free < 1:
        evidence += f", {_percent(free)} free-form"
    return Candidate((str(column),), score, evidence, _named(column, TEXT_NAMES))


def _objects(frame: pd.DataFrame) -> list:
    """The columns holding only JSON objects (nested fields of a JSONL or Parquet file):
    neither text nor labels, until they are flattened into columns of their own. A column
    with an object on some rows stays a candidate, and is refused if picked
    (`_refuse_objects`)."""
    return [c for c in frame.columns
            if frame[c].dtype == object and _only_objects(_present(frame[c]))]


def _only_objects(values: list) -> bool:
    return bool(values) and all(isinstance(v, dict) for v in values)


def _flatten_hint(nested: list) -> str:
    return (f" (column '{nested[0]}' holds JSON objects: flatten them into columns of their "
            f"own first, e.g. with pandas.json_normalize)" if nested else "")


def _refuse_objects(frame: pd.DataFrame, column, flag: str, source: str) -> None:
    """A text or label column that holds JSON objects: refused, with the row. (CSV and TSV
    cells are strings: only JSONL and Parquet columns of Python objects are looked at.)"""
    if frame[column].dtype != object:
        return
    rows = [i for i, v in enumerate(frame[column].tolist()) if isinstance(v, dict)]
    if rows:
        raise TextladderError(
            f"column '{column}' of {source} holds a JSON object on {len(rows):,} "
            f"row{'' if len(rows) == 1 else 's'} (the first: row {rows[0] + 1}), where "
            f"{'a text' if flag == '--text' else 'a label'} is "
            f"{'a string' if flag == '--text' else 'a string, a number or a list'}; "
            f"flatten the objects into columns of their own (e.g. with pandas.json_normalize) "
            f"and pass the one you mean.")


def _pick_text(frame: pd.DataFrame, exclude: set) -> tuple[str, list[Candidate], str]:
    nested = [c for c in _objects(frame) if c not in exclude]
    candidates = sorted((text_candidate(c, _present(frame[c])) for c in frame.columns
                         if c not in exclude and c not in nested), key=lambda c: -c.score)
    if not candidates:
        raise TextladderError(f"the file has no column left for the text"
                              f"{_flatten_hint(nested)}; pass --text COLUMN.")
    best = candidates[0].score
    close = [c for c in candidates if best > 0 and c.score >= CLOSE * best]
    named = sorted((c for c in (close or candidates) if c.named),
                   key=lambda c: _name_rank(c, TEXT_NAMES))
    if named and (best == 0 or len(close) > 1):
        chosen, how = named[0], "its name"
    elif best > 0 and (len(close) == 1 or close[0].score > close[1].score):
        chosen, how = close[0], ""
    else:
        tied = close or candidates
        shown = "; ".join(f"'{c.name}': {c.evidence}" for c in tied[:3])
        raise TextladderError(f"cannot tell which column holds the text ({shown})"
                              f"{_flatten_hint(nested)}; pass --text COLUMN (columns: "
                              f"{_listing(frame)}).")
    reason = f"text column '{chosen.name}': " + (
        f"{how} ({chosen.evidence})" if how else chosen.evidence)
    others = [c for c in candidates if c is not chosen]
    rivals = [c for c in others if c in close]
    if rivals:
        reason += (f"; close: '{rivals[0].name}' ({rivals[0].evidence}): check it, or pass "
                   f"--text {rivals[0].name}")
    else:
        if others:
            reason += f"; next: '{others[0].name}' ({others[0].evidence})"
        reason += "; pass --text COLUMN for another"
    return chosen.name, candidates, reason


# ----- labels --------------------------------------------------------------------------------
def _is_zero_one(values: list) -> bool:
    numbers = as_numbers(values) if values else None
    return numbers is not None and set(np.unique(numbers)) <= {0.0, 1.0}


def label_candidate(column, values: list, n_rows: int) -> Candidate:
    """How clearly `values` (one column's present cells) are labels, and of which kind."""
    named = _named(column, LABEL_NAMES)
    column = (str(column),)
    if not values:
        return Candidate(column, NONE, "empty", named)
    if len({str(v).strip() for v in values}) < 2:  # the same value, or the same list, on every row
        return Candidate(column, NONE, "a single value", named)
    lists = [parse_list_literal(v) for v in values]
    if all(items is not None for items in lists):
        labels = {str(item) for items in lists for item in items}
        multi = sum(len(items) > 1 for items in lists) / len(values)
        return Candidate(column, STRUCTURED, f"lists of labels ({len(labels)} labels, "
                         f"{_percent(multi)} of rows with two or more)", named)
    distinct = sorted({str(v).strip() for v in values})
    numbers = as_numbers(values)
    if numbers is None:
        scale = scale_order(distinct)
        if scale is not None:
            levels, how = scale
            return Candidate(column, STRUCTURED, f"an ordered scale of {len(levels)} levels "
                             f"(by {how})", named)
        delimiter, multi = guess_delimiter(values)
        if delimiter is not None and _short_parts(distinct, delimiter):
            return Candidate(column, SETS_OR_LEVELS, f"label sets separated by '{delimiter}' "
                             f"({_percent(multi)} of rows with two or more)", named)
    if len(distinct) < 2:
        return Candidate(column, NONE, "a single value", named)
    if numbers is not None:
        levels = np.unique(numbers)
        integers = bool(np.all(levels == np.round(levels)))
        if integers and 3 <= len(levels) <= 10 and np.all(np.diff(levels) == 1):
            return Candidate(column, SETS_OR_LEVELS, f"{len(levels)} integer levels "
                             f"{levels[0]:g}..{levels[-1]:g}", named)
        if integers and len(levels) == len(values) and len(values) > 2:
            return Candidate(column, NONE, "every value distinct (an identifier?)", named)
    if len(distinct) <= min(MAX_CLASSES, max(2, n_rows // 2)):
        return Candidate(column, PLAIN, f"{len(distinct)} classes", named)
    if numbers is not None:
        return Candidate(column, PLAIN, f"numbers from {numbers.min():g} to {numbers.max():g}",
                         named)
    return Candidate(column, NONE, f"{_percent(len(distinct) / len(values))} distinct values",
                     named)


def _short_parts(distinct: list[str], delimiter: str) -> bool:
    """Delimited label sets hold short parts (a label is a few words), unlike sentences."""
    parts = [p.strip() for cell in distinct for p in cell.split(delimiter)]
    return float(np.median([len(p.split()) for p in parts if p] or [0])) <= 3


def _label_candidates(frame: pd.DataFrame, exclude: set) -> list[Candidate]:
    present = {c: _present(frame[c]) for c in frame.columns if c not in exclude}
    present = {c: values for c, values in present.items() if not _only_objects(values)}
    columns = list(present)
    zero_one = [c for c in columns if _is_zero_one(present[c]) and not _named(c, LABEL_NAMES)]
    candidates = [label_candidate(c, present[c], len(frame)) for c in columns
                  if len(zero_one) < 2 or c not in zero_one]
    if len(zero_one) >= 2:
        shown = ", ".join(f"'{c}'" for c in zero_one[:4]) + (", ..." if len(zero_one) > 4 else "")
        candidates.append(Candidate(tuple(str(c) for c in zero_one), STRUCTURED,
                                    f"{len(zero_one)} 0/1 columns, one per label ({shown})",
                                    False))
    return candidates


def _label_key(candidate: Candidate) -> tuple:
    """Sort key, best first: a label name on a column that holds labels, the evidence rank,
    then the name (earlier usual names first)."""
    named_labels = candidate.named and candidate.score >= PLAIN
    return (not named_labels, -candidate.score, not candidate.named,
            _name_rank(candidate, LABEL_NAMES))


def _pick_labels(frame: pd.DataFrame, exclude: set) -> tuple[tuple[str, ...], list[Candidate],
                                                                 str]:
    candidates = sorted(_label_candidates(frame, exclude), key=_label_key)
    if not candidates:
        nested = [c for c in _objects(frame) if c not in exclude]
        raise TextladderError(f"the file has no column left for the labels"
                              f"{_flatten_hint(nested)}; pass --label COLUMN (columns: "
                              f"{_listing(frame)}).")
    best, others = candidates[0], candidates[1:]
    ties = [c for c in candidates if _label_key(c) == _label_key(best)]
    if others and (len(ties) > 1 or (best.score == NONE and not best.named)):
        shown = "; ".join(f"'{c.name}': {c.evidence}" for c in candidates[:3])
        raise TextladderError(f"cannot tell which column holds the labels ({shown}); pass "
                              f"--label COLUMN (columns: {_listing(frame)}).")
    rivals = [c for c in others if c.score >= best.score]
    how = ("the only other column" if not others else
           "its name" if best.named and rivals else "")
    rivals = rivals or [c for c in others  # a column named like labels, that holds some
                        if c.named and c.score >= PLAIN and len(c.columns) == 1]
    if len(best.columns) > 1:
        reason = f"label columns {', '.join(repr(c) for c in best.columns)}: {best.evidence}"
    else:
        reason = f"label column '{best.name}': " + (f"{how} ({best.evidence})" if how else
                                                    best.evidence)
    if rivals:
        instead = list(rivals[0].columns)
        if (len(instead) > 1 and len(best.columns) == 1
                and _is_zero_one(_present(frame[best.columns[0]]))):
            # a 0/1 column kept for its name, beside a group of 0/1 columns: the group with it
            instead = [c for c in frame.columns if c in instead or c == best.columns[0]]
        flags = " ".join(f"--label {c}" for c in instead[:3])
        reason += (f"; close: '{rivals[0].name}' ({rivals[0].evidence}): check it, or pass "
                   f"{flags}{' ...' if len(instead) > 3 else ''}")
    else:
        reason += "; pass --label COLUMN for another"
    return best.columns, candidates, reason


# ----- both ----------------------------------------------------------------------------------
def _sample(frame: pd.DataFrame) -> pd.DataFrame:
    return frame.sample(PROFILE_ROWS, random_state=0) if len(frame) > PROFILE_ROWS else frame


def choose_columns(
    frame: pd.DataFrame,
    text: str | None = None,
    labels: list[str] | tuple[str, ...] | None = None,
    need_labels: bool = True,
    source: str = "the file",
    origin: tuple[str, str] = ("from --text", "from --label"),
) -> ColumnChoice:
    """Return the text column and label column(s) to use for `frame`, with the evidence.

    `source` names the file in messages; `origin` says where given columns came from (the
    options, or a model's recorded columns), so that a message names only what the user gave."""
    labels = tuple(labels or ())
    if text is not None:
        _require(frame, text, origin[0], source, "--text")
        _refuse_objects(frame, text, "--text", source)
    for column in labels:
        _require(frame, column, origin[1], source, "--label")
        _refuse_objects(frame, column, "--label", source)
    sample = _sample(frame)
    reasons, candidates = [], {}
    if text is None:
        text, found, reason = _pick_text(sample, set(labels))
        reasons.append(reason)
        candidates["text"] = [c.as_dict() for c in found]
        _refuse_objects(frame, text, "--text", source)  # picked, with an object on some rows
    if not labels and need_labels:
        labels, found, reason = _pick_labels(sample, {text})
        reasons.append(reason)
        candidates["label"] = [c.as_dict() for c in found]
        if len(labels) == 1:  # picked, with an object on some rows: said, not read as a class
            _refuse_objects(frame, labels[0], "a label", source)  # (0/1 columns hold none)
    if text in labels:
        raise TextladderError(f"column '{text}' cannot be both the text and a label.")
    if len(labels) == 1 and origin[1] == "from --label":
        _refuse_free_text_labels(sample, labels[0], text, source)
    return ColumnChoice(text=str(text), labels=tuple(str(c) for c in labels),
                        reasons=tuple(reasons), candidates=candidates)


def _refuse_free_text_labels(sample: pd.DataFrame, label: str, text: str, source: str) -> None:
    """A label column given by the user that holds free text, beside a text column that holds
    few distinct values, is the two swapped: refused, saying so."""
    present = _present(sample[label])
    as_text = text_candidate(label, present)
    as_label = label_candidate(label, present, len(sample))
    if as_label.score > NONE or as_text.score <= text_candidate(text, _present(sample[text])).score:
        return
    raise TextladderError(
        f"the label column '{label}' of {source} holds free text ({as_text.evidence}), and the "
        f"text column '{text}' less so: are --text and --label swapped? Pass --text {label} "
        f"--label {text} if so.")


def text_column_for(frame: pd.DataFrame, given: str | None, recorded: str | None,
                    source: str) -> str:
    """The text column of a file to predict: `given` (--text), else the one the model was
    trained on (`recorded`), which the file must have; chosen from the data only for a model
    that recorded none."""
    if given is not None:
        return _require(frame, given, "from --text", source, "--text")
    if recorded is not None:
        return _require(frame, recorded, "the text column the model was trained on", source,
                        "--text")
    return choose_columns(frame, need_labels=False, source=source).text
