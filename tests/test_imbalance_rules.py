"""The imbalance option's rules: where it is refused, what it leaves alone, what it counts.

- Refusals are one line and exit code 2 through the command line, and name what to use instead.
- Resampling touches training rows only: validation and test rows reach the model untouched
  (counted with a fake family that records what it is given, and inside real rungs).
- Class weights come from one place: the same weights in every rung, from the training counts.
- Label-aware oversampling repeats rows by their rarest label and reports the label counts.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from cli_helpers import assert_clean_error, run, run_json
from conftest import make_task_data, write_table
from textladder import TextClassifier
from textladder.families import get_family
from textladder.families.base import ModelFamily
from textladder.imbalance import balanced_weights
from textladder.imbalance.sampling import multilabel_oversample, sample_rows, target_counts
from test_imbalance import skewed


@pytest.fixture
def skewed_csv(tmp_path):
    return write_table(tmp_path / "skewed.csv", *skewed("multiclass", 40, 6, 0))


@pytest.fixture
def labelsets_csv(tmp_path):
    return write_table(tmp_path / "sets.csv", *skewed("multilabel", 40, 6, 0))


# ----- refusals --------------------------------------------------------------------------------
@pytest.mark.parametrize("args, fragments", [
    (["--model", "fasttext", "--imbalance", "smote"],
     ["fasttext", "smote", "tfidf, wordvec, minilm"]),
    (["--imbalance", "focal"], ["'tfidf' cannot take --imbalance focal", "fasttext"]),
    (["--imbalance", "sometimes"], ["imbalance must be one of", "auto, none, weights"]),
    (["--imbalance", "oversample", "--class-weight", "c=5"], ["--class-weight", "weights"]),
    (["--imbalance", "weights", "--sampling-ratio", "0.5"], ["--sampling-ratio", "oversample"]),
    (["--imbalance", "oversample", "--sampling-ratio", "2"], ["above 0, at most 1", "2"]),
    (["--class-weight", "c=-1"], ["class weight of 'c'", "positive number"]),
    (["--class-weight", "c"], ["LABEL=WEIGHT"]),
    (["--set", "class_weight=balanced"], ["class_weight setting", "--imbalance weights"]),
])
def test_refused_before_reading_the_data(tmp_path, args, fragments):
    missing = tmp_path / "not-read.csv"  # the options fail first
    if "--model" not in args:
        args = ["--model", "tfidf", *args]
    result = run("train", missing, *args)
    assert result.exit_code == 2
    assert_clean_error(result, *fragments)


def test_unknown_labels_in_class_weights_are_named(skewed_csv):
    result = run("train", skewed_csv, "--model", "tfidf", "--class-weight", "grief=10")
    assert result.exit_code == 2
    assert_clean_error(result, "'grief'", "not a training label", "a, b, c")


@pytest.mark.parametrize("strategy, fragments", [
    ("smote", ["multi-label", "--imbalance oversample", "weights"]),
    ("undersample", ["multi-label", "--imbalance oversample", "weights"]),
])
def test_label_sets_refuse_smote_and_undersampling(labelsets_csv, strategy, fragments):
    result = run("train", labelsets_csv, "--model", "tfidf", "--imbalance", strategy)
    assert result.exit_code == 2
    assert_clean_error(result, *fragments)


def test_a_regression_takes_no_strategy_but_auto_and_none(tmp_path):
    data = write_table(tmp_path / "scores.csv", *make_task_data("regression", 12))
    result = run("train", data, "--model", "tfidf", "--imbalance", "weights")
    assert result.exit_code == 2
    assert_clean_error(result, "regression has none", "auto or none")
    report = run_json("train", data, "--model", "tfidf", "--out", tmp_path / "m", "--set",
                      "C=[10]")
    assert report["imbalance"]["strategy"] == "none"


# ----- training rows only ----------------------------------------------------------------------
class Recorder(ModelFamily):
    """Predicts the class shares of the rows it trained on, and records every row count."""

    name = "recorder"
    imbalance_strategies = ("oversample", "undersample")
    seen: dict = {}

    def fit(self, texts, targets, task, valid, seed=0, progress=None):
        Recorder.seen.update(train=len(texts), valid=len(valid[0]), valid_targets=len(valid[1]),
                             predicted=[])
        rows = self.imbalance.sample_rows(targets, seed)
        fitted = targets if rows is None else targets[rows]
        Recorder.seen["fitted"] = len(fitted)
        self.shares_ = np.bincount(fitted, minlength=task.n_outputs) / len(fitted)
        return self

    def predict_output(self, texts):
        Recorder.seen["predicted"].append(len(texts))
        return np.tile(self.shares_, (len(texts), 1))

    def save(self, directory):
        raise NotImplementedError

    @classmethod
    def load(cls, directory, config, task):
        raise NotImplementedError


@pytest.mark.parametrize("strategy", ["oversample", "undersample"])
def test_resampling_leaves_validation_and_test_rows_untouched(monkeypatch, strategy):
    import textladder.classifier as classifier

    monkeypatch.setattr(classifier, "get_family", lambda name: Recorder)
    train, valid, test = skewed("multiclass", 50, 5, 0), skewed("multiclass", 20, 4, 1), \
        skewed("multiclass", 30, 30, 2)
    clf = TextClassifier(model="recorder", imbalance=strategy).fit(*train, valid=valid)
    metrics = clf.evaluate(*test)
    seen = Recorder.seen
    assert seen["train"] == len(train[0]) == 105
    assert seen["fitted"] == (150 if strategy == "oversample" else 15)  # 3 x 50, 3 x 5
    assert seen["valid"] == seen["valid_targets"] == len(valid[0]) == 44
    assert seen["predicted"] == [44, 90]  # all validation rows, then all test rows
    assert sum(row["support"] for row in clf.valid_metrics_["per_class"].values()) == 44
    assert sum(row["support"] for row in metrics["per_class"].values()) == 90
    effect = clf.imbalance_.effect
    assert effect["rows"] == {"before": 105, "after": seen["fitted"]}


@pytest.mark.parametrize("strategy", ["oversample", "smote", "undersample"])
def test_tfidf_resamples_its_training_features_only(monkeypatch, strategy):
    import textladder.families.tfidf as tfidf

    seen = {}
    real = tfidf.search_linear

    def spy(X, targets, X_valid, valid_targets, *args, **kwargs):
        seen.update(train=X.shape[0], targets=len(targets), valid=X_valid.shape[0],
                    valid_targets=len(valid_targets))
        return real(X, targets, X_valid, valid_targets, *args, **kwargs)

    monkeypatch.setattr(tfidf, "search_linear", spy)
    train, valid = skewed("multiclass", 50, 5, 0), skewed("multiclass", 20, 4, 1)
    clf = TextClassifier(model="tfidf", model_params={"C": [1.0]}, imbalance=strategy)
    clf.fit(*train, valid=valid)
    assert seen["train"] == seen["targets"] == {"oversample": 150, "smote": 150,
                                                "undersample": 15}[strategy]
    assert seen["valid"] == seen["valid_targets"] == 44
    assert clf.n_train_ == 105  # the rows given; the model trained on the resampled ones


def test_torch_rungs_resample_their_training_rows_only(monkeypatch):
    pytest.importorskip("torch")
    from textladder.neural.trainer import Trainer

    seen = []
    real = Trainer.fit

    def spy(self, batcher, targets, valid_batcher, valid_targets):
        seen.append((len(targets), len(valid_targets)))
        return real(self, batcher, targets, valid_batcher, valid_targets)

    monkeypatch.setattr(Trainer, "fit", spy)
    train, valid = skewed("multiclass", 50, 5, 0), skewed("multiclass", 20, 4, 1)
    settings = {"epochs": 1, "buckets": 100, "dim": 8, "word_ngrams": 1, "batch_size": 16}
    TextClassifier(model="fasttext", model_params=settings, imbalance="oversample").fit(
        *train, valid=valid)
    assert seen == [(150, 44)]


# ----- one place for the weights ---------------------------------------------------------------
def test_class_weights_come_from_the_training_counts_in_every_rung():
    pytest.importorskip("torch")
    train, valid = skewed("multiclass", 50, 5, 0), skewed("multiclass", 20, 4, 1)
    expected = {"a": 105 / (3 * 50), "b": 105 / (3 * 50), "c": 105 / (3 * 5)}
    settings = {"tfidf": {"C": [1.0]}, "fasttext": {"epochs": 1, "buckets": 100, "dim": 8,
                                                    "word_ngrams": 1}}
    for model, params in settings.items():
        clf = TextClassifier(model=model, model_params=params, imbalance="weights")
        clf.fit(*train, valid=valid)
        assert clf.imbalance_.effect["class_weights"] == pytest.approx(expected), model
    ft = clf.family_.head_
    np.testing.assert_allclose(ft.weights.numpy(), [expected[k] for k in "abc"], rtol=1e-6)


def test_your_own_class_weights_and_label_set_positive_weights():
    train, valid = skewed("multiclass", 50, 5, 0), skewed("multiclass", 20, 4, 1)
    clf = TextClassifier(model="tfidf", model_params={"C": [1.0]}, class_weight="c=10, a=0.5")
    clf.fit(*train, valid=valid)
    assert clf.imbalance_.strategy == "weights"
    assert clf.imbalance_.reason == "--class-weight given"
    assert clf.imbalance_.effect["class_weights"] == {"a": 0.5, "b": 1.0, "c": 10.0}
    Y = np.array([[1, 0], [1, 0], [1, 1], [0, 1]])
    np.testing.assert_allclose(balanced_weights(Y, 2, multilabel=True), [1 / 3, 1.0])


# ----- sampling --------------------------------------------------------------------------------
def test_sampling_ratios():
    counts = np.array([100, 40, 10])
    assert list(target_counts(counts, "oversample", 1.0)) == [100, 100, 100]
    assert list(target_counts(counts, "oversample", 0.5)) == [100, 50, 50]
    assert list(target_counts(counts, "undersample", 1.0)) == [10, 10, 10]
    assert list(target_counts(counts, "undersample", 0.5)) == [20, 20, 10]
    targets = np.repeat([0, 1, 2], counts)
    rows = sample_rows(targets, 3, "oversample", 0.5, seed=0)
    assert list(np.bincount(targets[rows])) == [100, 50, 50]
    assert set(np.arange(len(targets))) <= set(rows)  # every original row kept
    rows = sample_rows(targets, 3, "undersample", 1.0, seed=0)
    assert list(np.bincount(targets[rows])) == [10, 10, 10] and len(set(rows)) == 30


def test_label_aware_oversampling_repeats_rows_by_their_rarest_label():
    # labels: common (60 rows), mid (20), rare (4, always with common); 10 rows carry none
    Y = np.zeros((84 + 10, 3), dtype=int)
    Y[:60, 0] = 1
    Y[60:80, 1] = 1
    Y[80:84, [0, 2]] = 1
    rows = multilabel_oversample(Y, ratio=0.5, seed=0)
    counts = Y[rows].sum(axis=0)
    assert counts[2] >= 30 and counts[1] >= 30  # each label reaches half of the commonest's
    repeats = np.bincount(rows, minlength=len(Y)) - 1
    assert repeats[:60].sum() == 0  # rows of the common label alone are never repeated
    assert repeats[84:].sum() == 0  # nor rows without labels
    assert repeats[80:84].sum() == counts[2] - 4  # rare rows were repeated for the rare label
    assert set(rows) == set(range(len(Y)))  # every original row kept


def test_train_reports_the_label_counts_after_oversampling(tmp_path, labelsets_csv):
    report = run_json("train", labelsets_csv, "--model", "tfidf", "--imbalance", "oversample",
                      "--sampling-ratio", "0.5", "--set", "C=[10]", "--out", tmp_path / "m")
    effect = report["imbalance"]["effect"]
    before, after = effect["counts"]["before"], effect["counts"]["after"]
    assert after["rare"] > before["rare"] and effect["rows"]["after"] > effect["rows"]["before"]
    saved = json.loads((tmp_path / "m" / "best" / "config.json").read_text())
    assert saved["imbalance"]["effect"]["counts"]["after"] == after


def test_a_sampling_ratio_the_data_already_meets_says_nothing_was_resampled(tmp_path,
                                                                           skewed_csv):
    # skewed: the smallest class is about 6 / 40 of the largest, already above a ratio of 0.1
    result = run("train", skewed_csv, "--model", "tfidf", "--imbalance", "oversample",
                 "--sampling-ratio", "0.1", "--set", "C=[10]", "--out", tmp_path / "m",
                 "--no-report")
    assert result.exit_code == 0, result.output
    shown = " ".join(result.stdout.split())
    assert "nothing was resampled: the smallest class is already 0.1" in shown
    assert "of the largest, at least the sampling ratio 0.1; raise --sampling-ratio" in shown
    assert "valid: the rows its settings and thresholds were chosen on" in shown  # the table
    moved = run("train", skewed_csv, "--model", "tfidf", "--imbalance", "oversample",
                "--sampling-ratio", "0.5", "--set", "C=[10]", "--out", tmp_path / "n",
                "--no-report")
    assert moved.exit_code == 0 and "nothing was resampled" not in moved.stdout


# ----- what the user sees ----------------------------------------------------------------------
def test_inspect_reports_the_imbalance_and_recommends_a_strategy(skewed_csv, labelsets_csv):
    report = run_json("inspect", skewed_csv)
    balance = report["balance"]
    assert balance["imbalance_ratio"] == pytest.approx(40 / 6, abs=0.01)
    assert balance["smallest"][0] == "c"
    assert balance["recommended"]["strategy"] in ("weights", "oversample", "none", "focal")
    assert "tfidf" in balance["recommended"]["rungs"] + list(balance["recommended"]["others"])
    rates = run_json("inspect", labelsets_csv)["balance"]["positive_rates"]
    assert rates["rare"] == pytest.approx(6 / 86, abs=1e-3) and rates["x"] > rates["rare"]
    shown = run("inspect", skewed_csv).stdout
    assert "smallest: c (6)" in shown and "recommended: --imbalance" in shown


def test_train_says_the_choice_and_shows_the_smallest_classes_first(tmp_path):
    rng = np.random.default_rng(0)
    texts, labels = [], []
    for k in range(10):  # class k has 8 + 4k rows and a word of its own
        for i in range(8 + 4 * k):
            texts.append(f"word{k} {' '.join(rng.choice(['the', 'a', 'one'], 2))} row{k}x{i}")
            labels.append(f"class{k}")
    data = write_table(tmp_path / "ten.csv", texts, labels)
    result = run("train", data, "--model", "tfidf", "--set", "C=[10]", "--out", tmp_path / "m",
                 "--no-report")
    assert result.exit_code == 0, result.output
    shown = result.stdout
    assert "imbalance: weights (class weights in the loss; auto: imbalance ratio" in shown
    table = shown[shown.index("per class (test), smallest first"):]
    order = [f"class{k}" for k in range(10) if f"class{k} " in table]
    positions = [table.index(f"class{k} ") for k in range(10)]
    assert positions == sorted(positions) and len(order) == 10
    header = table.splitlines()[2]
    assert header.index("recall") < header.index("f1") < header.index("precision")


def test_models_saved_with_the_class_weight_setting_still_load(tmp_path, model_dir):
    config_path = model_dir / "config.json"
    config = json.loads(config_path.read_text())
    config.pop("imbalance")
    config["family"]["settings"]["class_weight"] = "balanced"
    config_path.write_text(json.dumps(config))
    texts = ["great lovely film", "awful dreadful film", "table window street"]
    before = TextClassifier.load(model_dir)
    assert before.imbalance_.strategy == "weights" and before.imbalance == "weights"
    assert "class_weight" not in before.model_params
    assert before.predict(texts) == ["positive", "negative", "neutral"]


def test_a_climb_skips_the_rungs_that_cannot_take_the_strategy_asked_for(tmp_path):
    from test_ladder import TINY, quick, splits_for
    from textladder.workflows.climb import climb
    from textladder.workflows.train import TrainJob

    out = tmp_path / "run"
    job = TrainJob(data="t.csv", out=str(out), models=("tfidf", "fasttext", "soft_vote"),
                   model_params=TINY, imbalance="smote")
    report = climb(job, splits_for("multiclass"), estimate=quick)
    rows = {row["name"]: row for row in json.loads((out / "leaderboard.json").read_text())["rows"]}
    assert rows["fasttext"]["status"] == "skipped"
    assert "cannot take --imbalance smote" in rows["fasttext"]["reason"]
    assert rows["tfidf"]["status"] == rows["baseline"]["status"] == "done"
    assert report["best"] == "tfidf" and report["imbalance"]["strategy"] == "smote"
    baseline = TextClassifier.load(out / "models" / "baseline")
    assert baseline.imbalance_.strategy == "none"  # no rows of its own to balance


@pytest.mark.parametrize("metric, expected", [("macro_f1", "weights"), ("accuracy", "none"),
                                              (None, "weights")])
def test_auto_balances_for_metrics_that_weigh_classes_alike(metric, expected):
    """auto's class weights trade common-class hits for rare-class recall: taken for macro
    metrics, left out where the primary metric counts every row alike."""
    from textladder.imbalance.auto import choose_strategy

    skewed = np.array([300, 100, 20])
    strategy, reason = choose_strategy("multiclass", skewed, get_family("tfidf"), metric)
    assert strategy == expected, reason
    assert choose_strategy("multiclass", np.array([100, 90, 80]), get_family("tfidf"),
                           "macro_f1")[0] == "none"  # nearly balanced
    texts, labels = make_task_data("multiclass", 12)
    texts, labels = texts + texts[:4] * 6, labels + labels[:4] * 6  # one class four times more
    clf = TextClassifier(model="tfidf", metric=metric or "macro_f1").fit(texts, labels)
    assert clf.imbalance_.strategy == expected


def test_auto_leaves_label_sets_to_their_thresholds():
    """Each label's threshold, tuned on validation, balances a label set already (measured on
    goemotions): auto leaves every rung's rows alone there, and weights single-label tasks."""
    from textladder.imbalance.auto import choose_strategy

    skewed = np.array([300, 100, 20])
    for name in ("tfidf", "fasttext", "minilm", "gru"):
        strategy, reason = choose_strategy("multilabel", skewed, get_family(name), "macro_f1")
        assert strategy == "none" and "threshold" in reason, name
        assert choose_strategy("multiclass", skewed, get_family(name), "macro_f1")[0] == "weights"


def test_auto_for_a_climb_counts_only_the_rungs_that_balance_rows():
    from textladder.cli.render import imbalance_line
    from textladder.imbalance.auto import recommend

    advice = recommend("multiclass", np.array([3000, 20, 500]), "macro_f1")
    # the baseline and the ensembles balance no rows ("takes no imbalance strategy"), and
    # do not outvote the rungs that do, nor show as rungs that choose otherwise
    assert advice["strategy"] == "weights" and {"tfidf", "fasttext"} <= set(advice["rungs"])
    assert "baseline" not in advice["rungs"] + list(advice["others"])
    line = imbalance_line({"requested": "auto", **advice})
    assert "baseline" not in line and "otherwise" not in line
    sets = recommend("multilabel", np.array([3000, 20, 500]), "macro_f1")
    assert sets["strategy"] == "none" and "threshold" in sets["reason"]


def test_a_class_without_rows_does_not_make_the_data_look_skewed():
    from textladder.imbalance.auto import choose_strategy
    from textladder.imbalance.counts import imbalance_ratio

    # an --order level no row has: 250 rows a class and none for the last
    assert imbalance_ratio(np.array([250, 250, 250, 0])) == 1.0
    assert imbalance_ratio(np.array([300, 100, 0])) == 3.0
    assert imbalance_ratio(np.array([0, 0])) == 1.0
    assert choose_strategy("ordinal", np.array([250, 250, 250, 0]), get_family("tfidf"))[0] == \
        "none"  # it took class weights, for a ratio of 250:1


def test_class_weights_given_to_a_model_that_balances_nothing_are_refused():
    from textladder.errors import TextladderError

    texts, labels = make_task_data("multiclass")
    with pytest.raises(TextladderError, match="baseline"):
        TextClassifier(model="baseline", class_weight={"positive": 2.0}).fit(
            texts, labels, valid=(texts, labels))
