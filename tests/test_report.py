"""The report, opened in a real headless Chromium with the network off: one test per task type.

Each test trains on small data with a fast rung through the command line, opens the report that
`train` (or `textladder report`) wrote, and checks that the page loads with no console error and
no network request, that every chart container holds drawn marks, and that the sections its task
calls for are there (and the others are not). Debian's chromium is the browser (scripts/test.sh
installs it when missing); playwright drives it, and downloads nothing.
"""

from __future__ import annotations

import json
import shutil
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
    rows = []
    for rung, options in (("tfidf", sets({"C": [1.0]})),
                          ("minilm", sets(minilm) + ["--calibrate"])):
        trained = run_json("train", data, "--model", rung, "--out", run_dir / "models" / rung,
                           "--no-report", *options)
        rows.append({"name": rung, "family": rung, "kind": "rung", "status": "done",
                     "reason": None, "path": f"models/{rung}", "valid": trained["metrics"]["valid"],
                     "test": trained["metrics"]["test"],
                     "valid_score": trained["metrics"]["valid"]["macro_f1"],
                     "train_seconds": trained["train_seconds"], "predict_texts_per_s": 1000.0,
                     "size_bytes": 12345})
    rows.append({"name": "lstm", "family": "lstm", "kind": "rung", "status": "skipped",
                 "reason": "over budget", "path": None, "valid": {}, "test": {}})
    best = max(rows[:2], key=lambda row: row["valid_score"])["name"]
    (run_dir / "leaderboard.json").write_text(json.dumps({
        "task": "multiclass", "primary_metric": "macro_f1", "greater_is_better": True,
        "budget_seconds": 900, "best": best, "rows": rows}))
    shutil.copytree(run_dir / "models" / best, run_dir / "best")

    written = run_json("report", run_dir)["report"]
    assert Path(written) == run_dir / "report.html"
    opened = open_clean(browser, run_dir / "report.html")
    assert opened.sections[:3] == ["data", "leaderboard", f"model-{best}"]
    assert cards(opened, "data") == DATA_CARDS
    assert cards(opened, "leaderboard") == {"table", "scores"}
    everywhere = {"metrics", "matrix", "bars", "diagram", "ece", "pca", "tsne", "table"}
    assert cards(opened, "model-tfidf") == everywhere | {"top"}
    assert cards(opened, "model-minilm") == everywhere | {"curves"}  # epochs; no n-grams
    # the leaderboard chart draws the two models that ran, on validation and test
    assert opened.charts["leaderboard-scores"]["bars"] == 4


def test_multilabel_train_leaves_a_report_with_label_charts(tmp_path, browser):
    texts, labels = make_task_data("multilabel", 50)
    data = write_table(tmp_path / "train.csv", texts, labels)
    trained = run_json("train", data, "--out", tmp_path / "model", "--calibrate",
                       *sets({"C": [1.0]}))
    assert Path(trained["report"]) == tmp_path / "model.report.html"
    opened = open_clean(browser, trained["report"])
    assert cards(opened, "data") == DATA_CARDS | {"cooccurrence"}
    assert cards(opened, "model-model") == {"metrics", "matrix", "bars", "curve", "diagram",
                                            "ece", "pca", "tsne", "top", "table"}
    # one threshold curve per label, and the chosen thresholds marked on them
    assert opened.charts["model-model-curve"]["lines"] == 2
    assert opened.charts["model-model-curve"]["points"] == 2


def test_ordinal_train_leaves_a_report_with_error_distances(tmp_path, browser):
    texts, labels = make_task_data("ordinal", 50)
    data = write_table(tmp_path / "train.csv", texts, labels)
    settings = {**tiny_settings("fasttext", tmp_path), "epochs": 6, "patience": 6}
    trained = run_json("train", data, "--model", "fasttext", "--out", tmp_path / "model",
                       *sets(settings))
    opened = open_clean(browser, trained["report"])
    assert cards(opened, "data") == DATA_CARDS
    assert cards(opened, "model-model") == {"metrics", "matrix", "distance", "bars", "curves",
                                            "diagram", "ece", "pca", "tsne", "table"}
    # training and validation loss, and the validation metric, one point per epoch each
    epochs = len(json.loads((tmp_path / "model" / "config.json").read_text())
                 ["family"]["chosen"]["history"])
    assert opened.charts["model-model-curves"]["lines"] == 3
    assert opened.charts["model-model-curves"]["points"] == 3 * epochs


def test_regression_train_leaves_a_report_with_residuals(tmp_path, browser):
    texts, labels = make_task_data("regression", 50)
    data = write_table(tmp_path / "train.csv", texts, labels)
    trained = run_json("train", data, "--out", tmp_path / "model", *sets({"C": [1.0]}))
    opened = open_clean(browser, trained["report"])
    assert cards(opened, "data") == DATA_CARDS
    # no classes, no probabilities: no confusion matrix, no calibration, no thresholds
    assert cards(opened, "model-model") == {"metrics", "residuals", "versus", "pca", "tsne",
                                            "top", "table"}
    assert opened.charts["model-model-residuals"]["points"] == trained["data"]["rows"]["test"]


def test_binary_finetune_report_maps_the_encoder_vectors(tmp_path, browser):
    texts, labels = make_task_data("binary", 50)
    data = write_table(tmp_path / "train.csv", texts, labels)
    settings = {**tiny_settings("finetune", tmp_path), "epochs": 3, "patience": 3}
    trained = run_json("train", data, "--model", "finetune", "--out", tmp_path / "model",
                       *sets(settings))
    model = tmp_path / "model" / "evaluation"
    assert (model / "vectors.safetensors").is_file()  # recorded at training time
    opened = open_clean(browser, trained["report"])
    assert cards(opened, "model-model") == {"metrics", "matrix", "bars", "curves", "curve",
                                            "diagram", "ece", "pca", "tsne", "table"}
    html = Path(trained["report"]).read_text(encoding="utf-8")
    assert "model&#x27;s own text vectors" in html or "model's own text vectors" in html


def test_report_of_a_path_that_is_no_model_is_one_line(tmp_path):
    assert_clean_error(run("report", tmp_path / "nothing"), "does not exist")
