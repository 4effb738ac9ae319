"""textladder: text classification that answers the usual questions by construction.

    from textladder import TextClassifier
    clf = TextClassifier().fit(texts, labels)
"""

from textladder._version import __version__
from textladder.classifier import TextClassifier
from textladder.errors import TextladderError

__all__ = ["TextClassifier", "TextladderError", "__version__"]
