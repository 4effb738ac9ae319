"""The report, opened in a real headless Chromium with the network off: one test per task type.

Each test trains on small data with a fast rung through the command line, opens the report that
`train` (or `textladder report`) wrote, and checks that the page loads with no console error and
no network request, that every chart container holds drawn marks, and that the sections its task
calls for are there (and the others are not). Debian's chromium is the browser (scripts/test.sh
installs it when missing); playwright drives it, and downloads nothing.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

pytest.importorskip("plotly")

from browser import Browser, chromium_path  # noqa: E402
from cli_helpers import assert_clean_error, run, run_json  # noqa: E402
from conftest import make_task_data, tiny_settings, write_table  # noqa: E402

DATA_CARDS = {"distribution", "splits", "lengths", "problems"}


@pytest.fixture(scope="module")
def browser():
    if chromium_path() is None:
        pytest.fail("the report tests need Debian's chromium: bash scripts/test.sh installs it "
                    "(apt-get install chromium)")
    opened = Browser()
    yield opened
    opened.close()


def open_clean(browser: Browser, path: Path):
    """Open `path`; assert no console error, no request, and marks in every chart."""
    opened = browser.open(path)
    assert opened.errors == []
    assert opened.blocked == []
    assert opened.charts, "no chart on the page"
    for chart, found in opened.charts.items():
        assert found["laid_out"] and opened.marks(chart) > 0, (chart, found)
    return opened


def sets(settings: dict) -> list[str]:
    return [part for name, value in settings.items()
            for part in ("--set", f"{name}={json.dumps(value)}")]


def cards(opened, section: str) -> set[str]:
    return {card[len(section) + 1:] for card in opened.cards if card.startswith(section + "-")}


def test_multiclass_climb_report_shows_the_leaderboard_and_every_model(tmp_path, browser):
    texts, labels = make_task_data("multiclass", 50)
    data = write_table(tmp_path / "train.csv", texts, labels)
    run_dir = tmp_path / "runs" / "demo"
    minilm = {**tiny_settings("minilm", tmp_path), "epochs": 8, "patience": 8}
    settings = sets({"tfidf.C": [1.0], **{f"minilm.{k}": v for k, v in minilm.items()}})
    trained = run_json("train", data, "--models", "tfidf,minilm,soft_vote", "--calibrate",
                       "--budget", "5", "--out", run_dir, *settings)
    assert Path(trained["report"]) == run_dir / "report.html"
    board = json.loads((run_dir / "leaderboard.json").read_text())
    done = [row["name"] for row in board["rows"] if row["status"] == "done"]
    kept = [row["name"] for row in board["rows"] if row["status"] == "done" and row["kept"]]
    assert {"baseline", "tfidf", "minilm"} <= set(kept) and "soft_vote" in done

    written = run_json("report", run_dir)["report"]  # drawn again, the same way
    assert Path(written) == run_dir / "report.html"
    opened = open_clean(browser, run_dir / "report.html")
    assert opened.sections[:3] == ["data", "leaderboard", f"model-{board['best']}"]
    assert set(opened.sections) >= {f"model-{name}" for name in kept}
    assert cards(opened, "data") == DATA_CARDS
    assert cards(opened, "leaderboard") == {"table", "scores"}
    everywhere = {"metrics", "matrix", "bars", "diagram", "ece", "pca", "tsne", "table"}
    assert cards(opened, "model-tfidf") == everywhere | {"top"}
    assert cards(opened, "model-minilm") == everywhere | {"curves"}  # epochs; no n-grams
    # the baseline reads no text: its scores only, no map, calibration or mistakes of texts
    assert cards(opened, "model-baseline") == {"metrics", "matrix", "bars"}
    # the leaderboard chart draws each model that ran, on validation and test
    assert opened.charts["leaderboard-scores"]["bars"] == 2 * len(done)


def test_multilabel_train_leaves_a_report_with_label_charts(tmp_path, browser):
    texts, labels = make_task_data("multilabel", 50)
    data = write_table(tmp_path / "train.csv", texts, labels)
    trained = run_json("train", data, "--model", "tfidf", "--out", tmp_path / "run",
                       "--calibrate", *sets({"C": [1.0]}))
    assert Path(trained["report"]) == tmp_path / "run" / "report.html"
    opened = open_clean(browser, trained["report"])
    assert cards(opened, "data") == DATA_CARDS | {"cooccurrence"}
    assert cards(opened, "model-tfidf") == {"metrics", "matrix", "bars", "curve", "diagram",
                                            "ece", "pca", "tsne", "top", "table"}
    # one threshold curve per label, and the chosen thresholds marked on them
    assert opened.charts["model-tfidf-curve"]["lines"] == 2
    assert opened.charts["model-tfidf-curve"]["points"] == 2


def test_ordinal_train_leaves_a_report_with_error_distances(tmp_path, browser):
    texts, labels = make_task_data("ordinal", 50)
    data = write_table(tmp_path / "train.csv", texts, labels)
    settings = {**tiny_settings("fasttext", tmp_path), "epochs": 6, "patience": 6}
    trained = run_json("train", data, "--model", "fasttext", "--out", tmp_path / "run",
                       *sets(settings))
    opened = open_clean(browser, trained["report"])
    assert cards(opened, "data") == DATA_CARDS
    assert cards(opened, "model-fasttext") == {"metrics", "matrix", "distance", "bars",
                                               "curves", "diagram", "ece", "pca", "tsne", "table"}
    # training and validation loss, and the validation metric, one point per epoch each
    epochs = len(json.loads((tmp_path / "run" / "best" / "config.json").read_text())
                 ["family"]["chosen"]["history"])
    assert opened.charts["model-fasttext-curves"]["lines"] == 3
    assert opened.charts["model-fasttext-curves"]["points"] == 3 * epochs


def test_regression_train_leaves_a_report_with_residuals(tmp_path, browser):
    texts, labels = make_task_data("regression", 50)
    data = write_table(tmp_path / "train.csv", texts, labels)
    trained = run_json("train", data, "--model", "tfidf", "--out", tmp_path / "run",
                       *sets({"C": [1.0]}))
    opened = open_clean(browser, trained["report"])
    assert cards(opened, "data") == DATA_CARDS
    # no classes, no probabilities: no confusion matrix, no calibration, no thresholds
    assert cards(opened, "model-tfidf") == {"metrics", "residuals", "versus", "pca", "tsne",
                                            "top", "table"}
    assert opened.charts["model-tfidf-residuals"]["points"] == trained["data"]["rows"]["test"]


def test_binary_finetune_report_maps_the_encoder_vectors(tmp_path, browser):
    texts, labels = make_task_data("binary", 50)
    data = write_table(tmp_path / "train.csv", texts, labels)
    settings = {**tiny_settings("finetune", tmp_path), "epochs": 3, "patience": 3}
    trained = run_json("train", data, "--model", "finetune", "--out", tmp_path / "run",
                       *sets(settings))
    model = tmp_path / "run" / "best" / "evaluation"
    assert (model / "vectors.safetensors").is_file()  # recorded at training time
    opened = open_clean(browser, trained["report"])
    assert cards(opened, "model-finetune") == {"metrics", "matrix", "bars", "curves", "curve",
                                            "diagram", "ece", "pca", "tsne", "table"}
    html = Path(trained["report"]).read_text(encoding="utf-8")
    assert "finetune&#x27;s own text vectors" in html or "finetune's own text vectors" in html


def test_report_of_a_path_that_is_no_model_is_one_line(tmp_path):
    assert_clean_error(run("report", tmp_path / "nothing"), "does not exist")
