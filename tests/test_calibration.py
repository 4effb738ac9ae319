"""Temperature scaling: fitted on validation, it makes overconfident probabilities honest, keeps
the decisions, and stays with the model through save and load."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_helpers import assert_clean_error, run, run_json
from conftest import make_task_data, write_table
from textladder import TextClassifier
from textladder.calibration import (Temperature, expected_calibration_error, fit_temperature,
                                    negative_log_likelihood, reliability, scale)
from textladder.errors import TextladderError
from textladder.tasks.ordinal import cumulative_to_class_probs


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def overconfident(task: str, n: int = 4000, sharpen: float = 3.0, seed: int = 0):
    """Targets drawn from calibrated probabilities, and those probabilities made `sharpen`
    times overconfident (their scores multiplied)."""
    rng = np.random.default_rng(seed)
    if task == "multiclass":
        logits = rng.normal(size=(n, 4)) * 1.5
        honest = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
        targets = np.array([rng.choice(4, p=p) for p in honest])
        sharp = np.exp(sharpen * logits)
        return targets, sharp / sharp.sum(axis=1, keepdims=True)
    if task == "binary":
        z = rng.normal(size=n) * 1.5
        targets = (rng.random(n) < _sigmoid(z)).astype(int)
        p = _sigmoid(sharpen * z)
        return targets, np.column_stack([1 - p, p])
    if task == "multilabel":
        z = rng.normal(size=(n, 3)) * 1.5 - 0.5
        return (rng.random((n, 3)) < _sigmoid(z)).astype(int), _sigmoid(sharpen * z)
    if task == "ordinal":  # cumulative events with sorted thresholds
        z = rng.normal(size=(n, 1)) * 1.5 - np.array([[-1.0, 0.0, 1.0]])
        honest = cumulative_to_class_probs(_sigmoid(z))
        targets = np.array([rng.choice(4, p=p) for p in honest])
        return targets, cumulative_to_class_probs(_sigmoid(sharpen * z))
    raise ValueError(task)


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel", "ordinal"])
def test_temperature_undoes_overconfidence_on_held_out_data(task):
    targets, outputs = overconfident(task, seed=0)
    t = fit_temperature(task, targets, outputs)
    assert 2.5 < t < 3.5  # the scores were multiplied by 3
    held_targets, held_outputs = overconfident(task, seed=1)  # fitted on one set, judged on another
    after = scale(task, held_outputs, t)
    assert expected_calibration_error(task, held_targets, after) < 0.03
    assert expected_calibration_error(task, held_targets, held_outputs) > 0.06
    assert negative_log_likelihood(task, held_targets, after) < negative_log_likelihood(
        task, held_targets, held_outputs)


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel", "ordinal"])
def test_scaling_keeps_rows_valid_and_can_be_undone(task):
    _, outputs = overconfident(task, n=200)
    calibration = Temperature(task, 2.5)
    after = calibration(outputs)
    if task != "multilabel":
        np.testing.assert_allclose(after.sum(axis=1), 1.0, atol=1e-9)
    assert np.all((after >= 0) & (after <= 1))
    np.testing.assert_allclose(calibration.undo(after), outputs, atol=1e-6)


def test_argmax_and_median_decisions_do_not_move():
    from textladder.tasks import make_task

    for task_name in ("multiclass", "ordinal"):
        targets, outputs = overconfident(task_name, n=500)
        task = make_task(task_name).fit(list(range(4)))
        for t in (0.3, 4.0):
            np.testing.assert_array_equal(task.decide(scale(task_name, outputs, t)),
                                          task.decide(outputs))


def test_reliability_bins_count_every_pair_and_match_a_hand_count():
    targets = np.array([0, 1, 1, 0])
    outputs = np.array([[0.9, 0.1], [0.2, 0.8], [0.6, 0.4], [0.55, 0.45]])
    bins = reliability("binary", targets, outputs, bins=10)
    assert sum(bins["count"]) == 4
    # top-class confidences 0.9 (right), 0.8 (right), 0.6 (wrong), 0.55 (right): |0.9-1| + |0.8-1|
    # + |0.6-0| + |0.55-1| over 4, each in its own bin
    assert bins["ece"] == pytest.approx((0.1 + 0.2 + 0.6 + 0.45) / 4)


def test_a_calibrated_model_keeps_its_temperature_through_save_and_load(tmp_path):
    texts, labels = make_task_data("multiclass", 30)
    clf = TextClassifier(model="tfidf", model_params={"C": [0.3]}, calibrate=True).fit(
        texts, labels)
    raw = clf.family_.predict_output(texts)
    outputs = clf.predict_output(texts)
    t = clf.calibration_.temperature
    assert t != 1.0
    np.testing.assert_allclose(outputs, scale("multiclass", raw, t))
    clf.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["calibration"]["temperature"] == pytest.approx(t)
    valid = config["calibration"]["valid"]
    assert valid["ece_after"] <= valid["ece_before"]
    loaded = TextClassifier.load(tmp_path / "m")
    np.testing.assert_allclose(loaded.predict_output(texts), outputs)
    assert loaded.calibrate


def test_thresholds_are_tuned_on_the_calibrated_outputs():
    texts, labels = make_task_data("binary", 30)
    valid = (texts[::3], labels[::3])
    clf = TextClassifier(model="tfidf", model_params={"C": [0.2]}, calibrate=True).fit(
        texts, labels, valid=valid)
    tuned = clf.task_.tuned_copy(clf.encode_labels(valid[1]), clf.predict_output(valid[0]))
    assert clf.task_.threshold_ == pytest.approx(tuned.threshold_)


def test_calibrating_a_regression_is_refused_in_one_line(tmp_path):
    texts, labels = make_task_data("regression", 20)
    with pytest.raises(TextladderError, match="calibrate"):
        TextClassifier(model="tfidf", calibrate=True).fit(texts, labels)
    data = write_table(tmp_path / "r.csv", texts, labels)
    assert_clean_error(run("train", data, "--out", tmp_path / "m", "--calibrate"), "calibrate")


def test_train_calibrate_reports_the_error_before_and_after(tmp_path):
    texts, labels = make_task_data("multilabel", 30)
    data = write_table(tmp_path / "ml.csv", texts, labels)
    report = run_json("train", data, "--model", "tfidf", "--out", tmp_path / "m", "--set",
                      "C=[0.3]", "--calibrate", "--no-report")
    calibration = report["calibration"]
    assert calibration["method"] == "temperature"
    assert calibration["valid"]["ece_after"] <= calibration["valid"]["ece_before"]
    assert "report" not in report and not (tmp_path / "m.report.html").exists()  # --no-report


def test_train_says_when_the_temperature_raised_the_validation_error(monkeypatch):
    import io

    from rich.console import Console

    from textladder.cli import render

    def shown(before, after):
        stream = io.StringIO()
        monkeypatch.setattr(render, "out", Console(file=stream, width=300))
        render._show_calibration({"temperature": 1.2,
                                  "valid": {"ece_before": before, "ece_after": after}})
        return stream.getvalue()

    assert "0.0923 -> 0.0963" in shown(0.0923, 0.0963)
    assert "the error rose" in shown(0.0923, 0.0963)
    assert "the error rose" not in shown(0.0963, 0.0923)
