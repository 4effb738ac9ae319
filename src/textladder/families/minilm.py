"""The `minilm` rung: frozen sentence embeddings with a head for the task, chosen on validation.

Texts are embedded once by the bundled all-MiniLM-L6-v2 (or any local sentence-transformers
directory, `encoder=PATH`) through the on-disk embedding cache. Two heads are tried by default
(`head="auto"`): a linear model per task head (logistic regression, cumulative logits, ridge) on
the embeddings as the encoder gives them (the bundled one L2-normalises them), and a
one-hidden-layer MLP on the embeddings standardised with the training spread, trained on the
torch core with the task's output layer and loss.

Validation chooses without chasing its noise (`head_choice.py`): the linear head's reference is
the first C (C=1: scikit-learn's default logistic regression) of the task's head (for ordinal
tasks scored on exact hits, the multinomial head over the levels, then the cumulative one:
`linear_candidates`), and the best other candidate replaces it only when it wins on the
validation primary metric by more than `margin_se` bootstrap standard errors of the gain; the
MLP then replaces the linear head only when it wins by as much. On a tie within noise the
simpler model stays: the MLP's validation score is also its early-stopping score, so it is the
more flattered of the two.

Both heads take the imbalance plan on their training rows (SMOTE too, on the embeddings); focal
loss has no logistic form, so with it only the MLP is trained. Columns beside the text are
appended to the linear head's embeddings (scaled so that their rows are about as long as an
embedding's) and read by the MLP's hidden layer with the standardised embeddings.

The encoder is not saved with the model: the model records the encoder's location and
fingerprint, and refuses to predict with different weights. Models saved before the linear head
read raw embeddings still standardise them for it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from textladder.errors import TextladderError
from textladder.data.side_encoder import unit_rows_scale
from textladder.families.base import check_side, valid_side
from textladder.families.linear_heads import LINEAR_HEADS
from textladder.families.encoder_rung import EncoderRung, current_config
from textladder.families.head_choice import beats, search_linear_with_reference
from textladder.families.linear_search import linear_grid, load_linear, save_linear
from textladder.families.registry import register
from textladder.families.torch_family import TorchFamily
from textladder.progress import Progress
from textladder.tasks.base import Task

HEAD_MODELS = ("auto", "logistic", "mlp")


@register
class MinilmFamily(EncoderRung):
    name = "minilm"
    summary = "frozen MiniLM sentence embeddings + logistic or MLP head, chosen on validation"
    setting_type_exceptions = {"C": (list, float)}
    imbalance_strategies = (*EncoderRung.imbalance_strategies, "smote")
    budget_cuts_epochs = False  # its epochs train the MLP head on the embeddings: seconds

    @classmethod
    def default_settings(cls) -> dict[str, Any]:
        return {**cls.common_settings, "encoder": None, "head": "auto", "C": [1.0, 0.25, 4.0],
                "margin_se": 1.0,
                "hidden": 512, "dropout": 0.2, "epochs": 40, "patience": 5, "lr": 1e-3,
                "batch_size": 128, "encode_batch_size": 64, "cache": True, "device": "auto"}

    @classmethod
    def quick_settings(cls) -> dict[str, Any]:
        return {"epochs": 2, "C": [1.0]}

    # ----- features -------------------------------------------------------------------------
    def _encoder(self):
        if getattr(self, "encoder_", None) is None:
            from textladder.encoders.sentence import SentenceEncoder

            s = self.settings_
            self._check_encoder(SentenceEncoder(s["encoder"], s["encode_batch_size"], s["cache"],
                                                s["device"], self.name))
        return self.encoder_

    def _check_encoder(self, encoder) -> None:
        """Use `encoder` if it has the weights this model was trained with."""
        expected = self.chosen_.get("encoder_fingerprint")
        if expected and expected != encoder.fingerprint:
            raise TextladderError(
                f"this model was trained with another encoder than '{encoder.path}' "
                f"(its weights have changed); retrain it, or put the original back.")
        self.encoder_ = encoder

    def _embed(self, texts: list[str], progress: Progress) -> np.ndarray:
        """Embeddings of `texts`; the last few lists are remembered, so fit never encodes twice."""
        digest = hashlib.sha256(str(len(texts)).encode())
        for text in texts:
            digest.update(f"{len(text)}:{text}".encode("utf-8", "surrogatepass"))
        key = digest.hexdigest()
        memo = self.__dict__.setdefault("_embedded", {})
        if key not in memo:
            memo[key] = self._encoder().encode(texts, progress)
        return memo[key]

    def _prepare(self, texts: list[str], fit: bool, progress: Progress) -> np.ndarray:
        """The MLP's inputs: embeddings standardised with the training spread."""
        features = self._embed(texts, progress)
        if fit:
            self.feature_mean_ = features.mean(axis=0)
            self.feature_std_ = features.std(axis=0) + 1e-6
        return ((features - self.feature_mean_) / self.feature_std_).astype(np.float32)

    def _linear_features(self, texts: list[str], progress: Progress,
                         side: np.ndarray | None = None) -> np.ndarray:
        """The linear head's inputs: the embeddings as they are (standardised for models saved
        before, whose linear head was fitted on standardised ones), and the side columns after
        them, scaled so that their rows are about as long as an embedding's."""
        if self.chosen_.get("linear_features") == "raw":
            features = self._embed(texts, progress)
        else:
            features = self._prepare(texts, False, progress)
        if side is None:
            return features
        scale = self.chosen_.get("linear_side_scale", 1.0)
        return np.hstack([features, side * scale]).astype(np.float32)

    def _batcher(self, prepared):
        from textladder.neural.dense import rows_of

        return rows_of(prepared)

    def _build_module(self, n_units: int):
        from textladder.neural.dense import dense_net

        s = self.settings_
        return dense_net(len(self.feature_mean_), s["hidden"], s["dropout"], n_units, self.n_side_)

    # ----- fitting: both heads; the MLP only when it wins by more than the noise ----------
    def fit(self, texts: Sequence[str], targets: np.ndarray, task: Task,
            valid: tuple[Sequence[str], np.ndarray], seed: int = 0,
            progress: Progress | None = None, side: np.ndarray | None = None) -> "MinilmFamily":
        self._check_installed()
        progress = progress or Progress()
        self.settings_ = settings = self.resolved_settings()
        self.__dict__.pop("_embedded", None)
        if settings["head"] not in HEAD_MODELS:
            raise TextladderError(f"head must be one of {', '.join(HEAD_MODELS)}; got "
                                  f"'{settings['head']}'.")
        grid = linear_grid(settings["C"])
        heads = _heads(settings["head"], self.imbalance.strategy)
        margin = settings["margin_se"]
        if not isinstance(margin, (int, float)) or isinstance(margin, bool) or margin < 0:
            raise TextladderError(f"margin_se must be a number, 0 or more (standard errors a "
                                  f"challenger must win by on validation); got {margin!r}.")
        self.chosen_, self.encoder_ = {}, None
        texts, valid_texts = list(texts), list(valid[0])
        self._prepare(texts, True, progress)  # the training spread, which the model saves
        self._embed(valid_texts, progress)
        scores: dict[str, float] = {}
        if "mlp" in heads:
            super().fit(texts, targets, task, valid, seed, progress, side=side)
            mlp_output = TorchFamily.predict_output(self, valid_texts, side=valid_side(valid))
            scores["mlp"] = _finite(task.selection_score(valid[1], mlp_output))
        mlp_chosen = self.chosen_
        linear_side_scale = unit_rows_scale(side)  # side rows as long as an embedding's
        if "logistic" in heads:
            self.chosen_ = {"linear_features": "raw", "linear_side_scale": linear_side_scale}
            X = self._linear_features(texts, progress, side)
            X, fit_targets = self.imbalance.resample(X, targets, seed)  # training rows only
            best, linear_output = search_linear_with_reference(
                X, fit_targets, self._linear_features(valid_texts, progress, valid_side(valid)),
                valid[1], task, grid, seed, progress, self.name, margin,
                self.imbalance.weights(fit_targets))
            scores["logistic"] = _finite(best.score)
            self.linear_model_ = best.model
        choice, against = (heads[0] if len(heads) == 1 else settings["head"]), None
        if choice == "auto":
            comparison = beats(task, valid[1], mlp_output, linear_output, margin, seed)
            choice = "mlp" if comparison.kept else "logistic"  # a tie: the simpler
            against = comparison.record()
        from textladder.encoders.sentence import encoder_reference

        reference = encoder_reference(self.encoder_.path, self.encoder_.fingerprint)
        self.chosen_ = {**(mlp_chosen if choice == "mlp" else
                           {**best.chosen, "linear_features": "raw",
                            "linear_side_scale": linear_side_scale}),
                        "head_model": choice, "valid_scores": scores,
                        "mlp_against_logistic": against, "task_head": task.head,
                        "encoder": reference["encoder"],
                        "encoder_fingerprint": reference["fingerprint"],
                        "embedding_dim": len(self.feature_mean_),
                        "encode_seconds": round(self.encoder_.seconds, 2),
                        "texts_encoded": self.encoder_.encoded}
        mlp_epochs = mlp_chosen.get("history") if "mlp" in heads else None
        if mlp_epochs:  # what the MLP's epochs cost, whichever head is kept (the climb's probe)
            self.chosen_["mlp_epoch_seconds"] = mlp_epochs[-1].get("seconds", 0.0)
        self.n_side_ = 0 if side is None else int(side.shape[1])
        if self.n_side_:
            self.chosen_["side_features"] = self.n_side_
        if choice == "mlp":
            self.linear_model_ = None
        else:
            self.module_ = None
        self.__dict__.pop("_embedded", None)
        return self

    def predict_output(self, texts: Sequence[str], side: np.ndarray | None = None) -> np.ndarray:
        try:
            if self.chosen_["head_model"] == "mlp":
                return TorchFamily.predict_output(self, texts, side=side)
            check_side(self.name, self.n_side_, side, len(texts))
            X = self._linear_features(list(texts), Progress(), side)
            head = self.chosen_.get("linear_head", self.chosen_["task_head"])
            return LINEAR_HEADS[head].output(self.linear_model_, X)
        finally:
            self.__dict__.pop("_embedded", None)  # predictions are not remembered

    def represent(self, texts: Sequence[str]) -> np.ndarray:
        """The encoder's sentence embeddings (from the embedding cache where it has them)."""
        return np.asarray(self._encoder().encode(list(texts), Progress()), dtype=np.float32)

    # ----- saving ---------------------------------------------------------------------------
    def save(self, directory: Path) -> None:
        from safetensors.numpy import save_file

        save_file({"feature_mean": self.feature_mean_, "feature_std": self.feature_std_},
                  str(directory / "features.safetensors"))
        if self.chosen_["head_model"] == "mlp":
            super().save(directory)
        else:
            save_linear(self.linear_model_, directory / "linear_model.skops")

    def _load_state(self, directory: Path) -> None:
        from safetensors.numpy import load_file

        from textladder.encoders.locate import BUNDLED

        arrays = load_file(str(directory / "features.safetensors"))
        self.feature_mean_, self.feature_std_ = arrays["feature_mean"], arrays["feature_std"]
        self.encoder_ = None

        recorded = self.chosen_.get("encoder")  # absolute: a relative --encoder moves with cwd
        if recorded:
            self.settings_["encoder"] = None if recorded == BUNDLED else recorded

    @classmethod
    def load(cls, directory: Path, config: dict[str, Any], task: Task) -> "MinilmFamily":
        config = current_config(config)
        if config.get("chosen", {}).get("head_model") == "mlp":
            return super().load(directory, config, task)
        family = cls.from_config(config)
        family.chosen_ = config.get("chosen", {})
        family.n_side_ = int(family.chosen_.get("side_features", 0))
        family._load_state(directory)
        family.linear_model_ = load_linear(directory / "linear_model.skops", cls.name)
        return family


def _heads(head: str, strategy: str) -> tuple[str, ...]:
    """The heads to try: focal loss has no logistic form, so with it only the MLP."""
    if strategy == "focal":
        if head == "logistic":
            raise TextladderError("focal loss trains the MLP head, and head=logistic leaves it "
                                  "out; use head=auto or mlp, or --imbalance weights.")
        return ("mlp",)
    return {"auto": ("mlp", "logistic")}.get(head, (head,))


def _finite(score: float) -> float:
    return -np.inf if np.isnan(score) else float(score)
