"""Rungs at their default settings, on long texts of every task type (issue 23).

The climb runs every rung at its defaults on data nobody has looked at, so here each rung trains
with no settings at all on a small table of long texts made in the test (a few cue words among
about 120 filler words per text): it must train without error, its training loss must fall, and
it must beat a majority baseline on held-out rows. A loss that diverges at a default rate restarts
at a lower one and says so; a rate the user set is kept, and the error stays for them.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

pytest.importorskip("torch")

from cli_helpers import run  # noqa: E402
from conftest import TASK_NAMES, make_task_data, write_table  # noqa: E402
from textladder import TextClassifier  # noqa: E402
from textladder.errors import TextladderError  # noqa: E402
from textladder.families.fasttext_bag import FastTextFamily  # noqa: E402

RUNGS = ["fasttext"]
FILLER = [f"w{i}" for i in range(400)]
CUES = {name: [f"{name}{i}" for i in range(8)] for name in ("action", "comedy", "drama")}
LEVELS = {"drama": 1, "comedy": 2, "action": 3}  # ordinal levels and regression scores


def _text(labels: list[str], rng: random.Random, length: int = 120) -> str:
    words = rng.choices(FILLER, k=length)
    for label in labels:  # a few cues per label, scattered among the filler
        for cue in rng.choices(CUES[label], k=10):
            words.insert(rng.randrange(len(words)), cue)
    return " ".join(words)


def long_table(task: str, n: int, seed: int) -> tuple[list[str], list]:
    """`n` long texts and labels of `task`; unbalanced, so that the majority is a real bar."""
    rng = random.Random(seed)
    classes = list(CUES)[:2] if task == "binary" else list(CUES)
    texts, labels = [], []
    for _ in range(n):
        if task == "multilabel":
            row = sorted(rng.sample(classes, rng.choice([1, 1, 2])))
            label = "|".join(row)
        else:
            row = rng.choices(classes, [3, 2, 1][:len(classes)])
            label = {"ordinal": LEVELS[row[0]], "regression": float(LEVELS[row[0]])}.get(
                task, row[0])
        texts.append(_text(row, rng))
        labels.append(label)
    return texts, labels


def _majority_score(task: str, train_labels: list, test_labels: list) -> float:
    """The held-out score of always predicting the most common training label (set), or the
    mean for a regression (whose R² is then about 0)."""
    if task == "regression":
        return 0.0
    if task == "multilabel":
        common = max(set(train_labels), key=train_labels.count).split("|")
        return _micro_f1([common] * len(test_labels), [t.split("|") for t in test_labels])
    common = max(set(train_labels), key=train_labels.count)
    return float(np.mean([label == common for label in test_labels]))


def _micro_f1(predicted: list[list[str]], truth: list[list[str]]) -> float:
    hits = sum(len(set(p) & set(t)) for p, t in zip(predicted, truth))
    return 2 * hits / max(sum(map(len, predicted)) + sum(map(len, truth)), 1)


def _score(task: str, clf: TextClassifier, texts: list[str], labels: list) -> float:
    if task == "regression":
        return clf.evaluate(texts, labels)["r2"]
    predicted = clf.predict(texts)
    if task == "multilabel":
        return _micro_f1([list(p) for p in predicted], [t.split("|") for t in labels])
    return float(np.mean([str(p) == str(t) for p, t in zip(predicted, labels)]))


@pytest.mark.parametrize("rung", RUNGS)
@pytest.mark.parametrize("task", TASK_NAMES)
def test_a_rung_at_its_defaults_learns_long_texts(rung, task):
    texts, labels = long_table(task, 240, seed=1)
    train, valid, test = slice(0, 160), slice(160, 200), slice(200, 240)
    clf = TextClassifier(model=rung, task=task).fit(texts[train], labels[train],
                                                    valid=(texts[valid], labels[valid]))
    chosen = clf.family_.chosen_
    assert "restarted" not in chosen  # the defaults train as they are
    losses = [row["train_loss"] for row in chosen["history"]]
    assert min(losses[1:]) < 0.8 * losses[0], losses
    baseline = _majority_score(task, labels[train], labels[test])
    assert _score(task, clf, texts[test], labels[test]) > baseline + 0.1


def _diverging_default(monkeypatch, lr: float) -> None:
    """Make the rung's default learning rate `lr`, as if its defaults were badly chosen."""
    defaults = FastTextFamily.default_settings()
    monkeypatch.setattr(FastTextFamily, "default_settings",
                        classmethod(lambda cls: {**defaults, "lr": lr}))


def test_a_diverging_default_rate_restarts_lower_and_says_so(monkeypatch, tmp_path):
    # A squared error takes an 8th of the rate: at 40 its bias alone grows 9-fold a step, at
    # 10 1.5-fold, at 2.5 it settles. So training restarts twice, and then learns.
    _diverging_default(monkeypatch, 40.0)
    texts, labels = make_task_data("regression", 20)
    words = {"word_ngrams": 1}  # a smaller table, for speed; the rate is still the default
    clf = TextClassifier(model="fasttext", model_params=words).fit(texts, labels,
                                                                   valid=(texts, labels))
    chosen = clf.family_.chosen_
    assert [t["lr"] for t in chosen["diverged"]] == [40.0, 10.0]
    assert chosen["restarted"].startswith("the loss diverged at the default lr 40 (epoch ")
    assert chosen["restarted"].endswith("; trained at lr 2.5 instead")
    assert clf.family_.settings_["lr"] == 2.5
    assert clf.evaluate(texts, labels)["r2"] > 0.9

    data = write_table(tmp_path / "train.csv", texts, labels)
    result = run("train", data, "--model", "fasttext", "--set", "word_ngrams=1", "--out",
                 tmp_path / "model")
    assert result.exit_code == 0, result.output
    assert "trained at lr 2.5 instead" in " ".join(result.stdout.split())


def test_a_finetune_restart_lowers_the_head_rate_with_the_encoder_rate():
    from textladder.families.finetune import FinetuneFamily
    from textladder.neural.trainer import TrainingDiverged

    family = FinetuneFamily()
    family.settings_, family.chosen_ = family.resolved_settings(), {}
    lr, head_lr = family.settings_["lr"], family.settings_["head_lr"]
    family._restart_slower(TrainingDiverged(1, "loss"))
    assert family.settings_["lr"] == lr / 4 and family.settings_["head_lr"] == head_lr / 4
    assert family.chosen_["restarted"].endswith(f"; trained at lr {lr / 4:g}, head_lr "
                                                f"{head_lr / 4:g} instead")
    user = FinetuneFamily(head_lr=0.01)  # a rate the user set: the error stays for them
    user.settings_, user.chosen_ = user.resolved_settings(), {}
    with pytest.raises(TrainingDiverged):
        user._restart_slower(TrainingDiverged(1, "loss"))


def test_restarts_share_the_time_limit(monkeypatch):
    """Each restart gets what is left of the fit's time limit, not a fresh one."""
    from textladder.neural import callbacks

    _diverging_default(monkeypatch, 40.0)
    limits, real = [], callbacks.TimeLimit.__init__

    def spy(self, seconds):
        limits.append(seconds)
        real(self, seconds)

    monkeypatch.setattr(callbacks.TimeLimit, "__init__", spy)
    texts, labels = make_task_data("regression", 20)
    clf = TextClassifier(model="fasttext", model_params={"word_ngrams": 1, "batch_size": 16,
                                                         "time_limit": 600})
    clf.fit(texts, labels, valid=(texts, labels))
    assert len(clf.family_.chosen_["diverged"]) == 2 and len(limits) == 3
    assert 600 >= limits[0] > limits[1] > limits[2] > 0


def test_a_learning_rate_the_user_set_is_kept_and_its_divergence_is_an_error():
    texts, labels = make_task_data("regression", 20)
    with pytest.raises(TextladderError, match="diverged in epoch .*lower the learning rate"):
        TextClassifier(model="fasttext", model_params={"lr": 40.0, "word_ngrams": 1}).fit(
            texts, labels, valid=(texts, labels))


def test_the_climb_can_estimate_and_cut_the_auto_settings():
    from textladder.ladder.costs import probe
    from textladder.ladder.rungs import fits
    from textladder.workflows.plan import check_settings

    # the climb cuts epochs with a whole number, and a user may set any of them
    check_settings("fasttext", {"epochs": 5, "patience": 2, "batch_size": 32})
    with pytest.raises(TextladderError, match="'epochs' must be an integer or a string"):
        check_settings("fasttext", {"epochs": [5]})
    defaults = FastTextFamily.default_settings()
    # the most of either batch size: 1,000 rows in batches of 16 take 63 steps an epoch, so 48
    # epochs make 3,000 steps (in batches of 8, 24 epochs)
    assert FastTextFamily.planned_epochs(defaults, 1000) == 48
    assert fits("fasttext", defaults) == 3  # batches of 16 and 8, then bigrams
    assert fits("fasttext", {**defaults, "batch_size": 16, "word_ngrams": 1}) == 1
    texts, labels = make_task_data("multiclass", 40)
    settings = {"word_ngrams": 1}
    estimate = probe("fasttext", settings, {}, (texts, labels), (texts, labels), 10)
    assert estimate.known and estimate.epochs == FastTextFamily.planned_epochs(
        {**defaults, **settings}, len(texts)) and estimate.per_epoch > 0


def test_a_time_limit_is_shared_among_the_auto_candidates():
    texts, labels = make_task_data("multiclass", 20)
    clf = TextClassifier(model="fasttext", model_params={"word_ngrams": 1, "time_limit": 1e-6})
    clf.fit(texts, labels, valid=(texts, labels))
    chosen = clf.family_.chosen_
    # the first batch size spends the limit in its first epoch; the second is not started
    assert chosen["epochs_run"] == 1 and chosen["stopped_by_time_limit"]
    assert list(chosen["valid_by_batch_size"]) == ["16"]


def test_minilm_estimates_its_mlp_epochs_when_the_linear_head_wins():
    from conftest import tiny_sentence_encoder
    from textladder.ladder.costs import probe

    texts, labels = make_task_data("multiclass", 40)
    settings = {"encoder": str(tiny_sentence_encoder()), "C": [1.0]}
    estimate = probe("minilm", settings, {}, (texts, labels), (texts, labels), 10)
    assert estimate.known and estimate.per_epoch > 0  # the MLP's epochs can be cut


def test_a_loaded_torch_model_refits_with_the_users_settings_not_the_resolved_ones(tmp_path):
    from sklearn.base import clone

    texts, labels = make_task_data("multiclass", 20)
    clf = TextClassifier(model="fasttext", model_params={"epochs": 2, "word_ngrams": 1})
    clf.fit(texts, labels, valid=(texts, labels))
    clf.save(tmp_path / "m")
    loaded = TextClassifier.load(tmp_path / "m")
    # it predicts with the settings its fit resolved (the default rate, batch size 16 or 8)
    assert loaded.family_.settings_ == clf.family_.settings_
    assert np.allclose(loaded.predict_proba(texts), clf.predict_proba(texts))
    # and a refit (a clone, as cross-validation makes) takes only what the user set, so that
    # `auto` settings are chosen again and a diverging default rate may still restart
    assert loaded.model_params == {"epochs": 2, "word_ngrams": 1}
    refit = clone(loaded).fit(texts, labels, valid=(texts, labels))
    assert refit.family_.settings == {"epochs": 2, "word_ngrams": 1}
    assert refit.family_.settings_["batch_size"] in (16, 8)
