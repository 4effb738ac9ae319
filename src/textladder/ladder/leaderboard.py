"""The leaderboard: one row per rung, baseline or ensemble, in the order tried, as data.

Like AutoGluon's `leaderboard()`, it is a table a program can read (`leaderboard.json` in the
run directory, the format in TEAM.md) and the command line draws. Each row holds the rung's
validation metrics, its cross-fitted validation score on the primary metric (the one every choice
uses: thresholds, and an ensemble's weights or meta-model, fitted on other validation folds than
the one scored, `crossfit.py`), its test metrics (scored once, after every choice), its training
seconds, prediction speed, size on disk, and why it was skipped, cut short, or not kept.

`choose_best` picks by the cross-fitted validation score, never by test; a tie goes to the row
tried first. An ensemble competes only when the climb kept it (`kept`): when it beats the best
single rung by more than two standard errors of that lead.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

from textladder.tasks.base import LOWER_IS_BETTER

KINDS = ("baseline", "rung", "ensemble")
STATUSES = ("done", "skipped", "failed")


@dataclass
class Row:
    name: str
    family: str
    kind: str = "rung"
    status: str = "done"
    reason: str | None = None
    path: str | None = None
    valid: dict[str, Any] = field(default_factory=dict)
    test: dict[str, Any] = field(default_factory=dict)
    valid_score: float | None = None
    train_seconds: float | None = None
    predict_texts_per_s: float | None = None
    size_bytes: int | None = None
    members: list[str] | None = None
    estimated_seconds: float | None = None
    reused: bool = False
    kept: bool = True  # False: an ensemble whose lead over the best rung is within noise

    def to_dict(self) -> dict[str, Any]:
        row = asdict(self)
        if self.kind != "ensemble":
            row.pop("members")
        return row

    @classmethod
    def from_dict(cls, row: dict[str, Any]) -> "Row":
        known = set(cls.__dataclass_fields__)
        return cls(**{k: v for k, v in row.items() if k in known})


class Leaderboard:
    def __init__(self, task: str, primary_metric: str, budget_seconds: float | None,
                 folds: int):
        self.task, self.primary_metric = task, primary_metric
        self.budget_seconds, self.folds = budget_seconds, folds
        self.greater_is_better = primary_metric not in LOWER_IS_BETTER
        self.rows: list[Row] = []
        self.best: str | None = None
        self.notes: list[str] = []
        self.seconds: float | None = None

    def put(self, row: Row) -> Row:
        """Add `row`, or replace the row of the same name where it stands. Rungs tried come
        before the rungs skipped up front, and ensembles after both."""
        for i, old in enumerate(self.rows):
            if old.name == row.name:
                self.rows[i] = row
                return row
        if row.kind != "ensemble" and row.status != "skipped":
            later = next((i for i, r in enumerate(self.rows)
                          if r.kind == "ensemble" or r.status == "skipped"), len(self.rows))
            self.rows.insert(later, row)
        else:
            self.rows.append(row)
        return row

    def row(self, name: str) -> Row | None:
        return next((r for r in self.rows if r.name == name), None)

    def done(self, *kinds: str) -> list[Row]:
        return [r for r in self.rows if r.status == "done" and (not kinds or r.kind in kinds)
                and _finite(r.valid_score) and r.kept]

    def oriented(self, score: float) -> float:
        """The score with greater meaning better."""
        return score if self.greater_is_better else -score

    def top(self, count: int, *kinds: str) -> list[Row]:
        """The `count` best finished rows of these kinds, best first (earlier rows win ties)."""
        rows = self.done(*kinds)
        return sorted(rows, key=lambda r: -self.oriented(r.valid_score))[:count]

    def choose_best(self) -> str | None:
        """The best finished row by validation score; where no score is defined (one class in
        validation with a ranking metric), the first finished rung."""
        best = None
        for row in self.done():
            if best is None or self.oriented(row.valid_score) > self.oriented(best.valid_score):
                best = row
        if best is None:
            finished = [r for r in self.rows if r.status == "done"]
            best = next((r for r in finished if r.kind == "rung"), finished[0] if finished
                        else None)
        self.best = best.name if best is not None else None
        return self.best

    def to_dict(self) -> dict[str, Any]:
        return {"task": self.task, "primary_metric": self.primary_metric,
                "greater_is_better": self.greater_is_better,
                "budget_seconds": self.budget_seconds, "best": self.best,
                "valid_score": f"{self.primary_metric} on validation, cross-fitted over "
                               f"{self.folds} folds",
                "seconds": self.seconds, "notes": list(self.notes),
                "rows": [r.to_dict() for r in self.rows]}


def _finite(value) -> bool:
    return isinstance(value, (int, float)) and math.isfinite(value)
