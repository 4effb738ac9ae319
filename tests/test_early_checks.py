"""Said before the work, refused where the user errs: the plan before the fit, the model's text
column when predicting, broken settings, damaged model files, and progress in logs."""

from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pandas as pd
import pytest

from cli_helpers import assert_clean_error, run, run_json
from conftest import make_task_data, tiny_settings, write_table
from textladder.families.tfidf import TfidfFamily
from textladder.progress import LineProgress, Throughput

SRC = Path(__file__).resolve().parents[1] / "src"

# A family that waits, inside fit, until the test lets it go: what train printed by then was
# printed before the fit.
WAITING_CLI = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from textladder.families import register
    from textladder.families.tfidf import TfidfFamily

    release = Path(sys.argv[1])

    @register
    class WaitingFamily(TfidfFamily):
        name = "waiting"

        def fit(self, *args, **kwargs):
            deadline = time.monotonic() + 60
            while not release.exists() and time.monotonic() < deadline:
                time.sleep(0.05)
            return super().fit(*args, **kwargs)

    from textladder.cli.app import main
    sys.argv = ["textladder", *sys.argv[2:]]
    main()
""")


def test_train_says_the_plan_before_the_fit_starts(tmp_path, sentiment_csv):
    release = tmp_path / "release"
    env = {**os.environ, "PYTHONPATH": str(SRC), "COLUMNS": "200"}
    process = subprocess.Popen(
        [sys.executable, "-c", WAITING_CLI, str(release), "train", str(sentiment_csv),
         "--model", "waiting", "--set", "C=[10]", "--out", str(tmp_path / "m")],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    said = []
    while not any("primary metric" in line for line in said):
        line = process.stdout.readline()
        assert line, f"train ended without saying its plan: {said} {process.stderr.read()}"
        said.append(line)
    assert not release.exists() and process.poll() is None  # the fit is still waiting
    plan = "".join(said)
    assert "picked text column 'text'" in plan and "label column 'label'" in plan
    assert "task: multiclass" in plan and "labels: negative, neutral, positive" in plan
    assert "softmax" in plan and "cross-entropy" in plan and "macro_f1" in plan
    release.touch()
    rest, errors = process.communicate(timeout=120)
    assert process.returncode == 0, errors
    assert "saved to" in rest and "task: multiclass" not in rest  # said once, before


def test_unseen_test_labels_are_refused_before_fitting(tmp_path, sentiment_csv, monkeypatch):
    def no_fit(*args, **kwargs):
        raise AssertionError("fit started before the test labels were checked")

    monkeypatch.setattr(TfidfFamily, "fit", no_fit)
    texts, labels = make_task_data("multiclass", 4)
    test = write_table(tmp_path / "test.csv", texts, ["surprised"] + labels[1:])
    assert_clean_error(run("train", sentiment_csv, "--test", test, "--out", tmp_path / "m"),
                       "test file", "test.csv", "never saw", "surprised")
    valid = write_table(tmp_path / "valid.csv", texts, labels[:-1] + ["bored"])
    assert_clean_error(run("train", sentiment_csv, "--valid", valid), "valid.csv", "bored")
    assert not (tmp_path / "m").exists()


def test_train_warns_before_fitting_when_test_texts_are_training_texts(tmp_path, sentiment_csv,
                                                                       monkeypatch):
    def no_fit(*args, **kwargs):
        raise AssertionError("stop here: the plan was said")

    monkeypatch.setattr(TfidfFamily, "fit", no_fit)
    frame = pd.read_csv(sentiment_csv)
    test = tmp_path / "test.csv"
    frame.head(5).assign(text=lambda f: "  " + f["text"].str.upper()).to_csv(test, index=False)
    said = run("train", sentiment_csv, "--model", "tfidf", "--test", test)
    assert "warning: 5 of the 5 test texts also appear in the training file" in " ".join(
        said.stdout.split())
    fresh = tmp_path / "fresh.csv"
    pd.DataFrame({"text": ["an unseen sentence here"], "label": ["positive"]}).to_csv(
        fresh, index=False)
    assert "also appear" not in run("train", sentiment_csv, "--model", "tfidf", "--test",
                                    fresh).stdout


def test_train_warns_before_fitting_when_test_texts_are_validation_texts(tmp_path,
                                                                         monkeypatch):
    def no_fit(*args, **kwargs):
        raise AssertionError("stop here: the plan was said")

    monkeypatch.setattr(TfidfFamily, "fit", no_fit)
    words = ["great", "awful", "lovely", "dreadful", "fine", "poor", "grand", "bad"]
    rows = [{"text": f"{w} film number {i}", "label": "positive" if k % 2 == 0 else "negative"}
            for i in range(6) for k, w in enumerate(words)]
    frame = pd.DataFrame(rows)
    train, valid, test = (tmp_path / f"{n}.csv" for n in ("train", "valid", "test"))
    frame.iloc[:32].to_csv(train, index=False)
    frame.iloc[32:40].to_csv(valid, index=False)
    pd.concat([frame.iloc[34:37], frame.iloc[40:]]).to_csv(test, index=False)  # 3 shared
    said = " ".join(run("train", train, "--model", "tfidf", "--valid", valid, "--test",
                        test).stdout.split())
    assert "warning: 3 of the 11 test texts also appear in the validation data" in said
    assert "also appear in the training file" not in said
    frame.iloc[40:].to_csv(test, index=False)
    assert "validation data" not in run("train", train, "--model", "tfidf", "--valid", valid,
                                        "--test", test).stdout


def test_predict_and_evaluate_refuse_a_file_without_the_models_text_column(tmp_path, model_dir):
    other = tmp_path / "other.csv"
    pd.DataFrame({"id": [1, 2], "class": ["positive", "negative"]}).to_csv(other, index=False)
    result = run("predict", model_dir, "--input", other, "--output", tmp_path / "out.csv")
    assert_clean_error(result, "column 'text'", "the model was trained on", "other.csv",
                       "'id', 'class'", "--text")
    assert "(from --text)" not in result.stderr
    assert not (tmp_path / "out.csv").exists()
    assert_clean_error(run("evaluate", model_dir, other), "column 'text'", "'id', 'class'")
    renamed = tmp_path / "renamed.csv"
    pd.DataFrame({"id": [1, 2], "body": ["great lovely film", "awful dreadful film"]}).to_csv(
        renamed, index=False)
    report = run_json("predict", model_dir, "--input", renamed, "--output", tmp_path / "o.csv",
                      "--text", "body")
    assert report["text_column"] == "body" and report["predicted"] == 2


def test_broken_json_settings_are_refused_at_once(sentiment_csv):
    assert_clean_error(run("train", sentiment_csv, "--set", "C=[5"), "--set C", "not valid JSON")
    assert_clean_error(run("train", sentiment_csv, "--set", "C={1: 2"), "--set C")


@pytest.mark.parametrize("setting, fragment", [
    ("min_df=abc", "'min_df' must be a number; got 'abc' (a string)"),
    ("C=1,2", "'C' must be a list or a number"),
    ("lowercase=1", "'lowercase' must be true or false"),
    ("word_ngrams=3", "'word_ngrams' must be a list or null"),
])
def test_settings_of_the_wrong_type_are_refused_before_reading_data(tmp_path, setting,
                                                                    fragment):
    missing = tmp_path / "not-read-yet.csv"  # the settings fail first
    assert_clean_error(run("train", missing, "--model", "tfidf", "--set", setting),
                       "model 'tfidf' setting", fragment)


def test_bare_words_stay_strings(tmp_path, sentiment_csv):
    run_json("train", sentiment_csv, "--model", "fasttext", "--set", "schedule=none", "--set",
             "epochs=1", "--out", tmp_path / "m")
    config = json.loads((tmp_path / "m" / "best" / "config.json").read_text())
    assert config["family"]["settings"]["schedule"] == "none"


def _truncate(path: Path) -> None:
    with open(path, "r+b") as handle:
        handle.truncate(path.stat().st_size // 2)


@pytest.mark.parametrize("name", ["idf.safetensors", "linear_model.skops",
                                  "vocabulary_word.json"])
def test_a_damaged_weights_file_is_named_in_one_line(model_dir, name):
    _truncate(model_dir / name)
    assert_clean_error(run("predict", model_dir, "hello"), "is damaged", f"'{name}'")
    (model_dir / name).unlink()
    assert_clean_error(run("predict", model_dir, "hello"), "is damaged", f"'{name}' is missing")


def test_a_damaged_tokenizer_file_is_named_in_one_line(tmp_path):
    texts, labels = make_task_data("binary", 6)
    path = write_table(tmp_path / "t.csv", texts, labels)
    settings = {**tiny_settings("finetune", tmp_path), "epochs": 1}
    args = [a for k, v in settings.items() for a in ("--set", f"{k}={json.dumps(v)}")]
    run_json("train", path, "--valid", path, "--test", path, "--model", "finetune",
             "--out", tmp_path / "m", *args)
    tokenizer = tmp_path / "m" / "best" / "encoder" / "tokenizer.json"
    tokenizer.write_text(tokenizer.read_text()[:1000])
    assert_clean_error(run("predict", tmp_path / "m", "hello"), "is damaged",
                       "encoder/tokenizer.json", "not valid JSON")


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_progress_in_a_log_is_a_line_every_few_seconds():
    clock, stream = Clock(), io.StringIO()
    progress = LineProgress(stream, every=5.0, clock=clock)
    with progress.step("quick") as step:
        step.advance(3)
    assert stream.getvalue() == ""  # short steps say nothing
    with progress.step("predicting") as step:
        counter = Throughput(step, "predicting", clock=clock)
        for _ in range(12):
            clock.now += 1.0
            counter.add(1000)
    lines = stream.getvalue().splitlines()
    assert lines[0] == "predicting: 5,000 rows (1,000 rows/s) (5 s)"
    assert lines[1].startswith("predicting: 10,000 rows")
    assert lines[-1] == "predicting: 12,000 rows (1,000 rows/s) (12 s): done"


@pytest.mark.parametrize("model, setting, shown", [
    ("fasttext", "dim=0", "'dim' must be a finite number above 0; got 0"),
    ("fasttext", "lr=-1", "'lr' must be a finite number above 0; got -1"),
    ("fasttext", "lr=0", "'lr' must be a finite number above 0"),
    ("tfidf", "C=[1, 0]", "'C' must be a finite number above 0; got [1, 0]"),
    ("tfidf", "C=1e999", "'C' must be a list or a number; got inf"),
    ("tfidf", "min_df=0", "'min_df' must be a finite number above 0; got 0"),
    ("tfidf", "min_df=1.5", "min_df is a count of texts (a whole number, e.g. 2) or a share"),
    ("tfidf", "char_ngrams=[5, 2]", "char_ngrams must be [low, high] with 1 <= low <= high"),
])
def test_out_of_range_settings_are_refused_before_any_work(model, setting, shown, tmp_path,
                                                           sentiment_csv):
    assert_clean_error(run("train", sentiment_csv, "--model", model, "--set", setting,
                           "--out", tmp_path / "m"), shown)
    assert not (tmp_path / "m").exists()


def test_inspect_says_as_problems_what_train_would_refuse(tmp_path, sentiment_csv):
    texts, labels = make_task_data("multiclass", 4)
    test = write_table(tmp_path / "test.csv", texts, ["surprised"] + labels[1:])
    problems = run_json("inspect", sentiment_csv, "--test", test)["problems"]
    assert any("test file" in p and "never saw" in p and "surprised" in p for p in problems)
    one = write_table(tmp_path / "one.csv", texts, ["positive"] * len(texts))
    assert any("a single class ('positive')" in p for p in run_json("inspect", one)["problems"])
    assert not any("never saw" in p or "single class" in p
                   for p in run_json("inspect", sentiment_csv)["problems"])


def test_a_budget_for_one_rung_is_refused_not_ignored(tmp_path, sentiment_csv):
    assert_clean_error(run("train", sentiment_csv, "--model", "tfidf", "--budget", "0.01",
                           "--out", tmp_path / "m"), "--budget bounds a climb")
    assert not (tmp_path / "m").exists()


def test_train_warns_when_the_test_data_lacks_a_class(tmp_path, sentiment_csv):
    frame = pd.read_csv(sentiment_csv)
    test = tmp_path / "test.csv"
    pd.concat([frame[frame["label"] == "positive"].head(3),
               frame[frame["label"] == "negative"].head(3)]).assign(
        text=lambda f: f["text"] + " again").to_csv(test, index=False)
    said = " ".join(run("train", sentiment_csv, "--model", "tfidf", "--test", test,
                        "--no-report", "--out", tmp_path / "m").stdout.split())
    assert "warning: no row of the test data has the class neutral" in said
    assert "the macro metrics count it as 0" in said
