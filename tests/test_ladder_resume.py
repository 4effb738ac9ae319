"""An interrupted climb resumes from its run directory without fitting its finished rungs again.

A real `textladder train` process is killed (SIGKILL: no cleanup runs) while a rung that sleeps
is fitting; the same command then finishes the climb, reusing the baseline and tfidf as saved.
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

from conftest import make_task_data, write_table

HERE = Path(__file__).resolve().parent
SRC = HERE.parent / "src"


def _command(data: Path, out: Path) -> list[str]:
    return [sys.executable, str(HERE / "sleepy_family.py"), "train", str(data), "--models",
            "tfidf,sleepy", "--out", str(out), "--set", "C=[10]", "--json"]


def _env(tmp_path: Path, sleep: float) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": os.pathsep.join([str(SRC), str(HERE)]),
            "TEXTLADDER_TEST_MARKER": str(tmp_path / "fitting"),
            "TEXTLADDER_TEST_SLEEP": str(sleep), "OMP_NUM_THREADS": "1"}


def _wait_for_the_sleepy_rung(process, tmp_path: Path) -> None:
    deadline = time.monotonic() + 120
    while not (tmp_path / "fitting").exists():
        assert process.poll() is None, "the climb ended before the sleepy rung"
        assert time.monotonic() < deadline, "the sleepy rung never started"
        time.sleep(0.1)


def test_a_climb_killed_mid_rung_resumes_without_refitting(tmp_path):
    texts, labels = make_task_data("multiclass", 20)
    data = write_table(tmp_path / "data.csv", texts, labels)
    out = tmp_path / "run"
    process = subprocess.Popen(_command(data, out), env=_env(tmp_path, 600), cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait_for_the_sleepy_rung(process, tmp_path)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    assert process.returncode == -signal.SIGKILL
    board = json.loads((out / "leaderboard.json").read_text())
    assert [r["name"] for r in board["rows"]] == ["baseline", "tfidf"]  # as they ended
    assert not (out / "models" / "sleepy").exists() and not (out / "best").exists()
    saved = {name: (out / "models" / name / "config.json").stat()
             for name in ("baseline", "tfidf")}

    finished = subprocess.run(_command(data, out), env=_env(tmp_path, 0), cwd=tmp_path,
                              capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr
    report = json.loads(finished.stdout)
    rows = {r["name"]: r for r in report["leaderboard"]["rows"]}
    assert rows["baseline"]["reused"] and rows["tfidf"]["reused"]
    assert not rows["sleepy"]["reused"] and rows["sleepy"]["status"] == "done"
    assert rows["tfidf"]["train_seconds"] == board["rows"][1]["train_seconds"]  # as recorded
    for name, before in saved.items():  # the very same files: not fitted, not saved again
        after = (out / "models" / name / "config.json").stat()
        assert (after.st_ino, after.st_mtime_ns) == (before.st_ino, before.st_mtime_ns)
    assert (out / "best" / "config.json").is_file()
    assert not list((out / "models").glob(".*"))  # no unfinished save left behind


def test_a_finished_one_ensemble_run_is_reused_when_run_again(tmp_path):
    from cli_helpers import run_json

    texts, labels = make_task_data("multiclass", 20)
    data = write_table(tmp_path / "train.csv", texts, labels)
    args = ("train", data, "--model", "soft_vote", "--out", tmp_path / "run", "--no-report",
            "--set", 'members=[{"family": "tfidf", "settings": {"C": [10]}}, '
                     '{"family": "tfidf", "name": "chars", "settings": {"word_ngrams": null}}]')
    first = run_json(*args)
    again = run_json(*args)  # it crashed here: a loaded ensemble has no members' outputs
    row = again["leaderboard"]["rows"][0]
    assert row["reused"] and row["valid_score"] is not None
    assert again["metrics"]["test"] == first["metrics"]["test"]


def test_ctrl_c_mid_rung_says_how_to_resume(tmp_path):
    texts, labels = make_task_data("multiclass", 20)
    data = write_table(tmp_path / "data.csv", texts, labels)
    out = tmp_path / "run"
    command = [c for c in _command(data, out) if c != "--json"]
    process = subprocess.Popen(command, env=_env(tmp_path, 600), cwd=tmp_path,
                               stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
                               preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    try:
        _wait_for_the_sleepy_rung(process, tmp_path)
        process.send_signal(signal.SIGINT)
        _, stderr = process.communicate(timeout=60)
    finally:
        process.kill()
    assert process.returncode == 130
    last = stderr.strip().splitlines()[-1]  # it exited 130 without a word
    assert last.startswith(f"interrupted; to resume, run it again with --out {out}")
