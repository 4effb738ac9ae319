"""Counts and values in words for messages: `count(1, "row")` is "1 row", `count(1234, "row")`
"1,234 rows"; `setting(0.5091746463243843)` is "0.5092".

Only English nouns that take an "s", or the plural given; nothing else of grammar.
"""

from __future__ import annotations


def count(n: int, noun: str, plural: str | None = None) -> str:
    """`n` and `noun`, in the plural unless `n` is 1, with thousands separated."""
    return f"{n:,} {noun if n == 1 else (plural or noun + 's')}"


def agree(n: int, singular: str, plural: str) -> str:
    """The verb (or word) that agrees with a count of `n`: agree(1, "has", "have") is "has"."""
    return singular if n == 1 else plural


def setting(value) -> str:
    """A chosen setting for a line of text: a float to four significant digits, else as is."""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value)
