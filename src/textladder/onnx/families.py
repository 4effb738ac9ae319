"""How the ONNX export reaches into each encoder rung: a small registry keyed by family name.

The model families know nothing of ONNX. For each family that can be exported, an adapter here
says what the export needs from a loaded model:

- `start`: ready a freshly loaded model for the export's passes, and what the export records
  for it beside its files (minilm: its pooling); refuses a model it cannot reproduce;
- `embedder`: the torch module that maps token windows to vectors, which is what gets exported;
- `windows`: the token windows the family makes of texts (to calibrate the int8 copy on);
- `use`: put an exported graph (int8 or float32) in that module's place, so that the model
  predicts through it unchanged.

The adapters read the families' internals on purpose (names starting with `_`): keeping that
knowledge here keeps it out of the family protocol, and tests/test_onnx_*.py fail when a family
changes under them. A family registered later gets an export by adding its adapter here.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from textladder.errors import TextladderError
from textladder.progress import Progress


class Adapter(ABC):
    """What the export and the runtime need from one family."""

    def start(self, family) -> dict[str, Any]:
        """Ready a freshly loaded `family` for the export's passes; what the export records."""
        return {}

    @abstractmethod
    def embedder(self, family):
        """The torch module: (input ids, attention mask) -> one vector per window."""

    @abstractmethod
    def windows(self, family, texts: Sequence[str], record: dict) -> list[list[int]]:
        """The token windows `family` makes of `texts`."""

    @abstractmethod
    def use(self, family, path: Path, record: dict) -> None:
        """Predict through the ONNX graph at `path` in place of the torch embedder."""


class MinilmAdapter(Adapter):
    """`minilm`: the sentence-transformers model's transformer and mean pooling."""

    def start(self, family) -> dict[str, Any]:
        from textladder.onnx.sentence import sentence_pipeline

        # Vectors computed afresh, in the order given, at every export: none read from a cache
        # that other runs filled in other batches (float rounding differs with the batch).
        family.settings_["cache"] = False
        pipeline = sentence_pipeline(family._encoder().model)
        if pipeline is None:
            raise TextladderError("this minilm model's encoder pools other than by the mean (or "
                                  "adds layers after pooling), which the ONNX export cannot "
                                  "reproduce; predict with --runtime default.")
        return {"pipeline": pipeline}

    def embedder(self, family):
        from textladder.neural.transformer import WindowEmbedder

        return WindowEmbedder(list(family._encoder().model)[0].auto_model)

    def windows(self, family, texts: Sequence[str], record: dict) -> list[list[int]]:
        from textladder.onnx.sentence import tokenize_as_exported

        tokenizer = family._encoder().model.tokenizer
        return list(tokenize_as_exported(tokenizer, list(texts), record["pipeline"])["input_ids"])

    def use(self, family, path: Path, record: dict) -> None:
        from textladder.onnx.sentence import OnnxSentenceEncoder

        s = family.settings_
        family._check_encoder(OnnxSentenceEncoder(path, record["pipeline"], encoder=s["encoder"],
                                                  batch_size=s["encode_batch_size"],
                                                  cache=s["cache"], name=family.name))


class FinetuneAdapter(Adapter):
    """`finetune`: the fine-tuned encoder and mean pooling over each window."""

    def embedder(self, family):
        return family.module_.embed_windows

    def windows(self, family, texts: Sequence[str], record: dict) -> list[list[int]]:
        return list(family._prepare(list(texts), False, Progress()).ids)

    def use(self, family, path: Path, record: dict) -> None:
        from textladder.onnx.embedder import OnnxWindowEmbedder

        family.module_.embed_windows = OnnxWindowEmbedder(path)
        family.settings_["device"] = "cpu"  # onnxruntime runs on the CPU; so does the head


ADAPTERS: dict[str, Adapter] = {"minilm": MinilmAdapter(), "finetune": FinetuneAdapter()}


def adapter_for(family) -> Adapter:
    """The adapter of `family`'s model, or a one-line error for a family without an export."""
    adapter = ADAPTERS.get(family.name)
    if adapter is None:
        raise TextladderError(f"a {family.name} model has no encoder to export to ONNX (only "
                              f"{' and '.join(ADAPTERS)} models have one); predict with "
                              f"--runtime default.")
    return adapter
