"""Predict labels and probabilities for texts, or stream a file of any size through a model.

A file is read and written in chunks, so memory stays bounded whatever its size. The output keeps
the input's columns and adds `prediction` and, for classifiers, one `proba_<label>` column per
label. It is written to a temporary file beside the target and renamed at the end, so a crash
never leaves a half-written output.
"""

from __future__ import annotations

import csv
import os
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from textladder.classifier import TextClassifier
from textladder.data.columns import text_column_for
from textladder.data.formats import iter_table, resolve_format
from textladder.data.labels import is_missing
from textladder.errors import TextladderError
from textladder.model_dir import current_umask
from textladder.progress import Progress, Throughput
from textladder.workflows.options import ReadOptions


def _display(label, delimiter: str) -> Any:
    return delimiter.join(label) if isinstance(label, tuple) else label


def predict_texts(clf: TextClassifier, texts: list[str]) -> list[dict[str, Any]]:
    """One record per text: the text, its prediction and (for classifiers) probabilities."""
    output = clf.predict_output(texts)  # one pass: decisions and probabilities both come from it
    predictions = clf.task_.decode(clf.task_.decide(output))
    records = [{"text": t, "prediction": p} for t, p in zip(texts, predictions)]
    if clf.task_.name != "regression":
        for record, row in zip(records, output):
            record["probabilities"] = {str(c): float(p) for c, p in zip(clf.labels_, row)}
    return records


class _Writer:
    """Append DataFrame chunks to a CSV, TSV, JSONL or Parquet file.

    Compression follows the file name (`.csv.gz`); TSV is written unquoted, as it is read, so a
    field holding a tab or a newline is refused rather than corrupted.
    """

    def __init__(self, path: Path, fmt: str):
        self.path, self.fmt, self._parquet, self._first = path, fmt, None, True

    def write(self, frame: pd.DataFrame) -> None:
        mode = "w" if self._first else "a"
        if self.fmt == "csv":
            frame.to_csv(self.path, mode=mode, header=self._first, index=False)
        elif self.fmt == "tsv":
            if any(frame[c].astype(str).str.contains("[\t\n\r]").any() for c in frame.columns):
                raise TextladderError("a field holds a tab or a line break, which TSV cannot "
                                      "carry; write the predictions as .csv, .jsonl or .parquet.")
            frame.to_csv(self.path, mode=mode, header=self._first, index=False, sep="\t",
                         quoting=csv.QUOTE_NONE, escapechar=None)
        elif self.fmt == "jsonl":
            frame.to_json(self.path, orient="records", lines=True, force_ascii=False, mode=mode)
        else:
            self._write_parquet(frame)
        self._first = False

    def _write_parquet(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        try:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, table.schema)
            self._parquet.write_table(table.cast(self._parquet.schema))
        except (pa.ArrowException, ValueError) as error:
            raise TextladderError(
                f"the rows do not fit one Parquet schema ({str(error).splitlines()[0]}); a column "
                f"mixes types across rows: write the predictions as .csv or .jsonl."
            ) from None

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
            self._parquet = None


def predict_file(model_dir: str, input_path: str, output_path: str,
                 read: ReadOptions = ReadOptions(), chunksize: int = 10_000,
                 progress: Progress | None = None,
                 load: Callable[[str], TextClassifier] = TextClassifier.load) -> dict[str, Any]:
    """Stream `input_path` through the model into `output_path`; returns counts. `load` loads
    the model (the command line's --runtime picks it)."""
    clf = load(model_dir)
    progress = progress or Progress()
    output = Path(output_path)
    out_fmt = resolve_format(output)
    if not output.parent.is_dir():
        raise TextladderError(f"the folder of --output '{output}' does not exist; create it first.")
    delimiter = clf.detection_.delimiter or "|"
    recorded = clf.config_.get("columns", {}).get("text")
    text_column = None
    handle, staging_name = tempfile.mkstemp(prefix=f".{output.name}.", suffix="".join(output.suffixes),
                                            dir=output.parent)
    os.close(handle)
    staging = Path(staging_name)
    writer, rows, skipped = _Writer(staging, out_fmt), 0, 0
    try:
        with progress.step("predicting", total=None) as step:
            counter = Throughput(step, "predicting")
            for chunk in iter_table(input_path, read.fmt, read.encoding, chunksize):
                if rows == 0:
                    text_column = text_column_for(chunk, read.text, recorded, f"'{input_path}'")
                chunk = chunk.reset_index(drop=True)
                present = np.array([not is_missing(v) for v in chunk[text_column]], dtype=bool)
                skipped += int((~present).sum())
                writer.write(_with_predictions(clf, chunk, text_column, present, delimiter))
                rows += len(chunk)
                counter.add(len(chunk))
        writer.close()
        if rows == 0:
            raise TextladderError(f"'{input_path}' has a header but no rows; add data rows.")
        os.chmod(staging, 0o666 & ~current_umask())
        os.replace(staging, output)
    except BaseException:
        writer.close()
        staging.unlink(missing_ok=True)
        raise
    return {"input": input_path, "output": str(output), "rows": rows,
            "predicted": rows - skipped, "rows_without_text": skipped, "text_column": text_column}


def _with_predictions(clf: TextClassifier, chunk: pd.DataFrame, text_column: str,
                      present: np.ndarray, delimiter: str) -> pd.DataFrame:
    """The chunk with `prediction` and `proba_<label>` columns; empty where there is no text."""
    texts = chunk.loc[present, text_column].astype(str).tolist()
    output = clf.predict_output(texts) if texts else None
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
