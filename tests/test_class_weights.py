"""Class weights raise a minority class's recall where it must be won against a majority.

The minority class `c` (4 % of the training rows) is texts of the majority class `a` with one
word of its own added. Unweighted, a model finds it cheaper to call those texts `a`; weighted by
inverse frequency, it must learn the word. Multi-class, so that argmax decides and no threshold
tuned on validation can make up for the weights.
"""

from __future__ import annotations

import numpy as np
import pytest

from textladder import TextClassifier

A = ["table", "window", "street", "paper", "kitchen", "garden"]
B = ["chase", "fight", "stunt", "battle", "gunfire", "explosion"]
C = ["refund", "broken", "return", "faulty", "damaged", "replace"]


def _rows(n_a: int, n_b: int, n_c: int, seed: int) -> tuple[list[str], list[str]]:
    rng = np.random.default_rng(seed)
    texts = []
    for kind, n in (("a", n_a), ("b", n_b), ("c", n_c)):
        for i in range(n):
            words = list(rng.choice(B if kind == "b" else A, 3))
            if kind == "c":
                words.append(str(rng.choice(C)))
            texts.append(" ".join(words + [f"row{seed}x{i}"]))
    return texts, ["a"] * n_a + ["b"] * n_b + ["c"] * n_c


SETTINGS = {
    "tfidf": {"C": [1.0]},
    # the rung's default rate: a step of 4 on the batch's mean loss (0.25 barely moved the head)
    "fasttext": {"epochs": 20, "patience": 20, "lr": 4.0, "batch_size": 16, "buckets": 1000,
                 "dim": 16, "word_ngrams": 1},
}


@pytest.mark.parametrize("family", ["tfidf", "fasttext"])
def test_balanced_class_weights_raise_the_minority_recall(family):
    train, valid, test = _rows(100, 100, 8, 0), _rows(30, 30, 3, 1), _rows(40, 40, 40, 2)
    recall, macro_f1 = {}, {}
    for weighting in ("none", "balanced"):
        clf = TextClassifier(model=family,
                             model_params={**SETTINGS[family], "class_weight": weighting})
        metrics = clf.fit(*train, valid=valid).evaluate(*test)
        recall[weighting] = metrics["per_class"]["c"]["recall"]
        macro_f1[weighting] = metrics["macro_f1"]
    assert recall["balanced"] >= recall["none"] + 0.25, recall
    assert macro_f1["balanced"] > macro_f1["none"], macro_f1
