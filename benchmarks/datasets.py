"""The benchmark datasets: what each one is, how to read it, and the splits every system shares.

Each dataset lives in `<data root>/<folder>/{train,valid,test}.csv` (columns `text,label` unless
its spec names others, read as strings); the folder is the dataset's name unless its spec names
another (the three claff datasets share `claff/`, one label column each). Its task is fixed here,
and so is the metric its published results use; every system chooses its settings on `valid` by
that metric. Where there is no `test.csv`, a stratified 10 % of `train` is held out as test with
textladder's own `split_holdout` (seed 0). Where there is no `valid.csv`, validation rows are
held out of `train` once, in the parent process, so every system gets the same rows: whole
sentences with their phrases dropped from train for phrase-level sets (sst2, see holdout.py),
else a stratified 10 % with `split_holdout`. `--quick` takes small seeded slices of each split.

This module only reads and splits data; it does not train, time or score anything.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from textladder.data.labels import label_key
from textladder.data.split import split_holdout

from benchmarks.holdout import sentence_holdout
from textladder.tasks import TASK_TYPES, make_task, prepare_labels, resolve_task
from textladder.tasks.base import Task

DEFAULT_DATA_ROOT = Path(__file__).resolve().parents[1] / ".." / "shared" / "data"
QUICK_ROWS = {"train": 300, "valid": 100, "test": 100}
HOLDOUT_SIZE = 0.1
SENTENCE_HOLDOUT = 0.2
SEED = 0
GENERAL_METRICS = ("macro_f1", "accuracy")


@dataclass(frozen=True)
class DatasetSpec:
    """A dataset's task and the metrics of its published table (the first one selects)."""

    name: str
    task: str
    published: tuple[str, ...]
    extra: tuple[str, ...] = ()
    phrases: bool = False  # train holds every phrase of each sentence: see holdout.py
    # (folder, text column, label column) where they are not (name, "text", "label")
    source: tuple[str, str, str] | None = None

    @property
    def folder(self) -> str:
        return self.source[0] if self.source else self.name

    @property
    def text_column(self) -> str:
        return self.source[1] if self.source else "text"

    @property
    def label_column(self) -> str:
        return self.source[2] if self.source else "label"

    @property
    def metric(self) -> str:
        """The metric every system chooses its settings by on validation."""
        return self.published[0]

    @property
    def columns(self) -> tuple[str, ...]:
        """Test metrics to show: the published ones, the extras, then macro_f1 / accuracy."""
        known = TASK_TYPES[self.task].metric_names
        shown = list(self.published) + list(self.extra)
        return tuple(shown + [m for m in GENERAL_METRICS if m in known and m not in shown])


SPECS: dict[str, DatasetSpec] = {
    spec.name: spec
    for spec in (
        DatasetSpec("tweeteval-sentiment", "multiclass", ("macro_recall",)),
        DatasetSpec("sst5", "ordinal", ("accuracy",), ("mae", "qwk")),
        DatasetSpec("goemotions", "multilabel", ("macro_f1", "micro_f1")),
        DatasetSpec("sst2", "binary", ("accuracy",), phrases=True),
        # CL-Aff 2019 (HappyDB moments): one train file with several label columns
        DatasetSpec("claff-concepts", "multilabel", ("macro_f1", "micro_f1"),
                    source=("claff", "moment", "concepts")),
        DatasetSpec("claff-agency", "binary", ("f1", "accuracy"),
                    source=("claff", "moment", "agency")),
        DatasetSpec("claff-social", "binary", ("f1", "accuracy"),
                    source=("claff", "moment", "social")),
    )
}


@dataclass
class Split:
    """Texts, raw label cells, and the labels in their task's form."""

    texts: list[str]
    labels: list[str]
    prepared: list

    def take(self, rows) -> "Split":
        return Split([self.texts[i] for i in rows], [self.labels[i] for i in rows],
                     [self.prepared[i] for i in rows])

    def __len__(self) -> int:
        return len(self.texts)


@dataclass
class BenchData:
    """One dataset's train / valid / test splits, and an untuned task fitted on train labels."""

    spec: DatasetSpec
    train: Split
    valid: Split
    test: Split
    task: Task
    notes: list[str] = field(default_factory=list)

    def targets(self, split: Split) -> np.ndarray:
        return self.task.encode(split.prepared, self.spec.name)

    def rows(self) -> dict[str, int]:
        return {"train": len(self.train), "valid": len(self.valid), "test": len(self.test)}


def _read(path: Path, spec: DatasetSpec) -> tuple[list[str], list[str]]:
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    return frame[spec.text_column].tolist(), frame[spec.label_column].tolist()


def _holdout_note(held: int, split: str, seed: int) -> str:
    return (f"no {split}.csv: {held} rows ({HOLDOUT_SIZE:.0%}) of train held out as {split} "
            f"with textladder's split_holdout (stratified, seed {seed})")


def _split(texts: list[str], labels: list[str], detection) -> Split:
    return Split(texts, labels, prepare_labels(labels, detection))


def _sample(split: Split, n: int, seed: int) -> Split:
    if len(split) <= n:
        return split
    rows = np.sort(np.random.default_rng(seed).choice(len(split), size=n, replace=False))
    return split.take(rows)


def _drop_unknown(split: Split, task: Task, name: str, notes: list[str]) -> Split:
    """Keep the rows whose labels training has seen (only quick slices ever lose any)."""
    known = {label_key(label) for label in task.labels}
    if task.name == "multilabel":
        rows = [i for i, row in enumerate(split.prepared) if set(row) <= known]
    else:
        rows = [i for i, label in enumerate(split.prepared) if label_key(label) in known]
    if len(rows) == len(split):
        return split
    dropped = len(split) - len(rows)
    notes.append(f"{dropped} {name} rows dropped: their labels are absent from train")
    return split.take(rows)


def load_dataset(root: Path, spec: DatasetSpec, quick: bool = False, seed: int = SEED) -> BenchData:
    """Read a dataset, hold out validation rows if needed, and slice it in quick mode."""
    folder = Path(root) / spec.folder
    train_texts, train_labels = _read(folder / "train.csv", spec)
    detection = resolve_task(train_labels, spec.task)
    train = _split(train_texts, train_labels, detection)
    notes = []
    if (folder / "test.csv").exists():
        test = _split(*_read(folder / "test.csv", spec), detection)
    else:  # held out first, as `textladder train` does without --test
        kept, held = split_holdout(train.prepared, detection.task, HOLDOUT_SIZE, seed, "test")
        train, test = train.take(kept), train.take(held)
        notes.append(_holdout_note(len(test), "test", seed))
    if (folder / "valid.csv").exists():
        valid = _split(*_read(folder / "valid.csv", spec), detection)
    elif spec.phrases:
        kept, held, note = sentence_holdout(train.texts, train.labels, SENTENCE_HOLDOUT, seed)
        train, valid = train.take(kept), train.take(held)
        notes.append(note)
    else:
        kept, held = split_holdout(train.prepared, detection.task, HOLDOUT_SIZE, seed, "validation")
        train, valid = train.take(kept), train.take(held)
        notes.append(_holdout_note(len(valid), "valid", seed))
    if quick:
        train = _sample(train, QUICK_ROWS["train"], seed)
        valid = _sample(valid, QUICK_ROWS["valid"], seed)
        test = _sample(test, QUICK_ROWS["test"], seed)
    task = make_task(detection.task, spec.metric).fit(train.prepared)
    valid = _drop_unknown(valid, task, "valid", notes)
    test = _drop_unknown(test, task, "test", notes)
    return BenchData(spec, train, valid, test, task, notes)
