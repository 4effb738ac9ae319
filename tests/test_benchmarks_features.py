"""`python -m benchmarks features` on a fake claff: both labels, one rung, with and without the
columns; the records, their merge, and BENCHMARKS.md's table with the change and its error."""

from __future__ import annotations

import io
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` lives at the repository root, beside src/

from benchmarks.features import FEATURES, TEXT, run_features  # noqa: E402


def _fake_claff(root: Path, n: int = 400) -> None:
    """Moments that say nothing; `parenthood` says `social`, the text's cue says `agency`."""
    rng = np.random.default_rng(0)
    agency = rng.choice(["yes", "no"], n)
    social = rng.choice(["yes", "no"], n)
    words = "today we went out for a walk and it was nice".split()
    moments = [" ".join([*rng.choice(words, 5), f"cue{a}", str(i)]) for i, a in
               enumerate(agency)]
    frame = pd.DataFrame({
        TEXT: moments, "reflection": rng.choice(["24h", "3m"], n),
        "age": rng.integers(18, 70, n).astype(str), "country": rng.choice(["USA", "IND"], n),
        "gender": rng.choice(["m", "f"], n), "duration": rng.choice(["a", "b", "c"], n),
        "married": rng.choice(["single", "married"], n),
        "parenthood": np.where(social == "yes", "y", "n"), "agency": agency, "social": social})
    (root / "claff").mkdir(parents=True)
    frame.to_csv(root / "claff" / "train.csv", index=False)


def test_each_rung_with_and_without_the_columns(tmp_path):
    _fake_claff(tmp_path / "data")
    output = tmp_path / "results.json"
    console = Console(file=io.StringIO())
    document = run_features(["agency", "social"], ["tfidf"], data_root=tmp_path / "data",
                            output=output, console=console)
    records = {(r["label"], r["variant"]): r for r in document["features"]}
    assert set(records) == {(label, variant) for label in ("agency", "social")
                            for variant in ("text", "text+columns")}
    assert [f["name"] for f in records[("social", "text+columns")]["features"]] == list(FEATURES)
    social = {v: records[("social", v)]["metrics"]["test"]["f1"] for v in ("text", "text+columns")}
    assert social["text+columns"] >= social["text"] + 0.2  # parenthood gives it away
    rows = records[("agency", "text")]["rows"]
    assert rows == records[("social", "text+columns")]["rows"] and rows["test"] >= 35
    table = (tmp_path / "results.md").read_text()
    assert "## Columns beside the text: claff" in table
    assert "| social | tfidf | " in table and " ± " in table
    again = run_features(["agency"], ["tfidf"], data_root=tmp_path / "data", output=output,
                         console=console)
    assert len(again["features"]) == 4  # replaced its own records, kept the others
