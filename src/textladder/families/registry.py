"""The registry of model families: one name -> one class, filled in `families/__init__.py`.

Names are what users type (`--model tfidf`); a saved model's config records the name and the
family's version, so a family can change its format and still load old models. Nothing else in the
code base chooses behaviour by comparing family names.
"""

from __future__ import annotations

from textladder.errors import TextladderError

_FAMILIES: dict[str, type] = {}


def register(cls: type) -> type:
    """Class decorator: make `cls` available under `cls.name`."""
    if cls.name in _FAMILIES and _FAMILIES[cls.name] is not cls:
        raise ValueError(f"model family '{cls.name}' is registered twice")
    _FAMILIES[cls.name] = cls
    return cls


def get_family(name: str) -> type:
    """The family class registered as `name`."""
    try:
        return _FAMILIES[name]
    except KeyError:
        raise TextladderError(
            f"unknown model '{name}'; available: {', '.join(available_families())}."
        ) from None


def available_families() -> list[str]:
    """Names of the families usable in this installation, in registration order."""
    return [name for name, cls in _FAMILIES.items() if cls.is_available()]
