"""The positive class of a binary task is chosen with a stated reason, and can be overridden."""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_helpers import assert_clean_error, run, run_json
from conftest import WORDS, write_table
from textladder import TextClassifier
from textladder.errors import TextladderError
from textladder.tasks import make_task, task_from_config
from textladder.tasks.positive import choose_positive


def _choose(first, second, labels=None, requested=None):
    return choose_positive([first, second], labels or [first, second], requested)


@pytest.mark.parametrize("first, second, positive, why", [
    ("irony", "non_irony", "irony", "negating prefix"),
    ("hate", "nothate", "hate", "negating prefix"),
    ("Offensive", "NOT-offensive", "Offensive", "negating prefix"),
    ("nonsarcastic", "sarcastic", "sarcastic", "negating prefix"),
    ("ham", "spam", "spam", "names the positive side"),
    (0, 1, 1, "names the positive side"),
    (-1, 1, 1, "names the positive side"),
    ("no", "yes", "yes", "names the positive side"),
    ("N", "Y", "Y", "names the positive side"),
    ("False", "True", "True", "names the positive side"),
    ("neg", "pos", "pos", "names the positive side"),
    ("negative", "positive", "positive", "names the positive side"),
])
def test_a_label_that_names_the_positive_side_is_positive(first, second, positive, why):
    # the positive label is the majority here, so neither sorted order nor the minority rule
    # would have picked it every time
    labels = [positive] * 5 + [first if positive == second else second] * 3
    choice = _choose(first, second, labels)
    assert choice.label == positive
    assert why in choice.reason and f"'{positive}'" in choice.reason


def test_otherwise_the_minority_class_is_positive():
    choice = _choose("approved", "rejected", ["approved"] * 3 + ["rejected"] * 7)
    assert (choice.label, choice.negative) == ("approved", "rejected")
    assert "minority class (30 % of the training labels)" in choice.reason
    assert _choose(1, 2, [1, 1, 2]).label == 2  # 1 names a side only against 0 or -1


def test_a_tie_keeps_the_second_in_sorted_order():
    choice = _choose("a", "b", ["a", "b", "b", "a"])
    assert choice.label == "b" and "equally frequent" in choice.reason


def test_the_label_asked_for_wins_and_any_other_is_refused():
    choice = _choose("irony", "non_irony", requested="non_irony")
    assert (choice.label, choice.negative) == ("non_irony", "irony")
    assert "as requested" in choice.reason
    assert _choose(0, 1, requested="0").label == 0  # matched by its string form
    with pytest.raises(TextladderError, match=r"--positive sarcasm is not one of the labels "
                                              r"\(irony, non_irony\)"):
        _choose("irony", "non_irony", requested="sarcasm")
    with pytest.raises(TextladderError, match="binary task, and this is a multiclass task"):
        make_task("multiclass", positive="a")


def test_classes_are_negative_then_positive_and_round_trip():
    task = make_task("binary").fit(["non_irony", "irony", "irony"])
    assert task.classes_ == ["non_irony", "irony"] and task.positive_label == "irony"
    np.testing.assert_array_equal(task.encode(["irony", "non_irony"]), [1, 0])
    again = task_from_config(task.to_config())
    assert again.classes_ == task.classes_ and again.positive_reason_ == task.positive_reason_


def test_a_config_saved_before_the_choice_loads_as_it_was():
    old = {"type": "binary", "metric": None, "classes": ["irony", "non_irony"], "threshold": 0.4}
    task = task_from_config(old)
    assert task.positive_label == "non_irony" and task.threshold_ == 0.4
    assert "second class in sorted order" in task.positive_reason_


IRONIC = ["oh great", "just perfect", "how wonderful", "love waiting", "so thrilled", "yay"]


def _irony_table(n: int = 24) -> tuple[list[str], list[str]]:
    """TweetEval-irony-like rows: irony the majority, so only its name makes it positive."""
    irony = [f"{IRONIC[i % 6]} another {WORDS['neu'][i % 6]} delay {i}" for i in range(n)]
    plain = [f"the {WORDS['neu'][i % 6]} opens at {WORDS['act'][i % 6]} time {i}"
             for i in range(2 * n // 3)]
    return irony + plain, ["irony"] * len(irony) + ["non_irony"] * len(plain)


def test_thresholds_and_f1_are_about_the_positive_class():
    texts, labels = _irony_table()
    clf = TextClassifier(model_params={"C": [10.0]}).fit(texts, labels, valid=(texts, labels))
    assert list(clf.classes_) == ["non_irony", "irony"]
    metrics = clf.evaluate(texts[:30], labels[:30])  # 24 irony, 6 non_irony
    assert metrics["f1"] == metrics["per_class"]["irony"]["f1"]
    assert clf.predict_proba(texts[0])[1] > 0.5  # column 1: P(irony)
    flipped = TextClassifier(model_params={"C": [10.0]}, positive="non_irony")
    flipped.fit(texts, labels, valid=(texts, labels))
    assert list(flipped.classes_) == ["irony", "non_irony"]
    assert flipped.evaluate(texts[:30], labels[:30])["f1"] == metrics["per_class"]["non_irony"]["f1"]


def test_train_and_inspect_pick_irony_and_say_why(tmp_path):
    texts, labels = _irony_table()
    data = write_table(tmp_path / "irony.csv", texts, labels)
    report = run_json("train", data, "--model", "tfidf", "--out", tmp_path / "m", "--set",
                      "C=[10]")
    assert report["positive"]["label"] == "irony"
    assert "'non_irony' is 'irony' with a negating prefix" in report["positive"]["reason"]
    assert report["labels"] == ["non_irony", "irony"]
    config = json.loads((tmp_path / "m" / "best" / "config.json").read_text())
    assert config["task"]["classes"][1] == "irony" and "prefix" in config["task"]["positive_reason"]
    human = run("train", data, "--model", "tfidf", "--out", tmp_path / "m2", "--set", "C=[10]")
    assert "positive class: irony ('non_irony' is 'irony' with a negating prefix" in human.stdout
    inspected = run_json("inspect", data)
    assert inspected["positive"]["label"] == "irony"
    assert "positive class: irony" in run("inspect", data).stdout

    flipped = run_json("train", data, "--model", "tfidf", "--out", tmp_path / "f", "--set",
                       "C=[10]", "--positive", "non_irony")
    assert flipped["positive"] == {"label": "non_irony",
                                   "reason": "as requested with --positive"}
    assert flipped["labels"] == ["irony", "non_irony"]
    assert run_json("inspect", data, "--positive", "non_irony")["positive"]["label"] == "non_irony"
    assert TextClassifier.load(tmp_path / "f").positive == "non_irony"  # clone() keeps it


def test_a_label_that_is_not_there_is_refused_in_one_line(tmp_path):
    texts, labels = _irony_table()
    data = write_table(tmp_path / "irony.csv", texts, labels)
    for command in ("train", "inspect"):
        assert_clean_error(run(command, data, "--positive", "sarcasm"),
                           "--positive sarcasm is not one of the labels (irony, non_irony)")
    multiclass = write_table(tmp_path / "three.csv", texts, ["abc"[i % 3] for i in range(len(texts))])
    assert_clean_error(run("train", multiclass, "--positive", "a"), "binary task")
