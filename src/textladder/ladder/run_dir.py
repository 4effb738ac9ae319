"""The run directory: one climb's models, leaderboard and best model, and how a climb resumes.

    runs/NAME/
      run.json          the run's options, and what identifies it (data digest, task, settings)
      leaderboard.json  rewritten as each rung ends (TEAM.md gives the format)
      models/<rung>/    one model directory per rung, baseline or ensemble
      best/             the best model on validation, self-contained (hard links where possible)

A rung's model directory is saved atomically (`model_dir.save_model_dir`), so one that has a
config.json is complete. Opening a directory that holds a run with the same identity reuses its
complete rungs; one with another identity (other data, splits, task, metric or settings) is
refused, so nothing is mixed up or overwritten. The budget is not part of the identity: a run
resumed with a larger budget keeps what it has and climbs further. Saves a kill cut short leave
staging folders, which opening removes. This module reads and writes files; it fits nothing.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

from textladder.errors import TextladderError
from textladder.jsonsafe import finite
from textladder.ladder.leaderboard import Leaderboard, Row
from textladder.model_dir import (RUN_BEST, is_model_dir, link_tree, read_config,
                                  save_model_dir)

RUN_JSON = "run.json"
LEADERBOARD = "leaderboard.json"
MODELS = "models"
RUN_FORMAT = 1


def default_run_dir(data: str | Path, now: datetime | None = None) -> Path:
    """runs/<data file stem>-<YYYYmmdd-HHMMSS>."""
    now = now or datetime.now()
    return Path("runs") / f"{Path(data).stem}-{now:%Y%m%d-%H%M%S}"


def data_digest(*parts: tuple[list[str], list]) -> str:
    """One SHA-256 over (texts, labels) pairs: the rows a run trains, validates and tests on."""
    digest = hashlib.sha256()
    for texts, labels in parts:
        digest.update(f"{len(texts)}|".encode())
        for text, label in zip(texts, labels):
            label = list(label) if isinstance(label, tuple) else label
            digest.update(f"{len(text)}:{text}|{json.dumps(label, default=str)}\n"
                          .encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def _json(value: Any) -> Any:
    return json.loads(json.dumps(finite(value), default=str))


def _atomic_json(path: Path, document: Any) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_text(json.dumps(finite(document), indent=2, ensure_ascii=False,
                                  allow_nan=False, default=str) + "\n", encoding="utf-8")
    os.replace(partial, path)


# How run.json's identity keys read in "holds a run with another ...": the data key is a digest of
# the three parts' rows, so another seed (another split) changes it too
WHAT_DIFFERS = {"data": "data or split", "kind": "kind of run (a climb or one rung)",
                "settings": "--set settings", "calibrate": "--calibrate",
                "features": "--features", "imbalance": "--imbalance",
                "valid_size": "validation share", "text_column": "text column",
                "task": "--task", "metric": "--metric", "order": "--order",
                "label_map": "--label-map", "seed": "--seed", "positive": "--positive",
                "class_weight": "--class-weight", "sampling_ratio": "--sampling-ratio"}


class RunDir:
    """A climb's folder on disk."""

    def __init__(self, path: str | Path):
        self.path = Path(path)

    def open(self, identity: dict[str, Any], options: dict[str, Any]) -> bool:
        """Check that `path` is new, empty, or this run (same identity); whether it holds an
        earlier climb of it. Unfinished saves of an interrupted climb are removed. Nothing is
        written until `record` (the first row), so a run that fails at once leaves nothing."""
        path = self.path
        self.identity, self.options = _json(identity), _json(options)
        run_json = path / RUN_JSON
        if path.exists() and not path.is_dir():
            raise TextladderError(f"'{path}' is a file; choose a folder for --out.")
        existed = run_json.is_file()
        if existed:
            recorded = json.loads(run_json.read_text(encoding="utf-8")).get("identity")
            if recorded != self.identity:
                differs = sorted(k for k in set(self.identity) | set(recorded or {})
                                 if (recorded or {}).get(k) != self.identity.get(k))
                if "features" in differs:  # the text column is recorded with the features
                    differs = [name for name in differs if name != "text_column"]
                said = [WHAT_DIFFERS.get(name, name) for name in differs]
                raise TextladderError(
                    f"'{path}' holds a run with another {', '.join(said)}; choose another "
                    f"--out, or remove it to start again.")
        elif path.is_dir() and any(path.iterdir()):
            raise TextladderError(f"'{path}' is a folder that is not a textladder model or run; "
                                  f"choose an empty or new folder for --out so that nothing in "
                                  f"it is overwritten.")
        for leftover in [*path.glob(f"{MODELS}/.*"), *path.glob(f".{RUN_BEST}.*")]:
            if leftover.is_dir() and (".saving-" in leftover.name
                                      or leftover.name.endswith(".previous")):
                shutil.rmtree(leftover, ignore_errors=True)
        self.created = (json.loads(run_json.read_text(encoding="utf-8")).get("created")
                        if existed else None)
        return existed

    def record(self) -> None:
        """Write run.json (the options and identity given to `open`)."""
        now = datetime.now().isoformat(timespec="seconds")
        self.path.mkdir(parents=True, exist_ok=True)
        _atomic_json(self.path / RUN_JSON, {"format": RUN_FORMAT,
                                            "created": self.created or now, "updated": now,
                                            "identity": self.identity, "options": self.options})
        self.created = self.created or now

    def model_path(self, name: str) -> Path:
        return self.path / MODELS / name

    def relative(self, name: str) -> str:
        return f"{MODELS}/{name}"

    def finished(self, name: str) -> bool:
        return is_model_dir(self.model_path(name))

    def previous_rows(self) -> dict[str, Row]:
        """The rows of the leaderboard an earlier climb in this directory wrote."""
        path = self.path / LEADERBOARD
        if not path.is_file():
            return {}
        try:
            rows = json.loads(path.read_text(encoding="utf-8")).get("rows", [])
        except ValueError:
            return {}
        return {r["name"]: Row.from_dict(r) for r in rows if isinstance(r, dict) and "name" in r}

    def write_leaderboard(self, board: Leaderboard) -> Path:
        path = self.path / LEADERBOARD
        _atomic_json(path, board.to_dict())
        return path

    def set_best(self, name: str) -> Path:
        """Make `best/` a self-contained copy of `models/<name>` (hard links where possible),
        replacing the previous one atomically."""
        source = self.model_path(name)
        config = read_config(source)
        for key in ("format_version", "textladder_version"):
            config.pop(key, None)

        def write_files(directory: Path) -> None:
            link_tree(source, directory)
            (directory / "config.json").unlink()  # written anew by the save

        return save_model_dir(self.path / RUN_BEST, config, write_files)


def size_on_disk(path: Path) -> int:
    """Bytes of every file under `path` (what a copy of it would need)."""
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())
