"""Read tables of text from CSV, TSV, JSONL and Parquet files, whole or in chunks.

The format comes from the file extension unless given. A TSV file is read raw (quotes are
text) unless its fields are quoted as CSV writers quote them (`tsv_is_quoted`). Delimited files
are read as strings (an empty cell is missing; the text "NA" stays text), so that nothing is
silently converted. Decoding errors name the offending line and suggest `--encoding`. This module
knows nothing about labels or tasks.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from textladder.errors import TextladderError

FORMATS = ("csv", "tsv", "jsonl", "parquet")
# Compressed files pandas reads, and the module that opens each for `tsv_is_quoted` (None: not
# sniffed).
_COMPRESSED = {".gz": "gzip", ".bz2": "bz2", ".xz": "lzma", ".zst": None, ".zip": None}
_EXTENSIONS = {
    ".csv": "csv",
    ".tsv": "tsv",
    ".tab": "tsv",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".json": "jsonl",
    ".parquet": "parquet",
    ".pq": "parquet",
}


def resolve_format(path: Path, fmt: str | None = None, output: bool = False) -> str:
    """Return the table format of `path`: the one given, else the one its extension names
    (`output`: a file to write, whose format only its extension gives)."""
    if fmt is not None:
        fmt = fmt.lower()
        if fmt not in FORMATS:
            raise TextladderError(f"--format must be one of {', '.join(FORMATS)}; got '{fmt}'.")
        return fmt
    suffixes = [s.lower() for s in path.suffixes]
    if suffixes and suffixes[-1] in _COMPRESSED:
        suffixes = suffixes[:-1]
    if suffixes and suffixes[-1] in _EXTENSIONS:
        return _EXTENSIONS[suffixes[-1]]
    if output:
        raise TextladderError(
            f"cannot tell the format to write '{path}' in from its extension; end the output "
            f"file's name in .csv, .tsv, .jsonl or .parquet (--format names the input's).")
    raise TextladderError(
        f"cannot tell the format of '{path}' from its extension; pass --format "
        f"({', '.join(FORMATS)})."
    )


def _check_file(path: Path) -> None:
    if not path.exists():
        raise TextladderError(f"file not found: '{path}'; check the path.")
    if path.is_dir():
        raise TextladderError(f"'{path}' is a folder, not a data file; give a file path.")
    if path.stat().st_size == 0:
        what = ("one JSON object per line" if path.suffix.lower() in (".jsonl", ".ndjson", ".json")
                else "a header row and data rows")
        raise TextladderError(f"'{path}' is empty; give a file with {what}.")


def _encoding(encoding: str) -> str:
    # utf-8-sig reads plain UTF-8 too and drops a byte-order mark when there is one.
    return "utf-8-sig" if encoding.lower().replace("_", "-") in ("utf-8", "utf8") else encoding


def _first_undecodable_line(path: Path, encoding: str) -> int | None:
    with open(path, "rb") as handle:
        for number, raw in enumerate(handle, start=1):
            try:
                raw.decode(encoding)
            except UnicodeDecodeError:
                return number
    return None


def _decode_error(path: Path, encoding: str, error: UnicodeDecodeError) -> TextladderError:
    line = _first_undecodable_line(path, encoding)
    where = f"line {line}" if line else "a line"
    return TextladderError(
        f"'{path}' is not valid {encoding}: {where} has bytes that cannot be decoded; "
        f"pass the file's encoding, e.g. " + (
            "--encoding latin-1 (it decodes every byte)." if encoding.lower().replace("-", "")
            in ("cp1252", "windows1252") else
            "--encoding cp1252 (Windows exports; latin-1 reads their quotes and dashes as "
            "control characters).")
    )


def _delimited_kwargs(fmt: str, encoding: str, path: Path | None = None) -> dict:
    quoted = fmt == "csv" or (path is not None and tsv_is_quoted(path, encoding))
    return dict(
        sep="\t" if fmt == "tsv" else csv_separator(path, encoding),
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        encoding=_encoding(encoding),
        quoting=csv.QUOTE_MINIMAL if quoted else csv.QUOTE_NONE,
    )


SNIFF_LINES = 5000


def _sniffed_lines(path: Path, encoding: str, limit: int) -> Iterator[str]:
    """The first `limit` lines of a (possibly compressed) text file, for sniffing its dialect;
    none for a compression that is not sniffed, or a file that cannot be opened (the reader
    then says what is wrong with it)."""
    import importlib

    suffix = path.suffix.lower()
    if suffix in _COMPRESSED and _COMPRESSED[suffix] is None:
        return
    module = importlib.import_module(_COMPRESSED[suffix]) if suffix in _COMPRESSED else None
    try:
        with (module.open if module else open)(path, "rt", encoding=_encoding(encoding),
                                               errors="replace") as handle:
            for number, line in enumerate(handle):
                if number >= limit:
                    return
                yield line
    except OSError:
        return


def csv_separator(path: Path | None, encoding: str) -> str:
    """"," or, for a CSV whose header holds semicolons and no comma (Excel's export where the
    decimal mark is a comma), ";"."""
    header = next(_sniffed_lines(path, encoding, 1), "") if path is not None else ""
    return ";" if ";" in header and "," not in header else ","


DECIMAL_COMMA = r"^\s*[-+]?\d+,\d+\s*$"


def _decimal_points(chunk: pd.DataFrame) -> pd.DataFrame:
    """A semicolon CSV's numbers written with a decimal comma ("3,5"), as numbers are read
    ("3.5"): in each column whose present values are all numbers and some have a comma."""
    for column in chunk.columns:
        values = chunk[column].dropna().astype(str)
        if values.empty:
            continue
        comma = values.str.match(DECIMAL_COMMA)
        if comma.any() and (comma | values.str.match(r"^\s*[-+]?\d+\s*$")).all():
            chunk[column] = chunk[column].str.replace(",", ".", regex=False)
    return chunk


def tsv_is_quoted(path: Path, encoding: str) -> bool:
    """Whether a TSV file quotes its fields as CSV writers do (pandas, Excel: a field holding a
    quote, a tab or a line break is wrapped in quotes, its own quotes doubled), from its first
    `SNIFF_LINES` lines (and up to `MAX_FIELD_LINES` more when the sample ends inside a wrapped
    field). Raw TSV files (SemEval's, most exports of tweets) keep quotes as they are, and read
    with quoting they would lose them or run rows together, so a file is read as quoted only
    when its sample reads that way throughout (`_reads_quoted`)."""
    lines = list(_sniffed_lines(path, encoding, SNIFF_LINES))
    quoted = _reads_quoted("".join(lines), whole=len(lines) < SNIFF_LINES)
    if quoted is None:  # cut inside a wrapped field: read on to its end
        limit = SNIFF_LINES + MAX_FIELD_LINES
        lines = list(_sniffed_lines(path, encoding, limit))
        quoted = _reads_quoted("".join(lines), whole=len(lines) < limit)
    return bool(quoted)  # still open: a quote that does not close within the lines allowed


_QUOTED_FIELD = re.compile(r'"(?:[^"]|"")*"')
_RAW_FIELD = re.compile(r"[^\t\r\n]*")
MAX_FIELD_LINES = 1000  # the most lines a wrapped field may span


def _reads_quoted(text: str, whole: bool) -> bool | None:
    """Whether `text` (the start of a TSV file; all of it if `whole`) reads as CSV-quoted
    fields: some field is wrapped in quotes; a wrapped field ends at a tab or a line's end; a
    wrapped field over several lines holds no tab before its last line (such a field is raw
    rows run together, from a text that opens a quote and one that ends with one); no
    unwrapped field holds a quote; and every record has as many fields as the header. None
    when the sample ends inside a wrapped field (and nothing else decided it): the caller reads
    on. An opening quote that never closes by the file's end is a raw text's."""
    wrapped, fields, columns, pos, start = 0, 0, None, 0, 0
    while pos < len(text):
        if text[pos] == '"':
            match = _QUOTED_FIELD.match(text, pos)
            inner = text[pos + 1:match.end() - 1] if match else text[pos + 1:]
            if "\t" in inner.rpartition("\n")[0]:  # rows run together
                return False
            if match is None:  # open until the sample's end
                return None if not whole and wrapped > 0 and columns is not None else False
            wrapped += 1
        else:
            match = _RAW_FIELD.match(text, pos)
            if '"' in match.group():  # a quote inside a raw field: CSV writers wrap those
                return False
        pos, fields = match.end(), fields + 1
        if pos < len(text) and text[pos] == "\t":
            pos += 1
            continue
        if pos < len(text) and text[pos] not in "\r\n":  # text after a closing quote
            return False
        if pos > start:  # a record ends (pandas skips blank lines)
            columns = columns or fields
            if fields != columns:
                return False
        pos += 2 if text.startswith("\r\n", pos) else 1
        fields, start = 0, pos
    return wrapped > 0


def iter_table(
    path: str | Path, fmt: str | None = None, encoding: str = "utf-8", chunksize: int = 50_000
) -> Iterator[pd.DataFrame]:
    """Yield the rows of a table in DataFrames of at most `chunksize` rows.

    Memory stays bounded by the chunk size, so files larger than memory can be streamed.
    """
    path = Path(path)
    _check_file(path)
    fmt = resolve_format(path, fmt)
    try:
        if fmt in ("csv", "tsv"):
            kwargs = _delimited_kwargs(fmt, encoding, path)
            reader = pd.read_csv(path, chunksize=chunksize, **kwargs)
            with reader:
                for index, chunk in enumerate(reader):
                    chunk = _check_rows(chunk, path)
                    if index == 0:
                        _refuse_repeated_names(chunk, path, kwargs)
                    yield _decimal_points(chunk) if kwargs["sep"] == ";" else chunk
        elif fmt == "jsonl":
            reader = pd.read_json(
                path, lines=True, chunksize=chunksize, encoding=_encoding(encoding), dtype=False
            )
            with reader:
                for chunk in reader:
                    yield _check_records(chunk, path)
        else:
            yield from _iter_parquet(path, chunksize)
    except UnicodeDecodeError as error:
        raise _decode_error(path, encoding, error) from None
    except pd.errors.EmptyDataError:
        raise TextladderError(f"'{path}' has no columns; give a file with a header row.") from None
    except pd.errors.ParserError as error:
        detail = str(error).strip().splitlines()[-1]
        raise TextladderError(
            f"could not parse '{path}' as {fmt.upper()} ({detail}); check the quoting or pass "
            f"--format."
        ) from None
    except LookupError:
        raise TextladderError(f"unknown encoding '{encoding}'; try utf-8, cp1252 or "
                              f"latin-1.") from None
    except (ValueError, TypeError) as error:  # a line that is a number, null or a list: TypeError
        if fmt != "jsonl":
            raise
        line = _first_bad_json_line(path, encoding)
        where = f"line {line} is not a JSON object" if line else str(error)
        raise TextladderError(
            f"could not parse '{path}' as JSON lines ({where}); each line must be one JSON object."
        ) from None


def _first_bad_json_line(path: Path, encoding: str) -> int | None:
    """The number (from 1) of the first non-blank line of a JSON-lines file that is not one JSON
    object, read only once the file has failed to parse; None if none is found."""
    import json

    for number, line in enumerate(_sniffed_lines(path, encoding, 10**9), start=1):
        if not line.strip():
            continue
        try:
            if not isinstance(json.loads(line), dict):
                return number
        except ValueError:
            return number
    return None


def _check_rows(chunk: pd.DataFrame, path: Path) -> pd.DataFrame:
    # pandas turns the first column into the index when a row has one field more than the
    # header; the columns would then silently shift. Refuse instead.
    if not isinstance(chunk.index, pd.RangeIndex):
        raise TextladderError(
            f"'{path}' has rows with more fields than its header (an unquoted delimiter in a "
            f"text?); quote such fields, or pass --format if it is not this format."
        )
    _refuse_repeated_header(chunk, path)
    return chunk


def _bare(cell) -> str:
    """A header name or cell as compared: without spaces around it or a byte order mark (the
    anchor column's cells are stripped the same way, column-wise, in the caller)."""
    return str(cell).strip().lstrip("\ufeff").strip()


def _refuse_repeated_header(chunk: pd.DataFrame, path: Path) -> None:
    """Refuse a row that repeats the header (files joined with their headers): read as data,
    it would add a class named like the label column, and turn a number column to text. A
    column without a name (pandas' index column, a trailing separator: `Unnamed: N`) matches
    any cell, and a byte order mark is no part of a name."""
    if chunk.empty or len(chunk.columns) < 2:
        return
    names = [_bare(c) for c in chunk.columns]
    named = [i for i, n in enumerate(names) if n and not n.startswith("Unnamed: ")]
    if not named:
        return
    anchor = named[0]
    cells = chunk.iloc[:, anchor].astype(str).str.strip().str.lstrip("\ufeff").str.strip()
    for position in np.flatnonzero((cells == names[anchor]).to_numpy()):
        row = [_bare(v) for v in chunk.iloc[position].tolist()]
        if all(row[i] == names[i] for i in named):
            raise TextladderError(
                f"data row {chunk.index[position] + 1:,} of '{path}' repeats the header "
                f"({', '.join(names[i] for i in named[:4])}{', ...' if len(named) > 4 else ''}),"
                f" as when files are joined with their headers; remove the repeated header "
                f"rows.")


def _refuse_repeated_names(chunk: pd.DataFrame, path: Path, kwargs: dict) -> None:
    """Refuse a header that names a column twice: pandas would call the second 'text.1', and
    which of the two is the text (or the label) would be a guess."""
    renamed = [c for c in chunk.columns if isinstance(c, str) and "." in c
               and c.rsplit(".", 1)[1].isdigit() and c.rsplit(".", 1)[0] in chunk.columns]
    if not renamed:
        return
    header = next(iter(pd.read_csv(path, nrows=1, header=None, **{**kwargs, "dtype": str})
                       .itertuples(index=False)), None)
    names = [str(n).strip() for n in (header or ())]
    twice = next((n for n in names if names.count(n) > 1), None)
    if twice is not None:
        raise TextladderError(f"the header of '{path}' names column '{twice}' more than once; "
                              f"rename the others, so that it is clear which one to read.")


def _check_records(chunk: pd.DataFrame, path: Path) -> pd.DataFrame:
    if not all(isinstance(c, str) for c in chunk.columns):
        raise TextladderError(
            f"'{path}' is not JSON lines: each line must be one JSON object with named fields "
            f"(a file holding one JSON array is not supported)."
        )
    return chunk


def _iter_parquet(path: Path, chunksize: int) -> Iterator[pd.DataFrame]:
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        # Buffered page reads: without them a whole row group's column chunks (pyarrow writes
        # up to a million rows per group) are read at once, and memory grows with the file.
        parquet = pq.ParquetFile(path, buffer_size=1 << 20, pre_buffer=False)
        for batch in parquet.iter_batches(batch_size=chunksize):
            yield batch.to_pandas()
    except (pa.ArrowException, OSError) as error:
        raise TextladderError(
            f"could not read '{path}' as Parquet ({str(error).splitlines()[0]}); check the file "
            f"or pass --format."
        ) from None


def read_table(path: str | Path, fmt: str | None = None, encoding: str = "utf-8") -> pd.DataFrame:
    """Read a whole table into memory. Raises a `TextladderError` if it has no rows."""
    chunks = list(iter_table(path, fmt, encoding))
    if not chunks:
        raise TextladderError(f"'{path}' has a header but no rows; add data rows.")
    frame = pd.concat(chunks, ignore_index=True) if len(chunks) > 1 else chunks[0]
    if len(frame) == 0:
        raise TextladderError(f"'{path}' has a header but no rows; add data rows.")
    return frame
