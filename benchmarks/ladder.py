"""The climb as a benchmark system: `ladder` (the default budget), `ladder:<minutes>`, or
`ladder:<minutes>:<rung>+<rung>...` (those rungs only, as `train --models` picks them).

It runs `textladder train`'s climb on the dataset's own train / valid / test rows, with the
dataset's task and published metric, within its budget, into a scratch run directory (or, with
`run --ladder-dir DIR`, into `DIR/<dataset>`, which a later climb with the same option resumes,
reusing the rungs finished there: `train`'s resume, so that a long rung trained once with a large
budget can join the ensembles of a climb at the default budget); then the
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
RUN_ROOT: Path | None = None  # `run --ladder-dir`: climbs go to RUN_ROOT/<dataset> and resume


def _parts(name: str) -> list[str]:
    return name.split(":")


def is_ladder(name: str) -> bool:
    """`ladder`, `ladder:<minutes>` with a positive number of minutes, or that followed by
    `:<rung>+<rung>...` naming known families."""
    if name == NAME:
        return True
    parts = _parts(name)
    if parts[0] != NAME or len(parts) not in (2, 3):
        return False
    try:
        minutes = float(parts[1])
    except ValueError:
        return False
    rungs = parts[2].split("+") if len(parts) == 3 else []
    return minutes > 0 and all(r in available_families() for r in rungs)


def budget_of(name: str, quick: bool) -> float:
    if ":" in name:
        return float(_parts(name)[1])
    return QUICK_BUDGET if quick else DEFAULT_BUDGET_MINUTES


def rungs_of(name: str) -> tuple[str, ...] | None:
    """The rungs a `ladder:<minutes>:<a>+<b>` name picks; None: every rung."""
    parts = _parts(name)
    return tuple(parts[2].split("+")) if len(parts) == 3 else None


def _quick_settings(rungs: tuple[str, ...] | None = None) -> dict[str, Any]:
    """The quick settings of every rung (of `rungs`, when given), each addressed to its rung
    only (`RUNG.NAME`)."""
    return {f"{name}.{key}": value for name in rungs or available_families()
            for key, value in get_family(name).quick_settings().items()
            if key != "members"}


class LadderSystem(ClassifierSystem):
    def __init__(self, name: str = NAME):
        self.name = name

    def fit(self, data: BenchData, quick: bool) -> None:
        self.budget, rungs = budget_of(self.name, quick), rungs_of(self.name)
        self.params = _quick_settings(rungs) if quick else {}
        self.persistent = RUN_ROOT is not None
        self.folder = (Path(RUN_ROOT) / data.spec.name if self.persistent
                       else Path(tempfile.mkdtemp(prefix="textladder-bench-ladder-")))
        job = TrainJob(data=data.spec.name, out=str(self.folder / "run"),
                       budget_minutes=self.budget, task=data.spec.task, metric=data.spec.metric,
                       seed=SEED, model_params=self.params,
                       **({"models": rungs} if rungs else {}))
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
                "model_params": self.params, "leaderboard": board,
                **({"run_dir": str(self.folder / "run")} if self.persistent else {})}

    def close(self) -> None:
        if not getattr(self, "persistent", False):
            shutil.rmtree(getattr(self, "folder", ""), ignore_errors=True)
