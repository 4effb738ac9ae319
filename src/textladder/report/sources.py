"""Read what the report draws: a run directory (its leaderboard and models) or a model directory.

A model directory gives a `ModelView`: its `config.json`, its task, and the `evaluation/` files
training recorded (`textladder.evaluation`): validation and test targets and outputs, a sample of
validation texts, the model's vectors of them, and the data summary. A run directory (a climb's
`runs/NAME/`, with `leaderboard.json` and `models/<rung>/`) gives its leaderboard and one view per
model it names. Everything is read as data (JSON, safetensors); nothing is predicted and nothing
is trained (the n-gram section alone reads a linear model's coefficients, `ngrams.py`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np

from textladder.calibration import Temperature
from textladder.errors import TextladderError
from textladder.evaluation import FOLDER
from textladder.model_dir import RUN_BEST, is_model_dir, read_config
from textladder.tasks import task_from_config
from textladder.tasks.base import Task

LEADERBOARD = "leaderboard.json"


@dataclass
class Split:
    """Targets and the model's outputs on one split."""

    targets: np.ndarray
    outputs: np.ndarray

    def __len__(self) -> int:
        return len(self.targets)


@dataclass
class ModelView:
    """One saved model as the report sees it."""

    name: str
    path: Path
    config: dict[str, Any]
    task: Task
    valid: Split | None = None
    test: Split | None = None
    texts: list[str] = field(default_factory=list)  # the validation sample
    rows: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vectors: np.ndarray | None = None  # the model's own vectors of `texts`, if it has some
    data: dict[str, Any] | None = None

    @property
    def family(self) -> str:
        return self.config["family"]["name"]

    @property
    def chosen(self) -> dict[str, Any]:
        return self.config["family"].get("chosen", {})

    @property
    def settings(self) -> dict[str, Any]:
        """Every setting the model was fitted with: as resolved, where the config has them."""
        family = self.config["family"]
        return family.get("resolved_settings") or family.get("settings", {})

    @property
    def labels(self) -> list[str]:
        return [str(label) for label in self.task.labels]

    @cached_property
    def calibration(self) -> Temperature | None:
        return Temperature.from_config(self.task.name, self.config.get("calibration"))

    @property
    def evaluated(self) -> Split | None:
        """The split the report scores the model on: test where it was scored, else valid."""
        return self.test if self.test is not None else self.valid

    @property
    def evaluated_name(self) -> str:
        return "test" if self.test is not None else "validation"

    def as_text(self, values: np.ndarray) -> list[str]:
        """Targets or decisions as people read them: class names, label sets, values."""
        if self.task.name == "multilabel":
            return [", ".join(label for label, on in zip(self.labels, row) if on) or "(none)"
                    for row in values]
        if self.task.name == "regression":
            return [f"{float(v):.3g}" for v in values]
        return [self.labels[int(v)] for v in values]

    def metrics(self, split: str) -> dict[str, Any]:
        return self.config.get("metrics", {}).get(split, {})


def _arrays(path: Path) -> Split | None:
    if not path.is_file():
        return None
    from safetensors.numpy import load_file

    arrays = load_file(str(path))
    return Split(arrays["targets"], arrays["outputs"].astype(float))


def read_model(path: Path, name: str | None = None) -> ModelView:
    """The `ModelView` of the model directory `path` (a model saved before training recorded
    `evaluation/` gives a view with its config only)."""
    config = read_config(path)
    if name is None:  # a run's best/ is named by what it is
        name = config["family"]["name"] if path.name == RUN_BEST else path.name
    view = ModelView(name, path, config, task_from_config(config["task"]))
    try:
        _read_records(view, path / FOLDER)
    except Exception as error:  # noqa: BLE001 - any damage to the records: one line naming them
        said = (str(error).splitlines() or [""])[0][:120]
        raise TextladderError(f"the report's records in '{path / FOLDER}' could not be read "
                              f"({type(error).__name__}: {said}); "
                              f"train the model again, or delete that folder to draw the "
                              f"report without them.") from None
    return view


def _read_records(view: ModelView, folder: Path) -> None:
    """The `evaluation/` files training recorded, into `view` (those there are)."""
    view.valid = _arrays(folder / "valid.safetensors")
    view.test = _arrays(folder / "test.safetensors")
    texts_file = folder / "texts.json"
    if texts_file.is_file():
        texts = json.loads(texts_file.read_text(encoding="utf-8"))
        view.texts = list(texts["valid"])
        view.rows = np.asarray(texts["valid_rows"], dtype=np.int64)
    if (folder / "vectors.safetensors").is_file():
        from safetensors.numpy import load_file

        view.vectors = load_file(str(folder / "vectors.safetensors"))["vectors"]
    if (folder / "data.json").is_file():
        view.data = json.loads((folder / "data.json").read_text(encoding="utf-8"))


@dataclass
class Source:
    """What one report covers: a run's leaderboard and models, or one model."""

    path: Path
    models: list[ModelView]
    leaderboard: dict[str, Any] | None = None

    @property
    def is_run(self) -> bool:
        return self.leaderboard is not None

    @property
    def best(self) -> ModelView | None:
        """The run's best model (the leaderboard's choice), or the only model."""
        if self.leaderboard is not None:
            best = self.leaderboard.get("best")
            return next((m for m in self.models if m.name == best), None) or (
                self.models[0] if self.models else None)
        return self.models[0] if self.models else None

    @property
    def data(self) -> dict[str, Any] | None:
        """The data summary (every model of a run learned from the same data)."""
        best = self.best
        if best is not None and best.data is not None:
            return best.data
        return next((m.data for m in self.models if m.data is not None), None)


def read_source(path: str | Path) -> Source:
    """A run directory (with `leaderboard.json`) or a model directory, read for the report."""
    path = Path(path)
    board_file = path / LEADERBOARD
    if board_file.is_file():
        try:
            board = json.loads(board_file.read_text(encoding="utf-8"))
        except ValueError as error:
            raise TextladderError(f"'{board_file}' is not valid JSON ({error}).") from None
        models = [read_model(path / row["path"], row["name"]) for row in board.get("rows", [])
                  if row.get("path") and is_model_dir(path / row["path"])]
        if not models and is_model_dir(path / RUN_BEST):
            models = [read_model(path / RUN_BEST, board.get("best") or RUN_BEST)]
        return Source(path, models, board)
    if is_model_dir(path):
        return Source(path, [read_model(path)])
    if is_model_dir(path / RUN_BEST):  # a run directory without its leaderboard
        return Source(path, [read_model(path / RUN_BEST)])
    read_config(path)  # says what is wrong with the path
    raise TextladderError(f"'{path}' is neither a run directory nor a model directory.")
