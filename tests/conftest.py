"""Tiny datasets, made here, for every task type; and helpers to write them to files."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest

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
