"""Columns beside the text: kinds read from the data, the encoder, the classifier, the commands.

What every family does with the columns is tested in test_features_families.py; here the tf-idf
rung stands for them where a model is needed.
"""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone

from cli_helpers import assert_clean_error, run, run_json
from feature_data import FEATURES, noise_table, parts, signal_table
from textladder import TextClassifier
from textladder.data.feature_analysis import analyse_columns
from textladder.data.features import FeatureColumn, parse_features, resolve_features
from textladder.data.side_encoder import FILE, SideEncoder
from textladder.errors import TextladderError


# ----- kinds -------------------------------------------------------------------------------------
def test_kinds_are_read_from_the_data_and_said():
    frame = pd.DataFrame({
        "age": ["31", "44", "27", "prefer not to say"] * 30,  # 1 in 4 not a number: category
        "price": [str(x) for x in np.linspace(1, 99, 119)] + ["n/a"],
        "member": ["yes", "no", "NA", "yes"] * 30,
        "country": ["USA", "IND", "USA", "VEN"] * 30,
        "title": [f"a story number {i} about things" for i in range(120)],
        "code": [f"X{i:05d}" for i in range(120)],
    })
    kinds = {c.name: c for c in resolve_features(frame, list(frame.columns))}
    assert {n: c.kind for n, c in kinds.items()} == {
        "age": "category", "price": "numeric", "member": "boolean", "country": "category",
        "title": "text", "code": "category"}
    assert "0.8 % missing" in kinds["price"].evidence  # "n/a" is a missing cell
    assert "an identifier?" in kinds["code"].evidence
    assert "USA 50 %" in kinds["country"].evidence


def test_kinds_given_are_checked_and_aliases_read():
    frame = pd.DataFrame({"age": ["31", "x"] * 10, "city": ["a", "b"] * 10, "n": [1, 2] * 10})
    assert parse_features("age:num, city:categorical") == [("age", "numeric"),
                                                             ("city", "category")]
    assert parse_features({"n": None}) == [("n", None)]
    columns = resolve_features(frame, "age:numeric,n:category")
    assert [(c.kind, c.given) for c in columns] == [("numeric", True), ("category", True)]
    with pytest.raises(TextladderError, match="'city' is mostly not numbers"):
        resolve_features(frame, "city:numeric")
    with pytest.raises(TextladderError, match="does not hold two truth values"):
        resolve_features(frame, "n:boolean")
    with pytest.raises(TextladderError, match="kind 'colour' is not one of"):
        parse_features("city:colour")
    with pytest.raises(TextladderError, match="has no column 'town'"):
        resolve_features(frame, "town")
    with pytest.raises(TextladderError, match="holds the labels"):
        resolve_features(frame, "city", label_columns=("city",))


# ----- the encoder -------------------------------------------------------------------------------
def _encoder_rows(seed: int, n: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({
        "age": rng.normal(40, 12, n).round().astype(object),
        "member": rng.choice(["y", "n"], n).astype(object),
        "country": rng.choice(["USA", "IND", "VEN", "GBR", "CAN", "FRA"], n,
                              p=[0.6, 0.3, 0.04, 0.03, 0.02, 0.01]).astype(object),
    })
    frame.loc[::17, "age"] = None
    frame.loc[::23, "member"] = ""
    frame.loc[::29, "country"] = "NA"
    return frame


def test_the_encoder_is_what_scikit_learn_fitted_and_survives_json():
    columns = resolve_features(_encoder_rows(0, 300), ["age", "member", "country"])
    encoder = SideEncoder(columns).fit(_encoder_rows(0, 300))
    new = pd.concat([_encoder_rows(1, 60),
                     pd.DataFrame({"age": ["old", "52", "233"], "member": ["maybe", "y", "n"],
                                   "country": ["ZZZ", "USA", "IND"]})], ignore_index=True)
    matrix = encoder.transform(new)
    expected = encoder.fitted_.transform(encoder._inputs(new, fitting=False))
    np.testing.assert_allclose(matrix, expected, rtol=1e-6, atol=1e-6)
    assert matrix.dtype == np.float32 and matrix.shape[1] == encoder.n_outputs
    names = encoder.output_names()
    assert names[:2] == ["age", "age missing"] and "country=other" in names
    # an unseen country, like the rare ones of training, sets only the "other" column
    assert matrix[-1, 0] == 5.0  # 233 years: 16 standard deviations, clipped to 5
    row = dict(zip(names, matrix[-3]))
    assert row["country=other"] == 1 and row["country=USA"] == 0
    assert row["age missing"] == 1 and row["member missing"] == 1  # "old" and "maybe" missing
    loaded = SideEncoder.from_dict(json.loads(json.dumps(encoder.to_dict())))
    np.testing.assert_array_equal(loaded.transform(new), matrix)


def test_text_features_are_joined_before_the_text():
    encoder = SideEncoder([FeatureColumn("title", "text")]).fit(pd.DataFrame({"title": ["x"]}))
    frame = pd.DataFrame({"title": ["Great read", None]})
    assert encoder.join_texts(["it was fun", "plain"], frame) == ["Great read | it was fun",
                                                                    "plain"]
    assert encoder.transform(frame) is None


# ----- the classifier ----------------------------------------------------------------------------
def _fit(frame_parts, features=None, model="tfidf", settings=None):
    train, valid = frame_parts["train"], frame_parts["valid"]
    clf = TextClassifier(model=model, model_params=settings or {"C": [1.0]}, features=features,
                         text_column="text" if features else None)
    if features:
        return clf.fit(train[["text", *features]], train.label,
                       valid=(valid[["text", *features]], valid.label))
    return clf.fit(train.text, train.label, valid=(valid.text, valid.label))


def _score(clf, test, features):
    X = test[["text", *features]] if features else test.text
    return clf.evaluate(X, test.label)["macro_f1"]


def test_a_column_that_carries_the_label_lifts_tfidf():
    data = parts(signal_table())
    without = _score(_fit(data), data["test"], None)
    with_columns = _score(_fit(data, FEATURES), data["test"], FEATURES)
    assert with_columns >= 0.75 and with_columns >= without + 0.3, (without, with_columns)


def test_noise_columns_do_not_hurt_tfidf_beyond_noise():
    data = parts(noise_table())
    without = _score(_fit(data), data["test"], None)
    with_columns = _score(_fit(data, FEATURES), data["test"], FEATURES)
    assert without >= 0.6  # the text carries the label: the comparison means something
    assert with_columns >= without - 0.08, (without, with_columns)


def test_save_load_gives_equal_outputs_and_unseen_values_are_read(tmp_path):
    data = parts(signal_table())
    clf = _fit(data, FEATURES)
    clf.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["columns"] == {"text": "text", "features": FEATURES}
    assert [c["kind"] for c in config["features"]["columns"]] == ["category", "numeric",
                                                                  "boolean"]
    assert (tmp_path / "m" / FILE).is_file()
    loaded = TextClassifier.load(tmp_path / "m")
    test = data["test"][["text", *FEATURES]]
    np.testing.assert_array_equal(loaded.predict_output(test), clf.predict_output(test))
    odd = test.assign(group="west", height="tall", member="maybe")  # none seen in training
    assert loaded.predict_proba(odd).shape == (len(odd), 3)
    np.testing.assert_array_equal(loaded.predict_output(odd), clf.predict_output(odd))


def test_the_contract_holds_with_features():
    data = parts(signal_table())
    clf = _fit(data, FEATURES)
    params = clf.get_params()
    assert params["features"] == FEATURES and params["text_column"] == "text"
    fresh = clone(clf)
    assert fresh.get_params() == params and not hasattr(fresh, "family_")
    # the text column is found without text_column: the one column that is no feature
    train = data["train"][["text", *FEATURES]]
    found = TextClassifier(features=FEATURES, model_params={"C": [1.0]}).fit(train,
                                                                            data["train"].label)
    assert found.text_column_ == "text"
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import FunctionTransformer

    pipe = make_pipeline(FunctionTransformer(lambda X: X), clone(clf)).fit(train,
                                                                           data["train"].label)
    assert len(pipe.predict(data["test"][["text", *FEATURES]])) == len(data["test"])
    from sklearn.model_selection import cross_val_score

    table = signal_table(240)
    scores = cross_val_score(clone(clf), table[["text", *FEATURES]], table.label, cv=3)
    assert min(scores) >= 0.7  # folds of the table, each fitted with its own encoder


def test_inputs_without_the_columns_are_refused_in_one_line():
    data = parts(signal_table())
    clf = _fit(data, FEATURES)
    with pytest.raises(TextladderError, match="lacks the feature column 'height'"):
        clf.predict(data["test"][["text", "group", "member"]])
    with pytest.raises(TextladderError, match="give X as a DataFrame"):
        clf.predict(["a text"])


def test_features_are_refused_for_a_family_that_does_not_read_them(monkeypatch):
    from textladder.families.tfidf import TfidfFamily

    monkeypatch.setattr(TfidfFamily, "takes_side", False)
    with pytest.raises(TextladderError, match="model 'tfidf' does not read columns beside"):
        _fit(parts(signal_table()), FEATURES)
    _fit(parts(signal_table()), None)  # text alone is fine


# ----- the commands ------------------------------------------------------------------------------
def _write(tmp_path, frame: pd.DataFrame, name: str):
    path = tmp_path / name
    frame.to_csv(path, index=False)
    return path


def test_train_predict_evaluate_with_columns(tmp_path):
    data = parts(signal_table(300))
    train = _write(tmp_path, pd.concat([data["train"], data["valid"]]), "train.csv")
    test = _write(tmp_path, data["test"], "test.csv")
    out = tmp_path / "model"
    report = run_json("train", train, "--model", "tfidf", "--test", test, "--out", out,
                      "--set", "C=[1]",
                      "--features", "group,height:numeric,member")
    assert [(c["name"], c["kind"]) for c in report["plan"]["features"]] == [
        ("group", "category"), ("height", "numeric"), ("member", "boolean")]
    assert report["plan"]["features"][1]["given"] is True
    assert report["metrics"]["test"]["macro_f1"] >= 0.75
    falls = {c["name"]: c["fall"] for c in report["feature_importance"]["columns"]}
    assert falls["group"] >= 0.3 and falls["all columns"] >= 0.3  # it reads the label there
    assert abs(falls["height"]) <= 0.1 and abs(falls["member"]) <= 0.1
    config = json.loads((out / "best" / "config.json").read_text())
    assert config["feature_importance"] == report["feature_importance"]
    assert config["columns"]["features"] == FEATURES
    from textladder.report import available

    if available():  # the report draws what was recorded
        assert "columns beside the text" in (out / "report.html").read_text()
    shown = run("train", train, "--model", "tfidf", "--test", test, "--out", tmp_path / "m2",
                "--set", "C=[1]",
                "--features", "group")
    assert "feature column 'group': category (3 values" in shown.stdout
    evaluated = run_json("evaluate", out, test)
    assert evaluated["metrics"]["macro_f1"] == pytest.approx(report["metrics"]["test"]["macro_f1"])
    predicted = tmp_path / "predictions.csv"
    run_json("predict", out, "--input", test, "--output", predicted)
    assert len(pd.read_csv(predicted)) == len(data["test"])


def test_a_file_without_a_feature_column_is_refused(tmp_path):
    data = parts(signal_table())
    train = _write(tmp_path, data["train"], "train.csv")
    out = tmp_path / "model"
    run_json("train", train, "--model", "tfidf", "--out", out, "--set", "C=[1]", "--features",
             ",".join(FEATURES))
    lacking = _write(tmp_path, data["test"].drop(columns=["height", "member"]), "lacking.csv")
    for args in (("predict", out, "--input", lacking, "--output", tmp_path / "p.csv"),
                 ("evaluate", out, lacking)):
        result = run(*args)
        assert result.exit_code == 2
        assert_clean_error(result, "lacks the feature columns 'height', 'member'")
    assert not (tmp_path / "p.csv").exists()
    assert_clean_error(run("predict", out, "a text"), "predict a file that has them")
    assert_clean_error(run("train", train, "--model", "tfidf", "--features", "colour"),
                       "has no column 'colour'")


def test_inspect_says_which_columns_help_leak_or_name_rows(tmp_path):
    frame = signal_table(300).assign(
        row_id=range(300), leak=lambda f: f["label"].str.upper(),
        note=[f"written on day {i} by someone" for i in range(300)])
    report = run_json("inspect", _write(tmp_path, frame, "t.csv"), "--text", "text",
                      "--label", "label")
    verdicts = {c["name"]: c["verdict"] for c in report["other_columns"]}
    assert verdicts == {"group": "useful", "height": "no signal", "member": "no signal",
                        "row_id": "identifier", "leak": "leaks the label",
                        "note": "free text"}
    kinds = {c["name"]: c["kind"] for c in report["other_columns"]}
    assert kinds["group"] == "category" and kinds["member"] == "boolean"
    assert any("column 'leak' leaks the label" in p for p in report["problems"])
    path = _write(tmp_path, frame, "t.csv")  # given to train, the leak is said before the fit
    trained = run("train", path, "--text", "text", "--label", "label", "--features",
                  "leak,group", "--model", "tfidf", "--set", "C=[1]", "--out", tmp_path / "r",
                  "--no-report")
    assert trained.exit_code == 0, trained.output
    said = " ".join(trained.stdout.split())
    assert "column 'leak' given with --features leaks the label" in said
    assert said.index("leaks the label") < said.index("metrics")  # before the fit's results
    assert "'group' given" not in said


def test_column_analysis_of_a_score():
    rng = np.random.default_rng(0)
    score = rng.random(400)
    frame = pd.DataFrame({"twice": score * 2, "noise": rng.random(400)})
    verdicts = {c["name"]: c["verdict"]
                for c in analyse_columns(frame, "text", (), "regression", list(score))}
    assert verdicts == {"twice": "leaks the label", "noise": "no signal"}
