"""Each task type owns its head, decision rule, tuned parameters and metrics."""

from __future__ import annotations

import numpy as np
import pytest

from textladder.errors import TextladderError
from textladder.tasks import TASK_TYPES, make_task, task_from_config
from textladder.tasks.ordinal import cumulative_to_class_probs, ordinal_targets

REQUIRED_METRICS = {
    "binary": {"accuracy", "precision", "recall", "f1", "macro_f1", "balanced_accuracy",
               "roc_auc", "pr_auc"},
    "multiclass": {"accuracy", "macro_f1", "weighted_f1", "macro_recall", "balanced_accuracy",
                   "per_class", "confusion_matrix"},
    "multilabel": {"micro_f1", "macro_f1", "samples_f1", "subset_accuracy", "hamming_loss",
                   "per_label"},
    "ordinal": {"accuracy", "macro_f1", "mae", "qwk", "off_by_one_accuracy", "confusion_matrix"},
    "regression": {"mae", "rmse", "r2", "pearson", "spearman"},
}


def _fitted(name):
    labels = {"binary": ["n", "y"], "multiclass": ["a", "b", "c"], "ordinal": [1, 2, 3],
              "multilabel": [("a",), ("b",), ("a", "b")], "regression": [0.0, 0.5, 1.0]}[name]
    return make_task(name).fit(labels * 4), labels * 4


@pytest.mark.parametrize("name", TASK_TYPES)
def test_metrics_are_the_documented_ones(name):
    task, labels = _fitted(name)
    targets = task.encode(labels)
    rng = np.random.default_rng(0)
    if name == "regression":
        output = targets + rng.normal(0, 0.1, len(targets))
    else:
        output = rng.uniform(size=(len(targets), task.n_outputs))
        if name != "multilabel":
            output /= output.sum(axis=1, keepdims=True)
    metrics = task.evaluate(targets, output)
    assert REQUIRED_METRICS[name] <= set(metrics)
    assert task.primary_metric in metrics


@pytest.mark.parametrize("name", TASK_TYPES)
def test_the_primary_metric_described_is_the_one_scored(name):
    # (that each task builds the output layer and loss it describes: test_heads.py)
    task, labels = _fitted(name)
    targets = task.encode(labels)
    rng = np.random.default_rng(1)
    if name == "regression":
        output = targets + rng.normal(0, 0.3, len(targets))
    else:
        output = rng.uniform(size=(len(targets), task.n_outputs))
        if name != "multilabel":
            output /= output.sum(axis=1, keepdims=True)
    values = task.evaluate(targets, output)
    assert task.describe()["primary_metric"] == task.default_metric
    assert task.score(targets, output) == values[task.default_metric]
    other = next(m for m in task.metric_names if values[m] != values[task.default_metric])
    chosen = make_task(name, metric=other).fit(labels)
    assert chosen.describe()["primary_metric"] == other
    assert chosen.score(targets, output) == values[other]


def test_unknown_metric_is_refused_with_the_allowed_ones():
    with pytest.raises(TextladderError, match="must be one of .*macro_f1"):
        make_task("multiclass", metric="auc")


def test_cumulative_probabilities_become_consistent_levels():
    greater = np.array([[0.9, 0.95, 0.2], [0.1, 0.05, 0.0]])  # crossing on purpose
    probs = cumulative_to_class_probs(greater)
    assert probs.shape == (2, 4)
    assert np.all(probs > 0)  # a level the crossing empties is unlikely, not impossible
    assert probs[0, 1] < 1e-5 and probs[1, 3] < 1e-5  # (0.9 < 0.95 crossed; "> 2" is 0)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    np.testing.assert_allclose(probs[0, [0, 2, 3]], [0.1, 0.7, 0.2], atol=1e-5)


def test_ordinal_targets_are_cumulative():
    np.testing.assert_array_equal(ordinal_targets(np.array([0, 2]), 3), [[0, 0], [1, 1]])


def test_ordinal_decision_is_the_median_level():
    task = make_task("ordinal").fit([1, 2, 3])
    # argmax would pick level 1 (0.4); the median is level 2 (cumulative 0.4, 0.7).
    assert task.decode(task.decide(np.array([[0.4, 0.3, 0.3]]))) == [2]


def test_ordinal_decision_follows_the_metric_and_is_saved():
    output = np.array([[0.4, 0.3, 0.3]])
    hits = make_task("ordinal", metric="accuracy").fit([1, 2, 3])
    assert hits.decode(hits.decide(output)) == [1]  # exact hits: the most probable level
    assert task_from_config(hits.to_config()).decode(hits.decide(output)) == [1]
    distance = make_task("ordinal", metric="mae").fit([1, 2, 3])
    assert distance.decode(distance.decide(output)) == [2]  # distances: the median
    # a model saved before the decision followed the metric decided by the median
    older = {k: v for k, v in hits.to_config().items() if k != "decision"}
    assert task_from_config(older).decode(task_from_config(older).decide(output)) == [2]
    # the re-check margin is the mode's: half the log-gap of the two most probable levels
    np.testing.assert_allclose(hits.decision_margin(output), [np.log(0.4 / 0.3) / 2])


def test_binary_threshold_is_tuned_and_saved():
    task = make_task("binary").fit(["n", "y"])
    targets = np.array([0, 0, 0, 1, 1, 1])
    scores = np.array([0.05, 0.1, 0.15, 0.3, 0.35, 0.4])
    output = np.column_stack([1 - scores, scores])
    assert task.score(targets, output) < 1.0
    task.tune(targets, output)
    assert task.score(targets, output) == 1.0
    assert task_from_config(task.to_config()).threshold_ == task.threshold_


def test_unseen_labels_are_refused_naming_the_source():
    task = make_task("multiclass").fit(["a", "b", "c"])
    with pytest.raises(TextladderError, match="test.csv.*never saw \\(z\\)"):
        task.encode(["a", "z"], "'test.csv'")


def test_labels_match_across_number_and_string_forms():
    task = make_task("ordinal").fit(["1", "2", "3"])
    assert task.classes_ == [1, 2, 3]
    np.testing.assert_array_equal(task.encode([1, 2.0, "3"]), [0, 1, 2])


def test_regression_clips_to_training_range():
    task = make_task("regression").fit([0.0, 1.0])
    np.testing.assert_array_equal(task.decide(np.array([-0.5, 0.5, 1.7])), [0.0, 0.5, 1.0])


def test_balanced_accuracy_of_a_fold_without_a_predicted_class_says_nothing():
    import warnings

    from textladder.tasks.base import balanced_accuracy

    with warnings.catch_warnings():
        warnings.simplefilter("error")  # scikit-learn's own warns here
        assert balanced_accuracy(np.array([0, 0, 1]), np.array([0, 2, 1])) == 0.75
