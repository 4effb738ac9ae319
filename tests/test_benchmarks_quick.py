"""The benchmark harness (`benchmarks/` at the repository root), quick mode, on a fake data root.

The fake root has the layout of ../shared/data: four dataset folders with made-up texts whose
labels follow cue words, of the right kinds (multi-class, ordinal 1..5, multi-label joined by '|',
binary 0/1 without valid.csv), and claff's one train file with a `moment` column and three label
columns (multi-label `concepts`, binary `agency` and `social`), split for valid and test. The harness runs once through its Python entry function and once
through `python -m benchmarks` in a subprocess that reruns one pair into the same file.
"""

from __future__ import annotations

import importlib.util
import io
import json
import os
import random
import shutil
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` lives at the repository root, beside src/

from benchmarks.report import render  # noqa: E402
from benchmarks.results import REPORT, RESULTS  # noqa: E402
from benchmarks.runner import run_benchmarks  # noqa: E402
from textladder import TextClassifier  # noqa: E402
from benchmarks.systems import resolve_systems  # noqa: E402
from textladder.families import available_families  # noqa: E402

SYSTEMS = ["tfidf", "peer:sklearn", "peer:fasttext"]
DATASETS = {  # name -> (labels to cycle through, has valid.csv)
    "tweeteval-sentiment": (["negative", "neutral", "positive"], True),
    "sst5": (["1", "2", "3", "4", "5"], True),
    "goemotions": (["joy", "anger", "fear", "neutral", "joy|fear", "anger|neutral"], True),
    "sst2": (["0", "1"], False),
}
CLAFF = {"concepts": ["family", "food", "family|food", "career"], "agency": ["yes", "no"],
         "social": ["no", "yes", "yes"]}
FILLER = "the a movie day really just some thing we it was and".split()
UNIT_INTERVAL = {"accuracy", "macro_f1", "micro_f1", "macro_recall", "weighted_f1",
                 "balanced_accuracy", "samples_f1", "subset_accuracy", "hamming_loss", "f1",
                 "precision", "recall", "off_by_one_accuracy", "roc_auc", "pr_auc"}


def _text(label: str, rng: random.Random) -> str:
    cues = [f"cue{part}{i}" for part in label.split("|") for i in range(2)]
    words = cues + rng.sample(FILLER, 4)
    rng.shuffle(words)
    return " ".join(words)


def _write(folder: Path, split: str, labels: list[str], n: int, rng: random.Random) -> None:
    rows = [labels[i % len(labels)] for i in range(n)]
    frame = pd.DataFrame({"text": [_text(label, rng) for label in rows], "label": rows})
    frame.to_csv(folder / f"{split}.csv", index=False)


@pytest.fixture(scope="module")
def data_root(tmp_path_factory) -> Path:
    root = tmp_path_factory.mktemp("data")
    rng = random.Random(0)
    for name, (labels, has_valid) in DATASETS.items():
        folder = root / name
        folder.mkdir()
        _write(folder, "train", labels, 60 if not has_valid else 36, rng)
        if has_valid:
            _write(folder, "valid", labels, 18, rng)
        _write(folder, "test", labels, 18, rng)
    (root / "claff").mkdir()
    rows = [{column: labels[i % len(labels)] for column, labels in CLAFF.items()}
            for i in range(60)]
    moments = [_text(f"{row['concepts']}|{row['agency']}a|{row['social']}s", rng) for row in rows]
    pd.DataFrame([{"moment": m, "age": "30", **row} for m, row in zip(moments, rows)]).to_csv(
        root / "claff" / "train.csv", index=False)
    return root


def _check_record(record: dict) -> None:
    for split in ("test", "valid"):
        metrics = record["metrics"][split]
        assert metrics, f"{record['dataset']} {record['system']}: no {split} metrics"
        for name, value in metrics.items():
            if name in UNIT_INTERVAL and value is not None:
                assert 0.0 <= value <= 1.0, (record["system"], name, value)
    assert record["train_seconds"] > 0
    assert record["predict_texts_per_second"]["batch"] > 0
    assert record["predict_texts_per_second"]["single"] > 0
    assert record["peak_rss_mb"] >= record["start_rss_mb"] > 0


def test_default_systems_are_every_family_then_the_peers() -> None:
    names, _ = resolve_systems(None)
    families = available_families()
    assert names[:len(families)] == families
    assert {"peer:sklearn", "peer:fasttext"} <= set(names[len(families):])


def test_quick_run_then_cli_rerun_merges(data_root: Path, tmp_path: Path) -> None:
    output = tmp_path / "x.json"
    report_before = REPORT.stat().st_mtime if REPORT.exists() else None
    results_before = RESULTS.stat().st_mtime if RESULTS.exists() else None

    document = run_benchmarks(models=SYSTEMS, quick=True, data_root=data_root, output=output,
                              console=Console(file=io.StringIO()))

    pairs = {(r["dataset"], r["system"]): r for r in document["results"]}
    names = [*DATASETS, *(f"claff-{column}" for column in CLAFF)]
    assert set(pairs) == {(d, s) for d in names for s in SYSTEMS}
    for record in pairs.values():
        _check_record(record)
    # 20 % of the whole sentences held out; no made-up text lies inside another
    assert pairs[("sst2", "tfidf")]["rows"]["valid"] == 12
    assert set(pairs[("sst5", "peer:sklearn")]["metrics"]["test"]) >= {"accuracy", "mae", "qwk"}
    assert pairs[("sst5", "peer:sklearn")]["metrics"]["test"]["mae"] >= 0
    assert set(pairs[("goemotions", "peer:fasttext")]["metrics"]["test"]) >= {"macro_f1",
                                                                             "micro_f1"}
    assert pairs[("goemotions", "peer:fasttext")]["settings"]["chosen"]["threshold"] is not None
    assert "macro_recall" in pairs[("tweeteval-sentiment", "tfidf")]["metrics"]["valid"]
    # claff has only a train file: 10 % held out as test, then 10 % of the rest as valid
    assert pairs[("claff-agency", "tfidf")]["rows"] == {"train": 48, "valid": 6, "test": 6}
    assert set(pairs[("claff-concepts", "tfidf")]["metrics"]["test"]) >= {"macro_f1", "micro_f1"}
    assert set(pairs[("claff-social", "peer:sklearn")]["metrics"]["test"]) >= {"f1", "accuracy"}
    assert json.loads(output.read_text()) == document
    markdown = output.with_suffix(".md").read_text()
    assert all(f"## {name}" in markdown for name in names)
    assert "published: SVM" in markdown

    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    rerun = subprocess.run(
        [sys.executable, "-m", "benchmarks", "run", "--quick", "--data-root", str(data_root),
         "--output", str(output), "--datasets", "sst5", "--models", "peer:sklearn"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)
    assert rerun.returncode == 0, rerun.stderr

    merged = json.loads(output.read_text())
    assert "--models peer:sklearn" in merged["command"]
    after = {(r["dataset"], r["system"]): r for r in merged["results"]}
    assert len(merged["results"]) == len(after) == len(pairs)
    for pair, record in pairs.items():
        if pair != ("sst5", "peer:sklearn"):
            assert after[pair] == record, f"{pair} changed though it was not rerun"
    _check_record(after[("sst5", "peer:sklearn")])
    assert "## sst5" in render(merged)
    # quick runs with an explicit --output never touch the real results or report
    assert (REPORT.stat().st_mtime if REPORT.exists() else None) == report_before
    assert (RESULTS.stat().st_mtime if RESULTS.exists() else None) == results_before


def test_sentence_holdout_keeps_phrases_of_held_out_sentences_out_of_train():
    from benchmarks.holdout import sentence_holdout

    sentences = [f"film {i} is good" if i % 2 else f"film {i} is bad" for i in range(20)]
    phrases = [s.rsplit(" ", 2)[0] for s in sentences] + ["is good", "is bad"]
    texts = sentences + phrases
    labels = [str(i % 2) for i in range(20)] * 2 + ["1", "0"]
    kept, held, note = sentence_holdout(texts, labels, 0.25, seed=0)
    held_texts = {texts[i] for i in held}
    assert held_texts <= set(sentences) and len(held) == 5
    for i in kept:  # compared as token sequences, as SST is written
        assert not any(f" {texts[i]} " in f" {sentence} " for sentence in held_texts)
    assert "5 whole sentences" in note


@pytest.mark.skipif(importlib.util.find_spec("sentence_transformers") is None,
                    reason="needs the neural extra")
def test_encoder_rungs_report_onnx_speed_and_agreement(data_root: Path, tmp_path: Path) -> None:
    from textladder.cli.render import FLOAT_FFN_OUT_WORDS

    output = tmp_path / "onnx.json"
    stale = tmp_path / "kept" / "sst5" / "minilm.run.json"
    stale.parent.mkdir(parents=True)
    stale.write_text('{"date": "2000-01-01", "commit": "old", "command": "old"}')
    document = run_benchmarks(datasets=["sst5"], models=["tfidf", "minilm"], quick=True,
                              data_root=data_root, output=output,
                              console=Console(file=io.StringIO()), keep_models=tmp_path / "kept")
    record = next(r for r in document["results"] if r["system"] == "minilm")
    assert json.loads(stale.read_text())["date"] == record["date"]  # the run that trained it
    kept = tmp_path / "kept" / "sst5" / "minilm"
    assert TextClassifier.load(kept).predict(["cue10 cue11 movie"])  # saved: weights and config
    assert not [p for p in kept.rglob("*") if p.suffix == ".onnx"]  # the export is measured apart
    assert "keep" not in document["command"]  # it changes no measurement
    onnx, alone = record["runtimes"]["onnx"], record["runtimes"]["onnx-alone"]
    for figures in (onnx, alone):
        assert 0.0 <= figures["agreement"] <= 1.0 and figures["speedup"] > 0
    assert 0.0 <= onnx["rechecked"] <= 1.0 and "rechecked" not in alone
    for figures in record["runtimes"].values():  # quick runs time each runtime twice
        each = figures["texts_per_second_each_round"]
        assert len(each) == 2
        assert figures["texts_per_second"] == pytest.approx(len(each) / sum(1 / x for x in each))
    assert onnx["agreement"] >= alone["agreement"]  # re-checking only ever restores decisions
    assert record["runtimes"]["default"]["test"]["accuracy"] == pytest.approx(
        record["metrics"]["test"]["accuracy"])  # the reloaded model is the model
    assert record["settings"]["chosen"]["texts_encoded"] > 0  # the cache started empty
    assert onnx["recheck_margin"] == onnx["valid"]["recheck_margin"]  # the export's own
    assert 0.0 <= onnx["valid"]["agreement"] <= 1.0
    assert onnx["valid"]["texts"] == record["rows"]["valid"]  # chosen on the valid texts
    assert onnx["valid"]["export_seconds"] > 0
    report = output.with_suffix(".md").read_text()
    with_ = "the default runtime"  # a margin of 0 re-checks nothing: no re-check is loaded
    if onnx["recheck_margin"] > 0:
        assert onnx["rechecked_with"] == "onnx-float"
        with_ = "the float32 export (the default runtime's outputs up to rounding)"
    assert (f"`--runtime onnx` (int8, {100 * onnx['rechecked']:.1f} % of texts re-checked with "
            f"{with_}, within {onnx['recheck_margin']:g} log-odds: the model's margin, chosen on "
            f"valid, where it kept ") in report
    assert "`--runtime onnx --recheck-margin 0` (int8)" in report
    assert (f"in {FLOAT_FFN_OUT_WORDS[onnx['valid']['float_ffn_out']]}: the lowest expected cost "
            f"of 3 exports on valid") in report

    # kept, it is exported and its runtimes measured again without training it again
    from benchmarks.remeasure import remeasure

    said = io.StringIO()
    again_document = remeasure(tmp_path / "kept", output=output, data_root=data_root,
                               console=Console(file=said))
    again = next(r for r in again_document["results"] if r["system"] == "minilm")
    assert "skipped sst5 · tfidf: it has no ONNX export" in said.getvalue()
    assert not any(r.get("runtimes_run") for r in again_document["results"]
                   if r["system"] == "tfidf")
    assert again["metrics"] == record["metrics"] and again["rows"] == record["rows"]
    assert len(again["runtimes"]["default"]["texts_per_second_each_round"]) == 2  # quick, still
    assert again["train_seconds"] == record["train_seconds"]  # not trained again
    assert again["runtimes_run"]["command"] == (f"python -m benchmarks runtimes --kept "
                                                f"{tmp_path / 'kept'} --data-root {data_root} "
                                                f"--output {output}")
    def margins(check):  # what the exports' outputs decide, not how fast they ran
        return {option: (each["recheck_margin"], each["rechecked"])
                for option, each in check["options"].items()}

    assert margins(again["runtimes"]["onnx"]["valid"]) == margins(onnx["valid"])  # deterministic
    assert again["runtimes"]["onnx"]["texts_per_second_each_round"] != onnx[
        "texts_per_second_each_round"]  # timed anew
    assert "were measured again, on the model this row trained" in output.with_suffix(
        ".md").read_text()
    document = json.loads(output.read_text())
    for replaced in document["results"]:
        replaced["date"] = "2000-01-01"  # as if a later run replaced the records
    output.write_text(json.dumps(document))
    said = io.StringIO()
    remeasure(tmp_path / "kept", output=output, data_root=data_root, console=Console(file=said))
    assert "skipped sst5 · minilm" in said.getvalue()


def test_agreement_is_never_rounded_up_to_a_target() -> None:
    from benchmarks.report import _agreement

    assert _agreement(0.98968) == "98.96%"
    assert _agreement(0.99) == "99.00%"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_the_files_a_run_writes_do_not_mark_the_next_run_dirty(tmp_path, monkeypatch) -> None:
    from benchmarks import results

    def git(*args):
        subprocess.run(["git", "-C", str(tmp_path), *args], check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "benchmarks").mkdir()
    written = [tmp_path / "benchmarks" / "results.json", tmp_path / "BENCHMARKS.md",
               tmp_path / "benchmarks" / "int8-study.md"]
    code = tmp_path / "benchmarks" / "code.py"
    for path in (*written, code):
        path.write_text("before")
    git("add", "-A")
    git("-c", "user.name=t", "-c", "user.email=t@example.com", "commit", "-qm", "start")
    monkeypatch.setattr(results, "REPO_ROOT", tmp_path)
    monkeypatch.setattr(results, "RESULTS", written[0])
    monkeypatch.setattr(results, "REPORT", written[1])
    monkeypatch.setattr(results, "STUDY", written[2])
    for path in written:
        path.write_text("after a run")
    assert not results.commit().endswith("-dirty")
    code.write_text("changed")
    assert results.commit().endswith("-dirty")


def test_calibration_records_before_and_after_and_survives_a_run(data_root: Path,
                                                                  tmp_path: Path) -> None:
    from benchmarks.calibration import run_calibration

    output = tmp_path / "cal.json"
    document = run_calibration(["tweeteval-sentiment", "goemotions"], ["tfidf"], quick=True,
                               data_root=data_root, output=output,
                               console=Console(file=io.StringIO()))
    records = {r["dataset"]: r for r in document["calibration"]}
    assert set(records) == {"tweeteval-sentiment", "goemotions"}
    for record in records.values():
        assert record["temperature"] > 0 and record["command"].startswith(
            "python -m benchmarks calibration")
        for split in ("valid", "test"):
            figures = record[split]
            assert 0 <= figures["ece_before"] <= 1 and 0 <= figures["ece_after"] <= 1
        # fitted on valid by log-likelihood: never worse there than no temperature at all
        assert record["valid"]["nll_after"] <= record["valid"]["nll_before"] + 1e-12
    assert "macro_recall_before" in records["tweeteval-sentiment"]["test"]
    assert "## Calibration: temperature scaling" in output.with_suffix(".md").read_text()
    # a later `run` into the same file keeps the calibration records
    after = run_benchmarks(datasets=["sst5"], models=["peer:sklearn"], quick=True,
                           data_root=data_root, output=output, console=Console(file=io.StringIO()))
    assert after["calibration"] == json.loads(output.read_text())["calibration"]
    assert len(after["calibration"]) == 2
