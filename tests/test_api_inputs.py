"""The Python API refuses what it cannot read in one line (TextladderError), never with a
library's error from deep inside, and reads a table of 0/1 label columns as label sets."""

from __future__ import annotations

import pandas as pd
import pytest

from conftest import make_task_data
from textladder import TextClassifier
from textladder.errors import TextladderError


@pytest.fixture(scope="module")
def fitted():
    texts, labels = make_task_data("multiclass", 12)
    return TextClassifier(model="tfidf", model_params={"C": [10.0]}).fit(texts, labels), texts, \
        labels


@pytest.mark.parametrize("X, fragment", [
    (None, "X must be a list of texts, one str, or a DataFrame; got NoneType"),
    (5, "got int"),
    ([None, "great film"], "texts must be strings; got NoneType (None) at position 0"),
    (["great film", None], "at position 1"),
])
def test_texts_that_are_not_texts_are_refused(fitted, X, fragment):
    clf, _, _ = fitted
    for call in (clf.predict, clf.predict_proba):
        with pytest.raises(TextladderError, match=fragment.replace("(", r"\(").replace(")", r"\)")):
            call(X)


def test_labels_of_another_length_or_kind_are_refused(fitted):
    clf, texts, labels = fitted
    with pytest.raises(TextladderError, match="evaluate: got 5 texts and 4 labels"):
        clf.evaluate(texts[:5], labels[:4])
    with pytest.raises(TextladderError, match="score: got 5 texts and 4 labels"):
        clf.score(texts[:5], labels[:4])
    fresh = TextClassifier(model="tfidf", model_params={"C": [10.0]})
    with pytest.raises(TextladderError, match="valid: got 10 texts and 5 labels"):
        fresh.fit(texts, labels, valid=(texts[:10], labels[:5]))
    with pytest.raises(TextladderError, match=r"pass X\[name\]"):
        fresh.fit(pd.DataFrame({"text": texts, "label": labels}), "label")
    with pytest.raises(TextladderError, match="fit got no texts"):
        fresh.fit([], [])


def test_a_table_of_zero_one_columns_is_read_as_label_sets():
    texts, labels = make_task_data("multilabel", 12)
    names = sorted({name for label in labels for name in label.split("|")})
    table = pd.DataFrame([[int(name in label.split("|")) for name in names] for label in labels],
                         columns=names)
    held = list(range(1, len(texts), 4))  # a quarter of the rows, scored after the fit
    kept = [i for i in range(len(texts)) if i not in held]
    clf = TextClassifier(model="tfidf", model_params={"C": [10.0]}).fit(
        [texts[i] for i in kept], table.iloc[kept])
    assert clf.task_.name == "multilabel" and sorted(clf.labels_) == names
    assert clf.evaluate([texts[i] for i in held], table.iloc[held])["micro_f1"] > 0.8
    assert clf.predict([texts[held[-1]]])[0] == ("action", "comedy")


def test_labels_that_differ_only_in_case_are_named_as_such(fitted):
    clf, texts, labels = fitted
    with pytest.raises(TextladderError, match="'Positive' is 'positive' in training: labels "
                                              "are matched exactly, case included"):
        clf.evaluate(texts, [label.title() for label in labels])
    with pytest.raises(TextladderError) as other:
        clf.evaluate(texts, ["sideways"] * len(texts))
    assert "case included" not in str(other.value)


def test_features_that_are_the_text_or_the_labels_and_texts_all_empty_are_refused():
    texts, labels = make_task_data("binary", 12)
    table = pd.DataFrame({"text": texts, "hours": range(len(texts)), "answer": labels})
    with pytest.raises(TextladderError, match="'answer' holds the labels themselves"):
        TextClassifier(model="tfidf", features=["hours", "answer"], text_column="text").fit(
            table, labels)
    with pytest.raises(TextladderError, match="'text' is the text column"):
        TextClassifier(model="tfidf", features=["text", "hours"], text_column="text").fit(
            table, labels)
    with pytest.raises(TextladderError, match="every text given to fit is empty"):
        TextClassifier(model="tfidf").fit(["  "] * len(labels), labels)


def test_bool_labels_come_back_as_bools(tmp_path):
    texts, labels = make_task_data("binary", 12)
    truth = [label == "positive" for label in labels]
    held = list(range(0, len(texts), 4))
    kept = [i for i in range(len(texts)) if i not in held]
    clf = TextClassifier(model="tfidf", model_params={"C": [10.0]}).fit(
        [texts[i] for i in kept], [truth[i] for i in kept])
    predicted = clf.predict([texts[i] for i in held])
    assert predicted == [truth[i] for i in held] and all(type(p) is bool for p in predicted)
    clf.save(tmp_path / "m")
    assert TextClassifier.load(tmp_path / "m").predict([texts[held[0]]]) == [truth[held[0]]]


def test_a_two_dimensional_array_of_labels_is_read_or_refused():
    import numpy as np

    texts, labels = make_task_data("binary", 12)
    column = np.asarray(labels, dtype=object)[:, None]  # (n, 1): one label per row
    clf = TextClassifier(model="tfidf", model_params={"C": [10.0]}).fit(texts, column)
    assert clf.task_.name == "binary"
    with pytest.raises(TextladderError, match="give label sets as lists of labels"):
        TextClassifier(model="tfidf").fit(texts, np.zeros((len(texts), 3), dtype=int))


def test_unseen_rows_names_rows_and_labels_training_never_saw():
    texts, labels = make_task_data("multilabel", 12)
    clf = TextClassifier(model="tfidf", model_params={"C": [10.0]}).fit(texts, labels)
    assert clf.unseen_rows(["action", "action|horror", "comedy|western"]) == (
        [1, 2], ["horror", "western"])
    regression = TextClassifier(model="tfidf", model_params={"C": [10.0]}).fit(
        *make_task_data("regression", 12))
    assert regression.unseen_rows([5.0, -3.0]) == ([], [])
