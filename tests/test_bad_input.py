"""Every bad input gets one clear line and a non-zero exit, never a traceback."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cli_helpers import assert_clean_error, run, run_json
from conftest import make_task_data, write_table


def test_missing_file(tmp_path):
    assert_clean_error(run("train", tmp_path / "nope.csv"), "file not found", "nope.csv")


@pytest.mark.parametrize(
    "name, content, command, fragment",
    [
        ("empty.csv", b"", "inspect", "is empty"),
        ("header.csv", b"text,label\n", "train", "no rows"),
        ("shift.csv", b"text,label\nsome, text with comma,neg\nhello world,pos\n", "inspect",
         "more fields than its header"),
        ("broken.parquet", b"not parquet at all", "inspect", "as Parquet"),
        ("array.json", b'[{"text": "a", "label": "x"}, {"text": "b", "label": "y"}]', "inspect",
         "JSON lines"),
        ("twice.csv", b"text,label,text\ngood film,pos,a\nbad film,neg,b\n", "inspect",
         "names column 'text' more than once"),
        ("twice.tsv", b"text\tlabel\tlabel\ngood film\tpos\tx\nbad film\tneg\ty\n", "train",
         "names column 'label' more than once"),
    ],
)
def test_unusable_files(tmp_path, name, content, command, fragment):
    path = tmp_path / name
    path.write_bytes(content)
    assert_clean_error(run(command, path), fragment)


def test_unknown_column_lists_the_columns(sentiment_csv):
    assert_clean_error(run("train", sentiment_csv, "--text", "body"),
                       "column 'body'", "'text', 'label'")


def test_unguessable_columns_ask_for_them(tmp_path):
    path = tmp_path / "odd.csv"
    pd.DataFrame({"a": ["x"] * 4, "b": ["y"] * 4, "c": [1, 2, 1, 2]}).to_csv(path, index=False)
    assert_clean_error(run("inspect", path), "--text COLUMN")


def test_undecodable_bytes_name_the_line_and_encoding(tmp_path):
    path = tmp_path / "latin.csv"
    path.write_bytes("text,label\ngood film,pos\ncaf\xe9 noir,neg\n".encode("latin-1"))
    assert_clean_error(run("inspect", path), "line 3", "--encoding cp1252")
    assert run("inspect", path, "--encoding", "latin-1").exit_code == 0
    assert run("inspect", path, "--encoding", "cp1252").exit_code == 0
    undefined = tmp_path / "undefined.csv"  # 0x81: no character in cp1252
    undefined.write_bytes(b"text,label\ngood film,pos\nbad \x81 film,neg\n")
    assert_clean_error(run("inspect", undefined, "--encoding", "cp1252"), "--encoding latin-1")


def test_a_test_file_whose_label_column_has_another_name_is_told_to_rename_it(tmp_path,
                                                                            sentiment_csv):
    test = tmp_path / "test.csv"
    pd.read_csv(sentiment_csv).rename(columns={"label": "sentiment"}).to_csv(test, index=False)
    assert_clean_error(run("train", sentiment_csv, "--model", "tfidf", "--test", test),
                       "column 'label'", "name its column 'label' as in the training file")


def test_missing_values_of_nullable_parquet_columns_are_missing_labels(tmp_path):
    words = ["bad awful", "fine okay", "great lovely"]
    frame = pd.DataFrame({"text": [f"{words[i % 3]} thing {i}" for i in range(90)],
                          "label": pd.array([None if i % 17 == 0 else i % 3 for i in range(90)],
                                            dtype="Int64")})
    frame.to_parquet(tmp_path / "nullable.parquet")
    seen = run_json("inspect", tmp_path / "nullable.parquet")
    assert seen["task"] == "ordinal" and seen["missing_labels"] == 6  # not a class '<NA>'
    truths = pd.DataFrame({"text": frame["text"], "label": pd.array(
        [None if i % 13 == 0 else bool(i % 2) for i in range(90)], dtype="boolean")})
    truths.to_parquet(tmp_path / "truths.parquet")
    assert run_json("inspect", tmp_path / "truths.parquet")["task"] == "binary"


def test_unknown_extension_asks_for_format(tmp_path):
    path = tmp_path / "data.txt"
    path.write_text("text,label\na,b\n")
    assert_clean_error(run("inspect", path), "--format")


def test_empty_texts_and_missing_labels_are_counted_or_refused(tmp_path):
    texts, labels = make_task_data("multiclass", 12)
    texts[0], labels[1] = "", None
    path = write_table(tmp_path / "gaps.csv", texts, labels)
    report = run_json("inspect", path)
    assert (report["empty_texts"], report["missing_labels"]) == (1, 1)
    assert report["usable_rows"] == len(texts) - 2
    trained = run_json("train", path, "--model", "tfidf", "--out", tmp_path / "m",
                       "--set", "C=[10]")
    assert trained["data"]["dropped"]["train"] == {"empty_text": 1, "missing_label": 1}
    assert_clean_error(run("train", path, "--strict"), "--strict", "data row 1")


def test_single_class(tmp_path):
    path = write_table(tmp_path / "one.csv", [f"text {i}" for i in range(20)], ["same"] * 20)
    assert_clean_error(run("train", path), "single class", "same")


def test_class_too_small_to_stratify(tmp_path):
    texts, labels = make_task_data("multiclass", 12)
    path = write_table(tmp_path / "rare.csv", texts + ["lonely text"], labels + ["rare"])
    assert_clean_error(run("train", path), "class 'rare' has only one example")


def test_test_labels_training_never_saw(tmp_path, sentiment_csv):
    texts, labels = make_task_data("multiclass", 4)
    test = write_table(tmp_path / "test.csv", texts, ["surprised"] + labels[1:])
    assert_clean_error(run("train", sentiment_csv, "--test", test, "--out", tmp_path / "m"),
                       "test.csv", "never saw", "surprised")


def test_contradicting_task(sentiment_csv):
    assert_clean_error(run("train", sentiment_csv, "--task", "binary"),
                       "--task binary", "exactly two classes")


def test_unknown_metric_and_model(sentiment_csv):
    assert_clean_error(run("train", sentiment_csv, "--metric", "auc"), "--metric", "macro_f1")
    assert_clean_error(run("train", sentiment_csv, "--model", "gpt"), "unknown model", "tfidf")


def test_not_a_model_directory(tmp_path, sentiment_csv):
    folder = tmp_path / "folder"
    folder.mkdir()
    assert_clean_error(run("evaluate", folder, sentiment_csv), "not a textladder model")
    assert_clean_error(run("predict", tmp_path / "missing", "hi"), "does not exist")


def test_model_from_a_newer_format(model_dir):
    config = json.loads((model_dir / "config.json").read_text())
    config["format_version"] = 99
    (model_dir / "config.json").write_text(json.dumps(config))
    assert_clean_error(run("predict", model_dir, "hi"), "format 99", "Upgrade textladder")


def test_evaluate_with_unseen_labels(model_dir, tmp_path):
    """Rows whose labels training never saw are skipped and named (the rest is scored); with
    --strict, or when no row is left, refused."""
    path = write_table(tmp_path / "other.csv", ["a text", "more", "third"],
                       ["positive", "angry", "negative"])
    report = run_json("evaluate", model_dir, path)
    assert report["rows"] == 2 and report["skipped_unseen"] == {"rows": 1, "labels": ["angry"],
                                                                "spellings": {}}
    said = " ".join(run("evaluate", model_dir, path).stdout.split())
    assert "skipped 1 row whose labels training never saw (angry)" in said
    assert_clean_error(run("evaluate", model_dir, path, "--strict"), "never saw", "angry")
    only = write_table(tmp_path / "only.csv", ["a text"], ["angry"])
    assert_clean_error(run("evaluate", model_dir, only), "never saw", "angry")


def test_out_over_a_folder_that_is_not_a_model(tmp_path, sentiment_csv):
    folder = tmp_path / "precious"
    folder.mkdir()
    (folder / "thesis.txt").write_text("do not delete")
    assert_clean_error(run("train", sentiment_csv, "--out", folder), "not a textladder model")
    assert (folder / "thesis.txt").read_text() == "do not delete"


def test_predict_needs_texts_or_files(model_dir, tmp_path):
    assert_clean_error(run("predict", model_dir), "give one or more texts")
    assert_clean_error(run("predict", model_dir, "--input", tmp_path / "x.csv"), "--output")
