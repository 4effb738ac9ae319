"""Predict labels and probabilities for texts, or stream a file of any size through a model.

A file is read, predicted and written in chunks, so memory stays bounded whatever its size. The
output keeps the input's columns and adds `prediction` and, for classifiers, one `proba_<label>`
column per label. It is written to staging files beside the target and renamed into place at the
end, so nobody reads a half-written output; a run that stops half way can be resumed from its
last finished chunk (`staged_output.py`).
A model that reads feature columns beside the text reads them from the file too, and refuses, in
one line naming them, a file without them.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from textladder.classifier import TextClassifier
from textladder.data.columns import text_column_for
from textladder.data.features import require_columns
from textladder.data.formats import iter_table, resolve_format
from textladder.data.inputs import table_rows
from textladder.data.labels import is_missing
from textladder.encoders.cache import stop_caching
from textladder.errors import TextladderError
from textladder.model_dir import CONFIG_NAME, resolve_model_dir
from textladder.progress import Progress, Throughput
from textladder.workflows.options import ReadOptions
from textladder.workflows.staged_output import StagedOutput


def _display(label, delimiter: str) -> Any:
    return delimiter.join(label) if isinstance(label, tuple) else label


def predict_texts(clf: TextClassifier, texts: list[str]) -> list[dict[str, Any]]:
    """One record per text: the text, its prediction and (for classifiers) probabilities. A
    blank text gets no prediction (None), as a blank row of a file does."""
    features = clf.feature_names()
    if features:
        raise TextladderError(
            f"this model reads the column{'s' if len(features) > 1 else ''} "
            f"{', '.join(features)} beside the text; predict a file that has "
            f"{'them' if len(features) > 1 else 'it'}: --input FILE --output FILE.")
    records = [{"text": t, "prediction": None} for t in texts]
    present = [record for record in records if not is_missing(record["text"])]
    if not present:
        return records
    # one pass: decisions and probabilities both come from it
    output = clf.predict_output([record["text"] for record in present])
    for record, prediction in zip(present, clf.task_.decode(clf.task_.decide(output))):
        record["prediction"] = prediction
    if clf.task_.name != "regression":
        for record, row in zip(present, output):
            record["probabilities"] = {str(c): float(p) for c, p in zip(clf.labels_, row)}
    return records


def predict_file(model_dir: str, input_path: str, output_path: str,
                 read: ReadOptions = ReadOptions(), chunksize: int = 10_000,
                 progress: Progress | None = None,
                 load: Callable[[str], TextClassifier] = TextClassifier.load,
                 resume: bool = False, runtime: str = "default") -> dict[str, Any]:
    """Stream `input_path` through the model into `output_path`; returns counts. `load` loads
    the model (the command line's --runtime picks it; `runtime` names that choice, which a run
    resumed must share).

    `resume=True` goes on from the last chunk an interrupted run with the same input, model
    and options finished (`staged_output.py`); otherwise the run starts from the first row."""
    output = Path(output_path)
    check_output_place(output, input_path)
    out_fmt = resolve_format(output, output=True)
    if output.is_dir():
        raise TextladderError(f"--output '{output}' is a folder; name a file to write the "
                              f"predictions to.")
    clf = load(model_dir)
    stop_caching(clf)  # a file's texts are mostly new: the cache would grow by every row
    progress = progress or Progress()
    delimiter = clf.detection_.delimiter or "|"
    recorded = clf.config_.get("columns", {}).get("text")
    fingerprint = _fingerprint(model_dir, input_path, read, chunksize, runtime)
    with StagedOutput(output, out_fmt, fingerprint, resume) as staged:
        done = staged.state["chunks"]
        text_column = staged.state["extra"].get("text_column")
        skipped = staged.state["extra"].get("rows_without_text", 0)
        resumed_from = rows = staged.state["rows"]
        with progress.step("predicting", total=None) as step:
            step.advance(rows)
            counter = Throughput(step, "predicting")
            for index, chunk in enumerate(iter_table(input_path, read.fmt, read.encoding,
                                                     chunksize)):
                if index < done:  # finished by the run this one resumes
                    continue
                if text_column is None:
                    text_column = text_column_for(chunk, read.text, recorded, f"'{input_path}'")
                    require_columns(chunk, clf.feature_names(), f"'{input_path}'")
                chunk = chunk.reset_index(drop=True)
                present = np.array([not is_missing(v) for v in chunk[text_column]], dtype=bool)
                skipped += int((~present).sum())
                staged.write(with_predictions(clf, chunk, text_column, present, delimiter),
                             {"text_column": text_column, "rows_without_text": skipped})
                rows += len(chunk)
                counter.add(len(chunk))
        if rows == 0:
            raise TextladderError(f"'{input_path}' has a header but no rows; add data rows.")
        staged.finish()
    seconds = max(counter.clock() - counter.started, 1e-9)
    return {"input": input_path, "output": str(output), "rows": rows,
            "predicted": rows - skipped, "rows_without_text": skipped, "text_column": text_column,
            "resumed_from_row": resumed_from,
            "rows_per_second": round(counter.count / seconds, 1)}


def _fingerprint(model_dir: str, input_path: str, read: ReadOptions, chunksize: int,
                 runtime: str) -> dict[str, Any]:
    """What must not change between a run and the run that resumes it: the input file (path,
    size, modification time), the model (its config.json) and the options that shape chunks
    and predictions."""
    source, model = Path(input_path).resolve(), resolve_model_dir(model_dir).resolve()
    stat = source.stat() if source.is_file() else None
    config = (model / CONFIG_NAME).read_bytes() if (model / CONFIG_NAME).is_file() else b""
    return {"input": str(source), "size": stat.st_size if stat else None,
            "mtime_ns": stat.st_mtime_ns if stat else None, "model": str(model),
            "model_config": hashlib.sha256(config).hexdigest(), "chunksize": chunksize,
            "read": [read.fmt, read.encoding, read.text], "runtime": runtime}


def check_output_place(output: Path, input_path: str) -> None:
    """Refuse a local output that is the input itself, or whose folder does not exist (the
    local engine's and Ray's both)."""
    if "://" not in str(input_path) and output.resolve() == Path(input_path).resolve():
        raise TextladderError(f"--output '{output}' is the input file; write the predictions "
                              f"to another file (the input itself would be replaced by them).")
    if not output.parent.is_dir():
        raise TextladderError(f"the folder of --output '{output}' does not exist; create it first.")


def refuse_taken_columns(columns, task: str, labels) -> None:
    """Refuse an input that has a column the predictions add: its values would be lost."""
    added = ["prediction"] + ([] if task == "regression" else [f"proba_{label}" for label in labels])
    taken = [name for name in added if name in columns]
    if taken:
        raise TextladderError(f"the input has a column '{taken[0]}', which the predictions "
                              f"would overwrite; rename it, or leave it out of the input.")


def with_predictions(clf: TextClassifier, chunk: pd.DataFrame, text_column: str,
                      present: np.ndarray, delimiter: str) -> pd.DataFrame:
    """The chunk with `prediction` and `proba_<label>` columns; empty where there is no text.
    A chunk that has one of those columns already is refused: its values would be lost."""
    refuse_taken_columns(chunk.columns, clf.task_.name, clf.labels_)
    texts = chunk.loc[present, text_column].astype(str).tolist()
    rows = table_rows(texts, chunk.loc[present], getattr(clf, "text_column_", None),
                      clf.feature_names(), "the file")
    output = clf.predict_output(rows) if texts else None
    predictions = np.full(len(chunk), None, dtype=object)
    if texts:
        decided = clf.task_.decode(clf.task_.decide(output))
        predictions[present] = [_display(p, delimiter) for p in decided]
    chunk = chunk.assign(prediction=predictions)
    if clf.task_.name != "regression":
        for j, label in enumerate(clf.labels_):
            column = np.full(len(chunk), np.nan)
            if texts:
                column[present] = output[:, j]
            chunk[f"proba_{label}"] = column
    return chunk
