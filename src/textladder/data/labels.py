"""Parse raw label cells into Python values: label sets, numbers, label maps and level orders.

Multi-label cells come as delimited strings ("Drama|Crime"), as list literals (`['Drama', 'Crime']`,
`["a", "b"]`, parsed as data, never evaluated as code) or as native lists (JSONL, Parquet). This
module turns cells into values; deciding which task the values describe is `tasks.detect`'s job.
"""

from __future__ import annotations

import ast
import json
import math
from collections import Counter
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd

from textladder.errors import TextladderError

DELIMITERS = ("|", ";", ",")


def is_missing(value) -> bool:
    """True for None, NaN (and pandas' NA and NaT, from nullable Parquet columns) and blank
    strings."""
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, (float, np.floating)) and math.isnan(value):
        return True
    if isinstance(value, str) and not value.strip():
        return True
    return False


def parse_list_literal(value) -> list | None:
    """Return the items of a list literal such as `['a', 'b']`, or None if `value` is not one."""
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_scalar(v) for v in value]
    if not isinstance(value, str):
        return None
    stripped = value.strip()
    if not (stripped.startswith("[") and stripped.endswith("]")):
        return None
    try:
        items = json.loads(stripped)
    except (ValueError, RecursionError):
        try:
            items = ast.literal_eval(stripped)  # data only: literal_eval never runs code
        except (ValueError, SyntaxError, MemoryError, RecursionError):
            return None
    if not isinstance(items, (list, tuple)):
        return None
    if any(isinstance(item, (list, tuple, dict, set)) for item in items):
        return None
    return [_scalar(item) for item in items]


def _scalar(value):
    return value.item() if isinstance(value, np.generic) else value


def label_key(value) -> str:
    """The one string a label is known by: '1' for 1, 1.0, '1.0' and '01'; 'True' for true.

    Every spelling of the same number or truth value maps to one key, so labels read as numbers
    from JSON and as text from CSV (or written as 1.0 by a tool) are the same class.
    """
    if isinstance(value, (bool, np.bool_)):
        return "True" if value else "False"
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    text = str(value).strip()
    if text.lower() in ("true", "false"):
        return text.capitalize()
    try:
        number = float(text)
    except ValueError:
        return text
    if math.isfinite(number) and number.is_integer() and abs(number) < 2**53:
        return str(int(number))
    return repr(number) if math.isfinite(number) else text


def split_label_set(value, delimiter: str | None) -> tuple[str, ...]:
    """Return the labels in one multi-label cell, sorted, without blanks or repeats."""
    if is_missing(value):
        return ()
    items = parse_list_literal(value)
    if items is None:
        items = str(value).split(delimiter) if delimiter else [value]
    return tuple(sorted({label_key(item) for item in items if not is_missing(item)}))


def guess_delimiter(values: Sequence) -> tuple[str | None, float]:
    """Return the delimiter that splits `values` into a small set of recurring labels.

    A delimiter counts only if splitting leaves no more distinct labels than there are distinct
    cells and some label recurs in two different cells: "Drama|Crime" and "Drama" share "Drama",
    whereas a lone class named "Arts, Crafts" does not turn a multi-class column into a
    multi-label one. Returns the delimiter (or None) and the fraction of cells that hold two or
    more labels.
    """
    strings = [v for v in values if isinstance(v, str)]
    if not strings:
        return None, 0.0
    distinct_cells = set(strings)
    for delimiter in DELIMITERS:
        multi = [s for s in strings if delimiter in s]
        if not multi:
            continue
        cells_per_part = Counter(
            part for cell in distinct_cells
            for part in {p.strip() for p in cell.split(delimiter) if p.strip()}
        )
        recurring = any(count > 1 for count in cells_per_part.values())
        if recurring and len(cells_per_part) <= len(distinct_cells):
            return delimiter, len(multi) / len(strings)
    return None, 0.0


def as_numbers(values: Iterable) -> np.ndarray | None:
    """Return the values as floats if every one of them is a number, else None."""
    numbers = []
    for value in values:
        if isinstance(value, (bool, np.bool_)):
            return None  # truth values are two classes, not amounts
        if isinstance(value, (int, float, np.integer, np.floating)):
            numbers.append(float(value))
            continue
        try:
            numbers.append(float(str(value).strip()))
        except ValueError:
            return None
    array = np.asarray(numbers, dtype=float)
    if array.size and not np.all(np.isfinite(array)):
        return None
    return array


def parse_label_map(spec: str) -> dict[str, float]:
    """Parse `"negative=0,neutral=0.5,positive=1"` into {label: score}."""
    mapping: dict[str, float] = {}
    for part in spec.split(","):
        if not part.strip():
            continue
        name, sep, score = part.rpartition("=")
        try:
            if not sep or not name.strip():
                raise ValueError
            twin = next((k for k in mapping if label_key(k) == label_key(name.strip())), None)
            if twin is not None:
                raise TextladderError(f"--label-map gives the label '{name.strip()}' twice "
                                      f"(as '{twin}' too); give each label one score.")
            mapping[name.strip()] = float(score)
        except ValueError:
            raise TextladderError(
                f"--label-map must look like 'negative=0,neutral=0.5,positive=1'; cannot read "
                f"'{part.strip()}'."
            ) from None
    if len(mapping) < 2:
        raise TextladderError("--label-map needs at least two 'label=score' pairs.")
    return mapping


def parse_order(spec: str | Sequence[str]) -> list[str]:
    """Parse `"bad,ok,good"` (or a list) into the ordered levels of an ordinal scale."""
    levels = [s.strip() for s in (spec.split(",") if isinstance(spec, str) else spec)]
    levels = [s for s in levels if s]
    duplicates = [level for level, count in Counter(levels).items() if count > 1]
    if duplicates:
        raise TextladderError(f"--order names '{duplicates[0]}' twice; list each level once.")
    if len(levels) < 2:
        raise TextladderError("--order needs at least two levels, e.g. --order 'bad,ok,good'.")
    return levels


def case_hint(unknown, known) -> str:
    """" ('Negative' is 'negative' in training ...)" where an unknown label differs from a known
    one only in case or surrounding spaces; "" otherwise."""
    folded = {str(k).strip().casefold(): str(k) for k in known}
    pairs = [(str(u), folded[str(u).strip().casefold()]) for u in sorted(map(str, unknown))
             if str(u).strip().casefold() in folded]
    if not pairs:
        return ""
    said = ", ".join(f"'{u}' is '{k}'" for u, k in pairs[:3])
    return f" ({said} in training: labels are matched exactly, case included)"

