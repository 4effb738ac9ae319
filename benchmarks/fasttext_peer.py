"""`peer:fasttext`: the fastText library, tuned on validation the way a careful user would.

The training split is written in fastText's `__label__<i> text` format (label indices of the task,
newlines replaced by spaces) to a temporary directory; `train_supervised` runs with
`wordNgrams=2` and fastText's other defaults over a grid of epochs and learning rates, and the
candidate with the best validation score by the dataset's metric is kept. Single-label tasks
predict the top label (softmax loss). Multi-label uses `loss='ova'` and predicts every label with
probability >= one global threshold, chosen on validation together with epoch and lr.

fastText runs with `thread=2` and `seed=0`, but its asynchronous SGD is not deterministic with
more than one thread, so reruns differ slightly. This module does not time or score test data.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from benchmarks.datasets import SEED, BenchData
from benchmarks.peers import Peer, selection_score

GRID = {"epoch": (5, 10, 25), "lr": (0.1, 0.5, 1.0)}
QUICK_GRID = {"epoch": (10, 25), "lr": (0.5,)}
THRESHOLDS = (0.1, 0.2, 0.3, 0.4, 0.5)
FIXED = {"wordNgrams": 2, "thread": 2, "seed": SEED, "verbose": 0}
PREFIX = "__label__"


def _line(text: str) -> str:
    return text.replace("\r", " ").replace("\n", " ")


class FastTextPeer(Peer):
    name = "peer:fasttext"

    def _write_train(self, path: Path, data: BenchData) -> None:
        targets = data.targets(data.train)
        with open(path, "w", encoding="utf-8") as out:
            for text, target in zip(data.train.texts, targets):
                indices = np.flatnonzero(target) if target.ndim else [int(target)]
                labels = " ".join(f"{PREFIX}{i}" for i in indices)
                out.write(f"{labels} {_line(text)}\n")

    def _fit(self, data: BenchData, quick: bool) -> None:
        import fasttext

        self.multilabel = self.task.name == "multilabel"
        self.loss = "ova" if self.multilabel else "softmax"
        self.grid = QUICK_GRID if quick else GRID
        self.majority = int(np.bincount(data.targets(data.train)).argmax()) \
            if not self.multilabel else 0
        valid_targets = data.targets(data.valid)
        self.history, best = [], -np.inf
        with tempfile.TemporaryDirectory(prefix="bench-fasttext-") as tmp:
            train_file = Path(tmp) / "train.txt"
            self._write_train(train_file, data)
            for epoch in self.grid["epoch"]:
                for lr in self.grid["lr"]:
                    try:
                        model = fasttext.train_supervised(
                            input=str(train_file), epoch=epoch, lr=lr, loss=self.loss, **FIXED)
                    except (RuntimeError, ValueError) as error:  # lr too high: NaN
                        self.history.append({"epoch": epoch, "lr": lr, "failed": str(error)})
                        continue
                    score, threshold = self._select(model, data.valid.texts, valid_targets)
                    candidate = {"epoch": epoch, "lr": lr}
                    if self.multilabel:
                        candidate["threshold"] = threshold
                    self.history.append({**candidate, "score": score})
                    if score > best:
                        best, self.model, self.threshold = score, model, threshold
                        self.chosen = candidate
        if best == -np.inf:
            raise RuntimeError(f"every fastText candidate failed: {self.history}")

    def _select(self, model, texts: list[str], targets: np.ndarray) -> tuple[float, float | None]:
        """Validation score of a model, and the best global threshold for multi-label."""
        if not self.multilabel:
            return selection_score(self.task, targets, self._top(model, texts)), None
        probs = self._probabilities(model, texts, min(THRESHOLDS))
        scores = [(selection_score(self.task, targets, (probs >= t).astype(int)), t)
                  for t in THRESHOLDS]
        return max(scores, key=lambda pair: pair[0])

    def _top(self, model, texts: list[str]) -> np.ndarray:
        labels, _ = model.predict([_line(t) for t in texts], k=1)
        return np.array([int(row[0][len(PREFIX):]) if row else self.majority for row in labels])

    def _probabilities(self, model, texts: list[str], threshold: float) -> np.ndarray:
        labels, probs = model.predict([_line(t) for t in texts], k=-1, threshold=threshold)
        out = np.zeros((len(texts), self.task.n_outputs))
        for row, (names, values) in enumerate(zip(labels, probs)):
            for name, value in zip(names, values):
                out[row, int(name[len(PREFIX):])] = value
        return out

    def decide(self, texts: list[str]) -> np.ndarray:
        if not self.multilabel:
            return self._top(self.model, texts)
        labels, _ = self.model.predict([_line(t) for t in texts], k=-1, threshold=self.threshold)
        out = np.zeros((len(texts), self.task.n_outputs), dtype=np.int64)
        for row, names in enumerate(labels):
            out[row, [int(name[len(PREFIX):]) for name in names]] = 1
        return out

    def settings(self) -> dict[str, Any]:
        return {
            "fixed": {**FIXED, "loss": self.loss, "other": "fastText defaults (dim 100, "
                      "minCount 1, bucket 2,000,000)"},
            "grid": {**self.grid, **({"threshold": list(THRESHOLDS)} if self.multilabel else {})},
            "chosen": self.chosen,
            "history": self.history,
            "determinism": "seed=0, but fastText with thread=2 is not deterministic: reruns vary",
        }
