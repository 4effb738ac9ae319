"""The model directory: a versioned `config.json` beside weights that cannot run code on load.

Layout: `config.json` (format version, textladder version, task, labels, columns, family and its
settings, thresholds, validation metrics) and the files the family writes. Saving is atomic: the
new model is written completely into a temporary sibling folder and renamed into place, so a crash
mid-save leaves the previous model intact. This module reads and writes directories; it does not
know what the family's files contain.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from textladder._version import __version__
from textladder.errors import TextladderError
from textladder.jsonsafe import finite

FORMAT_VERSION = 1
CONFIG_NAME = "config.json"


def _fsync_tree(directory: Path) -> None:
    for path in directory.rglob("*"):
        if path.is_file():
            with open(path, "rb") as handle:
                os.fsync(handle.fileno())


def _follow_umask(directory: Path) -> None:
    """Give every file and folder under `directory` (and itself) the mode the umask gives new
    ones: some writers make theirs private (safetensors writes 0600, `mkdtemp` 0700), and a
    saved model is shared like any other file."""
    umask = current_umask()
    os.chmod(directory, 0o777 & ~umask)
    for path in directory.rglob("*"):
        if not path.is_symlink():
            os.chmod(path, (0o777 if path.is_dir() else 0o666) & ~umask)


def current_umask() -> int:
    """The process umask (read by setting and restoring it)."""
    current = os.umask(0)
    os.umask(current)
    return current


def _previous_name(target: Path) -> Path:
    return target.with_name(f".{target.name}.previous")


RUN_BEST = "best"  # a run directory's best model (the climb's choice on validation)


def is_model_dir(path: Path) -> bool:
    return (path / CONFIG_NAME).is_file()


def resolve_model_dir(path: str | Path) -> Path:
    """The model directory that `path` names: `path` itself, or, for a run directory (a
    climb's `runs/NAME`), its `best/` model. Anything else is returned as given, for
    `read_config` to say what is wrong with it."""
    path = Path(path)
    if not is_model_dir(path) and is_model_dir(path / RUN_BEST):
        return path / RUN_BEST
    return path


def save_model_dir(target: str | Path, config: dict[str, Any],
                   write_files: Callable[[Path], None]) -> Path:
    """Write a model directory at `target` atomically; `write_files(dir)` writes the weights
    (and may complete `config`, which is written after it)."""
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise TextladderError(f"'{target}' is a file; choose a folder path for --out.")
    if target.is_dir() and any(target.iterdir()) and not is_model_dir(target):
        raise TextladderError(
            f"'{target}' is a folder that is not a textladder model; choose an empty or new "
            f"folder for --out so that nothing in it is overwritten."
        )
    target.parent.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.saving-", dir=target.parent))
    try:
        write_files(staging)
        write_config(staging, config)
        _fsync_tree(staging)
        _follow_umask(staging)
        previous = _previous_name(target)
        if previous.exists():
            shutil.rmtree(previous)
        if target.exists():
            os.replace(target, previous)
        os.replace(staging, target)
        shutil.rmtree(previous, ignore_errors=True)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return target


def write_config(directory: Path, config: dict[str, Any]) -> None:
    """Write `config.json` (with the format and textladder versions) into `directory`."""
    full = {"format_version": FORMAT_VERSION, "textladder_version": __version__, **config}
    with open(Path(directory) / CONFIG_NAME, "w", encoding="utf-8") as handle:
        json.dump(finite(full), handle, indent=2, ensure_ascii=False, allow_nan=False)


def read_config(path: str | Path) -> dict[str, Any]:
    """Read and check the config of the model directory at `path`."""
    path = Path(path)
    if not path.exists():
        previous = _previous_name(path)
        hint = (f"; a save was interrupted and the earlier model is in '{previous}'"
                if is_model_dir(previous) else "; check the path")
        raise TextladderError(f"model directory '{path}' does not exist{hint}.")
    if not path.is_dir() or not is_model_dir(path):
        raise TextladderError(
            f"'{path}' is not a textladder model directory (no {CONFIG_NAME}); give the --out "
            f"folder of 'textladder train'."
        )
    try:
        with open(path / CONFIG_NAME, encoding="utf-8") as handle:
            config = json.load(handle)
    except (ValueError, UnicodeDecodeError) as error:
        raise TextladderError(f"'{path / CONFIG_NAME}' is not valid JSON ({error}).") from None
    version = config.get("format_version") if isinstance(config, dict) else None
    if not isinstance(version, int):
        raise TextladderError(f"'{path / CONFIG_NAME}' has no format_version; it is not a "
                              f"textladder model.")
    if version > FORMAT_VERSION:
        raise TextladderError(
            f"model '{path}' was saved in format {version} by textladder "
            f"{config.get('textladder_version', '?')}; this textladder ({__version__}) reads up to "
            f"format {FORMAT_VERSION}. Upgrade textladder to load it."
        )
    return config


def link_tree(source: Path, target: Path) -> None:
    """Copy the directory `source` to `target` with hard links (files stay shared, and cost no
    space), or real copies where links cannot be made (another file system)."""
    source, target = Path(source), Path(target)
    for folder, _, files in os.walk(source):
        relative = Path(folder).relative_to(source)
        (target / relative).mkdir(parents=True, exist_ok=True)
        for name in files:
            src, dst = Path(folder) / name, target / relative / name
            try:
                os.link(src, dst)
            except OSError:
                shutil.copy2(src, dst)
