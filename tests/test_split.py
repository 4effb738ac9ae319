"""`split_holdout` keeps the label balance: class shares, label shares, the spread of scores."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from textladder.data.split import split_holdout
from textladder.errors import TextladderError


def _shares(labels, rows) -> dict:
    counts = Counter(labels[i] for i in rows)
    return {label: count / len(rows) for label, count in counts.items()}


def test_single_label_keeps_class_proportions():
    rng = np.random.default_rng(0)
    labels = list(rng.permutation(["a"] * 300 + ["b"] * 150 + ["c"] * 40 + ["d"] * 10))
    kept, held = split_holdout(labels, "multiclass", 0.2, seed=1)
    assert len(held) == 100 and len(kept) == 400
    assert not set(kept) & set(held) and len(set(kept) | set(held)) == 500
    assert Counter(labels[i] for i in held) == {"a": 60, "b": 30, "c": 8, "d": 2}
    for seed in range(5):  # any seed: at most one row off each class's share
        _, held = split_holdout(labels, "multiclass", 0.1, seed)
        counts = Counter(labels[i] for i in held)
        assert all(abs(counts[c] - n / 10) <= 1 for c, n in Counter(labels).items())


def test_multilabel_keeps_each_labels_share():
    rng = np.random.default_rng(0)
    shares = {"action": 0.5, "comedy": 0.3, "drama": 0.15, "horror": 0.04}
    labels = [tuple(sorted(l for l, p in shares.items() if rng.random() < p)) for _ in range(600)]
    kept, held = split_holdout(labels, "multilabel", 0.2, seed=0)
    assert len(held) == 120 and not set(kept) & set(held)
    for label in shares:
        overall = np.mean([label in row for row in labels])
        in_held = np.mean([label in labels[i] for i in held])
        in_kept = np.mean([label in labels[i] for i in kept])
        # one row of 120 is 0.8 %: iterative stratification stays within about one row
        assert abs(in_held - overall) <= 1.5 / len(held), label
        assert abs(in_kept - overall) <= 1.5 / len(held), label
    # the rare label is on both sides (a random split of 24 positives often leaves few)
    assert sum("horror" in labels[i] for i in held) >= 3


def test_regression_keeps_the_spread_of_scores():
    rng = np.random.default_rng(0)
    values = list(rng.lognormal(0.0, 1.0, 400))  # skewed: a few large scores
    kept, held = split_holdout(values, "regression", 0.1, seed=3)
    assert len(held) == 40 and not set(kept) & set(held)
    held_values = np.array([values[i] for i in held])
    # every tenth of the score range (by quantile) is held out in proportion: 4 of 40 rows
    edges = np.quantile(values, np.linspace(0, 1, 11)[1:-1])
    counts = np.bincount(np.searchsorted(edges, held_values, side="right"), minlength=10)
    assert counts.min() >= 3 and counts.max() <= 5
    assert held_values.max() > np.quantile(values, 0.9)  # the long tail is represented


def test_a_class_with_one_example_cannot_be_split():
    with pytest.raises(TextladderError, match="class 'rare' has only one example"):
        split_holdout(["a"] * 10 + ["b"] * 10 + ["rare"], "multiclass", 0.1, seed=0)


def test_validation_takes_more_of_small_data_when_no_size_is_given(tmp_path):
    from cli_helpers import run_json
    from conftest import write_table

    from textladder.data.split import validation_fraction

    assert validation_fraction(50_000) == validation_fraction(5_000) == 0.1
    assert validation_fraction(2_500) == 0.2 and validation_fraction(100) == 0.2
    assert 0.1 < validation_fraction(4_000) < 0.2
    assert validation_fraction(100, 0.3) == 0.3  # a size given is kept
    rng = np.random.default_rng(3)
    texts = [f"{rng.choice(['good', 'bad'])} item number {i}" for i in range(400)]
    labels = ["pos" if t.startswith("good") else "neg" for t in texts]
    data = write_table(tmp_path / "small.csv", texts, labels)
    rows = run_json("train", data, "--model", "tfidf", "--set", "C=[1]", "--out",
                    tmp_path / "run", "--no-report")["data"]["rows"]
    assert rows["test"] == 40  # test keeps its 10 %
    assert rows["valid"] == 72 and rows["train"] == 288  # 20 % of the 360 rows left
