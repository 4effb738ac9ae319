"""`textladder export`: save writes no ONNX file; the export writes its files and record into the
model directory, atomically, byte-identical when run twice, chosen from agreement on the texts
given (or by the fixed rule without them)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

pytest.importorskip("sentence_transformers")
pytest.importorskip("onnxruntime")

from conftest import make_task_data, tiny_settings, write_table  # noqa: E402
from onnx_helpers import fit_minilm  # noqa: E402
from textladder import TextClassifier  # noqa: E402
from textladder.errors import TextladderError  # noqa: E402
from textladder.onnx import exporter  # noqa: E402
from textladder.onnx.exporter import EXPORT_DIR, FLOAT_FILE, INT8_FILE, RECORD_FILE  # noqa: E402

EXPORT_FILES = [INT8_FILE, FLOAT_FILE, RECORD_FILE]


@pytest.fixture(scope="module")
def minilm(tmp_path_factory):
    """A fitted tiny minilm, saved, and its validation texts."""
    clf, valid = fit_minilm()
    path = tmp_path_factory.mktemp("minilm") / "m"
    clf.save(path)
    return clf, path, valid


def _copy(path, tmp_path):
    shutil.copytree(path, tmp_path / "m")
    return tmp_path / "m"


def _files(path):
    return {name: (path / EXPORT_DIR / name).read_bytes() for name in EXPORT_FILES}


def test_save_writes_weights_and_config_and_no_onnx_file(minilm, tmp_path):
    _, path, _ = minilm
    names = {p.name for p in path.rglob("*")}
    assert names == {"config.json", "features.safetensors", "linear_model.skops"}
    finetune = TextClassifier(model="finetune", model_params={**tiny_settings("finetune", tmp_path),
                                                              "epochs": 1})
    texts, labels = make_task_data("binary")
    finetune.fit(texts, labels, valid=(texts, labels)).save(tmp_path / "f")
    assert not [p for p in (tmp_path / "f").rglob("*") if p.suffix == ".onnx"]
    assert "onnx" not in json.dumps(json.loads((tmp_path / "f" / "config.json").read_text()))


def test_export_writes_its_files_and_says_what_it_chose_on_the_texts(minilm, tmp_path):
    _, path, valid = minilm
    path = _copy(path, tmp_path)
    record = exporter.export(path, valid)
    assert sorted(p.name for p in (path / EXPORT_DIR).iterdir()) == sorted(EXPORT_FILES)
    assert json.loads((path / EXPORT_DIR / RECORD_FILE).read_text()) == record
    assert record["texts"] == len(valid) and record["smoothed"]
    assert set(record["options"]) == {"all", "first", "none"}
    chosen = record["options"][record["float_ffn_out"]]
    assert (record["recheck_margin"], record["agreement"]) == (chosen["recheck_margin"],
                                                               chosen["agreement"])
    assert record["sha256"][INT8_FILE] == exporter.file_digest(path / EXPORT_DIR / INT8_FILE)
    assert not [p for p in path.iterdir() if p.name.startswith(".")]  # no staging left
    assert json.loads((path / "config.json").read_text()) == json.loads(
        (minilm[1] / "config.json").read_text())  # the model's own files are left alone


def test_exporting_twice_gives_byte_identical_files(minilm, tmp_path):
    _, path, valid = minilm
    path = _copy(path, tmp_path)
    exporter.export(path, valid)
    first = _files(path)
    exporter.export(path, list(valid))
    assert _files(path) == first
    exporter.export(path)  # without texts: other files, and again the same ones twice
    fixed = _files(path)
    assert fixed[INT8_FILE] != first[INT8_FILE] and fixed[FLOAT_FILE] == first[FLOAT_FILE]
    exporter.export(path)
    assert _files(path) == fixed


def test_a_finetune_model_exports_the_same_bytes_twice(tmp_path):
    texts, labels = make_task_data("binary")
    settings = {**tiny_settings("finetune", tmp_path), "epochs": 2}
    TextClassifier(model="finetune", model_params=settings).fit(
        texts[1::2], labels[1::2], valid=(texts[::2], labels[::2])).save(tmp_path / "f")
    exporter.export(tmp_path / "f", texts[::2])
    first = _files(tmp_path / "f")
    exporter.export(tmp_path / "f", texts[::2])
    assert _files(tmp_path / "f") == first


def test_without_texts_the_fixed_rule_applies(minilm, tmp_path):
    from textladder.onnx.choice import FIXED_RULE

    _, path, _ = minilm
    record = exporter.export(_copy(path, tmp_path))
    assert record["texts"] == 0 and not record["smoothed"] and "options" not in record
    assert record["float_ffn_out"] == FIXED_RULE["float_ffn_out"] == "all"
    assert record["recheck_margin"] == FIXED_RULE["recheck_margin"] == 0.08
    assert "fixed rule" in record["chosen_by"]


def test_the_margins_recorded_are_those_the_texts_give(minilm, tmp_path):
    import textladder.onnx
    from textladder.onnx.recheck import choose_margin

    clf, path, valid = minilm
    path = _copy(path, tmp_path)
    record = exporter.export(path, valid)
    fast = textladder.onnx.load(path, recheck_margin=0).predict_output(valid)
    refined = textladder.onnx.load(path, recheck_margin=1000).predict_output(valid)
    check = choose_margin(clf.task_, clf.predict_output(valid), fast, refined=refined)
    assert check["recheck_margin"] == record["recheck_margin"]
    assert check["agreement"] == pytest.approx(record["agreement"])


def test_the_cheapest_export_that_keeps_the_target_is_chosen():
    from textladder.onnx.choice import choose_export

    def check(agreement, rechecked):
        return {"agreement": agreement, "target": 0.995, "rechecked": rechecked}

    checks = {"all": check(0.999, 0.01), "first": check(0.996, 0.05), "none": check(0.996, 0.09)}
    assert choose_export(checks) == "first"  # 1.05 + 0.05 * 1.57 < 1.18 + 0.016, 1 + 0.141
    checks["none"] = check(0.996, 0.02)
    assert choose_export(checks) == "none"
    checks["none"] = check(0.98, 0.0)  # short of its target even at the largest margin
    assert choose_export(checks) == "first"
    short = {"all": check(0.9, 1.0), "none": check(0.9, 1.0)}
    assert choose_export(short) == "none"  # none reached it: the cheapest


def test_a_failed_export_leaves_the_earlier_one_and_nothing_half_written(minilm, tmp_path,
                                                                         monkeypatch):
    from textladder.onnx import recheck

    _, path, valid = minilm
    path = _copy(path, tmp_path)
    exporter.export(path)
    before = _files(path)
    calls = []

    def fail_on_the_second(*args, **kwargs):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("out of memory")
        return choose(*args, **kwargs)

    choose = recheck.choose_margin
    monkeypatch.setattr(recheck, "choose_margin", fail_on_the_second)
    with pytest.raises(RuntimeError, match="out of memory"):
        exporter.export(path, valid)
    assert _files(path) == before
    assert sorted(p.name for p in path.iterdir()) == ["config.json", "features.safetensors",
                                                      "linear_model.skops", EXPORT_DIR]


def test_at_most_check_texts_are_used_a_seeded_sample(minilm, tmp_path, monkeypatch):
    _, path, valid = minilm
    path = _copy(path, tmp_path)
    monkeypatch.setattr(exporter, "CHECK_TEXTS", 5)
    assert exporter.export(path, valid)["texts"] == 5
    assert exporter._sample(valid, 0) == exporter._sample(valid, 0)
    assert exporter._sample(valid, 0) != exporter._sample(valid, 1)


@pytest.mark.parametrize("texts, message", [([], "no texts"), ("one text", "list of texts"),
                                            (["a", 3], "must be strings")])
def test_bad_texts_are_refused_in_one_line(minilm, texts, message):
    with pytest.raises(TextladderError, match=message):
        exporter.export(minilm[1], texts)


def test_a_regression_export_has_nothing_to_recheck(tmp_path):
    clf, valid = fit_minilm("regression")
    clf.save(tmp_path / "m")
    record = exporter.export(tmp_path / "m", valid)
    assert record["recheck_margin"] == 0.0 and record["float_ffn_out"] == "all"
    assert "no decisions" in record["chosen_by"]


def test_the_command_exports_on_a_files_texts_and_refuses_other_families(minilm, tmp_path,
                                                                        monkeypatch):
    from cli_helpers import assert_clean_error, run

    _, path, valid = minilm
    path = _copy(path, tmp_path)
    texts = write_table(tmp_path / "valid.csv", valid, ["x"] * len(valid))
    result = run("export", path, "--texts", texts, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["export"]["texts"] == len(valid) and report["text_column"] == "text"
    said = run("export", path)
    assert said.exit_code == 0 and "no texts given" in said.stdout and "--texts" in said.stdout

    from textladder.onnx import exporter
    from textladder.onnx.recheck import RECHECK_MARGIN

    monkeypatch.setattr(exporter, "MIN_TEXTS", len(valid) + 1)  # few texts choose nothing
    few = exporter.MIN_TEXTS
    said = run("export", path, "--texts", texts)
    assert said.exit_code == 0 and f"{len(valid)} texts given: too few" in said.stdout
    record = json.loads(run("export", path, "--texts", texts, "--json").stdout)["export"]
    assert record["too_few_texts"] == {"given": len(valid), "needed": few}
    assert record["texts"] == 0 and record["recheck_margin"] == RECHECK_MARGIN
    assert record["chosen_by"].startswith(f"the fixed rule: {len(valid)} texts given, fewer")
    monkeypatch.setattr(exporter, "MIN_TEXTS", 1)
    config = json.loads((path / "config.json").read_text())  # as `train` records it
    config["columns"] = {**(config.get("columns") or {}), "text": "text"}
    (path / "config.json").write_text(json.dumps(config))
    elsewhere = write_table(tmp_path / "other.csv", valid, ["x"] * len(valid)).read_text()
    (tmp_path / "other.csv").write_text(elsewhere.replace("text,", "tweet,", 1))
    assert_clean_error(run("export", path, "--texts", tmp_path / "other.csv"),
                       "the text column the model was trained on")
    assert_clean_error(run("export", path, "--text", "text"), "give the file too")

    data, labels = make_task_data("binary")
    TextClassifier(model="tfidf").fit(data, labels).save(tmp_path / "tfidf")
    refused = run("export", tmp_path / "tfidf")
    assert refused.exit_code == 2
    assert_clean_error(refused, "tfidf model has no encoder to export")


def test_a_model_saved_before_the_export_step_still_loads_and_exports(minilm, tmp_path):
    _, path, valid = minilm
    path = _copy(path, tmp_path)
    config = json.loads((path / "config.json").read_text())
    config["family"]["settings"]["onnx"] = True  # as earlier versions saved them
    config["family"]["resolved_settings"]["onnx"] = True
    config["family"]["chosen"].update(onnx_pipeline={"max_seq_length": 32},
                                      onnx_float_ffn_out="none")
    config["runtimes"] = {"onnx": {"recheck_margin": 0.05}}
    (path / "config.json").write_text(json.dumps(config))
    (path / "encoder-int8.onnx").write_bytes(b"an old export, ignored")
    loaded = TextClassifier.load(path)
    assert "onnx" not in loaded.family_.settings_
    assert "onnx_pipeline" not in loaded.family_.to_config()["chosen"]
    assert np.array_equal(loaded.predict_output(valid), minilm[0].predict_output(valid))
    assert exporter.export(path, valid)["texts"] == len(valid)
