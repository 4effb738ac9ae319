"""Name the damaged file when a saved model fails to load, in one line.

A family's `load` reads its files with safetensors, skops, json or a tokenizer library; a missing,
truncated or corrupt file makes each fail its own way (SafetensorError, BadZipFile,
JSONDecodeError, FileNotFoundError, a tokenizer's bare Exception ...). `reading_model(directory)`
wraps a load and turns such a failure into one `TextladderError` that names the file and says
the model is damaged: the file the error names if it is missing, else the first file of the
directory that does not read as its kind (`damaged_file`). A failure that no damaged file
explains is left as it is: it is a bug to report, not a damaged model.
"""

from __future__ import annotations

import json
import re
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from textladder.errors import TextladderError

# Errors that reading a broken file raises, beyond the ones `damaged_file` finds by itself
READ_ERRORS = (OSError, ValueError, KeyError, EOFError, zipfile.BadZipFile)


def _json(path: Path) -> str | None:
    try:
        with open(path, encoding="utf-8") as handle:
            json.load(handle)
    except (ValueError, UnicodeDecodeError) as error:
        return f"is not valid JSON ({str(error).splitlines()[0]})"
    return None


def _safetensors(path: Path) -> str | None:
    try:
        from safetensors import safe_open

        with safe_open(str(path), "np") as handle:
            for key in handle.keys():
                handle.get_slice(key)
    except Exception as error:  # noqa: BLE001 - safetensors raises its own bare error type
        return f"is not a readable safetensors file ({str(error).splitlines()[0]})"
    return None


def _zip(path: Path) -> str | None:
    try:
        with zipfile.ZipFile(path) as archive:
            bad = archive.testzip()
    except (zipfile.BadZipFile, OSError, EOFError) as error:
        return f"is not a readable skops file ({error})"
    return None if bad is None else f"has a corrupt entry ({bad})"


def _text(path: Path) -> str | None:
    try:
        path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        return "is not UTF-8 text"
    return None


CHECKS = {".json": _json, ".safetensors": _safetensors, ".skops": _zip, ".txt": _text}


def damaged_file(directory: Path) -> tuple[Path, str] | None:
    """(the first file of a model directory that does not read as its kind, what is wrong),
    or None: JSON must parse, safetensors headers must cover the file, skops archives must
    pass their checksums, text must be UTF-8. Empty files are damaged whatever their kind."""
    for path in sorted(p for p in Path(directory).rglob("*") if p.is_file()):
        if path.stat().st_size == 0:
            return path, "is empty"
        check = CHECKS.get(path.suffix)
        problem = check(path) if check else None
        if problem:
            return path, problem
    return None


def _damaged(directory: Path, path, problem: str) -> TextladderError:
    try:
        path = Path(path).relative_to(directory)
    except ValueError:
        pass
    return TextladderError(f"model '{directory}' is damaged: its file '{path}' {problem}; train "
                           f"it again, or restore the folder from a copy.")


def _missing_file(error: Exception, directory: Path) -> str | None:
    """The file a FileNotFoundError is about: its filename, or a path in its message."""
    if not isinstance(error, FileNotFoundError):
        return None
    if error.filename:
        return error.filename
    match = re.search(re.escape(str(directory)) + r"[^\s'\"]*", str(error))
    return match.group(0) if match else None


@contextmanager
def reading_model(directory: str | Path) -> Iterator[None]:
    """Load a model directory's files inside this; a damaged file becomes one clear line."""
    try:
        yield
    except Exception as error:
        found = damaged_file(Path(directory))
        if found is not None:
            raise _damaged(Path(directory), *found) from None
        missing = _missing_file(error, Path(directory))
        if missing:
            raise _damaged(Path(directory), missing, "is missing") from None
        if isinstance(error, TextladderError) or not isinstance(error, READ_ERRORS):
            raise
        raise TextladderError(f"model '{directory}' is damaged: a file could not be read "
                              f"({type(error).__name__}: {str(error).splitlines()[0]}); train "
                              f"it again, or restore the folder from a copy.") from None
