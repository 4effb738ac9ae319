"""How to read a data file: the options every command shares."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ReadOptions:
    """Format, encoding, columns and strictness for reading a labelled table."""

    fmt: str | None = None
    encoding: str = "utf-8"
    text: str | None = None
    labels: tuple[str, ...] = field(default=())
    strict: bool = False
