"""The climb as a benchmark system: `ladder` (the default budget) or `ladder:<minutes>`.

It runs `textladder train`'s climb on the dataset's own train / valid / test rows, with the
dataset's task and published metric, within its budget, into a scratch run directory; then the
best model (chosen on validation) is what predicts and is scored, like any system. Its train time
is the whole climb: probes, every rung, the rungs' own test scoring, ensembles. The record keeps
the budget and the climb's leaderboard, which the report prints under the dataset's table.
In `--quick` mode every rung runs with its `quick_settings()` and the budget is `QUICK_BUDGET`.
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path
from typing import Any

from textladder import TextClassifier
from textladder.families import available_families, get_family
from textladder.model_dir import link_tree
from textladder.workflows.climb import climb
from textladder.workflows.train import DEFAULT_BUDGET_MINUTES, Splits, TrainJob

from benchmarks.datasets import SEED, BenchData
from benchmarks.systems import ClassifierSystem

NAME = "ladder"
QUICK_BUDGET = 3.0


def is_ladder(name: str) -> bool:
    """`ladder`, or `ladder:<minutes>` with a positive number of minutes."""
    if name == NAME:
        return True
    prefix, _, minutes = name.partition(":")
    try:
        return prefix == NAME and float(minutes) > 0
    except ValueError:
        return False


def budget_of(name: str, quick: bool) -> float:
    if ":" in name:
        return float(name.partition(":")[2])
    return QUICK_BUDGET if quick else DEFAULT_BUDGET_MINUTES


def _quick_settings() -> dict[str, Any]:
    """Every rung's quick settings, each addressed to its rung only (`RUNG.NAME`)."""
    return {f"{name}.{key}": value for name in available_families()
            for key, value in get_family(name).quick_settings().items()
            if key != "members"}


class LadderSystem(ClassifierSystem):
    def __init__(self, name: str = NAME):
        self.name = name

    def fit(self, data: BenchData, quick: bool) -> None:
        self.budget = budget_of(self.name, quick)
        self.params = _quick_settings() if quick else {}
        self.folder = Path(tempfile.mkdtemp(prefix="textladder-bench-ladder-"))
        job = TrainJob(data=data.spec.name, out=str(self.folder / "run"),
                       budget_minutes=self.budget, task=data.spec.task, metric=data.spec.metric,
                       seed=SEED, model_params=self.params)
        splits = Splits(*((s.texts, s.labels) for s in (data.train, data.valid, data.test)),
                        "the test split", {"rows": data.rows()})
        self.report = climb(job, splits)
        self.clf = TextClassifier.load(self.folder / "run")  # its best model

    def keep(self, directory: Path) -> None:
        """The whole run directory (models, leaderboard, best), with hard links."""
        if Path(directory).exists():
            shutil.rmtree(directory)
        link_tree(self.folder / "run", Path(directory))

    def settings(self) -> dict[str, Any]:
        board = self.report["leaderboard"]
        return {"budget_minutes": self.budget, "metric": board["primary_metric"], "seed": SEED,
                "best": self.report["best"], "best_model": self.report["model"],
                "model_params": self.params, "leaderboard": board}

    def close(self) -> None:
        shutil.rmtree(getattr(self, "folder", ""), ignore_errors=True)
