"""Predict a Ray Dataset, or files that Ray reads (local folders, s3://, gs://, ...), with
Ray Data: `map_batches` with a callable class, so each actor loads the model once and then
predicts batch after batch.

The columns added are those of `predict --input` (`prediction`, `proba_<label>`), made by the
same function (`workflows.predict.with_predictions`), so a row gets the prediction it would
get on one machine. Delimited files are read with every column as text (an empty cell is
missing; "NA" stays text), as the local reader does. Row order is kept. The output is a folder
of files, one per block, written by Ray's writer for the output's extension; a local output is
written beside its target and renamed into place when complete. It replaces only what a run of
its own wrote there (a folder marked `MARK`): any other existing file or folder, and the
input itself, are refused, never deleted. An output in a store (s3://...) is Ray's writer's
to handle, unchecked; a TSV is read as quoted or raw as the local reader decides for a local
file, and raw elsewhere.

The model travels to the actors through Ray's object store, so the machines of a cluster need
textladder but not the model directory. Where Ray runs is Ray's business: `address=None` starts a local instance (or joins the one
this process already started), "auto" joins the cluster started on this machine with `ray
start`, and "ray://HOST:10001" reaches a remote one through Ray Client.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from textladder.classifier import TextClassifier
from textladder.data.columns import text_column_for
from textladder.data.formats import csv_separator, resolve_format, tsv_is_quoted
from textladder.data.labels import is_missing
from textladder.encoders.cache import stop_caching
from textladder.errors import TextladderError
from textladder.model_dir import read_config, resolve_model_dir
from textladder.workflows.options import ReadOptions
from textladder.workflows.predict import (check_output_place, refuse_taken_columns,
                                         with_predictions)

BATCH_SIZE = 1024
MARK = "_textladder_predictions"  # in an output folder this module wrote; only such is replaced


def pack_model(path: Path) -> dict[str, bytes]:
    """The files of a model directory, by relative path: what actors on other machines unpack."""
    return {str(f.relative_to(path)): f.read_bytes() for f in sorted(path.rglob("*"))
            if f.is_file()}


class Predict:
    """The callable class of `map_batches`: loads the model once per actor, from the files the
    driver packed (`pack_model`), so that no machine of the cluster needs the model directory."""

    def __init__(self, files, text_column: str):
        import tempfile

        import ray

        if isinstance(files, ray.ObjectRef):  # map_batches hands constructor arguments as given
            files = ray.get(files)
        self._folder = tempfile.TemporaryDirectory(prefix="textladder-model-")
        root = Path(self._folder.name)
        for name, data in files.items():
            (root / name).parent.mkdir(parents=True, exist_ok=True)
            (root / name).write_bytes(data)
        self.clf = TextClassifier.load(root)
        stop_caching(self.clf)  # millions of new texts: a cache would grow by each, on each node
        self.text_column = text_column
        self.delimiter = self.clf.detection_.delimiter or "|"

    def __call__(self, batch: pd.DataFrame) -> pd.DataFrame:
        batch = batch.reset_index(drop=True)
        texts = batch[self.text_column].astype(object)  # Arrow-backed columns hold pd.NA
        batch[self.text_column] = texts.where(texts.notna(), None)
        present = np.array([not is_missing(v) for v in batch[self.text_column]], dtype=bool)
        return with_predictions(self.clf, batch, self.text_column, present, self.delimiter)


def predict_dataset(ds, model: str | Path, text_column: str | None = None,
                    batch_size: int = BATCH_SIZE, concurrency: int | tuple[int, int] | None = None):
    """`ds` (a `ray.data.Dataset`) with the model's prediction columns added, lazily.

    The text column is `text_column`, else the one the model was trained on, else the one
    `choose_columns` picks from the first rows. `concurrency` is the number of actors (each with
    one CPU and its own copy of the model), or a (least, most) range; by default from one up to
    one per CPU of the cluster but one, which is left for reading and writing (actors holding
    every CPU would starve the read tasks, and the run would never end)."""
    import ray

    path = resolve_model_dir(model).resolve()
    config = read_config(path)  # a missing or broken model fails here, before any actor starts
    names = ds.schema().names
    task = config.get("task") or {}
    refuse_taken_columns(names, task.get("type"), task.get("classes") or [])
    recorded = (config.get("columns") or {}).get("text")
    if (text_column or recorded) not in names:  # say which column is missing, and whose it is
        text_column = text_column_for(ds.limit(1000).to_pandas(), text_column, recorded,
                                      "the input")
    text_column = text_column or recorded
    cpus = ray.cluster_resources().get("CPU", 1)
    if concurrency is None:
        concurrency = (1, max(1, int(cpus) - 1))
    pool = (ray.data.ActorPoolStrategy(size=concurrency) if isinstance(concurrency, int) else
            ray.data.ActorPoolStrategy(min_size=concurrency[0], max_size=concurrency[1]))
    files = ray.put(pack_model(path))  # once in the object store, fetched by each actor
    return ds.map_batches(Predict, fn_constructor_args=(files, text_column),
                          batch_format="pandas", batch_size=batch_size, compute=pool,
                          num_cpus=1 if cpus >= 2 else cpus / 2)


def predict_with_ray(model: str, input_path: str, output_path: str,
                     read: ReadOptions = ReadOptions(), address: str | None = None,
                     batch_size: int = BATCH_SIZE,
                     concurrency: int | None = None) -> dict[str, Any]:
    """Read `input_path` with Ray, predict it, write `output_path` (a folder of files in the
    format its extension names); returns what was done."""
    import ray
    from ray.data import DataContext

    in_fmt = resolve_format(Path(input_path), read.fmt)
    out_fmt = resolve_format(Path(output_path), output=True)
    local = "://" not in output_path
    target = Path(output_path)
    if local:
        _check_target(target, input_path)
    _start(address)
    DataContext.get_current().execution_options.preserve_order = True
    ds = _read(input_path, in_fmt, read)
    predicted = predict_dataset(ds, model, read.text, batch_size, concurrency)
    staging = target.with_name(f".{target.name}.partial") if local else None
    if local:
        shutil.rmtree(staging, ignore_errors=True)
    where = str(staging) if local else output_path
    try:
        _write(predicted, where, out_fmt)
        if local:
            (staging / MARK).write_text("written by textladder predict --engine ray; a rerun "
                                        "replaces this folder\n")
            if target.exists():
                shutil.rmtree(target)
            os.replace(staging, target)
    except BaseException as error:
        if local:
            shutil.rmtree(staging, ignore_errors=True)
        shown = _user_error(error)
        if shown is error:
            raise
        raise shown from None
    return {"input": input_path, "output": output_path, "engine": "ray",
            "address": address or "local", "format": out_fmt,
            "cpus": ray.cluster_resources().get("CPU")}


def _check_target(target: Path, input_path: str) -> None:
    """Refuse an output that would replace the input or anything this module did not write."""
    check_output_place(target, input_path)
    if target.exists() and not (target.is_dir() and (target / MARK).exists()):
        what = "a folder" if target.is_dir() else "a file"
        raise TextladderError(f"--output '{target}' is {what} that predict --engine ray did not "
                              f"write; it would be replaced by a folder of predictions. Name "
                              f"another --output, or move it away.")


def _start(address: str | None) -> None:
    """Start or join Ray; a cluster that cannot be reached is one line."""
    import ray

    if ray.is_initialized():
        return
    try:
        ray.init(address=address, log_to_driver=False)
    except ConnectionError as error:
        said = (str(error).splitlines() or [""])[0].strip().rstrip(".")
        raise TextladderError(f"no Ray cluster answers at --address {address} ({said}). "
                              f"Start one with `ray start --head`, "
                              f"or leave --address out to run Ray on this machine.") from None
    except ValueError as error:
        if "ray[client]" in str(error) or "Ray Client" in str(error):
            raise TextladderError("a ray:// address needs Ray Client: pip install "
                                  "'ray[client]' (the cluster must run the same Ray "
                                  "version).") from None
        raise


def _user_error(error: BaseException) -> BaseException:
    """The error to show for one raised by a Ray task: a TextladderError raised in an actor
    (a file's own columns), or Arrow's refusal to write a tab into a TSV, as one line."""
    seen, current = set(), error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        if isinstance(current, TextladderError) and "Traceback" not in str(current):
            return current
        text = str(current)
        if "structural characters" in text and "quoting style" in text:
            return TextladderError("a field holds a tab or a line break, which TSV cannot carry; "
                                   "write the predictions to .csv, .jsonl or .parquet.")
        if "TextladderError: " in text:
            return TextladderError(text.rsplit("TextladderError: ", 1)[1].splitlines()[0])
        current = getattr(current, "cause", None) or current.__cause__ or current.__context__
    return error


def _read(path: str, fmt: str, read: ReadOptions):
    import ray

    if fmt == "parquet":
        return ray.data.read_parquet(path)
    if fmt == "jsonl":
        return ray.data.read_json(path, lines=True, file_extensions=None)
    import pyarrow as pa
    import pyarrow.csv as pacsv

    tsv = fmt == "tsv"
    local = Path(path).is_file()  # a folder or a store: read as plain CSV (raw TSV)
    comma = csv_separator(Path(path), read.encoding) if local and not tsv else ","
    quoted = not tsv or (local and tsv_is_quoted(Path(path), read.encoding))  # as read locally
    parse = pacsv.ParseOptions(delimiter="\t" if tsv else comma,
                               quote_char='"' if quoted else False, newlines_in_values=quoted)
    header = _csv_header(path, parse, read.encoding)
    convert = pacsv.ConvertOptions(column_types={name: pa.string() for name in header},
                                   strings_can_be_null=True, null_values=[""],
                                   quoted_strings_can_be_null=True)
    return ray.data.read_csv(path, parse_options=parse, convert_options=convert,
                             read_options=pacsv.ReadOptions(encoding=read.encoding),
                             file_extensions=None)


def _csv_header(path: str, parse, encoding: str) -> list[str]:
    """The column names of the first delimited file at `path` (a file or a folder, local or
    in a store pyarrow reaches), so that every column can be read as text."""
    import pyarrow.csv as pacsv
    import pyarrow.fs as pafs

    uri = path if "://" in path else os.path.abspath(path)
    filesystem, where = pafs.FileSystem.from_uri(uri)
    info = filesystem.get_file_info(where)
    if info.type == pafs.FileType.NotFound:
        raise TextladderError(f"file not found: '{path}'; check the path.")
    if info.type == pafs.FileType.Directory:
        files = sorted(f.path for f in filesystem.get_file_info(
            pafs.FileSelector(where, recursive=True)) if f.type == pafs.FileType.File
            and not Path(f.path).name.startswith((".", "_")))
        if not files:
            raise TextladderError(f"'{path}' holds no files to read.")
        where = files[0]
    compression = "detect" if Path(where).suffix in (".gz", ".bz2", ".zst") else None
    with filesystem.open_input_stream(where, compression=compression) as stream:
        reader = pacsv.open_csv(stream, parse_options=parse,
                                read_options=pacsv.ReadOptions(encoding=encoding))
        return reader.schema.names


def _write(ds, path: str, fmt: str) -> None:
    if fmt == "parquet":
        ds.write_parquet(path)
    elif fmt == "jsonl":
        ds.write_json(path, force_ascii=False)
    elif fmt == "csv":
        ds.write_csv(path)
    else:
        import pyarrow.csv as pacsv

        ds.write_csv(path, arrow_csv_args_fn=lambda: {
            "write_options": pacsv.WriteOptions(delimiter="\t", quoting_style="none")})
