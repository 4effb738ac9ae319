"""Split text into tokens that keep what carries sentiment.

Negations and contractions stay whole ("don't", "n't"), emoticons (":)", ":-(", "<3"), hashtags,
mentions and URLs are single tokens, runs of "!" or "?" are kept, and no stop word is removed:
"not" flips a sentence. Lowercasing is optional and leaves emoticons alone. This module does not
build vocabularies or ids.
"""

from __future__ import annotations

import re

_PATTERN = re.compile(
    r"""
    (?:https?://|www\.)\S+                      # URLs
    | <3+                                        # hearts
    | [:;=8xX][\-o\*']?[\)\]\(\[dDpP/\\\}\{@\|]+(?![\w/])  # emoticons, western
    | [\)\]\(\[\}\{][\-o\*']?[:;=8](?![\w/])               # emoticons, reversed
    | [@\#]\w+                                   # mentions, hashtags
    | \w+(?:['’]\w+)*                            # words, numbers, contractions
    | n['’]t                                      # a split-off negation ("does n't")
    | [!?]+                                      # emphasis
    | [^\w\s]                                    # any other symbol
    """,
    re.VERBOSE,
)
_EMOTICON = re.compile(r"^(?:<3+|[:;=8xX].+|[\)\]\(\[\}\{].+)$")


def tokenize(text: str, lowercase: bool = True) -> list[str]:
    """The tokens of `text`, in order."""
    tokens = _PATTERN.findall(text)
    if lowercase:
        tokens = [t if _EMOTICON.match(t) and len(t) > 1 and not t.isalnum() else t.lower()
                  for t in tokens]
    return tokens
