"""What `TextClassifier` is given as X: texts, or a table with the text and the feature columns.

`read_inputs` turns X into the texts and, for a classifier with feature columns, those columns
(one row per text). X is a list, array or Series of texts (or one str), or a DataFrame: then the
text column is the one named (`text_column`), else the one column that is not a feature, else
the one `columns.choose_columns` picks from the data. A classifier with feature columns takes
only DataFrames that hold every one of them, and says which are missing in one line.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from textladder.data.columns import choose_columns
from textladder.data.features import require_columns
from textladder.errors import TextladderError


@dataclass
class Inputs:
    """The texts of X, its feature columns (None without features) and its text column."""

    texts: list[str]
    frame: pd.DataFrame | None = None
    single: bool = False  # X was one str
    text_column: str | None = None

    def take(self, rows) -> "Inputs":
        """The inputs of these rows (positions)."""
        frame = None if self.frame is None else self.frame.iloc[rows].reset_index(drop=True)
        return Inputs([self.texts[i] for i in rows], frame, False, self.text_column)

    def __len__(self) -> int:
        return len(self.texts)


def as_texts(texts) -> tuple[list[str], bool]:
    """A list of texts and whether X was a single str; non-strings are refused in one line."""
    if isinstance(texts, str):
        return [texts], True
    if isinstance(texts, np.ndarray) and texts.ndim == 0:
        return [texts.item()], True
    if texts is None or isinstance(texts, (bytes, dict)) or not hasattr(texts, "__iter__"):
        raise TextladderError(f"X must be a list of texts, one str, or a DataFrame; got "
                              f"{type(texts).__name__}.")
    texts = list(texts)
    bad = next((i for i, t in enumerate(texts) if not isinstance(t, str)), None)
    if bad is not None:
        raise TextladderError(f"texts must be strings; got {type(texts[bad]).__name__} "
                              f"({texts[bad]!r}) at position {bad}.")
    return texts, False


def label_list(labels, n: int, what: str) -> list:
    """y as a list of `n` labels: a list, array or Series of labels, or a DataFrame (one label
    column, or several 0/1 columns, one per label, read as label sets); refused in one line
    otherwise, or when its length is not `n`."""
    if isinstance(labels, pd.DataFrame):
        if labels.shape[1] == 1:
            labels = labels.iloc[:, 0]
        else:
            from textladder.data.dataset import label_sets

            labels = label_sets(labels, tuple(labels.columns))
    if isinstance(labels, np.ndarray) and labels.ndim == 2:
        if labels.shape[1] != 1:
            raise TextladderError(f"{what}: y is a {labels.shape[0]} x {labels.shape[1]} array; "
                                  f"give label sets as lists of labels (('action', 'comedy')) "
                                  f"or as a DataFrame of 0/1 columns named by label.")
        labels = labels[:, 0]
    if labels is None or isinstance(labels, (str, bytes, dict)) or not hasattr(labels,
                                                                              "__iter__"):
        hint = " (for a column of X, pass X[name])" if isinstance(labels, str) else ""
        raise TextladderError(f"{what}: y must be a list of labels, one per text{hint}; got "
                              f"{type(labels).__name__}.")
    labels = list(labels)
    if len(labels) != n:
        raise TextladderError(f"{what}: got {n} texts and {len(labels)} labels; give one label "
                              f"per text.")
    return labels


def text_column_of(frame: pd.DataFrame, given: str | None, features: Sequence[str]) -> str:
    """The text column of `frame`: `given`, else the only column that is no feature, else the
    column of free-form text among the others."""
    if given is not None:
        if given not in frame.columns:
            raise TextladderError(f"X has no text column '{given}'; its columns are: "
                                  f"{', '.join(repr(str(c)) for c in frame.columns)}.")
        return given
    rest = [c for c in frame.columns if c not in set(features)]
    if len(rest) == 1:
        return rest[0]
    if not rest:
        raise TextladderError("X has no column beside the feature columns to read the text from.")
    return choose_columns(frame[rest], need_labels=False, source="X").text


def read_inputs(X, text_column: str | None, features: Sequence[str]) -> Inputs:
    """The texts of X and, where `features` names columns, those columns of X."""
    features = list(features)
    if isinstance(X, pd.DataFrame):
        column = text_column_of(X, text_column, features)
        texts, _ = as_texts(X[column].tolist())
        missing = [f for f in features if f not in X.columns]
        if missing:
            raise TextladderError(
                f"X lacks the feature column{'s' if len(missing) > 1 else ''} "
                f"{', '.join(repr(m) for m in missing)} that this classifier reads beside the "
                f"text; add {'them' if len(missing) > 1 else 'it'}.")
        frame = X[features].reset_index(drop=True) if features else None
        return Inputs(texts, frame, False, column)
    if features:
        raise TextladderError(
            f"this classifier reads the column{'s' if len(features) > 1 else ''} "
            f"{', '.join(repr(f) for f in features)} beside the text: give X as a DataFrame "
            f"with the text column and {'them' if len(features) > 1 else 'it'}.")
    texts, single = as_texts(X)
    return Inputs(texts, None, single, None)


def table_rows(texts: list[str], frame: pd.DataFrame | None, text_column: str | None,
               features: Sequence[str], source: str):
    """What a model reads of a table's rows: its texts, or, for a model with feature columns, a
    DataFrame of the texts (under the model's `text_column`) and those columns of `frame`; a
    table that lacks one of them is refused in one line naming them."""
    features = list(features)
    if not features:
        return list(texts)
    require_columns(frame, features, source)
    data = {name: frame[name].reset_index(drop=True) for name in features}
    return pd.DataFrame({text_column or "text": list(texts), **data})


def take_rows(rows, picked):
    """These rows (positions) of what a classifier takes: a list of texts, or a table."""
    if hasattr(rows, "iloc"):
        return rows.iloc[list(picked)].reset_index(drop=True)
    return [rows[i] for i in picked]
