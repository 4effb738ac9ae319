"""Choose the text and label columns of a table, by the user's word or by their names.

When no column is named, the first column whose name is a usual text name (text, sentence, tweet,
review, ...) is the text, and the first with a usual label name (label, sentiment, category, ...)
the label; a two-column table whose names say nothing takes its longer-text column as the text.
The choice and its reason are returned so that the caller can say what was picked.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from textladder.errors import TextladderError

TEXT_NAMES = (
    "text", "texts", "sentence", "sentences", "tweet", "tweets", "review", "reviews", "response",
    "content", "body", "document", "doc", "comment", "message", "utterance", "description",
    "plot", "abstract", "question", "title",
)
LABEL_NAMES = (
    "label", "labels", "sentiment", "category", "categories", "target", "targets", "class",
    "classes", "emotion", "emotions", "genre", "genres", "tag", "tags", "topic", "topics",
    "rating", "stars", "score", "y",
)


@dataclass(frozen=True)
class ColumnChoice:
    """The columns a table is read with, and why they were chosen."""

    text: str
    labels: tuple[str, ...]
    reasons: tuple[str, ...] = field(default=())


def _listing(frame: pd.DataFrame) -> str:
    return ", ".join(repr(str(c)) for c in frame.columns)


def _require(frame: pd.DataFrame, column: str, option: str) -> str:
    if column not in frame.columns:
        raise TextladderError(
            f"column '{column}' (from {option}) is not in the file; its columns are: "
            f"{_listing(frame)}."
        )
    return column


def _by_name(frame: pd.DataFrame, names: tuple[str, ...], exclude: set[str]) -> str | None:
    lowered = {str(c).strip().lower(): c for c in frame.columns if c not in exclude}
    for name in names:
        if name in lowered:
            return lowered[name]
    return None


def _mean_length(series: pd.Series) -> float:
    return float(series.dropna().astype(str).str.len().mean() or 0.0)


def choose_columns(
    frame: pd.DataFrame,
    text: str | None = None,
    labels: list[str] | tuple[str, ...] | None = None,
    need_labels: bool = True,
) -> ColumnChoice:
    """Return the text column and label column(s) to use for `frame`."""
    reasons: list[str] = []
    labels = tuple(labels or ())
    for column in labels:
        _require(frame, column, "--label")
    if text is not None:
        _require(frame, text, "--text")
    else:
        text = _by_name(frame, TEXT_NAMES, set(labels))
        if text is None and len(frame.columns) == 2 and not labels:
            text = max(frame.columns, key=lambda c: _mean_length(frame[c]))
            reasons.append(f"text column '{text}': the longer of the two columns")
        elif text is None:
            raise TextladderError(
                f"cannot tell which column holds the text; pass --text COLUMN (columns: "
                f"{_listing(frame)})."
            )
        else:
            reasons.append(f"text column '{text}': its name")
    if not labels and need_labels:
        label = _by_name(frame, LABEL_NAMES, {text})
        if label is None and len(frame.columns) == 2:
            label = next(c for c in frame.columns if c != text)
            reasons.append(f"label column '{label}': the other column")
        elif label is None:
            raise TextladderError(
                f"cannot tell which column holds the labels; pass --label COLUMN (columns: "
                f"{_listing(frame)})."
            )
        else:
            reasons.append(f"label column '{label}': its name")
        labels = (label,)
    if text in labels:
        raise TextladderError(f"column '{text}' cannot be both the text and a label.")
    return ColumnChoice(text=str(text), labels=tuple(str(c) for c in labels), reasons=tuple(reasons))
