"""Model families (rungs of the ladder). The registry is filled here, in one place.

Import a family module below to register it; optional families check their own dependencies in
`is_available`.
"""

from textladder.families import tfidf  # noqa: F401  (registers "tfidf")
from textladder.families.base import ModelFamily
from textladder.families.registry import available_families, get_family, register

__all__ = ["ModelFamily", "available_families", "get_family", "register"]
