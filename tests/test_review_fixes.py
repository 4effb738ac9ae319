"""Inputs that once misbehaved: each now trains, or fails with one clear line."""

from __future__ import annotations

import json

import pandas as pd
import pytest

from cli_helpers import assert_clean_error, run, run_json
from conftest import make_task_data, write_table
from textladder import TextClassifier
from textladder.errors import TextladderError


def test_labels_written_as_floats_train_and_predict_as_integers(tmp_path):
    texts, labels = make_task_data("binary", 15)
    path = write_table(tmp_path / "f.csv", texts, [f"{float(l == 'positive'):.1f}" for l in labels])
    report = run_json("train", path, "--model", "tfidf", "--out", tmp_path / "m",
                      "--set", "C=[10]")
    assert report["task"] == "binary" and report["labels"] == ["0", "1"]
    assert run_json("predict", tmp_path / "m", "great lovely film")[0]["prediction"] == 1


def test_rows_without_text_keep_every_output_column(model_dir, tmp_path):
    source = tmp_path / "in.csv"
    pd.DataFrame({"text": ["great lovely film", None, "awful dreadful film"]}).to_csv(source,
                                                                                     index=False)
    for suffix in ("csv", "parquet"):
        target = tmp_path / f"out.{suffix}"
        report = run_json("predict", model_dir, "--input", source, "--output", target,
                          "--chunksize", 1)
        assert (report["rows"], report["predicted"], report["rows_without_text"]) == (3, 2, 1)
        frame = pd.read_csv(target) if suffix == "csv" else pd.read_parquet(target)
        assert frame["prediction"].isna().tolist() == [False, True, False]
        assert frame["proba_positive"].isna().tolist() == [False, True, False]


def test_tsv_output_round_trips_quotes(model_dir, tmp_path):
    source = tmp_path / "in.tsv"
    source.write_text('text\nhe said "great"\n')
    target = tmp_path / "out.tsv"
    run_json("predict", model_dir, "--input", source, "--output", target)
    assert target.read_text().splitlines()[1].startswith('he said "great"\t')


def test_output_folder_must_exist(model_dir, tmp_path, sentiment_csv):
    assert_clean_error(run("predict", model_dir, "--input", sentiment_csv, "--output",
                           tmp_path / "nowhere" / "out.csv"), "does not exist")


def test_markup_in_texts_and_labels_is_shown_literally(model_dir, tmp_path):
    result = run("predict", model_dir, "awful [/] plot [bold]x[/bold]")
    assert result.exit_code == 0, result.output
    assert "[bold]" in result.stdout and "[/]" in result.stdout  # shown, not interpreted
    texts, labels = make_task_data("binary")
    path = write_table(tmp_path / "br.csv", texts, ["[pos]" if l == "positive" else "[neg]"
                                                    for l in labels])
    shown = run("inspect", path)
    assert shown.exit_code == 0 and "[pos]" in shown.stdout


def test_one_class_validation_with_a_ranking_metric_still_trains(tmp_path):
    texts, labels = make_task_data("binary", 15)
    train = write_table(tmp_path / "train.csv", texts, labels)
    valid = write_table(tmp_path / "valid.csv", texts[:10], labels[:10])  # positives only
    report = run_json("train", train, "--valid", valid, "--test", train, "--metric", "roc_auc",
                      "--model", "tfidf", "--out", tmp_path / "m")
    assert report["metrics"]["valid"]["roc_auc"] is None  # undefined, reported as null
    config = (tmp_path / "m" / "best" / "config.json").read_text()
    json.loads(config, parse_constant=lambda name: pytest.fail(f"{name} in config.json"))


@pytest.mark.parametrize("setting, fragment", [("C=abc", "'C' must be a list or a number"),
                                               ("C=0", "'C' must be a finite number above 0"),
                                               ("word_ngrams=[1]", "word_ngrams must be"),
                                               ("min_df=500", "lower min_df"),
                                               ("depth=3", "has no setting 'depth'")])
def test_bad_model_settings(sentiment_csv, setting, fragment):
    assert_clean_error(run("train", sentiment_csv, "--model", "tfidf", "--set", setting),
                       fragment)


def test_python_fit_refuses_missing_labels():
    texts, labels = make_task_data("binary")
    labels[3] = None
    with pytest.raises(TextladderError, match="1 label is missing .*position 3"):
        TextClassifier().fit(texts, labels)


def test_precision_as_primary_still_tunes_a_sensible_threshold():
    texts, labels = make_task_data("binary", 20)
    clf = TextClassifier(metric="precision", model_params={"C": [10.0]})
    clf.fit(texts, labels, valid=(texts, labels))
    assert 0.0 < clf.task_.threshold_ < 1.0
    assert clf.valid_metrics_["recall"] == 1.0


def test_a_tsv_written_with_quoting_reads_back_the_same_texts(tmp_path):
    from textladder.data.formats import read_table

    texts = ['he said "great"', "plain", '"quoted all through"', "tab-free, comma, text"]
    frame = pd.DataFrame({"text": texts, "label": ["a", "b", "a", "b"]})
    frame.to_csv(tmp_path / "pandas.tsv", sep="\t", index=False)  # quotes as csv does
    assert read_table(tmp_path / "pandas.tsv")["text"].tolist() == texts
    frame.to_csv(tmp_path / "pandas.tsv.gz", sep="\t", index=False)
    assert read_table(tmp_path / "pandas.tsv.gz")["text"].tolist() == texts
    # a raw TSV (quotes kept as they are, one inside a field) reads raw, quotes and all
    raw = tmp_path / "raw.tsv"
    raw.write_text('text\tlabel\nhe said "great"\ta\n"quoted"\tb\n"open quote only\ta\n')
    assert read_table(raw)["text"].tolist() == ['he said "great"', '"quoted"',
                                                '"open quote only']


def test_a_quoted_tsv_keeps_line_breaks_inside_texts_and_a_raw_one_keeps_open_quotes(tmp_path):
    from textladder.data.formats import read_table

    texts = ["plain", 'line one\nline two "quoted"\r\nline three', "tab\tinside", "last"]
    frame = pd.DataFrame({"id": range(4), "text": texts, "label": list("abab")})
    frame.to_csv(tmp_path / "pandas.tsv", sep="\t", index=False)  # quoted, over three lines
    read = read_table(tmp_path / "pandas.tsv")
    assert read["text"].tolist() == texts and read["id"].tolist() == ["0", "1", "2", "3"]
    # raw tweets: one opens a quote it never closes, another is wrapped in quotes
    raw = tmp_path / "raw.tsv"
    raw.write_text('text\tlabel\n"Best day ever, loved it\tpos\nrow two\tneg\nrow three\tpos\n'
                   '"wonderful"\tpos\nrow five\tneg\n')
    assert read_table(raw)["text"].tolist() == ['"Best day ever, loved it', "row two",
                                                "row three", '"wonderful"', "row five"]
    # ... and a later text that ends with a quote (55") does not close the open one
    raw.write_text('text\tlabel\n"Best day ever, loved it\tpos\nrow two\tneg\n'
                   'my TV is 55"\tpos\nrow four\tneg\n')
    assert read_table(raw)["text"].tolist() == ['"Best day ever, loved it', "row two",
                                                'my TV is 55"', "row four"]


def test_a_long_raw_tsv_whose_sample_ends_inside_an_open_quote_reads_raw(tmp_path):
    from textladder.data.formats import SNIFF_LINES, read_table

    texts = [f"plain text {i}" for i in range(SNIFF_LINES + 1000)]
    texts[10] = '"wonderful"'  # wrapped whole, as a raw tweet may be
    texts[SNIFF_LINES - 500] = '"Best day ever, loved it'  # opens a quote, never closes it
    texts[SNIFF_LINES + 800] = 'my TV is 55"'
    raw = tmp_path / "long.tsv"
    raw.write_text("text\tlabel\n" + "".join(f"{t}\tpos\n" for t in texts))
    assert read_table(raw)["text"].tolist() == texts


def test_an_output_without_a_known_extension_is_refused_naming_the_fix(model_dir, tmp_path,
                                                                        sentiment_csv):
    result = run("predict", model_dir, "--input", sentiment_csv, "--output",
                 tmp_path / "out.txt", "--format", "csv")
    assert_clean_error(result, "out.txt", "end the output file's name in .csv")
    assert not (tmp_path / "out.txt").exists()
