"""`load(path)`: a saved model that predicts with its int8 ONNX export, borderline texts
re-checked with its float32 one.

It returns the `TextClassifier` that `TextClassifier.load` gives, with one part replaced: its
family is wrapped in an `OnnxFamily`, which predicts through the int8 graph (`families.py` puts it
in place of the torch embedder) and re-checks, with the float32 graph, the texts whose int8
decision lies within the margin of another (`recheck.py`). Everything else (task, thresholds,
labels, metrics) is the model's own, so `predict`, `predict_proba` and `evaluate` work as
always. A model so loaded predicts only: saving it is refused, since its torch encoder was
replaced.

The margin is the one the export chose (`export.json`), unless one is given; 0 turns the
re-check off (int8 alone, fastest). A model without an export gets a one-line error saying to run
`textladder export`.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from textladder.errors import TextladderError
from textladder.families.base import ModelFamily


def load(path: str | Path, recheck_margin: float | None = None):
    """The model at `path` (a model or run directory) predicting with its ONNX export."""
    from textladder.classifier import TextClassifier
    from textladder.model_dir import resolve_model_dir
    from textladder.onnx.exporter import (EXPORT_DIR, FLOAT_FILE, INT8_FILE, check_installed,
                                          read_record)
    from textladder.onnx.families import adapter_for
    from textladder.onnx.recheck import Recheck, check_margin

    check_installed()
    if recheck_margin is not None:
        check_margin(recheck_margin)
    path = resolve_model_dir(path)
    clf = TextClassifier.load(path)
    adapter = adapter_for(clf.family_)
    record = read_record(path)
    if record.get("family") != clf.family_.name:
        raise TextladderError(f"the ONNX export in '{path}' is not this model's; run "
                              f"`textladder export {path}` again.")
    margin = check_margin(record.get("recheck_margin") if recheck_margin is None
                          else recheck_margin)
    folder = Path(path).resolve() / EXPORT_DIR  # read later: the working directory may change
    adapter.use(clf.family_, _checked(folder, INT8_FILE, record), record)
    recheck = None
    if margin > 0:
        def load_exact():
            exact = TextClassifier.load(folder.parent).family_
            adapter.use(exact, _checked(folder, FLOAT_FILE, record), record)
            return exact

        calibration = getattr(clf, "calibration_", None)
        task = clf.task_ if calibration is None else _CalibratedDecisions(clf.task_, calibration)
        recheck = Recheck(task, load_exact, margin)
    clf.family_ = OnnxFamily(clf.family_, recheck, record)
    return clf


def _checked(folder: Path, name: str, record: dict[str, Any]) -> Path:
    """The path of the export's file `name`, once its contents are those the record names."""
    from textladder.onnx.exporter import file_digest

    path = folder / name
    if not path.is_file() or file_digest(path) != record.get("sha256", {}).get(name):
        raise TextladderError(f"'{path}' is missing or changed since it was exported; run "
                              f"`textladder export {folder.parent}` again.")
    return path


class _CalibratedDecisions:
    """The task's decision margins measured on calibrated outputs: a calibrated model's
    thresholds were tuned on those, while the family (and its re-check) works before them."""

    def __init__(self, task, calibration):
        self.task, self.calibration = task, calibration

    def decision_margin(self, output: np.ndarray) -> np.ndarray:
        return self.task.decision_margin(self.calibration(output))

    def check_output(self, output: np.ndarray) -> np.ndarray:
        return self.task.check_output(output)


class OnnxFamily(ModelFamily):
    """A loaded family predicting through its int8 export, with the re-check around it."""

    def __init__(self, family: ModelFamily, recheck, record: dict[str, Any]):
        self.family, self.recheck, self.record = family, recheck, record
        self.name, self.version, self.settings = family.name, family.version, family.settings

    def fit(self, *args, **kwargs):
        raise TextladderError("a model loaded with its ONNX export predicts only; fit a new "
                              "TextClassifier instead.")

    @property
    def takes_side(self) -> bool:
        return self.family.takes_side

    def predict_output(self, texts: Sequence[str], side: np.ndarray | None = None) -> np.ndarray:
        from textladder.families.base import side_arguments

        output = self.family.predict_output(texts, **side_arguments(side))
        if self.recheck is None:
            return output
        return self.recheck(list(texts), output, side)

    def save(self, directory: Path) -> None:
        raise TextladderError("a model loaded with its ONNX export cannot be saved (its torch "
                              "encoder was replaced); load it with TextClassifier.load to save "
                              "a copy.")

    @classmethod
    def load(cls, directory: Path, config: dict[str, Any], task) -> "OnnxFamily":
        raise TextladderError("load an exported model with textladder.onnx.load.")

    def to_config(self) -> dict[str, Any]:
        return self.family.to_config()

    def resolved_settings(self) -> dict[str, Any]:
        return self.family.resolved_settings()
