"""Labels that look like spellings of one another: `Positive`, ` positive`, `POSITIVE`, `positve`.

Labels are matched exactly (after stripping spaces), so each spelling would be a class of its own
and a file written with another spelling would hold labels training never saw. `variant_groups`
finds labels equal apart from case and punctuation, and labels one or two letters apart
(`difflib`'s ratio at least `CLOSE`, five letters or more); `inspect` lists them as a problem and
`evaluate` says which skipped labels match known ones this way. It never merges anything: which
spelling is right is the user's to say.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

CLOSE = 0.85  # difflib ratio: 'positve' / 'positive' is 0.93, 'neutral' / 'natural' 0.71
MIN_LETTERS = 5  # shorter labels (codes, 'pos' / 'neg') are too alike by chance
MAX_LABELS = 200  # past this many labels, the pairwise comparison is skipped


def _normal(label: str) -> str:
    return re.sub(r"[\W_]+", "", label.lower())


def variant_groups(labels: Iterable[str]) -> list[list[str]]:
    """Groups of two or more distinct labels that look like one label spelt differently."""
    distinct = sorted({str(label).strip() for label in labels})
    groups: dict[str, list[str]] = {}
    for label in distinct:
        groups.setdefault(_normal(label) or label, []).append(label)
    keys = sorted(groups)
    if len(keys) <= MAX_LABELS:
        for i, a in enumerate(keys):
            for b in keys[i + 1:]:
                if (len(a) >= MIN_LETTERS and len(b) >= MIN_LETTERS and a in groups
                        and b in groups and not (a.isdigit() or b.isdigit())
                        and difflib.SequenceMatcher(None, a, b).ratio() >= CLOSE):
                    groups[a] += groups.pop(b)
    return [sorted(group) for group in groups.values() if len(group) > 1]


def known_spellings(unseen: Iterable[str], known: Iterable[str]) -> dict[str, str]:
    """Each unseen label that looks like a spelling of a known one: {unseen: known}."""
    known = [str(label) for label in known]
    found = {}
    for label in unseen:
        group = next((g for g in variant_groups([label, *known]) if label in g), None)
        matches = [k for k in (group or []) if k != label and k in known]
        if matches:
            found[label] = matches[0]
    return found
