"""Labels that look like spellings of one another: `Positive`, ` positive`, `POSITIVE`, `positve`.

Labels are matched exactly (after stripping spaces), so each spelling would be a class of its own
and a file written with another spelling would hold labels training never saw. `variant_groups`
finds labels equal apart from case and punctuation, and labels one or two letters apart
(`difflib`'s ratio at least `CLOSE`, letters only, five or more); `inspect` lists them as a problem and
`evaluate` says which skipped labels match known ones this way. It never merges anything: which
spelling is right is the user's to say.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable

CLOSE = 0.9  # difflib ratio: 'positve' / 'positive' is 0.93; 'madness' / 'sadness' 0.86
MIN_LETTERS = 5  # shorter labels (codes, 'pos' / 'neg') are too alike by chance
MAX_LABELS = 200  # past this many labels, the pairwise comparison is skipped


def _normal(label: str) -> str:
    """The label without case, spaces, underscores, quotes and brackets; the signs and symbols
    that tell labels apart (`-1` / `1`, `<=50K` / `>50K`, `A` / `A-`, `c` / `c++` / `c#`,
    `.net` / `net`) are kept."""
    return re.sub(r"[\s_'\"`()\[\]{}/\\|!?*&^%$@~,;:]+", "", label.lower())


def _close(a: str, b: str) -> bool:
    """Two normalised labels one or two letters apart: letters only (labels that differ in a
    number, `category_1` / `category_2`, `LABEL_1` / `LABEL_11`, are different classes), five
    letters or more."""
    if not (a.isalpha() and b.isalpha()) or min(len(a), len(b)) < MIN_LETTERS:
        return False
    matcher = difflib.SequenceMatcher(None, a, b)
    return matcher.real_quick_ratio() >= CLOSE and matcher.quick_ratio() >= CLOSE \
        and matcher.ratio() >= CLOSE


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
                if a in groups and b in groups and _close(a, b):
                    groups[a] += groups.pop(b)
    return [sorted(group) for group in groups.values() if len(group) > 1]


def known_spellings(unseen: Iterable[str], known: Iterable[str]) -> dict[str, str]:
    """Each unseen label that looks like a spelling of a known one: {unseen: known}. Each is
    compared with the known labels only."""
    known = sorted(str(label).strip() for label in known)
    normal = {k: _normal(k) or k for k in known}
    found = {}
    for label in unseen:
        mine = _normal(str(label)) or str(label)
        match = next((k for k in known if normal[k] == mine), None) or next(
            (k for k in known if _close(mine, normal[k])), None)
        if match is not None and match != label:
            found[label] = match
    return found
