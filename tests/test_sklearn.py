"""TextClassifier is a scikit-learn estimator: clone, Pipeline, GridSearchCV, cross_val_score."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.base import clone, is_classifier, is_regressor
from sklearn.exceptions import NotFittedError
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer
from sklearn.utils.validation import check_is_fitted

from conftest import TASK_NAMES, make_task_data, tiny_settings
from textladder import TextClassifier
from textladder.errors import TextladderError


def _shuffled(task: str, n: int = 12, seed: int = 0):
    """The tiny data of `task` in random order (k-fold without shuffling takes runs of rows);
    multi-label labels as tuples, as a Python user holds them."""
    texts, labels = make_task_data(task, n)
    order = np.random.default_rng(seed).permutation(len(texts))
    texts, labels = [texts[i] for i in order], [labels[i] for i in order]
    if task == "multilabel":
        labels = [tuple(label.split("|")) for label in labels]
    return texts, labels


def _lower(texts):
    return [text.lower() for text in texts]


# A task name only where "auto" cannot work in scikit-learn's CV (see TextClassifier's docstring).
NAMED = {"multilabel": "multilabel"}
FLOORS = {"binary": 0.9, "multiclass": 0.9, "ordinal": 0.8, "multilabel": 0.7, "regression": -0.2}


def test_clone_copies_parameters_and_nothing_learned():
    params = {"C": [10.0]}
    clf = TextClassifier(model_params=params, positive="positive", seed=3)
    texts, labels = _shuffled("binary")
    clf.fit(texts, labels)
    copy = clone(clf)
    assert copy.get_params() == clf.get_params()
    assert copy.model_params == params and copy.model_params is not params
    assert not hasattr(copy, "classes_") and not hasattr(copy, "task_")
    with pytest.raises(NotFittedError):
        check_is_fitted(copy)
    check_is_fitted(clf)
    np.testing.assert_array_equal(copy.fit(texts, labels).predict_proba(texts),
                                  clf.predict_proba(texts))


def test_set_params_reaches_one_model_setting_without_touching_the_dict_given():
    params = {"C": [1.0], "min_df": 1}
    clf = TextClassifier(model_params=params)
    assert clf.get_params()["model_params__C"] == [1.0]
    clf.set_params(model_params__C=[10.0], seed=2)
    assert clf.model_params == {"C": [10.0], "min_df": 1} and clf.seed == 2
    assert params == {"C": [1.0], "min_df": 1}
    with pytest.raises(ValueError, match="Invalid parameter"):
        clf.set_params(depth=3)


def test_unfitted_use_is_one_clear_line_and_sklearns_not_fitted_error():
    clf = TextClassifier()
    for call in (lambda: clf.predict(["a"]), lambda: clf.score(["a"], ["b"]),
                 lambda: clf.classes_):
        with pytest.raises(TextladderError, match="not fitted; call fit\\(\\) or load\\(\\)"):
            call()
        with pytest.raises(NotFittedError):
            call()


@pytest.mark.parametrize("options, kind", [
    ({}, "classifier"), ({"task": "binary"}, "classifier"), ({"task": "ordinal"}, "classifier"),
    ({"task": "regression"}, "regressor"), ({"label_map": "bad=0,good=1"}, "regressor"),
    ({"task": "multilabel"}, None),
])
def test_tags_follow_the_task(options, kind):
    clf = TextClassifier(**options)
    tags = clf.__sklearn_tags__()
    assert tags.estimator_type == kind
    assert is_classifier(clf) == (kind == "classifier") and is_regressor(clf) == (kind == "regressor")
    assert tags.input_tags.string and tags.input_tags.one_d_array
    assert not tags.input_tags.two_d_array and tags.target_tags.required


@pytest.mark.parametrize("task", TASK_NAMES)
def test_score_is_the_primary_metric_greater_is_better(task):
    texts, labels = _shuffled(task)
    cut = 2 * len(texts) // 3
    clf = TextClassifier(model_params={"C": [10.0]}).fit(texts[:cut], labels[:cut])
    held_texts, held_labels = texts[cut:], labels[cut:]
    metrics = clf.evaluate(held_texts, held_labels)
    sign = -1 if task == "regression" else 1  # rmse: lower is better
    assert clf.score(held_texts, held_labels) == sign * metrics[clf.task_.primary_metric]
    if task != "regression":
        assert list(clf.classes_) == clf.task_.labels
        assert clf.predict_proba(held_texts).shape[1] == len(clf.classes_)
    else:
        assert not hasattr(clf, "classes_")


def test_predict_takes_lists_arrays_and_one_str():
    texts, labels = _shuffled("multiclass")
    clf = TextClassifier(model_params={"C": [10.0]}).fit(texts, labels)
    predicted = clf.predict(texts[:3])
    assert isinstance(predicted, list) and len(predicted) == 3
    assert clf.predict(np.array(texts[:3])) == predicted
    assert clf.predict(texts[0]) == predicted[0]  # a str is one text: its label, not a list
    assert clf.predict(np.array(texts[0])) == predicted[0]


@pytest.mark.parametrize("task", TASK_NAMES)
def test_cross_val_score_on_every_task_type(task):
    texts, labels = _shuffled(task)
    clf = TextClassifier(task=NAMED.get(task, "auto"), model_params={"C": [10.0]})
    scores = cross_val_score(clf, texts, labels, cv=3)
    assert len(scores) == 3 and np.all(np.isfinite(scores))
    assert scores.mean() >= FLOORS[task]


def test_the_tfidf_rung_in_a_pipeline_and_a_grid_search():
    texts, labels = _shuffled("multiclass")
    pipeline = make_pipeline(FunctionTransformer(_lower), TextClassifier())
    search = GridSearchCV(pipeline, {"textclassifier__model_params": [{"C": [0.01]},
                                                                      {"C": [10.0]}]}, cv=3)
    search.fit(np.array(texts), labels)
    assert search.best_params_ == {"textclassifier__model_params": {"C": [10.0]}}
    assert search.best_score_ >= 0.9
    assert search.predict(["GREAT LOVELY FILM"]) == ["positive"]
    assert list(search.classes_) == ["negative", "neutral", "positive"]

    grid = GridSearchCV(TextClassifier(), {"model_params__C": [[0.01], [10.0]]}, cv=3)
    grid.fit(texts, labels)
    assert grid.best_params_ == {"model_params__C": [10.0]}
    assert grid.best_estimator_.family_.chosen_["C"] == 10.0


def test_a_torch_rung_in_a_pipeline_a_grid_search_and_cross_validation(tmp_path):
    texts, labels = _shuffled("binary")
    settings = {**tiny_settings("fasttext", tmp_path), "epochs": 8, "patience": 8,
                "word_ngrams": 1}
    # 16 rows per fold: a tenth of them for validation (a fifth by default on small data)
    # leaves fasttext the rows it needs at 8 epochs
    clf = TextClassifier(model="fasttext", model_params=settings, valid_size=0.1)
    scores = cross_val_score(make_pipeline(FunctionTransformer(_lower), clf), texts, labels, cv=3)
    assert scores.mean() >= 0.8
    search = GridSearchCV(clone(clf), {"model_params__dim": [8, 16]}, cv=3).fit(texts, labels)
    assert len(search.cv_results_["split2_test_score"]) == 2
    assert search.best_score_ >= 0.8
    assert search.best_estimator_.family_.module_.embedding.embedding_dim == \
        search.best_params_["model_params__dim"]
    assert clf.model_params["dim"] == 16  # the grid changed copies, never the settings given
    assert set(search.predict(texts[:4])) <= {"positive", "negative"}
