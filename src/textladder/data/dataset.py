"""Load a labelled (or unlabelled) table into texts and raw labels, counting what is dropped.

Rows with an empty text or a missing label cannot be used; they are dropped and counted, and with
`strict=True` refused instead. Several `--label` columns are read as one 0/1 column per label and
become label sets. Labels are returned raw: which task they describe is decided elsewhere.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from textladder.data.columns import ColumnChoice, choose_columns
from textladder.data.formats import read_table
from textladder.data.labels import as_numbers, is_missing
from textladder.errors import TextladderError
from textladder.words import count


@dataclass
class LabelledTable:
    """Texts and raw labels from one file, with what was picked and what was dropped."""

    path: str
    texts: list[str]
    labels: list
    columns: ColumnChoice
    dropped: dict[str, int] = field(default_factory=dict)
    frame: pd.DataFrame | None = None  # the rows kept, all columns, for inspection

    def __len__(self) -> int:
        return len(self.texts)


TRUTHS = {"yes": "1", "y": "1", "true": "1", "no": "0", "n": "0", "false": "0"}


def label_sets(frame: pd.DataFrame, columns: tuple[str, ...]) -> list:
    """Each row's set of the 0/1 `columns` (or yes/no, true/false) that hold 1 (None where one
    is missing)."""
    repeated = [c for c in dict.fromkeys(columns) if columns.count(c) > 1]
    if repeated:
        raise TextladderError(f"the label column '{repeated[0]}' is named twice; name each "
                              f"once.")
    matrix = []
    for column in columns:
        values = frame[column].tolist()
        missing = [is_missing(v) for v in values]
        numbers = as_numbers(["0" if m else TRUTHS.get(str(v).strip().lower(), v)
                              for v, m in zip(values, missing)])
        if numbers is None or not set(np.unique(numbers)) <= {0.0, 1.0}:
            raise TextladderError(
                f"label columns read as label sets must each hold 0/1 (or yes/no, true/false) "
                f"per row; column '{column}' holds other values."
            )
        matrix.append(np.where(missing, np.nan, numbers))
    matrix = np.column_stack(matrix)
    return [
        None if np.isnan(row).any() else tuple(c for c, on in zip(columns, row) if on == 1)
        for row in matrix
    ]


def _texts(frame: pd.DataFrame, column: str) -> list:
    return [None if is_missing(v) else str(v) for v in frame[column].tolist()]


def load_labelled(
    path: str | Path,
    fmt: str | None = None,
    encoding: str = "utf-8",
    text: str | None = None,
    labels: list[str] | tuple[str, ...] | None = None,
    strict: bool = False,
    keep_frame: bool = False,
    origin: tuple[str, str] = ("from --text", "from --label"),
) -> LabelledTable:
    """Read `path` and return its usable rows as texts and raw labels. `origin` says where
    given columns come from, for messages (`columns.choose_columns`)."""
    frame = read_table(path, fmt, encoding)
    columns = choose_columns(frame, text, labels, source=f"'{path}'", origin=origin)
    texts = _texts(frame, columns.text)
    if len(columns.labels) > 1:
        raw = label_sets(frame, columns.labels)
    else:
        raw = frame[columns.labels[0]].tolist()
    empty_text = np.array([t is None for t in texts])
    missing_label = np.array([is_missing(v) if not isinstance(v, tuple) else False
                              for v in raw]) & ~empty_text
    dropped = {"empty_text": int(empty_text.sum()), "missing_label": int(missing_label.sum())}
    if strict and (dropped["empty_text"] or dropped["missing_label"]):
        first = int(np.flatnonzero(empty_text | missing_label)[0])
        raise TextladderError(
            f"'{path}' has {count(dropped['empty_text'], 'row')} with empty text and "
            f"{dropped['missing_label']} with a missing label (first at data row {first + 1}); "
            f"fix them, or drop --strict to skip them."
        )
    keep = ~(empty_text | missing_label)
    if not keep.any():
        raise TextladderError(
            f"'{path}' has no row with both a text and a label in columns '{columns.text}' and "
            f"'{', '.join(columns.labels)}'; choose other columns with --text and --label."
        )
    kept = np.flatnonzero(keep)
    return LabelledTable(
        path=str(path),
        texts=[texts[i] for i in kept],
        labels=[raw[i] for i in kept],
        columns=columns,
        dropped=dropped,
        frame=frame.iloc[kept].reset_index(drop=True) if keep_frame else None,
    )
