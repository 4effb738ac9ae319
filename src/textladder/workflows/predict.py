"""Predict labels and probabilities for texts, or stream a file of any size through a model.

A file is read and written in chunks, so memory stays bounded whatever its size. The output keeps
the input's columns and adds `prediction` and, for classifiers, one `proba_<label>` column per
label. It is written to a temporary file beside the target and renamed at the end, so a crash
never leaves a half-written output.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from textladder.classifier import TextClassifier
from textladder.data.columns import choose_columns
from textladder.data.formats import iter_table, resolve_format
from textladder.data.labels import is_missing
from textladder.errors import TextladderError
from textladder.progress import Progress
from textladder.workflows.options import ReadOptions


def _display(label, delimiter: str) -> Any:
    return delimiter.join(label) if isinstance(label, tuple) else label


def predict_texts(clf: TextClassifier, texts: list[str]) -> list[dict[str, Any]]:
    """One record per text: the text, its prediction and (for classifiers) probabilities."""
    predictions = clf.predict(texts)
    records = [{"text": t, "prediction": p} for t, p in zip(texts, predictions)]
    if clf.task_.name != "regression":
        probabilities = clf.predict_proba(texts)
        for record, row in zip(records, probabilities):
            record["probabilities"] = {str(c): float(p) for c, p in zip(clf.labels_, row)}
    return records


class _Writer:
    """Append DataFrame chunks to a CSV, TSV, JSONL or Parquet file."""

    def __init__(self, path: Path, fmt: str):
        self.path, self.fmt, self._parquet, self._first = path, fmt, None, True

    def write(self, frame: pd.DataFrame) -> None:
        if self.fmt in ("csv", "tsv"):
            frame.to_csv(self.path, mode="w" if self._first else "a", header=self._first,
                         index=False, sep="\t" if self.fmt == "tsv" else ",")
        elif self.fmt == "jsonl":
            with open(self.path, "w" if self._first else "a", encoding="utf-8") as handle:
                frame.to_json(handle, orient="records", lines=True, force_ascii=False)
        else:
            import pyarrow as pa
            import pyarrow.parquet as pq

            table = pa.Table.from_pandas(frame, preserve_index=False)
            if self._parquet is None:
                self._parquet = pq.ParquetWriter(self.path, table.schema)
            self._parquet.write_table(table.cast(self._parquet.schema))
        self._first = False

    def close(self) -> None:
        if self._parquet is not None:
            self._parquet.close()


def predict_file(model_dir: str, input_path: str, output_path: str,
                 read: ReadOptions = ReadOptions(), chunksize: int = 10_000,
                 progress: Progress | None = None) -> dict[str, Any]:
    """Stream `input_path` through the model into `output_path`; returns counts."""
    clf = TextClassifier.load(model_dir)
    progress = progress or Progress()
    output = Path(output_path)
    out_fmt = resolve_format(output)
    delimiter = clf.detection_.delimiter or "|"
    text_column = read.text or clf.config_.get("columns", {}).get("text")
    staging = Path(tempfile.mkstemp(prefix=f".{output.name}.", dir=output.parent or ".")[1])
    writer, rows, skipped = _Writer(staging, out_fmt), 0, 0
    try:
        with progress.step("predicting", total=None) as step:
            for chunk in iter_table(input_path, read.fmt, read.encoding, chunksize):
                if rows == 0:
                    if text_column not in chunk.columns:
                        text_column = choose_columns(chunk, read.text, need_labels=False).text
                chunk = chunk.reset_index(drop=True)
                present = np.array([not is_missing(v) for v in chunk[text_column]])
                skipped += int((~present).sum())
                texts = chunk.loc[present, text_column].astype(str).tolist()
                chunk["prediction"] = None
                if texts:
                    predicted = clf.predict(texts)
                    chunk.loc[present, "prediction"] = pd.Series(
                        [_display(p, delimiter) for p in predicted], index=np.flatnonzero(present),
                        dtype=object)
                    if clf.task_.name != "regression":
                        probabilities = clf.predict_proba(texts)
                        for j, label in enumerate(clf.labels_):
                            column = np.full(len(chunk), np.nan)
                            column[present] = probabilities[:, j]
                            chunk[f"proba_{label}"] = column
                writer.write(chunk)
                rows += len(chunk)
                step.advance(len(chunk))
                step.update(f"predicting: {rows:,} rows")
        writer.close()
        if rows == 0:
            raise TextladderError(f"'{input_path}' has a header but no rows; add data rows.")
        os.replace(staging, output)
    except BaseException:
        writer.close()
        staging.unlink(missing_ok=True)
        raise
    return {"input": input_path, "output": str(output), "rows": rows,
            "rows_without_text": skipped, "text_column": text_column}
