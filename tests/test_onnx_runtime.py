"""`--runtime onnx` / `textladder.onnx.load`: an exported model predicts through its int8 copy,
re-checks borderline texts with its float32 copy, and a model without an export says what to
do in one line."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("onnxruntime")

import textladder.onnx  # noqa: E402
from cli_helpers import assert_clean_error, run  # noqa: E402
from conftest import make_task_data, tiny_settings, write_table  # noqa: E402
from onnx_helpers import fit_minilm  # noqa: E402
from textladder import TextClassifier  # noqa: E402
from textladder.errors import TextladderError  # noqa: E402
from textladder.onnx.exporter import EXPORT_DIR, INT8_FILE, export  # noqa: E402


@pytest.fixture(scope="module")
def exported(tmp_path_factory):
    """A fitted tiny minilm, saved and exported on its validation texts; and those texts."""
    clf, valid = fit_minilm()
    root = tmp_path_factory.mktemp("exported")
    clf.save(root / "plain")
    shutil.copytree(root / "plain", root / "m")
    export(root / "m", valid)
    return clf, root, valid


def test_predict_with_the_onnx_runtime_agrees_with_the_default(exported):
    clf, root, valid = exported
    default = run("predict", root / "m", *valid, "--json")
    fast = run("predict", root / "m", *valid, "--runtime", "onnx", "--json")
    assert fast.exit_code == 0, fast.output
    assert ([r["prediction"] for r in json.loads(fast.stdout)]
            == [r["prediction"] for r in json.loads(default.stdout)] == clf.predict(valid))
    alone = run("predict", root / "m", valid[0], "--runtime", "onnx", "--recheck-margin", "0",
                "--json")
    assert json.loads(alone.stdout)[0]["prediction"] == clf.predict(valid[0])


def test_evaluate_and_predict_a_file_with_the_onnx_runtime(exported, tmp_path):
    clf, root, valid = exported
    labels = clf.predict(valid)
    data = write_table(tmp_path / "valid.csv", valid, labels)
    report = run("evaluate", root / "m", data, "--runtime", "onnx", "--json")
    assert report.exit_code == 0, report.output
    assert json.loads(report.stdout)["metrics"]["accuracy"] == 1.0  # its own decisions
    written = run("predict", root / "m", "--input", data, "--output", tmp_path / "out.csv",
                  "--runtime", "onnx")
    assert written.exit_code == 0, written.output
    assert (tmp_path / "out.csv").read_text().count("\n") == len(valid) + 1


def test_a_model_without_an_export_says_to_run_export_in_one_line(exported):
    _, root, valid = exported
    result = run("predict", root / "plain", valid[0], "--runtime", "onnx")
    assert result.exit_code == 2
    assert_clean_error(result, "has no ONNX export", "textladder export")
    with pytest.raises(TextladderError, match="textladder export"):
        textladder.onnx.load(root / "plain")


def test_other_families_have_no_onnx_runtime(tmp_path):
    texts, labels = make_task_data("binary")
    TextClassifier(model="tfidf").fit(texts, labels).save(tmp_path / "m")
    result = run("predict", tmp_path / "m", "a text", "--runtime", "onnx")
    assert_clean_error(result, "tfidf model has no encoder to export", "--runtime default")


@pytest.mark.parametrize("options, message", [
    (["--runtime", "fast"], "--runtime is default or onnx"),
    (["--recheck-margin", "0.1"], "--recheck-margin applies to --runtime onnx only"),
    (["--runtime", "onnx", "--recheck-margin=-1"], "0 or more"),
])
def test_runtime_options_are_checked(exported, options, message):
    _, root, _ = exported
    assert_clean_error(run("predict", root / "m", "a text", *options), message)


def test_rechecking_every_text_gives_the_default_runtimes_outputs(exported):
    clf, root, valid = exported
    exact = clf.predict_proba(valid)
    fast = textladder.onnx.load(root / "m", recheck_margin=0)
    every = textladder.onnx.load(root / "m", recheck_margin=1000)
    assert fast.family_.recheck is None
    assert not np.array_equal(fast.predict_proba(valid), exact)  # int8 moved them a little
    np.testing.assert_allclose(every.predict_proba(valid), exact, rtol=1e-5, atol=1e-6)
    assert every.family_.recheck.share == 1.0
    own = textladder.onnx.load(root / "m")  # the margin the export chose
    record = json.loads((root / "m" / EXPORT_DIR / "export.json").read_text())
    assert (own.family_.recheck.margin if own.family_.recheck else 0.0) == record["recheck_margin"]


def test_the_onnx_vectors_do_not_depend_on_their_neighbours(exported):
    _, root, _ = exported
    encoder = textladder.onnx.load(root / "m").family_.family._encoder()
    alone = encoder.encode(["ok"])
    beside = encoder.encode(["ok", "a much longer text " * 20])
    np.testing.assert_allclose(alone[0], beside[0], rtol=1e-5, atol=1e-6)


def test_an_onnx_model_predicts_only_and_a_changed_file_is_refused(exported, tmp_path):
    _, root, valid = exported
    with pytest.raises(TextladderError, match="cannot be saved"):
        textladder.onnx.load(root / "m").save(tmp_path / "again")
    assert not (tmp_path / "again").exists()
    shutil.copytree(root / "m", tmp_path / "m")
    (tmp_path / "m" / EXPORT_DIR / INT8_FILE).write_bytes(b"not the exported graph")
    with pytest.raises(TextladderError, match="changed since it was exported"):
        textladder.onnx.load(tmp_path / "m")


def test_each_export_has_its_own_embedding_cache(exported, tmp_path):
    _, root, _ = exported
    shutil.copytree(root / "plain", tmp_path / "m")
    export(tmp_path / "m")  # the fixed rule: another int8 graph
    keys = {textladder.onnx.load(path).family_.family._encoder().cache_key()
            for path in (root / "m", tmp_path / "m")}
    assert len(keys) == 2


def test_a_finetune_model_predicts_like_the_default_through_onnx(tmp_path):
    from textladder.onnx.embedder import OnnxWindowEmbedder

    texts, labels = make_task_data("multiclass")
    clf = TextClassifier(model="finetune", model_params=tiny_settings("finetune", tmp_path))
    clf.fit(texts, labels, valid=(texts, labels)).save(tmp_path / "m")
    export(tmp_path / "m", texts)
    fast = textladder.onnx.load(tmp_path / "m")
    assert isinstance(fast.family_.family.module_.embed_windows, OnnxWindowEmbedder)
    assert fast.predict(texts) == clf.predict(texts)
    np.testing.assert_allclose(fast.predict_proba(texts), clf.predict_proba(texts), atol=0.05)
    every = textladder.onnx.load(tmp_path / "m", recheck_margin=1000)
    rechecker = every.family_.recheck.exact_family()  # the float32 export, not the torch encoder
    assert isinstance(rechecker.module_.embed_windows, OnnxWindowEmbedder)
    np.testing.assert_allclose(every.predict_output(texts), clf.predict_output(texts),
                               rtol=1e-4, atol=1e-5)  # the default runtime's, to rounding
