"""Which label of a binary task is the positive class, and why: a small pure function.

The positive class is the one that F1, precision, recall and the tuned threshold are about, and
whose probability is output column 1 (`classes_ == [negative, positive]`). `choose_positive`
applies these rules in order and says which one decided:

1. the label asked for (`positive=` in Python, `--positive LABEL` on the command line), which must
   be one of the two labels;
2. a label that names the positive side: 1 against 0 or -1; true, yes, y, pos, positive or spam
   against a label that is none of these (`yes` / `no`, `spam` / `ham`);
3. a label and the same name with a negating prefix (`non`, `not`, `no`, alone or followed by
   `-`, `_` or a space): the name without it (`irony` / `non_irony`, `hate` / `nothate`);
4. otherwise the minority class of the training labels (on a tie, the second in sorted order,
   which is what textladder took before it chose explicitly).

Labels are compared by their string form (`label_key`) and without regard to case. Nothing here
reads files or fits anything.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from textladder.data.labels import label_key
from textladder.errors import TextladderError

POSITIVE_NAMES = ("true", "yes", "y", "pos", "positive", "spam")
NEGATIONS = ("non", "not", "no")
SEPARATORS = ("-", "_", " ", "")


@dataclass(frozen=True)
class Positive:
    """The positive label, the negative one, and why the positive one (words to print after
    "positive class: LABEL")."""

    label: object
    negative: object
    reason: str


def refuse_outside_binary(task: str, requested) -> None:
    """`--positive` names a class of a binary task; refuse it for any other task."""
    if requested is not None and task != "binary":
        article = "an" if task[0] in "aeiou" else "a"
        raise TextladderError(f"--positive names the positive class of a binary task, and this "
                              f"is {article} {task} task; drop --positive.")


def choose_positive(classes: Sequence, labels: Sequence, requested=None) -> Positive:
    """The positive one of the two `classes`, given the training `labels` (in the classes'
    own forms) and the label the user asked for, if any."""
    if len(classes) != 2:
        raise ValueError(f"a binary task has two classes, not {len(classes)}")
    first, second = classes
    keys = {label_key(first): first, label_key(second): second}
    if requested is not None:
        chosen = keys.get(label_key(requested))
        if chosen is None:
            raise TextladderError(f"--positive {label_key(requested)} is not one of the labels "
                                  f"({label_key(first)}, {label_key(second)}); give one of them.")
        return _pick(classes, chosen, "as requested with --positive")
    for a, b in ((first, second), (second, first)):
        if _names_positive(a, b):
            return _pick(classes, a, f"{_show(a)} names the positive side against {_show(b)}; "
                                     f"--positive LABEL chooses the other")
    for a, b in ((first, second), (second, first)):
        if _negates(b, a):
            return _pick(classes, a, f"{_show(b)} is {_show(a)} with a negating prefix; "
                                     f"--positive LABEL chooses the other")
    counts = Counter(label_key(v) for v in labels)
    n_first, n_second = counts[label_key(first)], counts[label_key(second)]
    if n_first == n_second:
        return _pick(classes, second, f"both classes are equally frequent, and "
                                      f"{_show(second)} is the second in sorted order; "
                                      f"--positive LABEL chooses the other")
    minority = first if n_first < n_second else second
    share = 100 * min(n_first, n_second) / (n_first + n_second)
    return _pick(classes, minority, f"{_show(minority)} is the minority class ({share:.0f} % of "
                                    f"the training labels); --positive LABEL chooses the other")


def _pick(classes: Sequence, positive, reason: str) -> Positive:
    negative = classes[1] if label_key(positive) == label_key(classes[0]) else classes[0]
    return Positive(positive, negative, reason)


def _show(label) -> str:
    return f"'{label_key(label)}'"


def _names_positive(label, other) -> bool:
    key, other_key = label_key(label).lower(), label_key(other).lower()
    if key == "1":
        return other_key in ("0", "-1")
    return key in POSITIVE_NAMES and other_key not in POSITIVE_NAMES


def _negates(negated, label) -> bool:
    """Whether `negated` is `label` with a negating prefix (`non_irony` of `irony`)."""
    name, base = label_key(negated).lower(), label_key(label).lower()
    return bool(base) and any(name == f"{prefix}{separator}{base}"
                              for prefix in NEGATIONS for separator in SEPARATORS)


def positive_report(task) -> dict | None:
    """The positive class of a fitted binary task and why it is the one (None for other tasks)."""
    if task.name != "binary":
        return None
    return {"label": str(task.positive_label), "reason": task.positive_reason_}
