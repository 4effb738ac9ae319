"""Columns beside the text: which ones a model reads, and what kind each one is, with evidence.

`parse_features` reads what the user gave (`"age,country:category"`, a list of such entries, or
a dict of name -> kind or None); `resolve_features` checks the columns against a table and
settles each one's kind: given by the user (and checked against the data), or read from the data
by `infer_kind`, in the spirit of `columns.choose_columns`:

- boolean: two values that spell a truth value (true/false, yes/no, y/n, t/f, 1/0);
- numeric: numbers (at least 95 % of the present cells parse as one; the rest are read as
  missing, and said);
Cells that are empty or spelt NA, N/A, NaN, null or None are missing (`is_absent`).
- text: free-form strings of two words or more (median), most of them distinct (a second text
  column such as a title); a text feature is joined to the text the rungs read
  (`side_encoder.py` says why);
- category: anything else: a small set of repeated values, one-hot encoded.

It reads the data and says what it found; encoding it is `side_encoder.py`'s job, and judging
whether a column helps is `feature_analysis.py`'s.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from textladder.data.columns import text_candidate
from textladder.data.labels import is_missing
from textladder.errors import TextladderError

KINDS = ("numeric", "category", "boolean", "text")
ALIASES = {"numeric": "numeric", "number": "numeric", "num": "numeric", "float": "numeric",
           "int": "numeric", "category": "category", "categorical": "category", "cat": "category",
           "boolean": "boolean", "bool": "boolean", "text": "text", "str": "text"}
TRUE_FALSE = ({"true", "false"}, {"yes", "no"}, {"y", "n"}, {"t", "f"}, {"1", "0"},
              {"1.0", "0.0"})
TRUE_WORDS = {"true", "yes", "y", "t", "1", "1.0"}
# Cells of a feature column read as missing besides empty ones (files are read as text, so a
# table's "NA" arrives as the string "NA").
MISSING_WORDS = {"na", "n/a", "nan", "null", "none"}
NUMERIC_SHARE = 0.95  # this share of present cells must parse as numbers for a numeric column
TEXT_DISTINCT = 0.5  # free-form strings at least this distinct are a text column ...
TEXT_MIN_VALUES = 20  # ... when there are at least this many distinct ones
IDENTIFIER_DISTINCT = 0.95  # one-word values this distinct name rows rather than describe them


@dataclass(frozen=True)
class FeatureColumn:
    """A column read beside the text: its name, its kind, and why."""

    name: str
    kind: str
    evidence: str = ""
    given: bool = False  # the kind was given by the user, not read from the data

    def as_dict(self) -> dict[str, Any]:
        return {"name": self.name, "kind": self.kind, "evidence": self.evidence,
                "given": self.given}

    @classmethod
    def from_dict(cls, record: dict[str, Any]) -> "FeatureColumn":
        return cls(str(record["name"]), str(record["kind"]), str(record.get("evidence", "")),
                   bool(record.get("given", False)))


def parse_features(spec) -> list[tuple[str, str | None]]:
    """(column, kind or None) pairs from `"a,b:category"`, `["a", "b:category"]`,
    `{"a": None, "b": "category"}` or a list of `FeatureColumn`s; kinds are checked and their
    aliases resolved."""
    if spec is None:
        return []
    if isinstance(spec, (list, tuple)) and any(isinstance(e, FeatureColumn) for e in spec):
        spec = [f"{e.name}:{e.kind}" if isinstance(e, FeatureColumn) else e for e in spec]
    if isinstance(spec, dict):
        pairs = [(str(name), kind) for name, kind in spec.items()]
    else:
        entries = spec.split(",") if isinstance(spec, str) else list(spec)
        pairs = []
        for entry in entries:
            if not isinstance(entry, str):
                raise TextladderError(f"features are column names, optionally with a kind "
                                      f"(age:numeric); got {entry!r}.")
            name, colon, kind = entry.strip().rpartition(":")
            pairs.append((name.strip(), kind.strip() or None) if colon else (kind.strip(), None))
    out, seen = [], set()
    for name, kind in pairs:
        if not name:
            raise TextladderError("an empty feature column name; write --features age,country.")
        if kind is not None and str(kind).lower() not in ALIASES:
            raise TextladderError(f"feature column '{name}': kind '{kind}' is not one of "
                                  f"{', '.join(KINDS)}.")
        if name in seen:
            raise TextladderError(f"feature column '{name}' is named twice.")
        seen.add(name)
        out.append((name, None if kind is None else ALIASES[str(kind).lower()]))
    return out


def is_absent(value) -> bool:
    """A missing cell of a feature column: empty, NaN, or spelt NA, N/A, NaN, null, None."""
    return is_missing(value) or (isinstance(value, str)
                                 and value.strip().lower() in MISSING_WORDS)


def present_values(series: pd.Series) -> list:
    return [v for v in series.tolist() if not is_absent(v)]


def _numbers(values: list) -> np.ndarray:
    """Each value as a float, NaN where it is not a number (booleans are not numbers here)."""
    out = np.full(len(values), np.nan)
    for i, value in enumerate(values):
        if isinstance(value, (bool, np.bool_)):
            continue
        try:
            out[i] = float(str(value).strip())
        except ValueError:
            pass
    return out


def truth_pair(values: list) -> set[str] | None:
    """The two spellings of a truth value that `values` holds, or None."""
    if values and all(isinstance(v, (bool, np.bool_)) for v in values):
        return {"true", "false"}
    words = {str(v).strip().lower() for v in values}
    return next((pair for pair in TRUE_FALSE if words <= pair and len(words) == 2), None)


def _share(part: float) -> str:
    return f"{100 * part:.1f} %" if 0 < part < 0.01 else f"{100 * part:.0f} %"


def _top(values: list, n: int = 3) -> str:
    counts = pd.Series([str(v).strip() for v in values]).value_counts()
    shown = ", ".join(f"{k} {_share(c / len(values))}" for k, c in counts.head(n).items())
    return shown + (", ..." if len(counts) > n else "")


def infer_kind(name: str, series: pd.Series) -> tuple[str, str]:
    """The kind of the column `name` from its cells, and the evidence."""
    values = present_values(series)
    missing = 1 - len(values) / max(1, len(series))
    suffix = f"; {_share(missing)} missing" if missing else ""
    if not values:
        raise TextladderError(f"feature column '{name}' is empty; drop it from --features.")
    distinct = {str(v).strip() for v in values}
    if truth_pair(values) is not None:
        return "boolean", f"two values ({', '.join(sorted(distinct))}){suffix}"
    numbers = _numbers(values)
    parsed = float(np.mean(~np.isnan(numbers)))
    if parsed >= NUMERIC_SHARE:
        shown = numbers[~np.isnan(numbers)]
        evidence = f"numbers from {shown.min():g} to {shown.max():g}"
        if parsed < 1:
            odd = [str(v) for v, x in zip(values, numbers) if np.isnan(x)]
            cells = "1 cell that is not a number" if len(odd) == 1 else \
                f"{len(odd)} cells that are not numbers"
            evidence += f"; {cells} (e.g. '{odd[0]}') read as missing"
        return "numeric", evidence + suffix
    share = len(distinct) / len(values)
    if len(distinct) >= TEXT_MIN_VALUES and share >= TEXT_DISTINCT:
        candidate = text_candidate(name, values)
        words = float(np.median([len(str(v).split()) for v in values]))
        if candidate.score > 0 and words >= 2:
            return "text", f"free-form text ({candidate.evidence}){suffix}"
    if len(distinct) >= TEXT_MIN_VALUES and share >= IDENTIFIER_DISTINCT:
        return "category", (f"{len(distinct)} values, {_share(share)} distinct: an identifier? "
                            f"it gives a model nothing to generalise from{suffix}")
    if len(distinct) == 1:
        return "category", (f"a single value ('{next(iter(distinct))}') in every row: it "
                            f"carries nothing{suffix}")
    return "category", f"{len(distinct)} values ({_top(values)}){suffix}"


def check_kind(name: str, series: pd.Series, kind: str) -> str:
    """Evidence for a kind the user gave; a one-line error where the data cannot be read so."""
    values = present_values(series)
    if not values:
        raise TextladderError(f"feature column '{name}' is empty; drop it from --features.")
    if kind == "numeric":
        numbers = _numbers(values)
        parsed = float(np.mean(~np.isnan(numbers)))
        if parsed < 0.5:
            odd = next(str(v) for v, x in zip(values, numbers) if np.isnan(x))
            raise TextladderError(f"feature column '{name}' is mostly not numbers (e.g. "
                                  f"'{odd}'); give it as {name}:category.")
        return (f"given as numeric; {_share(1 - parsed)} of cells not numbers, read as missing"
                if parsed < 1 else "given as numeric")
    if kind == "boolean":
        if truth_pair(values) is None:
            shown = ", ".join(sorted({str(v).strip() for v in values})[:4])
            raise TextladderError(f"feature column '{name}' does not hold two truth values "
                                  f"(it holds {shown}, ...); give it as {name}:category.")
        return "given as boolean"
    return f"given as {kind}"


def resolve_features(frame: pd.DataFrame, spec, text_column: str | None = None,
                     label_columns: tuple[str, ...] = (),
                     source: str = "the training data") -> list[FeatureColumn]:
    """The feature columns `spec` names, checked against `frame`, each with its kind."""
    pairs = parse_features(spec)
    missing = [name for name, _ in pairs if name not in frame.columns]
    if missing:
        raise TextladderError(
            f"{source} has no column {', '.join(repr(m) for m in missing)} (from --features); "
            f"its columns are: {', '.join(repr(str(c)) for c in frame.columns)}.")
    for name, _ in pairs:
        if name == text_column:
            raise TextladderError(f"column '{name}' is the text; it cannot also be a feature.")
        if name in label_columns:
            raise TextladderError(f"column '{name}' holds the labels; a feature column that is "
                                  f"the label would leak it. Drop it from --features.")
    settled = {c.name: c for c in (spec if isinstance(spec, (list, tuple)) else [])
               if isinstance(c, FeatureColumn)}  # resolved before (by the plan): kept as they are
    columns = []
    for name, kind in pairs:
        if name in settled:
            columns.append(settled[name])
        elif kind is None:
            kind, evidence = infer_kind(name, frame[name])
            columns.append(FeatureColumn(name, kind, evidence))
        else:
            columns.append(FeatureColumn(name, kind, check_kind(name, frame[name], kind), True))
    return columns


def missing_columns(frame: pd.DataFrame, names: list[str]) -> list[str]:
    return [name for name in names if name not in frame.columns]


def require_columns(frame: pd.DataFrame, names: list[str], source: str) -> None:
    """Refuse, in one line naming them, a table without some of the feature columns."""
    missing = missing_columns(frame, names)
    if missing:
        plural = len(missing) > 1
        raise TextladderError(
            f"{source} lacks the feature column{'s' if plural else ''} "
            f"{', '.join(repr(m) for m in missing)} that the model reads beside the text; add "
            f"{'them' if plural else 'it'} (the model was trained with --features "
            f"{','.join(names)}).")
