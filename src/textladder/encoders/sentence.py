"""Sentence embeddings from a local sentence-transformers (or plain Hugging Face) directory.

`SentenceEncoder.encode(texts)` returns one float32 row per text, in the order given. Texts already
in the on-disk cache (`cache.py`) are read back; the others are sorted by their length in tokens and
encoded in chunks, and each chunk is written to the cache as soon as it is done, so an interrupted
run keeps what it paid for. Duplicate texts are encoded once. Each batch holds texts of nearly the
same length, so it carries little padding (the `finetune` rung batches the same way):
sentence-transformers' own `encode` sorts by characters, and its batches of the benchmark sets'
texts held 1.3-1.5 times as many tokens as the texts themselves; sorted by tokens, 1.03-1.07. The model loads on first use,
from the local directory only, on the GPU when one is present. This module does not train
anything.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from textladder.encoders.cache import EmbeddingCache
from textladder.encoders.locate import fingerprint, offline, quiet_transformers, resolve_encoder
from textladder.errors import TextladderError
from textladder.neural.batching import size_order
from textladder.progress import Progress

CHUNK = 1024  # texts per cache write and progress update


def pick_device(device: str = "auto") -> str:
    import torch

    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


class SentenceEncoder:
    """Embeds texts with one local encoder, through the embedding cache."""

    def __init__(self, encoder: str | None = None, batch_size: int = 64, cache: bool = True,
                 device: str = "auto", name: str = "encoder"):
        self.path = resolve_encoder(encoder)
        self.fingerprint = fingerprint(self.path)
        self.batch_size, self.device, self.name = batch_size, device, name
        self.cache = EmbeddingCache(self.cache_key()) if cache else None
        self._model = None
        self.seconds, self.encoded = 0.0, 0  # time spent encoding (not reading the cache)

    def cache_key(self) -> str:
        """Which cache this encoder's vectors go to (another runtime means other vectors)."""
        return self.fingerprint

    @property
    def model(self):
        if self._model is None:
            offline()
            from sentence_transformers import SentenceTransformer

            quiet_transformers()
            try:
                self._model = SentenceTransformer(str(self.path), device=pick_device(self.device),
                                                  local_files_only=True, trust_remote_code=False)
            except (OSError, ValueError) as error:
                raise TextladderError(f"encoder '{self.path}' could not be loaded "
                                      f"({str(error).splitlines()[0]}).") from None
        return self._model

    @property
    def dimension(self) -> int:
        model = self.model
        size = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(size())

    def encode(self, texts: Sequence[str], progress: Progress | None = None) -> np.ndarray:
        """One embedding row per text, in order."""
        texts = list(texts)
        unique = list(dict.fromkeys(texts))
        known = self.cache.get(unique) if self.cache is not None else {}
        missing = [t for t in unique if t not in known]
        if missing:
            progress = progress or Progress()
            with progress.step(f"{self.name}: encoding {len(missing):,} texts "
                               f"({len(known):,} cached)", total=len(missing)) as step:
                missing = [missing[i] for i in size_order(self._token_lengths(missing))]
                for start in range(0, len(missing), CHUNK):
                    chunk = missing[start:start + CHUNK]
                    vectors = self._encode(chunk)
                    if self.cache is not None:
                        self.cache.put(chunk, vectors)
                    known.update(zip(chunk, vectors))
                    step.advance(len(chunk))
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return np.stack([known[t] for t in texts]).astype(np.float32, copy=False)

    @property
    def tokenizer(self):
        """The model's tokenizer (None when the model has none to ask)."""
        return getattr(self.model, "tokenizer", None)

    def _token_lengths(self, texts: list[str]) -> np.ndarray:
        """Each text's length in tokens (in characters when there is no tokenizer to ask). It
        only orders the texts: texts past the model's maximum length sort last, among
        themselves, and are truncated when encoded."""
        tokenizer = self.tokenizer
        if not callable(tokenizer) or not texts:
            return np.array([len(t) for t in texts], dtype=np.int64)
        ids = tokenizer(texts, return_attention_mask=False,
                        return_token_type_ids=False)["input_ids"]
        return np.array([len(i) for i in ids], dtype=np.int64)

    def _encode(self, texts: list[str]) -> np.ndarray:
        """Vectors of `texts`, batched in the order given (`encode` gives them sorted by length):
        one `encode` call per batch, since sentence-transformers would re-sort a longer list by
        characters."""
        model = self.model
        start = time.perf_counter()
        batches = [model.encode(texts[i:i + self.batch_size], batch_size=self.batch_size,
                                convert_to_numpy=True, show_progress_bar=False)
                   for i in range(0, len(texts), self.batch_size)]
        self.seconds += time.perf_counter() - start
        self.encoded += len(texts)
        return np.concatenate(batches).astype(np.float32, copy=False)


def encoder_reference(path: Path, fp: str) -> dict:
    """What a saved model records about its encoder: where it was and what it was."""
    from textladder.encoders.locate import BUNDLED, bundled_path

    try:
        bundled = path == bundled_path().resolve()
    except TextladderError:
        bundled = False
    return {"encoder": BUNDLED if bundled else str(path), "fingerprint": fp}
