"""Tables made here where a column beside the text carries the label, or carries nothing.

`signal_table`: the text is words drawn at random (it says nothing of the label), while the
column `group` names the label's class on `agreement` of the rows; `noise_table`: the text
names the class through its words on `agreement` of the rows and the side columns are random.
Both have a numeric, a boolean and a category column, so every kind of side column is encoded.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

CLASSES = ("red", "green", "blue")
GROUPS = {"red": "north", "green": "south", "blue": "east"}
NEUTRAL = ["table", "street", "window", "paper", "kitchen", "tuesday", "river", "cloud",
           "garden", "pencil", "bottle", "ladder", "carpet", "basket", "mirror", "lamp"]
CUES = {"red": ["apple", "cherry", "tomato"], "green": ["grass", "leaf", "frog"],
        "blue": ["ocean", "sky", "whale"]}


def _rows(n: int, seed: int, text_signal: bool, side_signal: bool,
          agreement: float) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    labels = [CLASSES[i % 3] for i in range(n)]
    texts, groups = [], []
    for label in labels:
        words = list(rng.choice(NEUTRAL, 4))
        if text_signal:
            cue = label if rng.random() < agreement else rng.choice(CLASSES)
            words.insert(int(rng.integers(0, 4)), str(rng.choice(CUES[cue])))
        texts.append(" ".join(words))
        if side_signal:
            groups.append(GROUPS[label] if rng.random() < agreement
                          else GROUPS[str(rng.choice(CLASSES))])
        else:
            groups.append(str(rng.choice(list(GROUPS.values()))))
    return pd.DataFrame({"text": texts, "group": groups,
                         "height": rng.normal(170, 10, n).round(1),
                         "member": rng.choice(["yes", "no"], n), "label": labels})


def signal_table(n: int = 240, seed: int = 0, agreement: float = 0.9) -> pd.DataFrame:
    """The label is in the `group` column, not in the text."""
    return _rows(n, seed, text_signal=False, side_signal=True, agreement=agreement)


def noise_table(n: int = 240, seed: int = 0, agreement: float = 0.8) -> pd.DataFrame:
    """The label is in the text; the side columns are random."""
    return _rows(n, seed, text_signal=True, side_signal=False, agreement=agreement)


def parts(frame: pd.DataFrame) -> dict[str, pd.DataFrame]:
    """Train (60 %), valid (20 %) and test (20 %) rows, every class in each."""
    index = np.arange(len(frame))
    return {"train": frame[index % 5 < 3].reset_index(drop=True),
            "valid": frame[index % 5 == 3].reset_index(drop=True),
            "test": frame[index % 5 == 4].reset_index(drop=True)}


FEATURES = ["group", "height", "member"]
