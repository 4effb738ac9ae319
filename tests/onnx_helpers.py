"""A tiny minilm model for the ONNX tests (test_onnx_*.py)."""

from __future__ import annotations

from conftest import make_task_data, tiny_sentence_encoder
from textladder import TextClassifier


def fit_minilm(task: str = "multiclass") -> tuple[TextClassifier, list[str]]:
    """A minilm on the tiny sentence encoder, fitted on half the tiny data and validated on the
    other half; and those validation texts."""
    texts, labels = make_task_data(task)
    clf = TextClassifier(model="minilm", model_params={"encoder": str(tiny_sentence_encoder()),
                                                       "head": "logistic", "cache": False})
    return clf.fit(texts[1::2], labels[1::2], valid=(texts[::2], labels[::2])), texts[::2]
