"""ONNX copies of the encoder rungs (`minilm`, `finetune`): faster predictions on a CPU.

An explicit step after training, outside the core (the `onnx` extra: onnx and onnxruntime):

    textladder export MODEL --texts valid.csv          # writes MODEL/onnx/
    textladder predict MODEL "a text" --runtime onnx

    import textladder.onnx
    textladder.onnx.export("model/", valid_texts)      # the record it wrote (export.json)
    clf = textladder.onnx.load("model/")               # a TextClassifier, predicting via int8

`export` (`exporter.py`) traces the model's encoder to a float32 ONNX graph (`graph.py`), makes an
int8 copy with one activation scale per token (`per_token_int8.py`), smoothed on the texts given
(`smoothing.py`), and chooses on those texts what stays in float and the margin within which
borderline texts are re-checked (`choice.py`, `recheck.py`). `load` (`runtime.py`) puts the int8
graph in place of the torch encoder (`embedder.py`, `sentence.py`, through the per-family
adapters of `families.py`) and re-checks borderline texts with the float32 graph. The model
families and `TextClassifier` know nothing of this package; docs/onnx.md says what it gains and
how it was measured.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any


def export(model_dir: str | Path, texts=None, progress=None) -> dict[str, Any]:
    """Write the ONNX copies of the model at `model_dir` into its `onnx/` folder, chosen on
    `texts` (validation texts; none: the fixed rule); the record written (`exporter.py`)."""
    from textladder.onnx.exporter import export as run

    return run(model_dir, texts, progress)


def load(path: str | Path, recheck_margin: float | None = None):
    """The `TextClassifier` at `path` predicting with its int8 export, re-checking texts within
    `recheck_margin` log-odds of another decision (None: the export's; 0: never) with its float32
    export (`runtime.py`)."""
    from textladder.onnx.runtime import load as run

    return run(path, recheck_margin)


__all__ = ["export", "load"]
