"""One contract, every model family x every task type (spaCy-style overfit test included)."""

from __future__ import annotations

import numpy as np
import pytest

from conftest import TASK_NAMES, make_task_data, tiny_settings
from textladder import TextClassifier
from textladder.families import available_families

CASES = [(family, task) for family in available_families() for task in TASK_NAMES]
PERFECT = {"binary": ("f1", 1.0), "multiclass": ("macro_f1", 1.0),
           "multilabel": ("macro_f1", 1.0), "ordinal": ("accuracy", 1.0),
           "regression": ("r2", 0.9)}


@pytest.fixture(scope="module", params=CASES, ids=[f"{f}-{t}" for f, t in CASES])
def fitted(request, tmp_path_factory):
    family, task = request.param
    texts, labels = make_task_data(task)
    settings = tiny_settings(family, tmp_path_factory.mktemp("settings"))
    clf = TextClassifier(model=family, model_params=settings)
    returned = clf.fit(texts, labels, valid=(texts, labels))
    path = tmp_path_factory.mktemp("model") / "saved"
    clf.save(path)
    return task, texts, labels, clf, returned, TextClassifier.load(path)


def test_fit_returns_self_and_detects_task(fitted):
    task, _, _, clf, returned, _ = fitted
    assert returned is clf
    assert clf.task_.name == task


def test_probability_shapes(fitted):
    task, texts, _, clf, _, _ = fitted
    if task == "regression":
        assert clf.predict_output(texts).shape == (len(texts),)
        return
    proba = clf.predict_proba(texts)
    assert proba.shape == (len(texts), len(clf.labels_))
    assert np.all((proba >= 0) & (proba <= 1))
    if task != "multilabel":
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert clf.predict_proba(texts[0]).shape == (len(clf.labels_),)


def test_predict_follows_the_decision_rule(fitted):
    _, texts, _, clf, _, _ = fitted
    decided = clf.task_.decode(clf.task_.decide(clf.predict_output(texts)))
    assert clf.predict(texts) == decided


def test_reload_predicts_identically(fitted):
    task, texts, _, clf, _, loaded = fitted
    np.testing.assert_array_equal(loaded.predict_output(texts), clf.predict_output(texts))
    assert loaded.predict(texts) == clf.predict(texts)
    assert loaded.task_.to_config() == clf.task_.to_config()


def test_labels_round_trip_with_their_types(fitted):
    task, texts, labels, clf, _, loaded = fitted
    predicted = loaded.predict(texts)
    if task == "multilabel":
        assert set(predicted) <= {("action",), ("comedy",), ("action", "comedy")}
    elif task == "regression":
        assert all(isinstance(p, float) for p in predicted)
    else:
        assert set(predicted) <= set(labels)
        assert {type(p) for p in predicted} == {type(labels[0])}
    single = loaded.predict(texts[0])
    if task == "regression":  # float32 sums differ in the last bits with the batch's makeup
        assert single == pytest.approx(predicted[0], rel=1e-5, abs=1e-6)
    else:
        assert single == predicted[0]


def test_overfits_tiny_data_to_perfect_metrics(fitted):
    task, texts, labels, clf, _, loaded = fitted
    if type(clf.family_).ignores_texts:
        pytest.skip(f"{clf.family_.name} gives every text the same output")
    metric, floor = PERFECT[task]
    assert loaded.evaluate(texts, labels)[metric] >= floor


def test_no_texts_give_no_predictions(fitted):
    task, texts, _, clf, _, _ = fitted
    assert clf.predict([]) == []
    assert clf.predict_output([]).shape[1:] == clf.predict_output(texts[:1]).shape[1:]
    assert len(clf.predict_output([])) == 0
