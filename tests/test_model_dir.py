"""Saving is atomic and loading runs no code from the model directory."""

from __future__ import annotations

import json

import numpy as np
import pytest
import skops.io as sio

from conftest import make_task_data
from textladder import TextClassifier
from textladder.errors import TextladderError
from textladder.model_dir import read_config, save_model_dir


class Untrusted:
    """A type no textladder model contains."""

    def __init__(self):
        self.payload = 1


@pytest.fixture
def model(tmp_path):
    texts, labels = make_task_data("multiclass")
    clf = TextClassifier(model_params={"C": [10.0]}).fit(texts, labels, valid=(texts, labels))
    return clf, texts, tmp_path / "model"


def test_config_records_what_reloading_needs(model):
    clf, _, path = model
    clf.save(path)
    config = json.loads((path / "config.json").read_text())
    assert config["format_version"] == 1
    assert config["task"]["type"] == "multiclass"
    assert config["task"]["classes"] == ["negative", "neutral", "positive"]
    assert config["family"]["name"] == "tfidf" and config["family"]["chosen"]["C"] == 10.0
    assert "macro_f1" in config["metrics"]["valid"]
    assert not list(path.glob("*.pkl")) and not list(path.glob("*.pickle"))


def test_crash_mid_save_keeps_the_previous_model(model):
    clf, texts, path = model
    clf.save(path)
    before = TextClassifier.load(path).predict_proba(texts)

    def crash(directory):
        (directory / "partial.bin").write_bytes(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        save_model_dir(path, {"task": {}}, crash)
    np.testing.assert_array_equal(TextClassifier.load(path).predict_proba(texts), before)
    assert not list(path.parent.glob(".model.saving-*"))


def test_saving_over_a_model_replaces_it(model):
    clf, texts, path = model
    clf.save(path)
    (path / "stale.txt").write_text("from the old model")
    clf.save(path)
    assert not (path / "stale.txt").exists()
    assert TextClassifier.load(path).predict(texts) == clf.predict(texts)


def test_interrupted_swap_points_to_the_earlier_model(model):
    clf, _, path = model
    clf.save(path)
    path.rename(path.with_name(".model.previous"))
    with pytest.raises(TextladderError, match="earlier model is in"):
        read_config(path)


def test_untrusted_types_in_weights_are_refused(model):
    clf, _, path = model
    clf.save(path)
    sio.dump(Untrusted(), path / "linear_model.skops")
    with pytest.raises(TextladderError, match="does not trust"):
        TextClassifier.load(path)


def test_every_saved_file_follows_the_umask(model, tmp_path):
    import os
    import stat

    clf, _, path = model
    previous = os.umask(0o022)
    try:
        clf.save(path)
    finally:
        os.umask(previous)
    assert list(path.glob("*.safetensors"))  # the files that safetensors writes 0600
    modes = {p.name: stat.S_IMODE(p.stat().st_mode) for p in [path, *path.rglob("*")]}
    assert modes == {name: 0o755 if (path / name).is_dir() or name == path.name else 0o644
                     for name in modes}
