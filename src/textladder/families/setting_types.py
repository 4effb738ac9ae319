"""Check the types of a family's settings before any work, from its defaults.

A setting takes the type of its default (an integer also where the default is a float: `lr=1`),
unless the family declares otherwise in `setting_type_exceptions` (data, not code: `{"C": (list,
float)}`, `{"clip_norm": (float, None)}`), and a setting whose default is null is left to the
family. Values are parsed JSON (or bare words, which are strings); booleans are not numbers.
"""

from __future__ import annotations

import math
from typing import Any

from textladder.errors import TextladderError

_WORDS = {bool: "true or false", int: "an integer", float: "a number", str: "a string",
          list: "a list", dict: "an object", None: "null"}


def setting_types(family: type) -> dict[str, tuple | None]:
    """{setting: the types it accepts, or None for anything} of a family class."""
    types = {name: _default_types(value) for name, value in family.default_settings().items()}
    for klass in reversed(family.__mro__):  # a subclass's exceptions win over its bases'
        types.update(vars(klass).get("setting_type_exceptions", {}))
    return types


def check_types(model: str, settings: dict[str, Any], types: dict[str, tuple | None]) -> None:
    """Refuse the first setting whose value has none of its accepted types."""
    for name, value in settings.items():
        kinds = types.get(name)
        if kinds is not None and not any(_is(value, kind) for kind in kinds):
            words = [_WORDS[k] for k in kinds if k is not int or float not in kinds]
            raise TextladderError(
                f"model '{model}' setting '{name}' must be {' or '.join(words)}; got {value!r}"
                f"{' (a string)' if isinstance(value, str) else ''}.")


def check_positive(model: str, settings: dict[str, Any], names: tuple[str, ...]) -> None:
    """Refuse a number (or a list's number) of zero or less, or one that is not finite, in the
    settings `names`; other values (strings such as "auto", null) are the family's to check."""
    for name in names:
        value = settings.get(name)
        numbers = value if isinstance(value, (list, tuple)) else [value]
        for number in numbers:
            if isinstance(number, bool) or not isinstance(number, (int, float)):
                continue
            if not math.isfinite(number) or number <= 0:
                raise TextladderError(
                    f"model '{model}' setting '{name}' must be a finite number above 0; got "
                    f"{value!r}.")


def _default_types(value: Any) -> tuple | None:
    if value is None:
        return None  # nothing to go by: the family checks it, or declares an exception
    for kind in (bool, float, int, str, list, dict):  # bool first: True is an int too
        if isinstance(value, kind):
            return (kind,)
    return None


def _is(value: Any, kind) -> bool:
    if kind is None:
        return value is None
    if kind is bool or isinstance(value, bool):
        return kind is bool and isinstance(value, bool)
    if kind is float:
        return isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
    if kind is list:
        return isinstance(value, (list, tuple))
    return isinstance(value, kind)
