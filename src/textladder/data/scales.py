"""Recognise label values that name the levels of an ordered scale, and put them in order.

Two kinds of scale are recognised from the values alone:
- values that start with a number: "-3: very negative emotional state can be inferred" .. "3: ...",
  "1 star" .. "5 stars", "1 - awful" .. "5 - great": ordered by that number;
- values from a known ordered vocabulary, in any case and with `_` or `-` for spaces: very
  negative .. very positive, strongly disagree .. strongly agree, low / medium / high,
  bad / ok / good, never .. always, ... (`VOCABULARIES`).
Three-point sentiment (negative / neutral / positive) is not taken for a scale: the field treats it
as three classes (TweetEval, SemEval); with a "very" or "somewhat" level it is one.

`scale_order` returns the levels lowest first, or None; `match_order` reads a `--order` given as
full labels, level numbers or prefixes. Both are pure. Deciding the task is `tasks.detect`'s job.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence

from textladder.data.labels import label_key
from textladder.errors import TextladderError

MIN_LEVELS, MAX_LEVELS = 3, 10
NUMBERED = "their leading numbers"  # how `scale_order` ordered levels that start with numbers

# Each vocabulary lists its levels lowest first; a level may have several spellings.
VOCABULARIES: dict[str, list[tuple[str, ...]]] = {
    "sentiment": [("very negative", "strongly negative", "extremely negative"), ("negative",),
                  ("somewhat negative", "slightly negative", "mildly negative"), ("neutral",),
                  ("somewhat positive", "slightly positive", "mildly positive"), ("positive",),
                  ("very positive", "strongly positive", "extremely positive")],
    "agreement": [("strongly disagree",), ("disagree",), ("somewhat disagree", "slightly disagree"),
                  ("neither agree nor disagree", "neutral", "undecided"),
                  ("somewhat agree", "slightly agree"), ("agree",), ("strongly agree",)],
    "amount": [("none",), ("very low",), ("low",), ("medium", "moderate", "mid"), ("high",),
               ("very high",)],
    "quality": [("very bad", "terrible", "awful"), ("bad", "poor"),
                ("ok", "okay", "average", "fair", "mediocre"), ("good",),
                ("very good", "great"), ("excellent",)],
    "frequency": [("never",), ("rarely", "seldom"), ("sometimes", "occasionally"),
                  ("often", "frequently"), ("always",)],
    "likelihood": [("very unlikely",), ("unlikely",), ("neutral", "maybe"), ("likely",),
                   ("very likely",)],
    "satisfaction": [("very dissatisfied",), ("dissatisfied",), ("neutral",), ("satisfied",),
                     ("very satisfied",)],
    "size": [("very small", "tiny"), ("small",), ("medium",), ("large", "big"),
             ("very large", "huge")],
    "difficulty": [("very easy",), ("easy",), ("medium", "moderate"), ("hard", "difficult"),
                   ("very hard", "very difficult")],
}
# Scales whose values alone do not make a scale (three-point sentiment: see the module doc)
NOT_SCALES = [{"negative", "neutral", "positive"}]

_LEADING = re.compile(r"\s*([+-]?\d+)(?![\d.,])\s*(.*)$", re.DOTALL)


def normal(value) -> str:
    """Lower case, `_` and `-` between words as spaces, single spaces, no end punctuation."""
    text = re.sub(r"(?<=\w)[_-](?=\w)", " ", str(value).strip().lower())
    return " ".join(text.split()).strip(" .!")


def leading_number(value) -> int | None:
    """The integer a label starts with when words follow it ("-3: very negative" -> -3)."""
    match = _LEADING.match(str(value))
    if match is None or not re.search(r"[^\W\d_]", match.group(2)):
        return None
    return int(match.group(1))


def scale_order(values: Iterable) -> tuple[list, str] | None:
    """(the distinct values lowest first, how they were ordered), or None if they are no scale."""
    distinct = sorted({str(v).strip() for v in values})
    if not MIN_LEVELS <= len(distinct) <= MAX_LEVELS:
        return None
    numbers = [leading_number(v) for v in distinct]
    if None not in numbers and len(set(numbers)) == len(distinct):
        return [v for _, v in sorted(zip(numbers, distinct))], NUMBERED
    for name, levels in VOCABULARIES.items():
        rank = {spelling: i for i, level in enumerate(levels) for spelling in level}
        found = [rank.get(normal(v)) for v in distinct]
        if None in found or len(set(found)) < len(distinct):
            continue
        if {normal(v) for v in distinct} in NOT_SCALES:
            return None
        return [v for _, v in sorted(zip(found, distinct))], f"a known {name} scale"
    return None


def match_order(given: Sequence[str], values: Iterable) -> list:
    """The labels `given` (`--order`, lowest first) name among `values`: each level is a label,
    the number it starts with, or the start of exactly one label; a level that names none is
    kept as given (a level without examples)."""
    distinct = sorted({str(v).strip() for v in values})
    by_key = {label_key(v): v for v in distinct}
    order = []
    for level in given:
        found = by_key.get(label_key(level))
        if found is None:
            found = _by_number_or_prefix(level, distinct)
        if found in order:
            raise TextladderError(f"--order names the label '{found}' twice (as "
                                  f"'{given[order.index(found)]}' and '{level}'); list each "
                                  f"level once.")
        order.append(found)
    return order


def _by_number_or_prefix(level: str, distinct: list[str]):
    """The one label `level` stands for by its leading number or as its start, else `level`."""
    try:
        number = int(level)
    except ValueError:
        number = None
    if number is not None:
        matches = [v for v in distinct if leading_number(v) == number]
    else:
        start = normal(level)
        matches = [v for v in distinct if normal(v).startswith(start)]
        exact = [v for v in matches if normal(v) == start]
        matches = exact or matches
    if len(matches) > 1:
        shown = ", ".join(f"'{m}'" for m in matches[:4])
        raise TextladderError(f"--order level '{level}' could be any of {shown}; give more of "
                              f"the label.")
    return matches[0] if matches else level
