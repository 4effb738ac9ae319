"""The imbalance benchmark's `auto` rows: what `--imbalance auto` picks, judged by the table's
macro-F1 and, where it differs, by the dataset's published metric (nothing is fitted)."""

from __future__ import annotations

import io
import random
import sys
from pathlib import Path

from rich.console import Console

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.imbalance import run_imbalance  # noqa: E402
from benchmarks.imbalance_report import imbalance_section  # noqa: E402
from test_benchmarks_quick import _write  # noqa: E402


def _skewed_sst5(tmp_path: Path) -> Path:
    """A data root with a tiny sst5 whose level 3 outnumbers each other level 6 to 1."""
    root, rng = tmp_path / "data", random.Random(0)
    (root / "sst5").mkdir(parents=True)
    labels = ["3"] * 6 + ["1", "2", "4", "5"]
    for split, n in (("train", 40), ("valid", 20), ("test", 20)):
        _write(root / "sst5", split, labels, n, rng)
    return root


def test_auto_says_what_it_picks_under_the_table_metric_and_the_published_one(tmp_path):
    document = run_imbalance(datasets=["sst5"], models=["tfidf"], strategies=["auto"],
                             quick=True, data_root=_skewed_sst5(tmp_path),
                             output=tmp_path / "r.json", report=tmp_path / "r.md",
                             console=Console(file=io.StringIO()))
    (auto,) = document["imbalance"]["records"]
    # the tiny sst5 is skewed enough for a strategy under macro-F1; its published metric,
    # accuracy, counts every row alike, so `train --imbalance auto` takes none there
    assert auto["chosen"] == "weights"
    assert auto["with_metric"]["metric"] == "accuracy" and auto["with_metric"]["chosen"] == "none"
    fitted = {**auto, "strategy": "none", "metrics": {"test": {"accuracy": 0.5, "macro_f1": 0.4},
                                                      "valid": {"macro_f1": 0.4}}}
    document["imbalance"]["records"].append(fitted)
    text = "\n".join(imbalance_section(document))
    assert "tfidf: best on valid macro_f1: none" in text
    assert "auto picks weights, not the same" in text
    assert "with the published metric, accuracy, as the primary one, `train --imbalance auto` "
    "picks none" in text.replace("\n", " ")
