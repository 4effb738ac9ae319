"""What training records for the report, and the report's parts without a browser: the files
load as data and match the model's outputs, each linear head's n-grams, and one-line errors."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest
from safetensors.numpy import load_file

from cli_helpers import assert_clean_error, run, run_json
from conftest import WORDS, make_task_data, write_table
from textladder import TextClassifier
from textladder.evaluation import MAX_TEXTS, sample_rows

pytest.importorskip("plotly")


@pytest.fixture
def trained(tmp_path):
    texts, labels = make_task_data("multiclass", 40)
    data = write_table(tmp_path / "train.csv", texts, labels)
    report = run_json("train", data, "--model", "tfidf", "--out", tmp_path / "run", "--set",
                      "C=[1]", "--no-report")
    return tmp_path / "run" / "best", report, texts


def test_evaluation_files_are_data_and_hold_the_models_outputs(trained):
    model, report, texts = trained
    folder = model / "evaluation"
    assert sorted(p.name for p in folder.iterdir()) == [
        "data.json", "test.safetensors", "texts.json", "valid.safetensors"]  # tf-idf: no vectors
    valid, test = load_file(str(folder / "valid.safetensors")), load_file(
        str(folder / "test.safetensors"))
    assert valid["outputs"].dtype == np.float32 and valid["outputs"].shape == (
        report["data"]["rows"]["valid"], 3)
    assert len(test["targets"]) == report["data"]["rows"]["test"]
    sample = json.loads((folder / "texts.json").read_text())
    clf = TextClassifier.load(model)
    rows = np.asarray(sample["valid_rows"])
    np.testing.assert_allclose(clf.predict_output(sample["valid"]), valid["outputs"][rows],
                               atol=1e-6)
    data = json.loads((folder / "data.json").read_text())
    assert data["rows"] == {k: report["data"]["rows"][k] for k in ("train", "valid", "test")}
    assert sum(data["counts"]["train"].values()) == report["data"]["rows"]["train"]
    assert sum(data["lengths"]["histogram"]["counts"]) == report["data"]["rows"]["train"]


def test_the_validation_sample_is_capped_seeded_and_ordered():
    rows = sample_rows(10_000, seed=3)
    assert len(rows) == MAX_TEXTS and np.all(np.diff(rows) > 0)
    np.testing.assert_array_equal(rows, sample_rows(10_000, seed=3))
    np.testing.assert_array_equal(sample_rows(50, seed=3), np.arange(50))


@pytest.mark.parametrize("task", ["binary", "multiclass", "multilabel", "ordinal", "regression"])
def test_informative_ngrams_come_from_each_heads_coefficients(tmp_path, task):
    from textladder.report.ngrams import tfidf_weights
    from textladder.report.sources import read_model

    texts, labels = make_task_data(task, 30)
    TextClassifier(model="tfidf", model_params={"C": [1.0]}).fit(texts, labels).save(
        tmp_path / "m")
    top, kind = tfidf_weights(read_model(tmp_path / "m"))
    assert kind == "word"
    words = {"positive": "pos", "negative": "neg", "neutral": "neu", "action": "act",
             "comedy": "com", "raise the score": "pos", "lower the score": "neg",
             "above 1": "neg", "above 2": "pos"}
    for group, pairs in top.items():
        if group in ("above 1",):  # "above level 1" is told by the absence of negative words
            continue
        first = pairs[0][0].split()[0]
        assert first in WORDS[words[group]], (group, pairs[:3])


def test_a_model_saved_without_evaluation_files_still_gets_a_report(trained):
    from textladder.report import build_page

    model, _, _ = trained
    shutil.rmtree(model / "evaluation")
    page = build_page(model)
    assert [s[0] for s in page.sections] == ["data", "model-tfidf"]
    assert list(page.charts) == ["model-tfidf-top"]  # n-grams read from the model's own files


def test_report_without_plotly_or_kaleido_says_what_to_install(trained, monkeypatch, tmp_path):
    import textladder.report as report
    import textladder.report.png as png

    model, _, _ = trained
    monkeypatch.setattr(png, "kaleido_installed", lambda: False)
    assert_clean_error(run("report", model, "--png"), "pip install kaleido")
    monkeypatch.setattr(report, "available", lambda: False)
    assert_clean_error(run("report", model), "textladder[report]")
    texts, labels = make_task_data("binary", 20)
    data = write_table(tmp_path / "b.csv", texts, labels)
    result = run("train", data, "--model", "tfidf", "--out", tmp_path / "b")
    assert result.exit_code == 0 and "no report" in result.stdout
    assert (tmp_path / "b").is_dir() and not (tmp_path / "b.report.html").exists()


def test_report_out_option_writes_where_asked(trained, tmp_path):
    model, _, _ = trained
    out = tmp_path / "elsewhere" / "page.html"
    assert run_json("report", model, "--out", out)["report"] == str(out)
    page = out.read_text(encoding="utf-8")
    assert page.count("plotly.js v") == 1  # its JavaScript, embedded once
    assert page.startswith("<!DOCTYPE html>")
    folder = tmp_path / "reports"
    folder.mkdir()
    named = folder / f"{model.name}.report.html"  # a model's report keeps its model's name
    assert run_json("report", model, "--out", folder)["report"] == str(named)
    fresh = f"{tmp_path / 'new'}/"  # a folder not made yet, named with its slash
    assert run_json("report", model, "--out", fresh)["report"] == str(tmp_path / "new" /
                                                                      named.name)
    assert_clean_error(run("report", model, "--out", model / "r.html"), "inside the model")


@pytest.mark.parametrize("damaged", ["data.json", "valid.safetensors"])
def test_damaged_records_of_a_model_are_named_in_one_line(trained, damaged):
    model, _, _ = trained
    (model / "evaluation" / damaged).write_bytes(b"{not what it was")
    assert_clean_error(run("report", model), "the report's records in", "could not be read")


def test_leaderboard_table_reads_as_seconds_speeds_and_megabytes_with_the_reasons():
    from types import SimpleNamespace

    from textladder.report import leaderboard

    board = {"primary_metric": "macro_f1", "best": "tfidf", "task": "multiclass", "rows": [
        {"name": "tfidf", "status": "done", "valid": {"macro_f1": 0.61234}, "train_seconds": 818.64,
         "predict_texts_per_s": 1823.4, "size_bytes": 5_282_000},
        {"name": "soft_vote", "kind": "ensemble", "status": "done", "members": ["tfidf", "gru"],
         "reason": "not kept: not better on validation", "train_seconds": 0.4}]}
    table = leaderboard.build(SimpleNamespace(leaderboard=board))[0]
    first, vote = table.rows
    assert first[4:9] == ["0.6123", "n/a", "818.6", "1,823", "5.3"]
    assert vote[-1] == "tfidf, gru; not kept: not better on validation"
