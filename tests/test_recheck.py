"""Borderline int8 decisions are re-checked with the default runtime; the rest keep fast outputs."""

from __future__ import annotations

import importlib.util

import numpy as np
import pytest

from conftest import make_task_data
from textladder.errors import TextladderError
from textladder.recheck import Recheck, check_margin
from textladder.tasks import make_task


def _task(name):
    labels = {"binary": ["n", "y"], "multiclass": ["a", "b", "c"], "ordinal": [1, 2, 3],
              "multilabel": [("a",), ("b",), ("a", "b")], "regression": [0.0, 0.5, 1.0]}[name]
    return make_task(name).fit(labels * 4)


@pytest.mark.parametrize("name, output, margin", [
    ("binary", [[0.3, 0.7], [0.55, 0.45]], [0.2, 0.05]),
    ("multiclass", [[0.5, 0.3, 0.2], [0.34, 0.33, 0.33]], [0.1, 0.005]),
    ("ordinal", [[0.2, 0.25, 0.55], [0.6, 0.3, 0.1]], [0.05, 0.1]),
    ("multilabel", [[0.9, 0.45], [0.2, 0.8]], [0.05, 0.3]),
])
def test_the_margin_is_the_distance_to_the_nearest_other_decision(name, output, margin):
    np.testing.assert_allclose(_task(name).decision_margin(np.array(output)), margin)


def test_a_regression_has_no_decision_to_recheck():
    assert np.isinf(_task("regression").decision_margin(np.array([0.1, 0.9]))).all()


@pytest.mark.parametrize("name", ["binary", "multiclass", "ordinal", "multilabel"])
def test_outputs_moved_by_less_than_the_margin_keep_their_decision(name):
    task = _task(name)
    rng = np.random.default_rng(0)
    output = rng.uniform(size=(500, task.n_outputs))
    if name != "multilabel":
        output /= output.sum(axis=1, keepdims=True)
    margin = task.decision_margin(output)
    # The decisive quantities (probabilities, or cumulative ones for ordinal) each move by less
    # than the margin: a shift of all mass between two neighbouring levels moves one cumulative.
    moved = output.copy()
    if name == "ordinal":
        shift = 0.99 * margin * rng.choice([-1, 1], len(output))
        shift = np.clip(shift, -moved[:, 1], moved[:, 0])
        moved[:, 0] -= shift
        moved[:, 1] += shift
    elif name == "multiclass":  # the top two move towards each other
        top, second = np.argsort(output, axis=1)[:, -1], np.argsort(output, axis=1)[:, -2]
        rows = np.arange(len(output))
        moved[rows, top] -= 0.99 * margin
        moved[rows, second] += 0.99 * margin
    else:
        moved += 0.99 * margin[:, None] * rng.choice([-1, 1], moved.shape)
    np.testing.assert_array_equal(task.decide(moved), task.decide(output))


class _Exact:
    def __init__(self):
        self.asked = []

    def predict_output(self, texts):
        self.asked.extend(texts)
        return np.tile([[0.0, 1.0]], (len(texts), 1))


def test_only_texts_within_the_margin_are_recomputed_and_the_exact_model_loads_lazily():
    task, exact, loads = _task("binary"), _Exact(), []
    recheck = Recheck(task, lambda: loads.append(1) or exact, margin=0.1)
    far = np.array([[0.9, 0.1], [0.2, 0.8]])
    assert recheck(["a", "b"], far) is far and not loads
    output = recheck(["a", "b", "c"], np.array([[0.55, 0.45], [0.1, 0.9], [0.45, 0.55]]))
    assert exact.asked == ["a", "c"] and loads == [1]
    np.testing.assert_array_equal(output, [[0.0, 1.0], [0.1, 0.9], [0.0, 1.0]])
    assert recheck.share == pytest.approx(2 / 5)


def test_numpy_numbers_are_margins_too():
    assert check_margin(np.float32(0.25)) == 0.25 and check_margin(np.int64(0)) == 0.0


@pytest.mark.parametrize("margin", [-0.1, 1.5, float("nan"), "0.1", True])
def test_a_margin_outside_zero_to_one_is_refused(margin):
    with pytest.raises(TextladderError, match="between 0 and 1"):
        check_margin(margin)


def test_rechecking_every_text_gives_the_default_runtimes_outputs(tmp_path):
    from textladder import TextClassifier
    from textladder.encoders.locate import encoders_available

    if not encoders_available() or importlib.util.find_spec("onnxruntime") is None:
        pytest.skip("needs the neural extra")

    texts, labels = make_task_data("multiclass")
    clf = TextClassifier(model="minilm", model_params={"head": "logistic", "cache": False})
    clf.fit(texts, labels, valid=(texts, labels)).save(tmp_path / "m")
    exact = clf.predict_proba(texts)
    fast = TextClassifier.load(tmp_path / "m", runtime="onnx", recheck_margin=0)
    every = TextClassifier.load(tmp_path / "m", runtime="onnx", recheck_margin=1)
    assert fast.recheck_ is None and not np.array_equal(fast.predict_proba(texts), exact)
    np.testing.assert_allclose(every.predict_proba(texts), exact, rtol=1e-6, atol=1e-7)
    assert every.recheck_.share == 1.0


def test_the_command_line_refuses_a_margin_above_one(tmp_path):
    from typer.testing import CliRunner

    from textladder.cli.app import app

    result = CliRunner().invoke(app, ["predict", str(tmp_path), "a text", "--runtime", "onnx",
                                      "--recheck-margin", "2"])
    assert result.exit_code != 0
    assert "between 0 and 1" in result.output and "Traceback" not in result.output
