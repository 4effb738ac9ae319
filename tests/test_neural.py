"""The torch core: best-epoch weights, repeatable seeds, word vectors, tokens, lengths."""

from __future__ import annotations

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from conftest import make_task_data, tiny_settings, tiny_vocabulary, write_vectors  # noqa: E402
from textladder import TextClassifier  # noqa: E402
from textladder.errors import TextladderError  # noqa: E402
from textladder.neural.callbacks import EarlyStopping  # noqa: E402
from textladder.neural.heads import TorchHead  # noqa: E402
from textladder.neural.tokenize import tokenize  # noqa: E402
from textladder.neural.trainer import Trainer  # noqa: E402
from textladder.neural.vectors import detect_format, load_vectors  # noqa: E402
from textladder.neural.vocab import choose_max_length  # noqa: E402
from textladder.tasks import make_task  # noqa: E402


class ScriptedTrainer(Trainer):
    """Validation scores follow a script; the weights after each epoch are recorded."""

    def __init__(self, scores, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.scores, self.snapshots = list(scores), []

    def evaluation_step(self, batcher, n, targets):
        self.snapshots.append(self.module.weight.detach().clone())
        return self.scores[len(self.snapshots) - 1]


def test_early_stopping_restores_the_best_epoch_not_the_last():
    module = torch.nn.Linear(3, 1)
    task = make_task("regression").fit([0.0, 1.0])
    x = torch.randn(32, 3)
    y = np.random.default_rng(0).normal(size=32).astype(np.float32)
    trainer = ScriptedTrainer([0.1, 0.9, 0.5, 0.4, 0.3], module, TorchHead("linear", 1), task,
                              torch.optim.SGD(module.parameters(), lr=0.5),
                              [EarlyStopping(patience=2)], max_epochs=5, batch_size=8)
    trainer.fit(lambda rows: (x[rows],), y, lambda rows: (x[rows],), y)
    assert len(trainer.history) == 4  # stopped two epochs after the best
    assert trainer.best_epoch == 2
    assert torch.equal(module.weight, trainer.snapshots[1])
    assert not torch.equal(module.weight, trainer.snapshots[-1])


@pytest.mark.parametrize("family", ["fasttext", "bilstm"])
def test_seeded_runs_are_repeatable(family, tmp_path):
    texts, labels = make_task_data("multiclass")
    settings = {**tiny_settings(family, tmp_path), "epochs": 3, "patience": 3}
    outputs = [TextClassifier(model=family, model_params=settings, seed=7)
               .fit(texts, labels, valid=(texts, labels)).predict_output(texts)
               for _ in range(2)]
    np.testing.assert_array_equal(outputs[0], outputs[1])


def test_history_and_chosen_length_are_saved(tmp_path):
    texts, labels = make_task_data("binary")
    settings = {**tiny_settings("lstm", tmp_path), "epochs": 3}
    clf = TextClassifier(model="lstm", model_params=settings).fit(texts, labels,
                                                                   valid=(texts, labels))
    clf.save(tmp_path / "m")
    chosen = TextClassifier.load(tmp_path / "m").config_["family"]["chosen"]
    assert [row["epoch"] for row in chosen["history"]] == [1, 2, 3]
    assert chosen["max_length"] == choose_max_length(len(tokenize(t)) for t in texts)
    assert "95th percentile" in chosen["max_length_reason"]


@pytest.mark.parametrize("fmt, name", [("glove", "glove.txt"), ("word2vec-text", "w2v.txt"),
                                       ("word2vec-binary", "w2v.bin"), ("fasttext", "ft.vec")])
def test_vector_files_load_in_each_format(tmp_path, fmt, name):
    path = write_vectors(tmp_path / name, fmt, dim=8)
    assert detect_format(path) == fmt
    vectors, detected = load_vectors(path)
    assert detected == fmt and vectors.vector_size == 8
    assert len(vectors.key_to_index) == len(tiny_vocabulary())


def test_pretrained_vectors_report_coverage(tmp_path):
    texts, labels = make_task_data("binary")
    half = tiny_vocabulary()[::2]
    path = write_vectors(tmp_path / "half.vec", "fasttext", dim=8, words=half)
    settings = {**tiny_settings("bilstm", tmp_path), "vectors": str(path), "freeze": True,
                "epochs": 2}
    clf = TextClassifier(model="bilstm", model_params=settings).fit(texts, labels,
                                                                     valid=(texts, labels))
    coverage = clf.family_.chosen_["coverage"]
    assert 0.2 < coverage["vocabulary_found"] < 0.8
    assert "% of tokens" in coverage["summary"] and "running words found" in coverage["summary"]
    embedding = clf.family_.module_.embedding.weight
    assert not embedding.requires_grad
    index = clf.family_.vocab_.index
    word = next(w for w in half if w in index)
    vectors, _ = load_vectors(path)
    np.testing.assert_allclose(embedding[index[word]].detach().numpy(), vectors[word], rtol=1e-5)


def test_train_prints_the_vectors_coverage(tmp_path):
    from cli_helpers import run
    from conftest import write_table

    texts, labels = make_task_data("binary")
    data = write_table(tmp_path / "train.csv", texts, labels)
    half = write_vectors(tmp_path / "half.vec", "fasttext", dim=8, words=tiny_vocabulary()[::2])
    result = run("train", data, "--model", "gru", "--vectors", half, "--out", tmp_path / "m",
                 "--set", "epochs=1", "--set", "min_count=1", "--set", "hidden=8")
    assert result.exit_code == 0, result.output
    printed = "".join(result.stdout.split())  # the console wraps long lines anywhere
    assert "wordvectorsfrom" in printed and "half.vec(fasttext):" in printed
    assert "%oftokens," in printed and "%ofrunningwordsfound" in printed


def test_the_bundled_encoders_wordpieces_give_pretrained_vectors_offline(tmp_path):
    from textladder.encoders.locate import encoders_available
    from textladder.neural.encoder_vectors import encoder_word_vectors

    if not encoders_available():
        pytest.skip("needs the neural extra")

    vectors = encoder_word_vectors(["good", "great", "terrible", "unbelievably", "\u2603\u2603"])
    assert vectors.vector_size == 384 and "\u2603\u2603" not in vectors.key_to_index  # [UNK] only
    assert not np.allclose(vectors["good"], vectors["terrible"])
    assert np.abs(vectors["unbelievably"]).sum() > 0  # several wordpieces, averaged

    texts, labels = make_task_data("binary")
    settings = {**tiny_settings("gru", tmp_path), "vectors": "minilm", "freeze": "auto",
                "epochs": 2}
    clf = TextClassifier(model="gru", model_params=settings).fit(texts, labels,
                                                                valid=(texts, labels))
    chosen = clf.family_.chosen_
    assert chosen["embedding_dim"] == 384 and "MiniLM" in chosen["vectors_source"]
    assert chosen["coverage"]["vocabulary_found"] > 0.9
    assert not clf.family_.module_.embedding.weight.requires_grad


@pytest.mark.parametrize("vectors, freeze, trained", [
    ("random", True, True),  # random embeddings are never kept fixed
    ("file", "auto", True),  # auto fine-tunes vectors from a file (it fixes only MiniLM's)
    ("file", True, False),
])
def test_which_embeddings_are_trained(tmp_path, vectors, freeze, trained):
    texts, labels = make_task_data("binary")
    if vectors == "file":
        vectors = str(write_vectors(tmp_path / "v.txt", "glove", dim=8))
    settings = {**tiny_settings("lstm", tmp_path), "vectors": vectors, "freeze": freeze,
                "epochs": 1}
    clf = TextClassifier(model="lstm", model_params=settings).fit(texts, labels,
                                                                 valid=(texts, labels))
    assert clf.family_.module_.embedding.weight.requires_grad is trained


def test_freeze_takes_true_false_or_auto(tmp_path):
    texts, labels = make_task_data("binary")
    settings = {**tiny_settings("lstm", tmp_path), "freeze": "yes", "epochs": 1}
    with pytest.raises(TextladderError, match="freeze must be true, false or auto"):
        TextClassifier(model="lstm", model_params=settings).fit(texts, labels,
                                                                valid=(texts, labels))


def test_missing_vectors_file_is_a_clear_error(tmp_path):
    texts, labels = make_task_data("binary")
    settings = {**tiny_settings("lstm", tmp_path), "vectors": str(tmp_path / "none.txt")}
    with pytest.raises(TextladderError, match="vectors file not found"):
        TextClassifier(model="lstm", model_params=settings).fit(texts, labels,
                                                                valid=(texts, labels))


def test_tokens_keep_negations_emoticons_hashtags_and_mentions():
    tokens = tokenize("I don't like it :( #fail @user!!! it does n't work :D")
    assert {"don't", ":(", "#fail", "@user", "!!!", "n't", ":D"} <= set(tokens)
    assert "i" in tokens  # lowercased, nothing removed


def test_neural_families_say_what_to_install_without_torch(monkeypatch, tmp_path):
    import importlib.util

    from textladder.families import available_families

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "torch" else real(name, *a))
    # the baseline and the ensembles (of two tf-idf views, without PyTorch) need no torch
    assert available_families() == ["baseline", "tfidf", "soft_vote", "hard_vote", "stack"]
    texts, labels = make_task_data("binary")
    with pytest.raises(TextladderError, match="needs PyTorch: pip install torch==2.13.0"):
        TextClassifier(model="lstm").fit(texts, labels, valid=(texts, labels))
    vote = TextClassifier(model="soft_vote").fit(texts, labels, valid=(texts, labels))
    assert [m.name for m in vote.family_.members_] == ["words", "chars"]


def test_a_diverging_run_stops_with_advice(tmp_path):
    texts, labels = make_task_data("regression")
    settings = {**tiny_settings("fasttext", tmp_path), "lr": 1e6}
    with pytest.raises(TextladderError, match="diverged .*lower the learning rate"):
        TextClassifier(model="fasttext", model_params=settings).fit(texts, labels,
                                                                    valid=(texts, labels))


def test_outputs_that_diverge_after_the_last_step_of_an_epoch_stop_training():
    from textladder.neural.trainer import TrainingDiverged

    class BlowsUpInEval(torch.nn.Linear):  # finite losses in training, infinite outputs after
        def forward(self, x):
            out = super().forward(x)
            return out if self.training else out * float("inf")

    module = BlowsUpInEval(3, 1)
    task = make_task("regression").fit([0.0, 1.0])
    x, y = torch.randn(16, 3), np.zeros(16, dtype=np.float32)
    trainer = Trainer(module, TorchHead("linear", 1), task,
                      torch.optim.SGD(module.parameters(), lr=0.1), max_epochs=2, batch_size=8)
    with pytest.raises(TrainingDiverged, match="in epoch 1 .the validation outputs are not"):
        trainer.fit(lambda rows: (x[rows],), y, lambda rows: (x[rows],), y)


@pytest.mark.parametrize("text, tokens", [("8/10", ["8", "/", "10"]), ("xpath", ["xpath"]),
                                          ("at 8pm :D", ["at", "8pm", ":D"]),
                                          ("(80%)", ["(", "80", "%", ")"])])
def test_emoticons_do_not_eat_into_words(text, tokens):
    assert tokenize(text) == tokens


def test_bags_leave_out_unknown_words_and_their_bigrams():
    from textladder.neural.bag import add_bigrams

    bag = add_bigrams(np.array([5, 1, 6, 7]), n_words=10, buckets=100)
    assert 1 not in bag.tolist()
    assert len(bag) == 3 + 1  # three known words, one known pair (6, 7)


def test_fasttext_regression_trains_with_default_learning_rate(tmp_path):
    texts, labels = make_task_data("regression")
    settings = {k: v for k, v in tiny_settings("fasttext", tmp_path).items() if k != "lr"}
    clf = TextClassifier(model="fasttext", model_params=settings).fit(texts, labels,
                                                                      valid=(texts, labels))
    assert clf.evaluate(texts, labels)["r2"] > 0.9


def test_wordvec_needs_vectors(tmp_path):
    texts, labels = make_task_data("binary")
    with pytest.raises(TextladderError, match="wordvec averages word vectors"):
        TextClassifier(model="wordvec", model_params={"vectors": None}).fit(
            texts, labels, valid=(texts, labels))


def test_a_nan_validation_score_still_keeps_the_first_epoch():
    module = torch.nn.Linear(3, 1)
    task = make_task("regression").fit([0.0, 1.0])
    x = torch.randn(16, 3)
    y = np.zeros(16, dtype=np.float32)
    trainer = ScriptedTrainer([float("nan")] * 3, module, TorchHead("linear", 1), task,
                              torch.optim.SGD(module.parameters(), lr=0.1),
                              [EarlyStopping(patience=2)], max_epochs=3, batch_size=8)
    trainer.fit(lambda rows: (x[rows],), y, lambda rows: (x[rows],), y)
    assert trainer.best_epoch == 1
    assert torch.equal(module.weight, trainer.snapshots[0])


def test_fasttext_tries_words_alone_and_keeps_the_better_on_validation(tmp_path):
    texts, labels = make_task_data("multiclass")
    settings = {**tiny_settings("fasttext", tmp_path), "epochs": 3, "patience": 3}
    clf = TextClassifier(model="fasttext", model_params=settings)
    clf.fit(texts, labels, valid=(texts, labels))
    chosen = clf.family_.chosen_
    tried = chosen["valid_by_word_ngrams"]
    assert set(tried) == {"1", "2"}
    assert tried[str(chosen["word_ngrams"])] == max(tried.values())
    words_only = TextClassifier(model="fasttext", model_params={**settings, "word_ngrams": 1})
    words_only.fit(texts, labels, valid=(texts, labels)).save(tmp_path / "m")
    assert words_only.family_.module_.embedding.num_embeddings == len(words_only.family_.vocab_)
    reloaded = TextClassifier.load(tmp_path / "m")
    np.testing.assert_array_equal(reloaded.predict_output(texts), words_only.predict_output(texts))
    with pytest.raises(TextladderError, match="word_ngrams must be 1, 2 or auto"):
        TextClassifier(model="fasttext", model_params={**settings, "word_ngrams": 3}).fit(
            texts, labels, valid=(texts, labels))


def test_fasttext_sizes_its_bigram_table_by_the_training_bigrams(tmp_path):
    from textladder.families.fasttext_bag import MIN_BUCKETS

    texts, labels = make_task_data("multiclass")
    settings = {k: v for k, v in tiny_settings("fasttext", tmp_path).items() if k != "buckets"}
    settings.update(epochs=3, patience=3, word_ngrams=2)
    clf = TextClassifier(model="fasttext", model_params=settings)
    clf.fit(texts, labels, valid=(texts, labels)).save(tmp_path / "m")
    rows = clf.family_.module_.embedding.num_embeddings - len(clf.family_.vocab_)
    assert rows == clf.family_.settings_["buckets"] == MIN_BUCKETS  # few bigrams: the least
    assert sum(f.stat().st_size for f in (tmp_path / "m").rglob("*")) < 8 * MIN_BUCKETS * 64
    reloaded = TextClassifier.load(tmp_path / "m")  # the saved table's size is the fitted one
    np.testing.assert_array_equal(reloaded.predict_output(texts), clf.predict_output(texts))
    own = TextClassifier(model="fasttext", model_params={**settings, "buckets": 1000})
    own.fit(texts, labels, valid=(texts, labels))
    assert own.family_.module_.embedding.num_embeddings == len(own.family_.vocab_) + 1000
    with pytest.raises(TextladderError, match="buckets must be a whole number of rows"):
        TextClassifier(model="fasttext", model_params={**settings, "buckets": "many"}).fit(
            texts, labels, valid=(texts, labels))
