"""One contract, every registered family x every task type, on held-out rows.

Each case fits on training rows with its own validation rows, and is judged on test rows that
neither saw: what it learned must carry over to them; it saves, loads and predicts the same;
`clone` (of the fitted model and of the loaded one) gives an unfitted copy with the same
parameters, and, for the binary task, the loaded model's clone fits again to the same model. A family is tested here by registering it: the cases come from the registry, with
tiny data and tiny settings (`conftest.tiny_settings`, else the family's `quick_settings`).
"""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone

from conftest import TASK_NAMES, make_task_data, tiny_settings
from textladder import TextClassifier
from textladder.families import available_families

CASES = [(family, task) for family in available_families() for task in TASK_NAMES]
# What a model must reach on the test rows: the tiny data is separable by words that the
# held-out rows share with the training rows (each row also has a number no other row has).
FLOORS = {"binary": ("f1", 0.8), "multiclass": ("macro_f1", 0.9),
          "multilabel": ("macro_f1", 0.8), "ordinal": ("accuracy", 0.8),
          "regression": ("r2", 0.8)}


def split_rows(task: str, n: int = 20):
    """Train, validation and test rows of the tiny data: every fifth row of each class is a
    test row, the one before it a validation row, the rest training rows."""
    texts, labels = make_task_data(task, n)
    parts = {"train": ([], []), "valid": ([], []), "test": ([], [])}
    for i, (text, label) in enumerate(zip(texts, labels)):
        part = {4: "test", 3: "valid"}.get(i % 5, "train")
        parts[part][0].append(text)
        parts[part][1].append(label)
    return parts


@pytest.fixture(scope="module", params=CASES, ids=[f"{f}-{t}" for f, t in CASES])
def fitted(request, tmp_path_factory):
    family, task = request.param
    parts = split_rows(task)
    settings = tiny_settings(family, tmp_path_factory.mktemp("settings"))
    clf = TextClassifier(model=family, model_params=settings)
    returned = clf.fit(*parts["train"], valid=parts["valid"])
    path = tmp_path_factory.mktemp("model") / "saved"
    clf.save(path)
    return task, parts, clf, returned, TextClassifier.load(path)


def test_fit_returns_self_and_detects_task(fitted):
    task, _, clf, returned, _ = fitted
    assert returned is clf
    assert clf.task_.name == task


def test_the_rows_kept_apart_stay_apart(fitted):
    _, parts, clf, _, _ = fitted
    assert not set(parts["train"][0]) & (set(parts["valid"][0]) | set(parts["test"][0]))
    assert (clf.n_train_, clf.n_valid_) == (len(parts["train"][0]), len(parts["valid"][0]))
    # the validation metrics (and the thresholds tuned with them) are those of the valid rows:
    # their outputs, or an ensemble's outputs cross-fitted over them
    metric = clf.task_.primary_metric
    targets = clf.encode_labels(parts["valid"][1])
    assert clf.valid_metrics_[metric] == pytest.approx(
        clf.task_.evaluate(targets, clf.valid_output_)[metric])
    if clf.family_.validation_output() is None:
        np.testing.assert_allclose(clf.valid_output_, clf.predict_output(parts["valid"][0]),
                                   rtol=1e-5, atol=1e-6)


def test_what_it_learned_carries_over_to_test_rows(fitted):
    task, parts, clf, _, loaded = fitted
    if type(clf.family_).ignores_texts:
        pytest.skip(f"{clf.family_.name} gives every text the same output")
    metric, floor = FLOORS[task]
    assert loaded.evaluate(*parts["test"])[metric] >= floor


def test_probability_shapes(fitted):
    task, parts, clf, _, _ = fitted
    texts = parts["test"][0]
    if task == "regression":
        assert clf.predict_output(texts).shape == (len(texts),)
        return
    proba = clf.predict_proba(texts)
    assert proba.shape == (len(texts), len(clf.classes_))
    assert np.all((proba >= 0) & (proba <= 1))
    if task != "multilabel":
        np.testing.assert_allclose(proba.sum(axis=1), 1.0, atol=1e-6)
    assert clf.predict_proba(texts[0]).shape == (len(clf.classes_),)


def test_reload_predicts_identically(fitted):
    _, parts, clf, _, loaded = fitted
    texts = parts["test"][0]
    np.testing.assert_array_equal(loaded.predict_output(texts), clf.predict_output(texts))
    assert loaded.predict(texts) == clf.predict(texts)
    assert loaded.task_.to_config() == clf.task_.to_config()


def test_labels_round_trip_with_their_types(fitted):
    task, parts, _, _, loaded = fitted
    texts, labels = parts["test"]
    predicted = loaded.predict(texts)
    if task == "multilabel":  # label sets, sorted; a text may get none
        assert all(isinstance(p, tuple) and set(p) <= {"action", "comedy"} and list(p) == sorted(p)
                   for p in predicted)
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


def test_clones_are_unfitted_and_fit_again_to_the_same_model(fitted):
    task, parts, clf, _, loaded = fitted
    for original in (clf, loaded):
        copy = clone(original)
        assert not hasattr(copy, "task_") and not hasattr(copy, "classes_")
        assert copy.get_params()["model"] == clf.model and copy.seed == clf.seed
    if task != "binary":  # fitting again costs a fit: one task per family shows it
        return
    refit = clone(loaded).fit(*parts["train"], valid=parts["valid"])
    np.testing.assert_allclose(refit.predict_output(parts["test"][0]),
                               clf.predict_output(parts["test"][0]), rtol=1e-5, atol=1e-6)


def test_no_texts_give_no_predictions(fitted):
    _, parts, clf, _, _ = fitted
    texts = parts["test"][0]
    assert clf.predict([]) == []
    assert clf.predict_output([]).shape[1:] == clf.predict_output(texts[:1]).shape[1:]
    assert len(clf.predict_output([])) == 0
