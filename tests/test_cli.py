"""The four commands through typer's runner: inspect, train, evaluate, predict."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from cli_helpers import assert_clean_error, run, run_json
from conftest import make_task_data, write_table
from textladder import TextClassifier


@pytest.fixture
def trained(tmp_path, sentiment_csv):
    out = tmp_path / "model"
    report = run_json("train", sentiment_csv, "--model", "tfidf", "--out", out,
                      "--set", "C=[10]")
    return out, report


def test_train_reports_task_metrics_and_saves(trained):
    out, report = trained
    assert report["task"] == "multiclass"
    assert report["model"] == "tfidf"
    assert report["primary_metric"] == "macro_f1"
    assert report["metrics"]["valid"]["macro_f1"] == 1.0
    assert set(report["metrics"]["test"]) >= {"accuracy", "macro_f1", "macro_recall"}
    assert report["out"] == str(out)
    assert report["data"]["rows"]["test"] > 0 and report["data"]["rows"]["train"] > 0
    assert (out / "best" / "config.json").is_file()  # a run with one rung: its best is it
    assert (out / "models" / "tfidf" / "config.json").is_file()
    board = json.loads((out / "leaderboard.json").read_text())
    assert [row["name"] for row in board["rows"]] == ["tfidf"] and board["best"] == "tfidf"


def test_cli_and_python_predict_the_same_after_reload(trained, sentiment_csv):
    out, _ = trained
    texts = ["great lovely film", "awful dreadful film", "tuesday table film"]
    records = run_json("predict", out, *texts)
    clf = TextClassifier.load(out)
    assert [r["prediction"] for r in records] == clf.predict(texts)
    for record, row in zip(records, clf.predict_proba(texts)):
        np.testing.assert_allclose(list(record["probabilities"].values()), row)


def test_blank_texts_given_to_predict_get_no_prediction_as_in_a_file(trained):
    out, _ = trained
    records = run_json("predict", out, "  ", "great lovely film")
    assert records[0] == {"text": "  ", "prediction": None}
    assert records[1]["prediction"] == TextClassifier.load(out).predict(["great lovely film"])[0]
    assert "(no text)" in run("predict", out, "").stdout


def test_evaluate_matches_python(trained, sentiment_csv):
    out, _ = trained
    report = run_json("evaluate", out, sentiment_csv)
    frame = pd.read_csv(sentiment_csv)
    expected = TextClassifier.load(out).evaluate(frame.text.tolist(), frame.label.tolist())
    assert report["metrics"]["macro_f1"] == pytest.approx(expected["macro_f1"])
    assert report["rows"] == len(frame)


def test_evaluate_says_which_rows_it_skipped(trained, sentiment_csv, tmp_path):
    out, _ = trained
    frame = pd.read_csv(sentiment_csv)
    frame.loc[0, "label"] = None
    frame.loc[1, "text"] = None
    holed = tmp_path / "holed.csv"
    frame.to_csv(holed, index=False)
    said = " ".join(run("evaluate", out, holed).stdout.split())
    assert f"on {len(frame) - 2:,} rows" in said
    assert "skipped 1 row with empty text and 1 with a missing label" in said


@pytest.mark.parametrize("suffix", ["csv", "jsonl", "parquet", "tsv"])
def test_predict_streams_a_file_in_chunks(trained, tmp_path, suffix):
    out, _ = trained
    texts = ["great lovely film", "awful dreadful film", "tuesday table film"] * 7
    source = write_table(tmp_path / f"in.{suffix}", texts, ["?"] * len(texts))
    target = tmp_path / f"out.{suffix}"
    report = run_json("predict", out, "--input", source, "--output", target, "--chunksize", 4)
    assert report["rows"] == len(texts)
    frame = {"csv": pd.read_csv, "jsonl": lambda p: pd.read_json(p, lines=True),
             "parquet": pd.read_parquet, "tsv": lambda p: pd.read_csv(p, sep="\t")}[suffix](target)
    assert len(frame) == len(texts)
    assert frame["prediction"].tolist() == TextClassifier.load(out).predict(texts)
    assert {"proba_negative", "proba_neutral", "proba_positive"} <= set(frame.columns)
    assert not list(tmp_path.glob(".out*"))  # no staging file left behind


def test_train_on_each_format_and_separate_files(tmp_path):
    texts, labels = make_task_data("binary", 15)
    for suffix in ("tsv", "jsonl", "parquet"):
        train = write_table(tmp_path / f"train.{suffix}", texts, labels)
        valid = write_table(tmp_path / f"valid.{suffix}", texts, labels)
        report = run_json("train", train, "--valid", valid, "--test", valid,
                          "--model", "tfidf", "--out", tmp_path / suffix, "--set", "C=[10]")
        assert report["task"] == "binary"
        assert report["metrics"]["test"]["f1"] == 1.0


def test_multilabel_from_several_01_columns(tmp_path):
    texts, labels = make_task_data("multilabel", 15)
    frame = pd.DataFrame({"plot": texts,
                          "action": [int("action" in l) for l in labels],
                          "comedy": [int("comedy" in l) for l in labels]})
    path = tmp_path / "plots.csv"
    frame.to_csv(path, index=False)
    report = run_json("train", path, "--label", "action", "--label", "comedy",
                      "--model", "tfidf", "--out", tmp_path / "m", "--set", "C=[10]")
    assert report["task"] == "multilabel"
    assert report["labels"] == ["action", "comedy"]
    assert "two or more labels" in report["task_reason"]
    records = run_json("predict", tmp_path / "m", "explosion chase film")
    assert records[0]["prediction"] == ["action"]


def test_order_and_label_map_options(tmp_path):
    texts, _ = make_task_data("ordinal", 12)
    words = ["bad"] * 12 + ["ok"] * 12 + ["good"] * 12
    path = write_table(tmp_path / "scale.csv", texts, words)
    ordinal = run_json("train", path, "--order", "bad,ok,good", "--model", "tfidf",
                       "--out", tmp_path / "o", "--set", "C=[10]")
    assert ordinal["task"] == "ordinal" and ordinal["labels"] == ["bad", "ok", "good"]
    regression = run_json("train", path, "--label-map", "bad=0,ok=0.5,good=1",
                          "--model", "tfidf", "--out", tmp_path / "r")
    assert regression["task"] == "regression"
    assert regression["primary_metric"] == "rmse"
    assert_clean_error(run("train", path, "--label-map", "bad=0,ok=0.5,god=1,good=1", "--model",
                           "tfidf", "--out", tmp_path / "typo"), "names 'god', which no training")


def test_inspect_reports_balance_lengths_and_problems(tmp_path):
    texts, labels = make_task_data("multiclass", 12)
    texts += [texts[0], texts[1]]
    labels += [labels[0], "negative"]  # one exact duplicate, one conflict
    train = write_table(tmp_path / "train.csv", texts, labels)
    test = write_table(tmp_path / "test.csv", texts[:3], labels[:3])
    report = run_json("inspect", train, "--test", test)
    assert report["task"] == "multiclass"
    assert report["balance"]["counts"]["positive"] == 13
    assert report["duplicate_texts"] == 2
    assert report["conflicting_labels"] == 1
    assert report["overlap"]["test"]["texts_also_in_train"] == 3
    assert report["lengths"]["suggested_max_length"] >= 4
    assert any("also appear in the training file" in p for p in report["problems"])
    human = run("inspect", train)
    assert human.exit_code == 0 and "multiclass" in human.stdout
    assert report["lengths"]["texts_over_chars"]["count"] == 0
    long = write_table(tmp_path / "long.csv", texts + ["lovely " * 5000], labels + ["positive"])
    said = run_json("inspect", long)
    assert said["lengths"]["texts_over_chars"]["count"] == 1
    assert any("1 text is longer than 20,000 characters" in p for p in said["problems"])


def test_human_train_output_shows_metrics_and_confusion(tmp_path, sentiment_csv):
    result = run("train", sentiment_csv, "--model", "tfidf", "--out", tmp_path / "m",
                 "--set", "C=[10]")
    assert result.exit_code == 0, result.output
    assert "macro_f1 *" in result.stdout and "confusion matrix" in result.stdout
    config = json.loads((tmp_path / "m" / "best" / "config.json").read_text())
    assert config["task"]["type"] == "multiclass"


def test_inspect_reports_a_test_file_that_repeats_validation_rows(tmp_path):
    texts, labels = make_task_data("multiclass", 12)
    train = write_table(tmp_path / "train.csv", texts[:30], labels[:30])
    valid = write_table(tmp_path / "valid.csv", texts[30:], labels[30:])
    test = write_table(tmp_path / "test.csv", texts[30:33] + ["a new text entirely"],
                       labels[30:33] + ["neutral"])
    report = run_json("inspect", train, "--valid", valid, "--test", test)
    assert report["overlap"]["valid"] == {"file": str(valid), "rows": 6, "texts_also_in_train": 0}
    assert report["overlap"]["test"]["texts_also_in_train"] == 0
    assert report["overlap"]["test"]["texts_also_in_valid"] == 3
    assert ("3 test texts also appear in the valid file; settings chosen on valid are then "
            "tested on the same texts, and the test score will be optimistic") in report["problems"]
    clean = run_json("inspect", train, "--valid", valid, "--test", train)
    assert clean["overlap"]["test"]["texts_also_in_valid"] == 0
    assert "3 test texts" not in " ".join(clean["problems"])


def test_output_with_texts_on_the_command_line_is_refused_not_ignored(trained, tmp_path):
    out, _ = trained
    assert_clean_error(run("predict", out, "great film", "--output", tmp_path / "o.csv"),
                       "--output writes the predictions of --input FILE")
    assert not (tmp_path / "o.csv").exists()


def test_predict_keeps_the_input_and_its_columns_safe(trained, tmp_path):
    out, _ = trained
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": ["great lovely film", "awful film"]}).to_csv(source, index=False)
    before = source.read_bytes()
    assert_clean_error(run("predict", out, "--input", source, "--output", source),
                       "is the input file")
    assert source.read_bytes() == before  # not replaced by its predictions
    taken = tmp_path / "taken.csv"
    pd.DataFrame({"text": ["great film"], "prediction": ["mine"]}).to_csv(taken, index=False)
    assert_clean_error(run("predict", out, "--input", taken, "--output", tmp_path / "o.csv"),
                       "the input has a column 'prediction'")
    assert not (tmp_path / "o.csv").exists()
    folder = tmp_path / "out.csv"
    folder.mkdir()  # a folder named like a file: refused before any row is predicted
    assert_clean_error(run("predict", out, "--input", source, "--output", folder), "is a folder")
    assert not list(tmp_path.glob(".out.csv*"))
    assert_clean_error(run("predict", out, "great film", "--engine", "ray"),
                       "--engine and --address are for --input FILE")


def test_evaluate_warns_when_a_regressions_labels_leave_its_training_range(tmp_path):
    texts, values = make_task_data("regression", 12)
    data = write_table(tmp_path / "train.csv", texts, values)
    run_json("train", data, "--model", "tfidf", "--out", tmp_path / "m", "--set", "C=[1]",
             "--no-report")
    far = write_table(tmp_path / "far.csv", texts, [10 * v + 20 for v in values])
    report = run_json("evaluate", tmp_path / "m", far)
    assert report["warnings"] and f"{len(texts)} of the {len(texts)} labels lie outside" in \
        report["warnings"][0]
    assert run_json("evaluate", tmp_path / "m", data)["warnings"] == []


def test_evaluate_names_the_classes_the_file_has_no_row_of(tmp_path):
    texts, labels = make_task_data("multiclass", 12)
    data = write_table(tmp_path / "train.csv", texts, labels)
    run_json("train", data, "--model", "tfidf", "--out", tmp_path / "m", "--set", "C=[10]",
             "--no-report")
    kept = [i for i, label in enumerate(labels) if label != "neutral"]
    lacking = write_table(tmp_path / "lacking.csv", [texts[i] for i in kept],
                          [labels[i] for i in kept])
    report = run_json("evaluate", tmp_path / "m", lacking)
    assert report["warnings"] == ["no row of the file has the class neutral: the macro metrics "
                                  "count it as 0 (balanced accuracy leaves it out)"]
    assert report["metrics"]["macro_recall"] < report["metrics"]["balanced_accuracy"]
    assert run_json("evaluate", tmp_path / "m", data)["warnings"] == []
