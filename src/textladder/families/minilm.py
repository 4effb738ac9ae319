"""The `minilm` rung: frozen sentence embeddings with a head for the task, chosen on validation.

Texts are embedded once by the bundled all-MiniLM-L6-v2 (or any local sentence-transformers
directory, `encoder=PATH`) through the on-disk embedding cache, and standardised with the training
spread. Two heads are tried by default (`head="auto"`) and the better on the validation primary
metric is kept: a linear model per task head with C tuned on validation (logistic regression,
cumulative logits, ridge), and a one-hidden-layer MLP trained on the torch core with the task's
output layer and loss. The encoder is not saved with the model: the model records the encoder's
location and fingerprint, and refuses to predict with different weights.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from textladder.errors import TextladderError
from textladder.families.linear_heads import LINEAR_HEADS
from textladder.families.linear_search import linear_grid, load_linear, save_linear, search_linear
from textladder.families.encoder_rung import EncoderRung, current_config
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

    @classmethod
    def default_settings(cls) -> dict[str, Any]:
        return {**cls.common_settings, "encoder": None, "head": "auto", "C": [0.05, 0.2, 1.0],
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
        features = self._embed(texts, progress)
        if fit:
            self.feature_mean_ = features.mean(axis=0)
            self.feature_std_ = features.std(axis=0) + 1e-6
        return ((features - self.feature_mean_) / self.feature_std_).astype(np.float32)

    def _batcher(self, prepared):
        from textladder.neural.dense import rows_of

        return rows_of(prepared)

    def _build_module(self, n_units: int):
        from textladder.neural.dense import dense_net

        s = self.settings_
        return dense_net(len(self.feature_mean_), s["hidden"], s["dropout"], n_units)

    # ----- fitting: both heads, keep the better on validation -------------------------------
    def fit(self, texts: Sequence[str], targets: np.ndarray, task: Task,
            valid: tuple[Sequence[str], np.ndarray], seed: int = 0,
            progress: Progress | None = None) -> "MinilmFamily":
        self._check_installed()
        progress = progress or Progress()
        self.settings_ = settings = self.resolved_settings()
        self.__dict__.pop("_embedded", None)
        if settings["head"] not in HEAD_MODELS:
            raise TextladderError(f"head must be one of {', '.join(HEAD_MODELS)}; got "
                                  f"'{settings['head']}'.")
        grid = linear_grid(settings["C"], settings["class_weight"], task)
        self.chosen_, self.encoder_ = {}, None
        texts, valid_texts = list(texts), list(valid[0])
        self._embed(texts, progress)
        self._embed(valid_texts, progress)
        scores: dict[str, float] = {}
        if settings["head"] in ("auto", "mlp"):
            super().fit(texts, targets, task, valid, seed, progress)
            mlp_output = TorchFamily.predict_output(self, valid_texts)
            scores["mlp"] = _finite(task.selection_score(valid[1], mlp_output))
        mlp_chosen = self.chosen_
        if settings["head"] in ("auto", "logistic"):
            X = self._prepare(texts, True, progress)
            X_valid = self._prepare(valid_texts, False, progress)
            best = search_linear(X, targets, X_valid, valid[1], task, grid, seed, progress,
                                 self.name)
            scores["logistic"] = _finite(best.score)
            self.linear_model_ = best.model
        from textladder.encoders.sentence import encoder_reference

        choice = max(scores, key=lambda k: (scores[k], k == "logistic"))  # ties: the simpler
        reference = encoder_reference(self.encoder_.path, self.encoder_.fingerprint)
        self.chosen_ = {**(mlp_chosen if choice == "mlp" else best.chosen), "head_model": choice,
                        "valid_scores": scores, "task_head": task.head,
                        "encoder": reference["encoder"],
                        "encoder_fingerprint": reference["fingerprint"],
                        "embedding_dim": len(self.feature_mean_),
                        "encode_seconds": round(self.encoder_.seconds, 2),
                        "texts_encoded": self.encoder_.encoded}
        if choice == "mlp":
            self.linear_model_ = None
        else:
            self.module_ = None
        self.__dict__.pop("_embedded", None)
        return self

    def predict_output(self, texts: Sequence[str]) -> np.ndarray:
        try:
            if self.chosen_["head_model"] == "mlp":
                return TorchFamily.predict_output(self, texts)
            X = self._prepare(list(texts), False, Progress())
            return LINEAR_HEADS[self.chosen_["task_head"]].output(self.linear_model_, X)
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
        family = cls(**config["settings"])
        family.settings_ = family.resolved_settings()
        family.chosen_ = config.get("chosen", {})
        family._load_state(directory)
        family.linear_model_ = load_linear(directory / "linear_model.skops", cls.name)
        return family


def _finite(score: float) -> float:
    return -np.inf if np.isnan(score) else float(score)
