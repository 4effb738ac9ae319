"""What `textladder export` runs: read the texts of a file, export, return a plain dict.

The texts come from a table's text column (labelled or not: labels are not read), chosen as
`predict --input` chooses it: `--text`, else the column the model was trained on (a file
without it is refused), else from the data for a model that recorded none. Rows without text are skipped. A model that reads columns beside the text reads them from
the same table, which must have them.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textladder.errors import TextladderError
from textladder.progress import Progress


def export_file(model: str, texts_path: str | None = None, fmt: str | None = None,
                encoding: str = "utf-8", text: str | None = None,
                progress: Progress | None = None) -> dict[str, Any]:
    """Export the model at `model`, choosing on the texts of `texts_path` (None: the fixed
    rule); the export's record, with where it was written and what was read."""
    from textladder.model_dir import read_config, resolve_model_dir
    from textladder.onnx.exporter import EXPORT_DIR, export

    if texts_path is None and text is not None:
        raise TextladderError("--text names the text column of --texts FILE; give the file too.")
    path = resolve_model_dir(model)
    report: dict[str, Any] = {"model": str(path), "texts_file": texts_path}
    texts = None
    if texts_path is not None:
        columns = read_config(path).get("columns", {})
        texts, report["text_column"], report["rows_without_text"] = read_texts(
            texts_path, fmt, encoding, text, columns.get("text"), columns.get("features"))
    record = export(path, texts, progress)
    return {**report, "written": str(Path(path) / EXPORT_DIR), "export": record}


def read_texts(path: str, fmt: str | None, encoding: str, text: str | None,
               trained_on: str | None, features: list[str] | None = None):
    """The texts of `path`'s text column (for a model with feature columns `features`, a table
    of them, under the column `trained_on`, and those columns), that column, and how many rows
    had no text."""
    from textladder.data.columns import text_column_for
    from textladder.data.formats import read_table
    from textladder.data.inputs import table_rows
    from textladder.data.labels import is_missing

    frame = read_table(path, fmt, encoding)
    column = text_column_for(frame, text, trained_on, f"'{path}'")
    values = frame[column].tolist()
    present = [not is_missing(v) for v in values]
    texts = [str(v) for v, kept in zip(values, present) if kept]
    if features:
        texts = table_rows(texts, frame[present], trained_on, features, f"'{path}'")
    return texts, column, len(values) - sum(present)
