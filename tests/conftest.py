"""Tiny datasets, made here, for every task type; and helpers to write them to files."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd
import pytest

def _made_for_this_run(prefix: str) -> Path:
    """A fresh temporary folder, removed when the process that made it (the test run) exits;
    processes it starts or forks may use it, and leave it to that one."""
    import atexit
    import shutil

    path, owner = Path(tempfile.mkdtemp(prefix=prefix)), os.getpid()
    atexit.register(lambda: os.getpid() == owner and shutil.rmtree(path, ignore_errors=True))
    return path


# Embedding caches of the test run go to a fresh folder, never the user's ~/.cache.
if "TEXTLADDER_CACHE_DIR" not in os.environ:
    os.environ["TEXTLADDER_CACHE_DIR"] = str(_made_for_this_run("textladder-cache-"))

try:  # Tiny models train fastest on one thread, and never fight other processes for cores.
    import torch

    torch.set_num_threads(1)
except ImportError:
    pass

WORDS = {
    "pos": ["great", "lovely", "wonderful", "superb", "delightful", "brilliant"],
    "neg": ["awful", "terrible", "dreadful", "horrible", "boring", "dismal"],
    "neu": ["tuesday", "table", "street", "window", "paper", "kitchen"],
    "act": ["explosion", "chase", "fight", "gunfire", "stunt", "battle"],
    "com": ["joke", "laugh", "funny", "silly", "gag", "giggle"],
}


def _texts(kind: str, n: int, offset: int = 0) -> list[str]:
    words = WORDS[kind]
    return [f"{words[(i + offset) % 6]} {words[(i + offset + 1) % 6]} film {i}" for i in range(n)]


def make_task_data(task: str, n: int = 12) -> tuple[list[str], list]:
    """Texts and labels that a bag-of-words model can separate perfectly."""
    if task == "binary":
        return _texts("pos", n) + _texts("neg", n), ["positive"] * n + ["negative"] * n
    if task == "multiclass":
        texts = _texts("pos", n) + _texts("neg", n) + _texts("neu", n)
        return texts, ["positive"] * n + ["negative"] * n + ["neutral"] * n
    if task == "ordinal":
        texts = _texts("neg", n) + _texts("neu", n) + _texts("pos", n)
        return texts, [1] * n + [2] * n + [3] * n
    if task == "multilabel":
        both = [f"{a} {b}" for a, b in zip(_texts("act", n), _texts("com", n, 3))]
        texts = _texts("act", n) + _texts("com", n) + both
        return texts, ["action"] * n + ["comedy"] * n + ["action|comedy"] * n
    if task == "regression":
        texts = _texts("neg", n) + _texts("neu", n) + _texts("pos", n)
        return texts, [0.0] * n + [0.5] * n + [1.0] * n
    raise ValueError(task)


TASK_NAMES = ("binary", "multiclass", "multilabel", "ordinal", "regression")


def tiny_vocabulary() -> list[str]:
    """Every token of the tiny datasets, lowercased."""
    words = {w for group in WORDS.values() for w in group} | {"film"}
    return sorted(words | {str(i) for i in range(40)})


def write_vectors(path: Path, fmt: str, dim: int = 16, words: list[str] | None = None,
                  seed: int = 0) -> Path:
    """A tiny word-vector file in GloVe, word2vec text/binary or fastText .vec format."""
    import numpy as np

    words = words or tiny_vocabulary()
    vectors = np.random.default_rng(seed).normal(size=(len(words), dim)).astype(np.float32)
    if fmt == "word2vec-binary":
        with open(path, "wb") as handle:
            handle.write(f"{len(words)} {dim}\n".encode())
            for word, vector in zip(words, vectors):
                handle.write(word.encode() + b" " + vector.tobytes() + b"\n")
        return path
    lines = [f"{w} " + " ".join(f"{x:.5f}" for x in v) for w, v in zip(words, vectors)]
    header = [] if fmt == "glove" else [f"{len(words)} {dim}"]
    path.write_text("\n".join(header + lines) + "\n", encoding="utf-8")
    return path


def tiny_settings(family: str, tmp_path: Path) -> dict:
    """Settings with which each family can overfit the tiny datasets in a second or two; a
    family registered without an entry here gets its own `quick_settings()`."""
    recurrent = {"epochs": 40, "patience": 40, "lr": 0.03, "min_count": 1, "hidden": 16,
                 "embedding_dim": 16, "batch_size": 8, "vectors": "random"}
    # two cheap, different members: word n-grams only, and character n-grams only
    members = {"members": [{"family": "tfidf", "name": "words",
                            "settings": {"C": [10.0], "char_ngrams": None}},
                           {"family": "tfidf", "name": "chars",
                            "settings": {"C": [10.0], "word_ngrams": None}}], "folds": 3}
    settings = {
        "baseline": lambda: {},
        "soft_vote": lambda: members, "hard_vote": lambda: members, "stack": lambda: members,
        "tfidf": lambda: {"C": [10.0]},
        "fasttext": lambda: {"epochs": 40, "patience": 40, "lr": 1.0, "batch_size": 4,
                             "buckets": 1000, "dim": 16},
        "wordvec": lambda: {"epochs": 80, "patience": 80, "lr": 0.02, "min_count": 1,
                            "batch_size": 8, "hidden": 64,
                            "vectors": str(write_vectors(tmp_path / "tiny.txt", "glove", dim=50))},
        "lstm": lambda: recurrent, "bilstm": lambda: recurrent, "gru": lambda: recurrent,
        "minilm": lambda: {"head": "mlp", "epochs": 60, "patience": 60, "lr": 0.01, "hidden": 32,
                           "batch_size": 8},
        "finetune": lambda: {"epochs": 25, "patience": 25, "lr": 3e-3, "head_lr": 1e-2,
                             "batch_size": 8, "max_length": 16, "stride": 4, "warmup": 0.0,
                             "dropout": 0.0, "encoder": str(tiny_encoder())},
    }
    if family not in settings:
        from textladder.families import get_family

        return get_family(family).quick_settings()
    return dict(settings[family]())


_TINY_ENCODER: list[Path] = []


def tiny_encoder() -> Path:
    """A 2-layer, 32-wide random BERT with MiniLM's tokenizer, saved once per test run.

    Fine-tuning it takes a fraction of a second, and it stands for "any local encoder directory".
    """
    if not _TINY_ENCODER:
        import shutil

        import torch
        from transformers import BertConfig, BertModel

        from textladder.encoders.locate import bundled_path

        path = _made_for_this_run("textladder-tiny-encoder-")
        torch.manual_seed(0)
        config = BertConfig(vocab_size=30522, hidden_size=32, num_hidden_layers=2,
                            num_attention_heads=2, intermediate_size=64,
                            max_position_embeddings=64)
        BertModel(config).save_pretrained(path)
        for name in ("tokenizer.json", "tokenizer_config.json", "vocab.txt",
                     "special_tokens_map.json"):
            shutil.copy(bundled_path() / name, path / name)
        _TINY_ENCODER.append(path)
    return _TINY_ENCODER[0]


_TINY_SENTENCE_ENCODER: list[Path] = []


def tiny_sentence_encoder() -> Path:
    """`tiny_encoder` as a sentence-transformers directory (transformer, then mean pooling): a
    `minilm` encoder that embeds in milliseconds, saved once per test run."""
    if not _TINY_SENTENCE_ENCODER:
        from sentence_transformers import SentenceTransformer

        try:  # where sentence-transformers keeps its modules since 5.x
            from sentence_transformers.sentence_transformer.modules import Pooling, Transformer
        except ImportError:
            from sentence_transformers.models import Pooling, Transformer

        transformer = Transformer(str(tiny_encoder()), max_seq_length=32)
        width = (transformer.get_embedding_dimension()
                 if hasattr(transformer, "get_embedding_dimension")
                 else transformer.get_word_embedding_dimension())
        pooling = Pooling(width, pooling_mode="mean")
        path = _made_for_this_run("textladder-tiny-sentence-encoder-")
        SentenceTransformer(modules=[transformer, pooling], device="cpu").save(str(path))
        _TINY_SENTENCE_ENCODER.append(path)
    return _TINY_SENTENCE_ENCODER[0]


def write_table(path: Path, texts: list[str], labels: list, fmt: str | None = None) -> Path:
    """Write texts and labels as CSV, TSV, JSONL or Parquet (from the suffix)."""
    frame = pd.DataFrame({"text": texts, "label": labels})
    fmt = fmt or path.suffix.lstrip(".")
    if fmt == "csv":
        frame.to_csv(path, index=False)
    elif fmt == "tsv":
        frame.to_csv(path, index=False, sep="\t")
    elif fmt == "jsonl":
        with open(path, "w", encoding="utf-8") as handle:
            for record in frame.to_dict("records"):
                handle.write(json.dumps(record) + "\n")
    elif fmt == "parquet":
        frame.to_parquet(path, index=False)
    return path


@pytest.fixture
def sentiment_csv(tmp_path: Path) -> Path:
    texts, labels = make_task_data("multiclass", 20)
    return write_table(tmp_path / "train.csv", texts, labels)


@pytest.fixture
def model_dir(tmp_path, sentiment_csv) -> Path:
    """A tfidf model trained through the command line on `sentiment_csv` (the best model of
    its one-rung run)."""
    from cli_helpers import run_json

    out = tmp_path / "model"
    run_json("train", sentiment_csv, "--model", "tfidf", "--out", out, "--set", "C=[10]")
    return out / "best"


@pytest.fixture(autouse=True, scope="session")
def _exports_choose_on_few_texts():
    """Tests export on tens of texts: let them choose on those (real exports need 500;
    `test_onnx_export` checks that fewer fall back to the fixed rule). Session-wide, so that
    module fixtures that export choose too."""
    try:
        from textladder.onnx import exporter
    except ImportError:  # the onnx extra is not installed
        yield
        return
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(exporter, "MIN_TEXTS", 1)
        yield
