"""Find the texts of a table that repeat or sit inside one another, so that splits keep them together.

The Stanford Sentiment Treebank's training file holds every phrase of each sentence ("a gorgeous
film about love", "a gorgeous film", "gorgeous", ...). Split at random, a validation phrase has its
sentence, or a longer phrase around it, in training, and a model that memorises phrases looks
better on validation than it is. Repeated texts (retweets, copied reviews) leak the same way.

`text_groups` compares texts as lower-cased word and punctuation tokens. A *maximal* text (one
inside no longer text) starts a group; every text found inside exactly one maximal text, and every
repeat, joins its group. A text found inside several maximal texts ("the film") is *shared*: it
leaves the training side only when all of them do. A held-out group is scored on its maximal
text (and its repeats): the texts inside it are left out of both sides, since in training they
would teach the model the held-out text's own phrases, and a test set holds whole texts, not
their phrases. So a held-out text is never a training text nor inside one (a training text may
sit inside a held-out one, as a common phrase of a test sentence may be in training). Texts are compared by contiguous token spans: every span of each maximal text is
looked up, longest texts first, in a hash index of the texts; a span is extended only while it is
the start of some text, so the work stays near linear for tables without nesting (SST-2's 67k
texts take seconds). Only texts of up to `MAX_CONTAINED_TOKENS` tokens are looked for inside
others, and fewer on tables so large that the index of text starts would pass `PREFIX_BUDGET`
entries (`_containment_limit`); longer texts are grouped with their repeats only.

This module finds groups; `data.split` holds them out.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

MAX_CONTAINED_TOKENS = 64
PREFIX_BUDGET = 3_000_000  # hashes of text starts held at once (SST-2 needs 0.44 M)
_TOKEN = re.compile(r"\w+|[^\w\s]")


@dataclass(frozen=True)
class TextGroups:
    """Which group each row belongs to, and which groups a shared text sits inside."""

    of_row: np.ndarray  # group id per row
    maximal: np.ndarray  # per row: True when its text is inside no other
    inside: dict[int, tuple[int, ...]] = field(default_factory=dict)  # shared group -> groups
    repeated_rows: int = 0  # rows whose text appears on an earlier row
    nested_texts: int = 0  # distinct texts found inside a longer one

    @property
    def trivial(self) -> bool:
        """True when every row is its own group: nothing repeats or nests."""
        return not self.inside and len(np.unique(self.of_row)) == len(self.of_row)

    def free_groups(self) -> tuple[np.ndarray, np.ndarray]:
        """(group ids, one row of each) for the groups a split chooses among: all but shared
        ones. The row is the group's first row of its longest text."""
        ids, first = np.unique(self.of_row, return_index=True)
        free = np.array([g not in self.inside for g in ids.tolist()], dtype=bool)
        return ids[free], first[free]

    def split_rows(self, held_groups: set[int]) -> tuple[np.ndarray, np.ndarray]:
        """(kept rows, held-out rows) when the free groups `held_groups` are held out: the
        held-out rows are their maximal texts; the texts inside them, and shared texts whose
        every surrounding group is held out, are in neither."""
        held = set(held_groups) | {g for g, around in self.inside.items()
                                   if all(a in held_groups for a in around)}
        leaving = np.isin(self.of_row, list(held))
        return np.flatnonzero(~leaving), np.flatnonzero(leaving & self.maximal)

    def summary(self) -> dict[str, int]:
        """Counts for `inspect`: groups of more than one row and the rows they hold."""
        _, counts = np.unique(self.of_row, return_counts=True)
        return {"groups": int((counts > 1).sum()), "rows_in_groups": int(counts[counts > 1].sum()),
                "repeated_rows": self.repeated_rows, "nested_texts": self.nested_texts,
                "shared_texts": len(self.inside)}


def normal_text(text: str) -> str:
    """A text as compared for repeats across files: lowercased, runs of spaces made one."""
    return " ".join(str(text).lower().split())


def tokens(text: str) -> list[str]:
    """Lower-cased words and punctuation marks, as texts are compared here."""
    return _TOKEN.findall(str(text).lower())


def _hash_chain(sequence: Sequence[int]):
    """Hashes of every prefix of `sequence`, one per token (deterministic for ints)."""
    value = 0
    for token in sequence:
        value = hash((value, token))
        yield value


def text_groups(texts: Sequence[str]) -> TextGroups:
    """Group the rows of `texts` that repeat or contain one another (see the module doc)."""
    vocabulary: dict[str, int] = {}
    index: dict[tuple[int, ...], int] = {}  # distinct token sequence -> unit
    row_unit = np.empty(len(texts), dtype=np.int64)
    for row, text in enumerate(texts):
        sequence = tuple(vocabulary.setdefault(t, len(vocabulary)) for t in tokens(text))
        row_unit[row] = index.setdefault(sequence, len(index))
    units = list(index)
    container = _containers(units)
    # group of each unit: its own for maximal texts; its container's for texts in exactly one
    roots = [u for u in range(len(units)) if u not in container]
    group_of = np.full(len(units), -1, dtype=np.int64)
    group_of[roots] = np.arange(len(roots))
    inside: dict[int, tuple[int, ...]] = {}
    for unit, around in container.items():
        if len(around) == 1:
            group_of[unit] = group_of[around[0]]
        else:
            group_of[unit] = len(roots) + len(inside)
            inside[int(group_of[unit])] = tuple(int(group_of[a]) for a in around)
    maximal = np.zeros(len(units), dtype=bool)
    maximal[roots] = True
    return TextGroups(of_row=group_of[row_unit], maximal=maximal[row_unit], inside=inside,
                      repeated_rows=len(texts) - len(units), nested_texts=len(container))


def _containment_limit(lengths: Sequence[int]) -> int:
    """The longest text (in tokens, at most `MAX_CONTAINED_TOKENS`) looked for inside others
    such that the index of text starts stays within `PREFIX_BUDGET` (0: none)."""
    lengths = np.asarray(lengths)
    for limit in range(MAX_CONTAINED_TOKENS, 0, -1):
        if np.minimum(lengths, limit).sum() <= PREFIX_BUDGET:
            return limit
    return 0


def _containers(units: list[tuple[int, ...]]) -> dict[int, list[int]]:
    """{unit: the maximal units it sits inside} for every unit inside a longer one."""
    limit = _containment_limit([len(u) for u in units])
    if limit == 0:
        return {}
    starts: set[int] = set()  # hashes of every prefix (up to the limit) of every unit
    whole: dict[int, list[int]] = {}  # hash of a whole unit (up to the limit) -> units
    for unit, sequence in enumerate(units):
        chain = list(_hash_chain(sequence[:limit]))
        starts.update(chain)
        if chain and len(sequence) <= limit:
            whole.setdefault(chain[-1], []).append(unit)
    container: dict[int, list[int]] = {}
    for unit in sorted(range(len(units)), key=lambda u: -len(units[u])):
        if unit in container:
            continue  # inside a longer text, whose spans include all of its own
        sequence = units[unit]
        for begin in range(len(sequence)):
            stop = min(len(sequence), begin + limit)
            for end, value in enumerate(_hash_chain(sequence[begin:stop]), begin + 1):
                if value not in starts:
                    break
                for other in whole.get(value, ()):
                    if other != unit and units[other] == sequence[begin:end]:
                        around = container.setdefault(other, [])
                        if not around or around[-1] != unit:
                            around.append(unit)
    return container
