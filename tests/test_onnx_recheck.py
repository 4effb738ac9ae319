"""Borderline int8 decisions are re-checked; the margin is log-odds to another decision, chosen as
the smallest step that keeps the target share of the default runtime's decisions."""

from __future__ import annotations

import numpy as np
import pytest

from textladder.errors import TextladderError
from textladder.onnx.recheck import Recheck, check_margin
from textladder.tasks import make_task


def _task(name):
    labels = {"binary": ["n", "y"], "multiclass": ["a", "b", "c"], "ordinal": [1, 2, 3],
              "multilabel": [("a",), ("b",), ("a", "b")], "regression": [0.0, 0.5, 1.0]}[name]
    return make_task(name).fit(labels * 4)


def _odds(p):
    return np.log(p / (1 - p))


@pytest.mark.parametrize("name, output, margin", [
    ("binary", [[0.3, 0.7], [0.55, 0.45]], [_odds(0.7), -_odds(0.45)]),
    ("multiclass", [[0.5, 0.3, 0.2], [0.34, 0.33, 0.33]],
     [np.log(0.5 / 0.3) / 2, np.log(0.34 / 0.33) / 2]),
    ("ordinal", [[0.2, 0.25, 0.55], [0.6, 0.3, 0.1]], [-_odds(0.45), _odds(0.6)]),
    ("multilabel", [[0.9, 0.45], [0.2, 0.8]], [-_odds(0.45), _odds(0.8)]),
])
def test_the_margin_is_the_log_odds_to_the_nearest_other_decision(name, output, margin):
    np.testing.assert_allclose(_task(name).decision_margin(np.array(output)), margin)


def test_a_label_far_below_a_tiny_threshold_is_not_borderline():
    task = _task("multilabel")
    task.thresholds_ = np.array([0.004, 0.5])
    # 0.0039 from its threshold in probability, but 3.7 in log-odds: int8 does not reach it
    margin = task.decision_margin(np.array([[0.0001, 0.99]]))
    assert margin[0] == pytest.approx(_odds(0.004) - _odds(0.0001))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_outputs_at_the_ends_of_float32_are_borderline_against_a_threshold_there(dtype):
    task = _with_thresholds(_task("binary"), [1 - 2.0**-26])  # between 1 - 2**-24 and 1
    below_one = np.nextafter(np.float32(1), np.float32(0))
    output = np.array([[0, 1], [1 - below_one, below_one], [1, 0]], dtype=dtype)
    assert task.decision_margin(output)[:2].max() == 0
    assert task.decision_margin(output)[2] > 10
    assert task.decision_margin(np.array([[0.5, 0.5]]))[0] > 10


def test_a_tie_with_the_threshold_is_borderline():
    task = _with_thresholds(_task("multilabel"), [0.3, 0.6])
    assert task.decision_margin(np.array([[0.3, 0.9], [0.1, 0.6]], dtype=np.float32)).max() < 1e-6


def test_a_regression_has_no_decision_to_recheck():
    assert np.isinf(_task("regression").decision_margin(np.array([0.1, 0.9]))).all()


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


def _with_thresholds(task, thresholds):
    if thresholds is not None and task.name == "binary":
        task.threshold_ = thresholds[0]
    elif thresholds is not None:
        task.thresholds_ = np.array(thresholds)
    return task


def test_a_tuned_threshold_is_where_the_margin_is_measured_from():
    task = _with_thresholds(_task("binary"), [0.3])
    np.testing.assert_allclose(task.decision_margin(np.array([[0.3, 0.7], [0.8, 0.2]])),
                               [_odds(0.7) - _odds(0.3), _odds(0.3) - _odds(0.2)])


@pytest.mark.parametrize("name, thresholds", [
    ("binary", None), ("binary", [0.3]), ("binary", [0.97]), ("binary", [0.004]),
    ("multiclass", None), ("ordinal", None), ("multilabel", None),
    ("multilabel", [0.004, 0.97]),
])
def test_log_odds_moved_by_less_than_the_margin_keep_their_decision(name, thresholds):
    task = _with_thresholds(_task(name), thresholds)
    rng = np.random.default_rng(0)
    output = rng.uniform(0, 1, size=(500, task.n_outputs)) ** rng.uniform(0.2, 5, (500, 1))
    if name != "multilabel":
        output /= output.sum(axis=1, keepdims=True)
    margin = task.decision_margin(output)
    step = 0.99 * margin[:, None] * rng.choice([-1, 1], (len(output), 1))
    if name == "multiclass":  # the top two logits move towards each other
        logits = np.log(output)
        top, second = np.argsort(output, axis=1)[:, -1], np.argsort(output, axis=1)[:, -2]
        rows = np.arange(len(output))
        logits[rows, top] -= np.abs(step[:, 0])
        logits[rows, second] += np.abs(step[:, 0])
        moved = np.exp(logits) / np.exp(logits).sum(axis=1, keepdims=True)
    elif name == "ordinal":  # every cumulative probability's log-odds shifts the same way
        cumulative = _sigmoid(_odds(np.cumsum(output, axis=1)[:, :-1]) + step)
        moved = np.diff(cumulative, axis=1, prepend=0, append=1)
    else:
        moved = _sigmoid(_odds(output) + step * rng.choice([-1, 1], output.shape))
    np.testing.assert_array_equal(task.decide(moved), task.decide(output))


class _Exact:
    def __init__(self):
        self.asked = []

    def predict_output(self, texts):
        self.asked.extend(texts)
        return np.tile([[0.0, 1.0]], (len(texts), 1))


def test_only_texts_within_the_margin_are_recomputed_and_the_exact_model_loads_lazily():
    task, exact, loads = _task("binary"), _Exact(), []
    recheck = Recheck(task, lambda: loads.append(1) or exact, margin=0.3)  # 0.45: 0.2 log-odds
    far = np.array([[0.9, 0.1], [0.2, 0.8]])
    assert recheck(["a", "b"], far) is far and not loads
    output = recheck(["a", "b", "c"], np.array([[0.55, 0.45], [0.1, 0.9], [0.45, 0.55]]))
    assert exact.asked == ["a", "c"] and loads == [1]
    np.testing.assert_array_equal(output, [[0.0, 1.0], [0.1, 0.9], [0.0, 1.0]])
    assert recheck.share == pytest.approx(2 / 5)


def test_numpy_numbers_are_margins_too():
    assert check_margin(np.float32(0.25)) == 0.25 and check_margin(np.int64(0)) == 0.0


def test_a_margin_of_any_number_of_log_odds_is_accepted():
    assert check_margin(1.5) == 1.5 and check_margin(0) == 0.0


@pytest.mark.parametrize("margin", [-0.1, float("nan"), float("inf"), "0.1", True])
def test_a_negative_or_non_numeric_margin_is_refused(margin):
    with pytest.raises(TextladderError, match="0 or more"):
        check_margin(margin)


def test_the_command_line_refuses_a_negative_margin(tmp_path):
    from typer.testing import CliRunner

    from textladder.cli.app import app

    result = CliRunner().invoke(app, ["predict", str(tmp_path), "a text", "--runtime", "onnx",
                                      "--recheck-margin=-1"])
    assert result.exit_code != 0
    assert "0 or more" in result.output and "Traceback" not in result.output


def test_the_margin_chosen_is_the_smallest_step_that_keeps_the_target_share():
    from textladder.onnx.recheck import MARGIN_STEPS, choose_margin

    task = _task("binary")
    p = np.linspace(0.05, 0.95, 200)
    exact = np.stack([1 - p, p], axis=1)
    moved = 1 / (1 + np.exp(-(_odds(p) - 0.07)))  # every text 0.07 log-odds lower
    fast = np.stack([1 - moved, moved], axis=1)
    flipped = task.decide(exact) != task.decide(fast)
    assert flipped.any()
    chosen = choose_margin(task, exact, fast, target=1.0)
    margin = chosen["recheck_margin"]
    assert margin in MARGIN_STEPS and chosen["agreement"] == 1.0
    # the flipped text furthest from its threshold in the fast outputs sets the need
    needed = task.decision_margin(fast)[flipped].max()
    assert 0 < needed < 0.07 and margin > needed
    assert MARGIN_STEPS[MARGIN_STEPS.index(margin) - 1] <= needed
    assert margin - needed <= 0.01  # steps of 0.01 where int8 margins fall
    assert chosen["rechecked"] == np.mean(task.decision_margin(fast) < margin)
    # a lower target is met by a smaller step, with the share of decisions it keeps
    loose = choose_margin(task, exact, fast, target=1 - flipped.mean())
    assert loose["recheck_margin"] == 0.0 and loose["agreement"] == 1 - flipped.mean()


def test_an_unreachable_target_takes_the_largest_step_and_regression_has_none():
    from textladder.onnx.recheck import MARGIN_STEPS, choose_margin

    task = _task("multilabel")
    exact = np.array([[0.99, 0.01], [0.01, 0.99]])
    fast = exact[:, ::-1]  # far from the thresholds, every set flipped
    chosen = choose_margin(task, exact, fast)
    assert chosen["recheck_margin"] == MARGIN_STEPS[-1] and chosen["agreement"] == 0.0
    assert choose_margin(_task("regression"), np.zeros((3, 1)), np.ones((3, 1))) is None


@pytest.mark.parametrize("name, exact, fast", [
    ("multiclass", [[0.5, 0.3, 0.2], [0.2, 0.41, 0.39], [0.1, 0.1, 0.8]],
     [[0.5, 0.3, 0.2], [0.2, 0.39, 0.41], [0.1, 0.1, 0.8]]),
    ("ordinal", [[0.2, 0.32, 0.48], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]],
     [[0.2, 0.28, 0.52], [0.6, 0.3, 0.1], [0.1, 0.1, 0.8]]),
])
def test_a_flipped_borderline_text_is_recovered_by_the_margin_chosen(name, exact, fast):
    from textladder.onnx.recheck import choose_margin

    task = _task(name)
    exact, fast = np.array(exact), np.array(fast)
    alone = choose_margin(task, exact, fast, target=0.5)
    assert alone["recheck_margin"] == 0.0 and alone["agreement"] == pytest.approx(2 / 3)
    chosen = choose_margin(task, exact, fast, target=1.0)
    flipped = np.flatnonzero(task.decide(exact) != task.decide(fast))
    assert len(flipped) == 1
    assert chosen["agreement"] == 1.0
    assert chosen["recheck_margin"] > task.decision_margin(fast)[flipped[0]]
    assert chosen["rechecked"] < 1.0  # the clear third text is not re-checked


def test_the_margin_is_chosen_on_what_the_recheck_gives():
    from textladder.onnx.recheck import choose_margin

    task = _task("binary")
    def two(p):
        return np.array([[1 - x, x] for x in p])

    exact, fast = two([0.6, 0.3, 0.9]), two([0.49, 0.3, 0.9])  # the first text flipped
    assert choose_margin(task, exact, fast, target=1.0)["recheck_margin"] > 0
    wrong = two([0.4, 0.3, 0.9])  # a re-check that decides the first text otherwise
    chosen = choose_margin(task, exact, fast, target=1.0, refined=wrong)
    assert chosen["agreement"] < 1.0  # no margin can help: the re-check itself disagrees


def test_a_calibrated_model_rechecks_by_its_calibrated_margin():
    """A calibrated model's threshold was tuned on tempered outputs: a raw output far from it
    can sit close once tempered, and that is what decides whether it is re-checked."""
    from textladder.calibration import Temperature
    from textladder.onnx.runtime import _CalibratedDecisions

    task = _with_thresholds(_task("binary"), [0.6])
    calibration = Temperature("binary", 4.0)
    raw = np.array([[0.1, 0.9]])  # raw log-odds 2.2; tempered 0.55, 0.14 from the threshold's
    assert task.decision_margin(raw)[0] > 1.5
    exact = _Exact()
    Recheck(task, lambda: exact, margin=0.5)(["a"], raw)
    assert exact.asked == []  # measured on raw outputs, it would not be re-checked
    Recheck(_CalibratedDecisions(task, calibration), lambda: exact, margin=0.5)(["a"], raw)
    assert exact.asked == ["a"]
