"""Every rung family reads the columns beside the text: linear (tfidf, in test_features.py), torch
(fasttext, a recurrent net, wordvec) and encoder (minilm; finetune on the column that carries
the label).

On a table whose label is in a side column and not in the text, each family scores far higher
with the columns than without, and its saved model predicts the same after loading; on a table
whose label is in the text and whose side columns are random, none scores lower with them by
more than the noise of its test rows.
"""

from __future__ import annotations

import numpy as np
import pytest

from conftest import tiny_encoder, tiny_sentence_encoder
from feature_data import FEATURES, noise_table, parts, signal_table
from textladder import TextClassifier
from textladder.data.features import resolve_features
from textladder.families import get_family

pytestmark = pytest.mark.skipif(not get_family("fasttext").is_available(),
                                reason="the torch rungs need the neural extra")

RECURRENT = {"epochs": 15, "patience": 15, "lr": 0.03, "min_count": 1, "hidden": 16,
             "embedding_dim": 16, "batch_size": 8, "vectors": "random"}
SETTINGS = {
    "fasttext": lambda: {"epochs": 12, "patience": 12, "lr": 1.0, "batch_size": 4,
                         "buckets": 1000, "dim": 16, "word_ngrams": 1},
    "gru": lambda: RECURRENT,
    "wordvec": lambda: {"epochs": 30, "patience": 30, "lr": 0.02, "min_count": 1,
                        "batch_size": 8, "hidden": 32, "vectors": "word2vec",
                        "embedding_dim": 16},
    "minilm": lambda: {"encoder": str(tiny_sentence_encoder()), "epochs": 30, "patience": 30,
                       "lr": 0.01, "hidden": 32, "batch_size": 8, "C": [1.0]},
    "finetune": lambda: {"epochs": 6, "patience": 6, "lr": 3e-3, "head_lr": 1e-2,
                         "batch_size": 8, "max_length": 16, "stride": 4, "warmup": 0.0,
                         "dropout": 0.0, "encoder": str(tiny_encoder())},
}
NOISE_TOLERANCE = 0.1  # about two standard errors of macro-F1 near 0.8 on 80 test rows


def _fit(family: str, data, features):
    train, valid = data["train"], data["valid"]
    columns = ["text", *(features or [])]
    clf = TextClassifier(model=family, model_params=SETTINGS[family](), features=features,
                         text_column="text" if features else None)
    X, X_valid = (train[columns], valid[columns]) if features else (train.text, valid.text)
    return clf.fit(X, train.label, valid=(X_valid, valid.label))


def _score(clf, test, features) -> float:
    X = test[["text", *features]] if features else test.text
    return clf.evaluate(X, test.label)["macro_f1"]


@pytest.mark.parametrize("family", ["fasttext", "gru", "wordvec", "minilm", "finetune"])
def test_a_column_that_carries_the_label_lifts_every_family(family, tmp_path):
    data = parts(signal_table())
    without = _score(_fit(family, data, None), data["test"], None)
    clf = _fit(family, data, FEATURES)
    with_columns = _score(clf, data["test"], FEATURES)
    assert with_columns >= without + 0.3 and with_columns >= 0.65, (without, with_columns)
    assert clf.family_.to_config()["chosen"]["side_features"] == clf.side_encoder_.n_outputs
    clf.save(tmp_path / "m")
    loaded = TextClassifier.load(tmp_path / "m")
    test = data["test"][["text", *FEATURES]].assign(group=["west"] + ["north"] * 47)  # unseen
    np.testing.assert_allclose(loaded.predict_output(test), clf.predict_output(test),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("family", ["fasttext", "gru", "wordvec", "minilm"])
def test_noise_columns_do_not_hurt_beyond_noise(family):
    data = parts(noise_table(400))
    without = _score(_fit(family, data, None), data["test"], None)
    with_columns = _score(_fit(family, data, FEATURES), data["test"], FEATURES)
    assert without >= 0.55  # the text carries the label: the comparison means something
    assert with_columns >= without - NOISE_TOLERANCE, (without, with_columns)


def test_an_encoder_model_with_columns_exports_to_onnx_and_predicts_from_tables(tmp_path):
    pytest.importorskip("onnxruntime")
    import textladder.onnx
    from cli_helpers import assert_clean_error, run

    data = parts(signal_table())
    columns = ["text", *FEATURES]
    clf = TextClassifier(model="minilm", features=FEATURES, text_column="text",
                         model_params={"encoder": str(tiny_sentence_encoder()),
                                       "head": "logistic", "cache": False, "C": [1.0]})
    clf.fit(data["train"][columns], data["train"].label,
            valid=(data["valid"][columns], data["valid"].label))
    clf.save(tmp_path / "m")
    data["valid"][columns].to_csv(tmp_path / "valid.csv", index=False)
    result = run("export", tmp_path / "m", "--texts", tmp_path / "valid.csv", "--json")
    assert result.exit_code == 0, result.output
    fast = textladder.onnx.load(tmp_path / "m")
    test = data["test"][columns]
    same = np.mean(np.array(fast.predict(test)) == np.array(clf.predict(test)))
    assert same >= 0.95
    data["valid"][["text"]].to_csv(tmp_path / "bare.csv", index=False)
    assert_clean_error(run("export", tmp_path / "m", "--texts", tmp_path / "bare.csv"),
                       "lacks the feature columns 'group', 'height', 'member'")


def test_the_climb_fits_every_rung_and_ensemble_with_the_columns(tmp_path):
    """Each rung of a climb, the baseline and the ensembles (over the fitted rungs, with no
    refit) read the columns; the run's best model predicts from tables and loads the same."""
    from textladder.ladder.costs import Estimate
    from textladder.workflows.climb import climb
    from textladder.workflows.train import Splits, TrainJob

    data = parts(signal_table())
    frames = {name: part[FEATURES] for name, part in data.items()}
    splits = Splits(*((part.text.tolist(), part.label.tolist()) for part in data.values()),
                    "the test split", {"rows": {k: len(v) for k, v in data.items()},
                                       "columns": {"text": "text", "labels": ["label"],
                                                   "features": FEATURES}},
                    features=resolve_features(data["train"], FEATURES),
                    text_column="text", frames=frames)
    fasttext = {f"fasttext.{k}": v for k, v in SETTINGS["fasttext"]().items()}
    job = TrainJob(data="t.csv", out=str(tmp_path / "run"), models=("tfidf", "fasttext"),
                   model_params={"C": [1.0], **fasttext})
    report = climb(job, splits, estimate=lambda name, settings: Estimate(1.0, 0.0, 1, "test"))
    board = report["leaderboard"]
    scores = {row["name"]: row["test"]["macro_f1"] for row in board["rows"]}
    assert scores["baseline"] <= 0.5  # it reads neither the text nor the columns
    for name in ("tfidf", "fasttext", "soft_vote", "hard_vote", "stack"):
        assert scores[name] >= 0.65, (name, scores)
        config = tmp_path / "run" / "models" / name / "config.json"
        assert "feature_importance" in config.read_text()
    best = TextClassifier.load(tmp_path / "run")
    test = data["test"][["text", *FEATURES]]
    assert best.evaluate(test, data["test"].label)["macro_f1"] == pytest.approx(
        scores[board["best"]])


@pytest.mark.parametrize("family,strategy", [("fasttext", "oversample"), ("gru", "undersample"),
                                             ("wordvec", "smote"), ("minilm", "smote")])
def test_resampled_rows_keep_their_columns(family, strategy):
    """Imbalance strategies that resample rows (by index, or SMOTE on the vectors joined to the
    side columns) keep each row's side columns with it: the column still carries the label."""
    data = parts(signal_table(300))
    train = data["train"]
    skewed = train[(train.label != "blue") | (np.arange(len(train)) % 3 == 0)]  # blue: a third
    columns = ["text", *FEATURES]
    clf = TextClassifier(model=family, model_params=SETTINGS[family](), features=FEATURES,
                         text_column="text", imbalance=strategy)
    clf.fit(skewed[columns], skewed.label, valid=(data["valid"][columns], data["valid"].label))
    assert clf.imbalance_.strategy == strategy
    assert _score(clf, data["test"], FEATURES) > 0.7  # chance is 0.33: the column was read
