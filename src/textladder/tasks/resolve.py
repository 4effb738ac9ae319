"""Settle the task for a column of labels: detection, the user's override, `--order`, `--label-map`.

`resolve_task` accepts an override only where the labels allow it and otherwise refuses with the
reason; `prepare_labels` then puts every label in the form its task expects (label sets, numbers or
plain labels). Both are pure: no files, no printing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from textladder.data.labels import (DELIMITERS, as_numbers, is_missing, label_key,
                                     split_label_set)
from textladder.errors import TextladderError
from textladder.data.scales import match_order
from textladder.tasks.detect import TASKS, Detection, detect_task, short
from textladder.words import agree


def _refuse(requested: str, why: str, instead: str) -> TextladderError:
    return TextladderError(f"--task {requested} does not fit these labels: {why}; {instead}.")


def resolve_task(
    values: Sequence,
    requested: str = "auto",
    order: Sequence[str] | None = None,
    label_map: dict[str, float] | None = None,
) -> Detection:
    """Return the task for `values`, honouring `requested` where the labels allow it."""
    if requested not in ("auto", *TASKS):
        raise TextladderError(
            f"--task must be one of auto, {', '.join(TASKS)}; got '{requested}'."
        )
    present = [v for v in values if not is_missing(v)]
    if label_map is not None and order is not None:
        raise TextladderError("--label-map makes a regression of scores and --order an ordinal "
                              "task of levels; give one of them.")
    if label_map is not None:
        if requested not in ("auto", "regression"):
            raise TextladderError(
                f"--label-map turns labels into scores for a regression; drop --task {requested} "
                f"or drop --label-map."
            )
        mapped = ", ".join(f"{k}={v:g}" for k, v in label_map.items())
        return Detection("regression", f"regression: labels mapped to scores ({mapped})")
    if order is not None:
        if requested not in ("auto", "ordinal"):
            raise TextladderError(
                f"--order describes ordered levels of an ordinal task; drop --task {requested} "
                f"or drop --order."
            )
        if present and detect_task(present).task == "multilabel":
            raise TextladderError("--order gives the levels of one ordered label per row; these "
                                  "rows carry sets of labels (multi-label), which have no order: "
                                  "drop --order.")
        order = match_order(order, present)
        seen = {label_key(v) for v in present}
        empty = [level for level in order if label_key(level) not in seen]
        them = agree(len(empty), "it", "them")
        note = (f"; {', '.join(repr(str(level)) for level in empty)} "
                f"{agree(len(empty), 'has', 'have')} no rows here: the model cannot learn "
                f"{them}, and macro metrics count {them} as 0" if empty and present else "")
        return Detection("ordinal", f"ordinal: {len(order)} levels in the order given "
                                    f"({' < '.join(map(short, order))}){note}",
                         order=tuple(order))
    detected = detect_task(present)
    if requested in ("auto", detected.task):
        return detected
    return _override(present, requested, detected)


def _override(present: list, requested: str, detected: Detection) -> Detection:
    why_detected = detected.reason.split(": ", 1)[-1]
    if detected.task == "multilabel" and detected.delimiter is None and requested != "multilabel":
        # Native lists and list literals are label sets for sure; a guessed delimiter is not.
        raise _refuse(requested, f"rows carry label sets ({why_detected})",
                      "use --task multilabel, or give one label per row")
    numbers = as_numbers(present)
    distinct = {label_key(v) for v in present}
    reason = f"{requested}: as requested with --task (detected {detected.task}: {why_detected})"
    if requested == "binary" and len(distinct) != 2:
        raise _refuse(requested, f"a binary task needs exactly two classes and there are "
                      f"{len(distinct)}", f"use --task {detected.task}")
    if requested == "multiclass" and numbers is not None and detected.task == "regression":
        if not np.all(numbers == np.round(numbers)):
            raise _refuse(requested, "the labels are real numbers, not classes",
                          "use --task regression")
    if requested in ("ordinal", "regression") and numbers is None:
        hint = ("pass the levels in order with --order 'low,mid,high'" if requested == "ordinal"
                else "map them to scores with --label-map 'negative=0,neutral=0.5,positive=1'")
        raise _refuse(requested, "the labels are not numbers", hint)
    if requested == "ordinal" and not np.all(numbers == np.round(numbers)):
        raise _refuse(requested, "the labels are real numbers, not levels",
                      "use --task regression")
    delimiter = detected.delimiter
    if requested == "multilabel" and delimiter is None:
        # Asked for label sets where none was detected: split on the first delimiter present.
        delimiter = next((d for d in DELIMITERS if any(d in str(v) for v in present)), None)
    return Detection(requested, reason, delimiter)


def prepare_labels(
    values: Sequence, detection: Detection, label_map: dict[str, float] | None = None
) -> list:
    """Put labels in their task's form: tuples of labels, floats, or the labels as they are."""
    if detection.task == "multilabel":
        return [split_label_set(v, detection.delimiter) for v in values]
    if label_map is not None:
        unknown = sorted({label_key(v) for v in values} - set(label_map))
        if unknown:
            raise TextladderError(
                f"--label-map has no score for {', '.join(unknown[:5])}; add them, e.g. "
                f"'{unknown[0]}=0.5'."
            )
        return [label_map[label_key(v)] for v in values]
    return list(values)


def check_label_map_used(label_map: dict[str, float] | None, values: Sequence) -> None:
    """Refuse a --label-map key that no label of `values` (the whole training file's) is: a
    typo would go unnoticed. Not checked inside a fit, whose rows may lack a rare label."""
    if not label_map:
        return
    seen = {label_key(v) for v in values if not is_missing(v)}
    unused = [k for k in label_map if k not in seen]
    if seen and unused:
        shown = ", ".join(sorted(map(str, seen))[:20]) + (" ..." if len(seen) > 20 else "")
        raise TextladderError(f"--label-map names '{unused[0]}', which no training row has "
                              f"as its label (a typo?); the labels are: {shown}.")
