"""Write a table chunk by chunk so that an interrupted run can resume, and nobody reads a half.

`StagedOutput` writes beside the target `out.csv`:
- `.out.csv.partial.csv`: the rows written so far (CSV, TSV, JSONL: one file, appended to;
  Parquet: `.out.csv.parts/`, one file per chunk, joined into one file at the end, since a
  Parquet file cannot be appended to once closed);
- `.out.csv.progress.json`: the chunks finished, their rows, the staging file's size after the
  last one, and a fingerprint of the run (input file, model, options). It is replaced atomically
  after each chunk's rows are on disk (fsync), so it never counts rows that were not written.
Only `finish()` renames the complete file into place. A run that stops half way (an error,
Ctrl-C, a killed process) leaves the staging files; a run with `resume=True` and the same
fingerprint truncates the staging file to the last finished chunk and goes on from there, and any
other run starts over. A lock file keeps two runs from writing the same output at once.

Compression follows the target's name (`.csv.gz`): each chunk is appended as its own compressed
member, so cutting the file back to a chunk boundary leaves a valid file. This module writes
tables; it does not predict or read inputs.
"""

from __future__ import annotations

import csv
import json
import os
import shutil
from pathlib import Path
from typing import Any

import pandas as pd

from textladder.errors import TextladderError

PROGRESS_VERSION = 1


def _fsync(path: Path) -> None:
    with open(path, "rb") as handle:
        os.fsync(handle.fileno())


def _write_json(path: Path, value: dict[str, Any]) -> None:
    partial = path.with_name(path.name + ".tmp")
    partial.write_text(json.dumps(value, indent=1), encoding="utf-8")
    _fsync(partial)
    os.replace(partial, path)


class StagedOutput:
    """A table written in chunks to staging files, renamed into place once complete."""

    def __init__(self, output: str | Path, fmt: str, fingerprint: dict[str, Any],
                 resume: bool = False):
        self.output, self.fmt, self.resume = Path(output), fmt, resume
        self.fingerprint = json.loads(json.dumps(fingerprint))  # as it reads back
        name, suffixes = self.output.name, "".join(self.output.suffixes)
        self.staging = self.output.with_name(f".{name}.partial{suffixes}")
        self.parts = self.output.with_name(f".{name}.parts")
        self.progress = self.output.with_name(f".{name}.progress.json")
        self._lock_path = self.output.with_name(f".{name}.lock")
        self._lock = None
        self._schema = None  # Parquet: the first chunk's schema, which every chunk must fit
        self.state: dict[str, Any] = {}

    # ----- opening, resuming ----------------------------------------------------------------------
    def __enter__(self) -> "StagedOutput":
        self._take_lock()
        try:
            self.state = self._resumed() if self.resume else None
            if self.state is None:
                self._clear()
                self.state = {"version": PROGRESS_VERSION, "fingerprint": self.fingerprint,
                              "chunks": 0, "rows": 0, "bytes": 0, "extra": {}}
        except BaseException:
            self._release_lock()
            raise
        return self

    def _resumed(self) -> dict[str, Any] | None:
        """The recorded progress, with the staging cut back to it; None if there is none."""
        if not self.progress.is_file():
            return None
        try:
            state = json.loads(self.progress.read_text(encoding="utf-8"))
        except ValueError:
            state = {}
        if state.get("version") != PROGRESS_VERSION or state.get("fingerprint") != self.fingerprint:
            old = state.get("fingerprint") if isinstance(state.get("fingerprint"), dict) else {}
            new = self.fingerprint if isinstance(self.fingerprint, dict) else {}
            differ = sorted(k for k in set(old) | set(new) if old.get(k) != new.get(k))
            said = f" (what differs: {', '.join(differ)})" if old and differ else ""
            raise TextladderError(
                f"the unfinished output beside '{self.output}' was made from another input "
                f"file, model or options (or the input changed since){said}; run without "
                f"--resume to start over.")
        if self.fmt == "parquet":
            for index in range(state["chunks"]):
                if not self._part(index).is_file():
                    raise TextladderError(f"a finished chunk of the unfinished output beside "
                                          f"'{self.output}' is missing; run without --resume to "
                                          f"start over.")
            for extra in self.parts.glob("part-*.parquet"):
                if int(extra.stem.split("-")[1]) >= state["chunks"]:
                    extra.unlink()
        elif state["chunks"]:
            if not self.staging.is_file() or self.staging.stat().st_size < state["bytes"]:
                raise TextladderError(f"the unfinished output '{self.staging}' is shorter than "
                                      f"its progress file says; run without --resume to start "
                                      f"over.")
            with open(self.staging, "r+b") as handle:
                handle.truncate(state["bytes"])
        return state

    # ----- writing ------------------------------------------------------------------------------
    def write(self, frame: pd.DataFrame, extra: dict[str, Any] | None = None) -> None:
        """Append one chunk; once its rows are on disk, record it as finished."""
        if self.fmt == "parquet":
            self._write_part(frame)
        else:
            self._append(frame, first=self.state["chunks"] == 0)
            _fsync(self.staging)
            self.state["bytes"] = self.staging.stat().st_size
        self.state["chunks"] += 1
        self.state["rows"] += len(frame)
        self.state["extra"].update(extra or {})
        _write_json(self.progress, self.state)

    def _append(self, frame: pd.DataFrame, first: bool) -> None:
        mode, path = "w" if first else "a", self.staging
        if self.fmt == "csv":
            frame.to_csv(path, mode=mode, header=first, index=False)
        elif self.fmt == "tsv":
            if any(frame[c].astype(str).str.contains("[\t\n\r]").any() for c in frame.columns):
                raise TextladderError("a field holds a tab or a line break, which TSV cannot "
                                      "carry; write the predictions as .csv, .jsonl or .parquet.")
            frame.to_csv(path, mode=mode, header=first, index=False, sep="\t",
                         quoting=csv.QUOTE_NONE, escapechar=None)
        else:
            frame.to_json(path, orient="records", lines=True, force_ascii=False, mode=mode)

    def _part(self, index: int) -> Path:
        return self.parts / f"part-{index:06d}.parquet"

    def _write_part(self, frame: pd.DataFrame) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self.parts.mkdir(exist_ok=True)
        if self._schema is None and self.state["chunks"]:
            self._schema = self._parts_schema()
        try:
            table = pa.Table.from_pandas(frame, preserve_index=False)
            # a column with no value in the chunks so far (blank texts: no prediction) is of
            # the null type, and takes the type of the first chunk that has values; whole
            # numbers with a gap in one chunk (float there) become floats
            self._schema = table.schema if self._schema is None else pa.unify_schemas(
                [self._schema, table.schema], promote_options="permissive")
            table = table.cast(self._schema)
        except (pa.ArrowException, ValueError) as error:
            raise TextladderError(
                f"the rows do not fit one Parquet schema ({str(error).splitlines()[0]}); a column "
                f"mixes types across rows: write the predictions as .csv or .jsonl."
            ) from None
        part = self._part(self.state["chunks"])
        pq.write_table(table, part)
        _fsync(part)

    def _parts_schema(self):
        """The schema every part written so far fits: their own, a null-typed column of the
        first parts taking the type later ones gave it."""
        import pyarrow as pa
        import pyarrow.parquet as pq

        return pa.unify_schemas([pq.read_schema(self._part(index))
                                 for index in range(self.state["chunks"])],
                                promote_options="permissive")

    # ----- finishing ----------------------------------------------------------------------------
    def finish(self) -> Path:
        """Put the complete table in place (atomically) and remove the staging files."""
        if self.fmt == "parquet":
            self._join_parts()
        os.replace(self.staging, self.output)
        self._clear()
        return self.output

    def _join_parts(self) -> None:
        import pyarrow.parquet as pq

        writer, schema = None, self._parts_schema()
        try:
            for index in range(self.state["chunks"]):
                part = pq.ParquetFile(self._part(index))
                writer = writer or pq.ParquetWriter(self.staging, schema)
                for group in range(part.num_row_groups):  # one chunk's rows at a time
                    writer.write_table(part.read_row_group(group).cast(schema))
        finally:
            if writer is not None:
                writer.close()
        _fsync(self.staging)

    def __exit__(self, kind, error, trace) -> None:
        # A run that finished nothing leaves nothing behind; one that did can be resumed.
        if error is not None and not self.state.get("rows"):
            self._clear()
        self._release_lock()

    def _clear(self) -> None:
        self.staging.unlink(missing_ok=True)
        self.progress.unlink(missing_ok=True)
        shutil.rmtree(self.parts, ignore_errors=True)

    # ----- one writer per output ----------------------------------------------------------------
    def _take_lock(self) -> None:
        try:
            import fcntl
        except ImportError:  # Windows: no advisory locks here
            return
        handle = open(self._lock_path, "a+")
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            handle.close()
            raise TextladderError(f"another run is writing '{self.output}' now; wait for it, "
                                  f"or choose another --output.") from None
        self._lock = handle

    def _release_lock(self) -> None:
        if self._lock is not None:
            self._lock_path.unlink(missing_ok=True)
            self._lock.close()
            self._lock = None


def unfinished_rows(output: str | Path) -> int:
    """Rows already written by an unfinished run towards `output` (0 if none): what `--resume`
    would skip."""
    output = Path(output)
    progress = output.with_name(f".{output.name}.progress.json")
    try:
        return int(json.loads(progress.read_text(encoding="utf-8")).get("rows", 0))
    except (OSError, ValueError, AttributeError):
        return 0
