"""Sentence embeddings on disk, keyed by encoder and text, shared by every run on the machine.

One SQLite file per encoder fingerprint under the cache root (`TEXTLADDER_CACHE_DIR`, else
`$XDG_CACHE_HOME/textladder`, else `~/.cache/textladder`). SQLite makes it safe for several
processes at once (write-ahead log, waits on locks) and against crashes mid-write (each batch of
inserts is one transaction: it lands whole or not at all). Keys are SHA-256 digests of the texts;
the texts themselves are not stored. This module does not compute embeddings.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import shutil
import tempfile
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from textladder.errors import TextladderError

LOOKUP_CHUNK = 500  # SQLite limits the number of parameters in one statement


def cache_root() -> Path:
    """Where embedding caches live on this machine."""
    if os.environ.get("TEXTLADDER_CACHE_DIR"):
        return Path(os.environ["TEXTLADDER_CACHE_DIR"]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "textladder"


@contextlib.contextmanager
def scratch_cache():
    """Embedding caches in a fresh folder, removed after (`TEXTLADDER_CACHE_DIR`): for timings
    that must pay for every text, as on new data."""
    saved = os.environ.get("TEXTLADDER_CACHE_DIR")
    folder = tempfile.mkdtemp(prefix="textladder-scratch-")
    os.environ["TEXTLADDER_CACHE_DIR"] = folder
    try:
        yield
    finally:
        if saved is None:
            os.environ.pop("TEXTLADDER_CACHE_DIR", None)
        else:
            os.environ["TEXTLADDER_CACHE_DIR"] = saved
        shutil.rmtree(folder, ignore_errors=True)


def text_key(text: str) -> bytes:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()


class EmbeddingCache:
    """Embeddings of one encoder: `get` what is known, `put` what was computed."""

    def __init__(self, fingerprint: str, root: Path | None = None):
        self.path = (root or cache_root()) / "embeddings" / f"{fingerprint[:32]}.sqlite"
        self._connect()

    def _connect(self) -> None:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            self._db = sqlite3.connect(self.path, timeout=120, isolation_level=None)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("CREATE TABLE IF NOT EXISTS vectors "
                             "(key BLOB PRIMARY KEY, dim INTEGER, vector BLOB) WITHOUT ROWID")
        except (OSError, sqlite3.Error) as error:
            raise TextladderError(f"cannot use the embedding cache at '{self.path}' ({error}); "
                                  f"set TEXTLADDER_CACHE_DIR to a writable folder, or "
                                  f"--set cache=false.") from None

    def get(self, texts: Sequence[str]) -> dict[str, np.ndarray]:
        """The cached embedding of each text that has one."""
        keys = {text_key(t): t for t in texts}
        found: dict[str, np.ndarray] = {}
        digests = list(keys)
        for start in range(0, len(digests), LOOKUP_CHUNK):
            chunk = digests[start:start + LOOKUP_CHUNK]
            marks = ",".join("?" * len(chunk))
            rows = self._db.execute(f"SELECT key, dim, vector FROM vectors WHERE key IN ({marks})",
                                    chunk)
            for key, dim, blob in rows:
                # a damaged row is recomputed, never trusted
                if isinstance(blob, bytes) and isinstance(dim, int) and len(blob) == 4 * dim > 0:
                    found[keys[key]] = np.frombuffer(blob, dtype=np.float32)
        return found

    def put(self, texts: Sequence[str], vectors: np.ndarray) -> None:
        """Store embeddings, one transaction for the lot."""
        vectors = np.asarray(vectors, dtype=np.float32)
        rows = [(text_key(t), int(v.shape[0]), v.tobytes()) for t, v in zip(texts, vectors)]
        with self._db:  # BEGIN ... COMMIT, rolled back if anything fails
            self._db.execute("BEGIN IMMEDIATE")
            self._db.executemany("INSERT OR REPLACE INTO vectors VALUES (?, ?, ?)", rows)

    def __len__(self) -> int:
        return self._db.execute("SELECT COUNT(*) FROM vectors").fetchone()[0]

    def close(self) -> None:
        self._db.close()

    def __getstate__(self) -> dict:
        """A pickled cache (inside a pickled model) is its path; it connects again when
        unpickled, as a connection cannot travel."""
        return {"path": self.path}

    def __setstate__(self, state: dict) -> None:
        self.path = state["path"]
        self._connect()


def stop_caching(clf) -> bool:
    """Keep a loaded model (a `TextClassifier`) from storing the embeddings of the texts it
    predicts from now on; True if it had a cache to stop.

    For servers and batch jobs: their texts are mostly new, so the cache would grow with every
    text it sees, and every process would take the cache's write lock in turn. Families that
    embed through the cache make their encoder when they first predict, from their `cache`
    setting; one already made drops its cache here."""
    family = getattr(clf, "family_", None)
    settings = getattr(family, "settings_", None)
    if not isinstance(settings, dict) or not settings.get("cache"):
        return False
    settings["cache"] = False
    encoder = getattr(family, "encoder_", None)
    if getattr(encoder, "cache", None) is not None:
        encoder.cache = None
    return True
