"""Task detection is a small pure function; overrides are refused where the labels disagree."""

from __future__ import annotations

import pytest

from textladder.errors import TextladderError
from textladder.tasks import detect_task, prepare_labels, resolve_task


@pytest.mark.parametrize(
    "values, task",
    [
        (["pos", "neg", "pos"], "binary"),
        ([0, 1, 1, 0], "binary"),
        (["0", "1"], "binary"),
        (["negative", "neutral", "positive"], "multiclass"),
        (["Drama|Crime", "Drama", "Comedy"], "multilabel"),
        (["a;b", "b", "c;a"], "multilabel"),
        (["IT,English", "IT", "English"], "multilabel"),
        (["['Drama', 'Crime']", "['Drama']"], "multilabel"),
        (['["a", "b"]', '["b"]'], "multilabel"),
        ([["a", "b"], ["b"]], "multilabel"),
        ([1, 2, 3, 4, 5, 3], "ordinal"),
        (["1", "2", "3"], "ordinal"),
        ([0, 2, 5, 7], "multiclass"),
        ([0.1, 0.5, 0.25, 0.9], "regression"),
        (list(range(60)), "regression"),
        (list(range(20)) * 2, "multiclass"),
        ([True, False, True], "binary"),
        (["Arts, Crafts", "Science", "History"], "multiclass"),
    ],
)
def test_detects_task(values, task):
    assert detect_task(values).task == task


def test_reason_names_share_and_delimiter():
    labels = ["a|b"] * 17 + ["a"] * 83
    detection = detect_task(labels)
    assert detection.delimiter == "|"
    assert "17 %" in detection.reason and "'|'" in detection.reason


def test_missing_values_are_ignored():
    assert detect_task(["x", None, "y", ""]).task == "binary"


@pytest.mark.parametrize(
    "values, requested, fragment",
    [
        (["a", "b", "c"], "binary", "exactly two classes"),
        (["['a', 'b']", "['a']"], "multiclass", "label sets"),
        (["good", "bad", "ok"], "regression", "--label-map"),
        (["red", "green", "blue"], "ordinal", "--order"),
        ([0.1, 0.7, 0.3], "multiclass", "real numbers"),
        ([0.1, 0.7, 0.3], "ordinal", "real numbers"),
        (["a", "b"], "nonsense", "must be one of"),
    ],
)
def test_contradicting_override_is_refused(values, requested, fragment):
    with pytest.raises(TextladderError, match=fragment):
        resolve_task(values, requested)


@pytest.mark.parametrize(
    "values, requested",
    [([1, 2, 3, 4, 5], "multiclass"), ([1, 2, 3], "regression"), (["a", "b", "c"], "multilabel"),
     (["Arts, Crafts", "Arts", "Crafts"], "multiclass")],  # a guessed delimiter can be overruled
)
def test_compatible_override_is_taken_with_reason(values, requested):
    detection = resolve_task(values, requested)
    assert detection.task == requested
    assert "as requested" in detection.reason


def test_label_map_makes_a_regression_and_maps_scores():
    mapping = {"negative": 0.0, "neutral": 0.5, "positive": 1.0}
    detection = resolve_task(["negative", "neutral", "positive"], "auto", label_map=mapping)
    assert detection.task == "regression"
    assert prepare_labels(["neutral", "positive"], detection, mapping) == [0.5, 1.0]
    with pytest.raises(TextladderError, match="no score for mixed"):
        prepare_labels(["mixed"], detection, mapping)
    with pytest.raises(TextladderError, match="--label-map"):
        resolve_task(["a", "b"], "multiclass", label_map=mapping)
    from textladder.tasks.resolve import check_label_map_used

    typo = {"negative": 0.0, "postive": 1.0, "positive": 1.0}
    resolve_task(["negative", "positive"], "auto", label_map=typo)  # a fit's rows may lack one
    with pytest.raises(TextladderError, match="names 'postive', which no training row has"):
        check_label_map_used(typo, ["negative", "positive"])  # the whole file's labels: refused


def test_order_makes_an_ordinal():
    detection = resolve_task(["bad", "ok", "good"], "auto", order=["bad", "ok", "good"])
    assert detection.task == "ordinal"
    with pytest.raises(TextladderError, match="--order"):
        resolve_task(["bad", "ok"], "binary", order=["bad", "ok"])
    with pytest.raises(TextladderError, match="sets of labels .multi-label., which have no order"):
        resolve_task(["anger|joy", "joy", "anger"], "auto", order=["anger", "joy"])


def test_label_sets_are_parsed_sorted_and_unique():
    detection = detect_task(["b|a", "a", "c|b|b"])
    assert prepare_labels(["b|a", "c|b|b"], detection) == [("a", "b"), ("b", "c")]
    lists = detect_task(["['x', 'y']", "['y']"])
    assert prepare_labels(["['y', 'x']"], lists) == [("x", "y")]


def test_every_spelling_of_a_number_or_truth_value_is_one_label():
    from textladder.tasks import make_task

    task = make_task("binary").fit(["0.0", "1.0", "1"])
    assert task.classes_ == [0, 1]
    assert task.encode([0, "1", 1.0, "01"]).tolist() == [0, 1, 1, 1]
    booleans = make_task("binary").fit([True, False])
    assert booleans.classes_ == [False, True]  # bools given: bools back
    assert booleans.encode(["true", "FALSE", True]).tolist() == [1, 0, 1]
    assert make_task("binary").fit(["true", "False"]).classes_ == ["False", "True"]


def test_requested_multilabel_splits_on_the_delimiter_present():
    detection = resolve_task(["a|b", "c", "d"], "multilabel")  # no label recurs: not detected
    assert detection.delimiter == "|"
    assert prepare_labels(["a|b"], detection) == [("a", "b")]


def test_label_map_twice_a_label_or_with_order_and_order_levels_without_rows():
    from textladder.data.labels import parse_label_map

    with pytest.raises(TextladderError, match="gives the label 'negative' twice"):
        parse_label_map("negative=0,negative=1,positive=1")
    with pytest.raises(TextladderError, match="gives the label '01' twice"):
        parse_label_map("1=0,01=0.5")  # one label, two spellings
    with pytest.raises(TextladderError, match="give one of them"):
        resolve_task(["1", "2"], "auto", order=["1", "2"], label_map={"1": 0.0, "2": 1.0})
    detection = resolve_task(["1", "2", "3", "2"], "auto", order=["1", "2", "3", "4"])
    assert detection.task == "ordinal" and "'4' has no rows here" in detection.reason
    assert "no rows" not in resolve_task(["1", "2", "3"], "auto", order=["1", "2", "3"]).reason
