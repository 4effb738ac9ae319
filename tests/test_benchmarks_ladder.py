"""The climb as a benchmark system (`ladder`), quick mode, on the fake data root of the harness
test: it is measured like any system and its leaderboard is kept and printed in the report."""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.runner import run_benchmarks  # noqa: E402
from benchmarks.systems import resolve_systems  # noqa: E402
from test_benchmarks_quick import DATASETS, _write  # noqa: E402


def _sst5_root(tmp_path: Path) -> Path:
    """A data root with a tiny sst5 folder (train, valid, test)."""
    root = tmp_path / "data"
    rng = random.Random(0)
    labels, _ = DATASETS["sst5"]
    (root / "sst5").mkdir(parents=True)
    for split, n in (("train", 36), ("valid", 18), ("test", 18)):
        _write(root / "sst5", split, labels, n, rng)
    return root


def test_ladder_is_a_system_with_its_budget_and_leaderboard(tmp_path, monkeypatch):
    import tempfile

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(scratch))  # the forked worker inherits it
    root = _sst5_root(tmp_path)
    assert resolve_systems(["ladder:2"])[0] == ["ladder:2"]
    output = tmp_path / "x.json"
    document = run_benchmarks(datasets=["sst5"], models=["ladder:2"], quick=True,
                              data_root=root, output=output, console=Console(file=io.StringIO()),
                              keep_models=tmp_path / "kept")
    record = document["results"][0]
    settings = record["settings"]
    board = settings["leaderboard"]
    assert settings["budget_minutes"] == 2.0 and board["budget_seconds"] == 120.0
    assert record["train_seconds"] >= board["seconds"] - 0.05 > 0  # the board's is rounded
    assert board["rows"][0]["name"] == "baseline" and settings["best"] == board["best"]
    best = next(r for r in board["rows"] if r["name"] == board["best"])
    assert record["metrics"]["test"]["accuracy"] == best["test"]["accuracy"]  # the best scored
    assert {"soft_vote", "hard_vote", "stack"} <= {r["name"] for r in board["rows"]}
    kept = tmp_path / "kept" / "sst5" / "ladder:2"
    assert (kept / "leaderboard.json").is_file() and (kept / "best" / "config.json").is_file()
    report = output.with_suffix(".md").read_text()
    assert "**ladder:2** (budget 2 min): the climb took" in report
    assert f"best on validation: **{board['best']}**" in report
    assert "| baseline | done |" in report
    assert not list(scratch.glob("textladder-bench-ladder-*"))  # its scratch run is removed


def test_a_climb_in_a_ladder_dir_resumes_the_rungs_an_earlier_one_finished(tmp_path):
    import benchmarks.ladder as ladder

    root = _sst5_root(tmp_path)
    assert ladder.is_ladder("ladder:2:tfidf+fasttext") and not ladder.is_ladder("ladder:2:nope")
    assert ladder.rungs_of("ladder:2:tfidf+fasttext") == ("tfidf", "fasttext")
    runs, console = tmp_path / "runs", Console(file=io.StringIO())
    name = "ladder:2:tfidf+fasttext"
    first = run_benchmarks(datasets=["sst5"], models=[name], quick=True, data_root=root,
                           output=tmp_path / "a.json", console=console,
                           ladder_dir=runs)["results"][0]
    names = {r["name"] for r in first["settings"]["leaderboard"]["rows"]}
    assert {"tfidf", "fasttext"} <= names and not names & {"wordvec", "minilm", "finetune"}
    assert first["settings"]["run_dir"] == str(runs / "sst5" / "run")
    assert "--ladder-dir" in first["command"]
    models = runs / "sst5" / "run" / "models"
    trained = {n: (models / n / "config.json").stat().st_mtime_ns for n in ("tfidf", "fasttext")}
    second = run_benchmarks(datasets=["sst5"], models=[name], quick=True, data_root=root,
                            output=tmp_path / "b.json", console=console,
                            ladder_dir=runs)["results"][0]
    rows = {r["name"]: r for r in second["settings"]["leaderboard"]["rows"]}
    assert rows["tfidf"]["status"] == "done" and rows["fasttext"]["status"] == "done"
    # both rungs were reused from the first climb, not trained again
    assert {n: (models / n / "config.json").stat().st_mtime_ns for n in trained} == trained
    assert ladder.RUN_ROOT == runs
    assert "reusing baseline, tfidf, fasttext as trained there" in (tmp_path / "b.md").read_text()
    run_benchmarks(datasets=["sst5"], models=["ladder:2:tfidf"], quick=True, data_root=root,
                   output=tmp_path / "c.json", console=console)
    assert ladder.RUN_ROOT is None  # a run without the option climbs in scratch again
