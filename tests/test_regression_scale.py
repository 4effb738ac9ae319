"""Regression targets far from zero (timestamps, large amounts) keep their digits: every rung
fits and answers in float64 where float32 would round 100,000,000.5 to 100,000,000."""

from __future__ import annotations

import numpy as np
import pytest

from cli_helpers import run_json
from conftest import make_task_data, tiny_settings, write_table
from textladder import TextClassifier

OFFSET = 1e8


@pytest.mark.parametrize("model", ["tfidf", "fasttext"])
def test_a_regression_far_from_zero_predicts_its_levels_apart(model, tmp_path):
    texts, scores = make_task_data("regression")
    labels = [OFFSET + s for s in scores]
    settings = {"C": [10.0]} if model == "tfidf" else tiny_settings(model, tmp_path)
    clf = TextClassifier(model=model, model_params=settings).fit(texts, labels,
                                                                 valid=(texts, labels))
    predicted = np.asarray(clf.predict(texts)) - OFFSET
    # the same texts as at zero: low, middle and high scores told apart
    assert predicted[:12].mean() < 0.25 < predicted[12:24].mean() < 0.75 < predicted[24:].mean()
    clf.save(tmp_path / "m")
    np.testing.assert_allclose(np.asarray(TextClassifier.load(tmp_path / "m").predict(texts))
                               - OFFSET,
                               predicted, atol=1e-6)


def test_the_plan_says_the_range_of_targets_far_from_zero(tmp_path):
    texts, scores = make_task_data("regression")
    data = write_table(tmp_path / "big.csv", texts, [f"{OFFSET + s:.1f}" for s in scores])
    seen = run_json("inspect", data)
    assert "from 100000000 to 100000001" in seen["task_reason"]


def test_the_recorded_outputs_of_targets_far_from_zero_keep_their_digits(tmp_path):

    texts, scores = make_task_data("regression")
    data = write_table(tmp_path / "big.csv", texts * 3, [OFFSET + s for s in scores] * 3)
    run_json("train", data, "--model", "tfidf", "--set", "C=[10]", "--out", tmp_path / "m",
             "--no-report")
    from safetensors.numpy import load_file

    for split in ("valid", "test"):
        arrays = load_file(str(tmp_path / "m" / "best" / "evaluation" / f"{split}.safetensors"))
        assert len(np.unique(arrays["targets"])) > 1  # 1e8, 1e8 + 0.5 and 1e8 + 1 stay apart
        assert np.ptp(arrays["outputs"]) > 0.5


def test_the_range_of_whole_number_targets_is_said_in_whole_numbers():
    from textladder.tasks.detect import _span

    assert _span(75000, 7500000) == "75000 to 7500000"
    assert _span(100000000.0, 100000000.5) == "100000000 to 100000000.5"


def test_the_report_weighs_ngrams_of_a_regression_in_the_targets_units():
    from textladder.families.linear_heads import ScaledRidge
    from textladder.report.ngrams import _coefficients

    rng = np.random.default_rng(0)
    X = rng.random((40, 5)).astype(np.float32)
    y = X @ np.array([1.0, -2.0, 0.5, 0.0, 3.0])
    weights = [_coefficients(ScaledRidge(alpha=0.1).fit(X, scale * y), "linear",
                             [])["raise the score"] for scale in (1.0, 1000.0)]
    np.testing.assert_allclose(weights[1], 1000 * weights[0], rtol=1e-4)
    assert weights[0][4] > weights[0][0] > 0 > weights[0][1]  # the targets' own units
