"""Ensembles built from fitted rungs, for every kind and task type; and honest validation scores.

(The contract suite fits each ensemble family from scratch; here they are built the climb's way,
from members fitted already, which must not be fitted again.)
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import TASK_NAMES, make_task_data
from textladder import TextClassifier
from textladder.crossfit import (cross_fitted_score, folds, gain_standard_error, rung_score,
                                 score_decisions)
from textladder.families.combiners import HardVote, SoftVote, Stack
from textladder.families.ensemble import Member
from textladder.tasks import make_task

KINDS = ("soft_vote", "hard_vote", "stack")
MEMBERS = {"words": {"C": [10.0], "char_ngrams": None},
           "chars": {"C": [10.0], "word_ngrams": None}, "mild": {"C": [0.1]}}


@pytest.fixture(scope="module", params=TASK_NAMES)
def fitted_members(request, tmp_path_factory):
    task = request.param
    texts, labels = make_task_data(task, 12)
    folder = tmp_path_factory.mktemp(f"members-{task}")
    members = {}
    for name, settings in MEMBERS.items():
        clf = TextClassifier(model="tfidf", model_params=settings).fit(
            texts, labels, valid=(texts, labels))
        clf.save(folder / name)
        members[name] = clf
    return task, texts, labels, members, folder


@pytest.mark.parametrize("kind", KINDS)
def test_ensembles_of_fitted_members(kind, fitted_members, tmp_path, monkeypatch):
    task, texts, labels, members, folder = fitted_members
    from textladder.families.tfidf import TfidfFamily

    monkeypatch.setattr(TfidfFamily, "fit", lambda *a, **k: pytest.fail("a member was refit"))
    outputs = {name: clf.predict_output(texts) for name, clf in members.items()}
    given = [Member.of(name, clf, folder / name, [(texts, outputs[name])])
             for name, clf in members.items()]
    clf = TextClassifier(model=kind, model_params={"members": given, "folds": 3})
    clf.fit(texts, labels, valid=(texts, labels))
    assert [m.family for m in clf.family_.members_] == [c.family_ for c in members.values()]
    saved = clf.save(tmp_path / "ensemble")
    config = clf.to_config()["family"]
    assert [m["name"] for m in config["chosen"]["members"]] == list(MEMBERS)
    assert config["settings"]["members"][0] == {"name": "words", "family": "tfidf"}
    linked = saved / "members" / "words" / "idf.safetensors"
    assert linked.stat().st_ino == (folder / "words" / "idf.safetensors").stat().st_ino
    loaded = TextClassifier.load(saved)
    np.testing.assert_allclose(loaded.predict_output(texts), clf.predict_output(texts))
    assert loaded.predict(texts) == clf.predict(texts)
    score = clf.family_.cross_fitted_score(clf.task_)
    assert np.isfinite(score)


def test_hard_vote_takes_the_majority_the_median_level_and_the_median_value():
    task = make_task("multiclass").fit(["a", "b", "c"])
    one_hot = np.eye(3)
    outputs = [one_hot[[0, 1]] * 0.8 + 0.2 / 3, one_hot[[0, 2]] * 0.8 + 0.2 / 3,
               one_hot[[1, 2]] * 0.8 + 0.2 / 3]
    vote = HardVote().fit(outputs, np.array([0, 2]), task)
    assert list(task.decide(vote.combine(outputs))) == [0, 2]
    ordinal = make_task("ordinal").fit([1, 2, 3])
    levels = [np.eye(3)[[0]], np.eye(3)[[2]], np.eye(3)[[2]]]
    assert list(ordinal.decide(HardVote().fit(levels, np.array([2]), ordinal).combine(levels))) \
        == [2]
    regression = make_task("regression").fit([0.0, 1.0])
    values = [np.array([0.1]), np.array([0.9]), np.array([0.3])]
    combined = HardVote().fit(values, np.array([0.3]), regression).combine(values)
    assert combined == pytest.approx([0.3])


def test_soft_vote_weighs_the_informative_member():
    rng = np.random.default_rng(0)
    targets = rng.integers(0, 2, 400)
    task = make_task("binary").fit([0, 1])
    good = np.clip(targets + rng.normal(0, 0.3, 400), 0.02, 0.98)
    noise = rng.uniform(0.02, 0.98, 400)
    outputs = [np.column_stack([1 - noise, noise]), np.column_stack([1 - good, good])]
    weights = SoftVote().fit(outputs, targets, task).weights_
    assert weights.sum() == pytest.approx(1.0) and weights[1] > 0.9


def test_cross_fitted_scores_are_honest_where_in_sample_ones_flatter():
    """A meta-model on members that know nothing looks good on the rows it was fitted on, and
    is at chance when each fold is scored by one fitted on the others."""
    rng = np.random.default_rng(1)
    n, classes = 120, 3
    targets = rng.integers(0, classes, n)
    task = make_task("multiclass").fit(["a", "b", "c"])
    outputs = [rng.dirichlet(np.ones(classes), n) for _ in range(8)]
    stacked = Stack().fit(outputs, targets, task)
    in_sample = task.evaluate(targets, stacked.combine(outputs))["macro_f1"]
    rows = folds(task, targets, 5, 0)
    honest = cross_fitted_score(Stack, outputs, targets, task, rows)
    assert in_sample > 0.45 and honest < 0.4 and honest < in_sample - 0.1


def test_a_rungs_cross_fitted_score_tunes_thresholds_on_other_folds():
    rng = np.random.default_rng(2)
    targets = rng.integers(0, 2, 200)
    task = make_task("binary").fit([0, 1])
    noise = rng.uniform(size=200)
    output = np.column_stack([1 - noise, noise])
    in_sample = task.tuned_copy(targets, output).evaluate(targets, output)["f1"]
    honest = rung_score(output, targets, task, folds(task, targets, 5, 0))
    assert honest <= in_sample
    # decisions scored as decisions: the same as evaluating the outputs that made them
    tuned = task.tuned_copy(targets, output)
    assert score_decisions(task, targets, tuned.decide(output)) == pytest.approx(
        tuned.evaluate(targets, output)["f1"])


@pytest.mark.parametrize("task_name", TASK_NAMES)
def test_folds_cover_every_row_once(task_name):
    texts, labels = make_task_data(task_name, 12)
    clf = TextClassifier(model="baseline").fit(texts, labels, valid=(texts, labels))
    targets = clf.encode_labels(labels)
    rows = np.concatenate(folds(clf.task_, targets, 5, 0))
    assert sorted(rows.tolist()) == list(range(len(labels)))


def test_a_lead_within_its_standard_error_is_told_from_a_real_one():
    rng = np.random.default_rng(3)
    targets = rng.integers(0, 3, 300)
    task = make_task("multiclass").fit(["a", "b", "c"])
    guess = rng.integers(0, 3, 300)
    reshuffled = np.where(rng.uniform(size=300) < 0.3, rng.integers(0, 3, 300), guess)
    better = np.where(rng.uniform(size=300) < 0.5, targets, guess)
    pair = {name: (decided, np.eye(3)[decided]) for name, decided in
            (("guess", guess), ("reshuffled", reshuffled), ("better", better))}
    assert gain_standard_error(task, targets, pair["guess"], pair["guess"], draws=10) == 0.0

    def lead(name):
        return score_decisions(task, targets, pair[name][0]) - score_decisions(task, targets,
                                                                               guess)

    noise = gain_standard_error(task, targets, pair["reshuffled"], pair["guess"], draws=40)
    assert abs(lead("reshuffled")) < 2 * noise  # another guess: its lead is luck
    assert lead("better") > 5 * gain_standard_error(task, targets, pair["better"], pair["guess"],
                                                    draws=40)


def test_calibrated_members_predict_new_texts_as_they_were_scored(tmp_path):
    """A member whose classifier calibrates its outputs passes new texts (and loaded ones)
    through the same temperature as the outputs the ensemble was fitted on."""
    texts, labels = make_task_data("multiclass", 12)
    held_out, _ = make_task_data("multiclass", 4)
    given = []
    for name, settings in MEMBERS.items():
        clf = TextClassifier(model="tfidf", model_params=settings, calibrate=True).fit(
            texts, labels, valid=(texts, labels))
        assert clf.calibration_ is not None
        clf.save(tmp_path / name)
        given.append(Member.of(name, clf, tmp_path / name, [(texts, clf.predict_output(texts))]))
    clf = TextClassifier(model="soft_vote", model_params={"members": given, "folds": 3})
    clf.fit(texts, labels, valid=(texts, labels))
    remembered = clf.predict_output(texts)
    one_by_one = np.vstack([clf.predict_output([t]) for t in texts])  # computed, not recalled
    np.testing.assert_allclose(one_by_one, remembered, atol=1e-9)
    loaded = TextClassifier.load(clf.save(tmp_path / "ensemble"))
    np.testing.assert_allclose(loaded.predict_output(held_out), clf.predict_output(held_out),
                               atol=1e-9)
    np.testing.assert_allclose(loaded.predict_output(texts), remembered, atol=1e-9)
