"""Ordinal models learn the order of the levels, and their cumulative heads give probabilities."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import tiny_settings
from textladder import TextClassifier


def _review(level: int, seed: int) -> str:
    """A text of level 1-5: four judging words, `level - 1` of them praise, the rest blame."""
    rng = np.random.default_rng(seed)
    words = ["great"] * (level - 1) + ["awful"] * (5 - level)
    return " ".join(rng.permutation(words).tolist() + ["film", str(seed)])


def _reviews(seeds) -> tuple[list[str], list[int]]:
    rows = [(_review(level, 100 * level + s), level) for level in range(1, 6) for s in seeds]
    return [text for text, _ in rows], [level for _, level in rows]


def _chain(seed: int) -> list[str]:
    """Texts one praise word apart, from level 1 to level 5."""
    return [_review(level, seed) for level in range(1, 6)]


@pytest.mark.parametrize("family", ["tfidf", "fasttext"])
def test_an_ordinal_model_predicts_ordered_levels(family, tmp_path):
    settings = tiny_settings(family, tmp_path)
    if family == "fasttext":  # words alone, fewer epochs: a fit of a second
        settings.update(word_ngrams=1, epochs=20, patience=20)
    clf = TextClassifier(model=family, model_params=settings)
    clf.fit(*_reviews(range(8)), valid=_reviews(range(8, 11)))
    assert clf.task_.name == "ordinal" and list(clf.classes_) == [1, 2, 3, 4, 5]
    texts, levels = _reviews(range(11, 15))  # held out
    metrics = clf.evaluate(texts, levels)
    assert metrics["qwk"] >= 0.9 and metrics["off_by_one_accuracy"] == 1.0
    proba = clf.predict_proba(texts)
    expected = proba @ np.arange(1, 6)
    means = [expected[np.array(levels) == level].mean() for level in range(1, 6)]
    assert means == sorted(means) and len(set(means)) == 5  # strictly rising with the level
    for seed in range(20, 25):  # one more praise word never lowers the predicted level
        predicted = clf.predict(_chain(seed))
        assert predicted == sorted(predicted), predicted
    greater = 1 - np.cumsum(proba, axis=1)[:, :-1]  # P(level > k), k = 1..4
    assert np.all(np.diff(greater, axis=1) <= 1e-9)


def test_the_cumulative_heads_give_probabilities_even_for_extreme_or_crossing_scores():
    torch = pytest.importorskip("torch")
    from textladder.families.linear_heads import CumulativeLogit
    from textladder.neural.heads import TorchHead

    logits = torch.tensor([[30.0, -30.0, 30.0], [-30.0, 30.0, -30.0], [0.0, 0.0, 0.0],
                           [5.0, 5.0, -5.0]])
    output = TorchHead("cumulative", 3).to_output(logits)  # the torch rungs' CORN head
    assert output.shape == (4, 4)
    assert np.all(output >= 0) and np.all(output <= 1)
    np.testing.assert_allclose(output.sum(axis=1), 1.0, atol=1e-6)
    # P(level > k) is a running product of conditionals: 0.5, 0.25, 0.125 for zero logits
    np.testing.assert_allclose(output[2], [0.5, 0.25, 0.125, 0.125], atol=1e-6)

    rng = np.random.default_rng(0)
    X = rng.normal(size=(60, 3))
    y = np.clip(np.round(X[:, 0] + 1.5), 0, 3).astype(int)  # four ordered levels
    model = CumulativeLogit(n_levels=4, C=1.0).fit(X, y)
    proba = model.predict_proba(rng.normal(scale=5.0, size=(40, 3)))  # far outside the data
    assert np.all(proba >= 0) and np.all(proba <= 1)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
