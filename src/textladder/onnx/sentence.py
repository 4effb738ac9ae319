"""The `minilm` rung's encoder through ONNX: same tokens, pooling and normalisation, faster.

`sentence_pipeline` reads what a sentence-transformers model does after its transformer (mean
pooling, optional L2 normalisation, its lowercasing and maximum length) and refuses pipelines the
export cannot reproduce (CLS or max pooling, dense layers): the export records it, and the
runtime follows it. `OnnxSentenceEncoder` embeds with an exported graph (int8 or float32) and the
encoder's tokenizer (truncating at the model's own maximum length, as sentence-transformers
does), in batches of similar length whose texts do not change each other's vectors
(`OnnxWindowEmbedder`: its own batch size, so `batch_size` does not apply), through its own
embedding cache: its vectors differ slightly from the torch ones and never mix with them.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np

from textladder.encoders.sentence import SentenceEncoder


def sentence_pipeline(model) -> dict | None:
    """{"max_seq_length", "normalize", "lowercase"} when the export reproduces `model`, else
    None."""
    modules = list(model)
    names = [type(m).__name__ for m in modules]
    if len(modules) < 2 or names[0] != "Transformer" or names[1] != "Pooling":
        return None
    if _pooling_mode(modules[1]) != "mean":
        return None
    if any(n != "Normalize" for n in names[2:]):
        return None
    return {"max_seq_length": int(model.max_seq_length), "normalize": "Normalize" in names[2:],
            "lowercase": bool(getattr(modules[0], "do_lower_case", False))}


def _pooling_mode(pooling) -> str | None:
    """"mean", "cls", ... (sentence-transformers 5 and later name it; older ones flag it)."""
    mode = getattr(pooling, "pooling_mode", None)
    if isinstance(mode, str):
        return mode
    flags = [k for k, v in vars(pooling).items() if k.startswith("pooling_mode_") and v is True]
    return "mean" if flags == ["pooling_mode_mean_tokens"] else None


def tokenize_as_exported(tokenizer, texts: list[str], pipeline: dict, **options):
    """Tokens as the sentence-transformers model makes them: its lowercasing and maximum length."""
    if pipeline.get("lowercase"):
        texts = [t.lower() for t in texts]
    return tokenizer(texts, truncation=True, max_length=pipeline["max_seq_length"], **options)


class OnnxSentenceEncoder(SentenceEncoder):
    """A `SentenceEncoder` whose transformer and pooling run from the ONNX file `onnx_path`."""

    def __init__(self, onnx_path: Path, pipeline: dict, **kwargs):
        from textladder.onnx.embedder import OnnxWindowEmbedder

        self.onnx_path, self.pipeline = Path(onnx_path), pipeline
        self.embedder = OnnxWindowEmbedder(self.onnx_path)
        super().__init__(**kwargs)
        self._tokenizer = None

    def cache_key(self) -> str:
        """The encoder and the export itself: two exports of one encoder give other vectors."""
        key = f"{self.fingerprint}:onnx-int8:{self.embedder.digest}"
        return hashlib.sha256(key.encode()).hexdigest()

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from textladder.encoders.locate import load_tokenizer

            self._tokenizer = load_tokenizer(self.path)
        return self._tokenizer

    @property
    def dimension(self) -> int:
        return int(self.embedder.session.get_outputs()[0].shape[-1] or 0)

    def _encode(self, texts: list[str]) -> np.ndarray:
        import time

        start = time.perf_counter()
        windows = tokenize_as_exported(self.tokenizer, texts, self.pipeline)["input_ids"]
        vectors = self.embedder.run_windows(windows)  # the whole chunk: it sorts and batches
        if self.pipeline["normalize"]:
            vectors /= np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)
        self.seconds += time.perf_counter() - start
        self.encoded += len(texts)
        return vectors
