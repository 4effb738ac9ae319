"""Model families (rungs of the ladder). The registry is filled here, in one place.

Import a family module below to register it. The neural rungs import torch only when they fit or
load, and report themselves unavailable (`is_available`) when it is not installed.
"""

from textladder.families import baseline  # noqa: F401  (registers "baseline")
from textladder.families import tfidf  # noqa: F401  (registers "tfidf")
from textladder.families import fasttext_bag  # noqa: F401  (registers "fasttext")
from textladder.families import wordvec  # noqa: F401  (registers "wordvec")
from textladder.families import recurrent  # noqa: F401  (registers "lstm", "bilstm", "gru")
from textladder.families import minilm  # noqa: F401  (registers "minilm")
from textladder.families import finetune  # noqa: F401  (registers "finetune")
from textladder.families import ensemble  # noqa: F401  (soft_vote, hard_vote, stack)
from textladder.families.base import ModelFamily
from textladder.families.registry import available_families, get_family, register

__all__ = ["ModelFamily", "available_families", "get_family", "register"]
