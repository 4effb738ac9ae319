"""Name the task type that a column of labels describes, and say why.

`detect_task` is a small pure function in the spirit of scikit-learn's `type_of_target`: it looks
at label values only (no model, no files, no options) and returns the task and a one-line reason.
The rules, in order:

1. label sets (native lists, list literals, or strings that a delimiter splits into recurring
   labels) -> multilabel;
2. numbers with two distinct values -> binary;
3. consecutive integers with 3 to 10 levels (1-5 stars) -> ordinal;
4. other integers with at most 10 levels, and consecutive integer codes from 0 or 1 with up to
   50 levels (20 Newsgroups' 0..19) -> multiclass (codes, not amounts);
5. any other numbers -> regression;
6. strings with two distinct values -> binary;
7. strings that name 3 to 10 levels of a scale by a leading number ("-3: very negative ..",
   "1 star") or a known ordered vocabulary (very negative .. very positive, low / medium / high)
   -> ordinal, with the order (`data.scales`);
8. other strings -> multiclass.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from textladder.data.labels import as_numbers, guess_delimiter, is_missing, parse_list_literal
from textladder.data.scales import NUMBERED, leading_number, scale_order

MAX_ORDINAL_LEVELS = 10
MAX_CODE_LEVELS = 50
TASKS = ("binary", "multiclass", "multilabel", "ordinal", "regression")


@dataclass(frozen=True)
class Detection:
    """The detected task, the reason in words, the label delimiter for multi-label text, and
    the levels lowest first for an ordinal scale of named levels (None: ordered as numbers)."""

    task: str
    reason: str
    delimiter: str | None = None
    order: tuple | None = None


def _percent(fraction: float) -> str:
    value = 100 * fraction
    return f"{value:.0f} %" if value >= 1 or value == 0 else f"{value:.1g} %"


def detect_task(values: Sequence) -> Detection:
    """Return the task type that `values` (one label cell per row) describes."""
    present = [v for v in values if not is_missing(v)]
    if not present:
        raise ValueError("no labels to detect a task from")

    literal_lists = [parse_list_literal(v) for v in present]
    n_lists = sum(items is not None for items in literal_lists)
    if n_lists == len(present):
        n_multi = sum(len(items) > 1 for items in literal_lists)
        return Detection(
            "multilabel",
            f"multilabel: each row carries a set of labels; {_percent(n_multi / len(present))} "
            f"of rows carry two or more labels",
        )

    delimiter, multi_fraction = guess_delimiter(present)
    if delimiter is not None:
        return Detection(
            "multilabel",
            f"multilabel: {_percent(multi_fraction)} of rows carry two or more labels separated "
            f"by '{delimiter}'",
            delimiter,
        )

    numbers = as_numbers(present)
    if numbers is not None:
        levels = np.unique(numbers)
        integers = bool(np.all(levels == np.round(levels)))
        if len(levels) == 2:
            return Detection("binary", f"binary: two distinct values ({_fmt(levels[0])}, "
                             f"{_fmt(levels[1])})")
        if integers and len(levels) <= MAX_ORDINAL_LEVELS:
            if np.all(np.diff(levels) == 1):
                return Detection(
                    "ordinal",
                    f"ordinal: {len(levels)} consecutive integer levels {_fmt(levels[0])}.."
                    f"{_fmt(levels[-1])} (use --task multiclass if their order means nothing)",
                )
            return Detection(
                "multiclass",
                f"multiclass: {len(levels)} integer codes with gaps "
                f"({', '.join(_fmt(v) for v in levels)})",
            )
        consecutive = integers and bool(np.all(np.diff(levels) == 1)) and levels[0] in (0, 1)
        if consecutive and len(levels) <= MAX_CODE_LEVELS:
            return Detection(
                "multiclass",
                f"multiclass: {len(levels)} consecutive integer codes {_fmt(levels[0])}.."
                f"{_fmt(levels[-1])} (use --task regression if they are amounts)",
            )
        kind = "integers" if integers else "real numbers"
        return Detection(
            "regression",
            f"regression: {len(levels)} distinct {kind} from {_span(levels[0], levels[-1])}",
        )

    distinct = sorted({str(v).strip() for v in present})
    if len(distinct) == 2:
        return Detection("binary", f"binary: two classes ({distinct[0]}, {distinct[1]})")
    scale = scale_order(distinct)
    if scale is not None:
        levels, how = scale
        names = [leading_number(v) for v in levels] if how == NUMBERED else levels
        return Detection(
            "ordinal",
            f"ordinal: {len(levels)} levels ordered by {how}: {' < '.join(map(short, names))} "
            f"(use --task multiclass if their order means nothing)",
            order=tuple(levels),
        )
    shown = ", ".join(distinct[:6]) + (", ..." if len(distinct) > 6 else "")
    if len(distinct) == 1:
        return Detection("multiclass", f"multiclass: a single class ({shown}); a classifier "
                                       f"needs two or more")
    return Detection("multiclass", f"multiclass: {len(distinct)} classes, one per row ({shown})")


def short(label, width: int = 24) -> str:
    """A label cut to `width` characters for one-line messages."""
    text = str(label)
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _span(low: float, high: float) -> str:
    """'LOW to HIGH' with as many digits as it takes to tell them apart (1e+08 to 1e+08 said
    nothing of targets 100,000,000.0 to 100,000,004.9)."""
    if float(low).is_integer() and float(high).is_integer():
        return f"{_fmt(low)} to {_fmt(high)}"
    for digits in range(6, 18):
        a, b = f"{low:.{digits}g}", f"{high:.{digits}g}"
        if a != b:
            return f"{a} to {b}"
    return f"{_fmt(low)} to {_fmt(high)}"


def _fmt(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else f"{value:g}"
