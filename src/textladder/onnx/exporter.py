"""`export(model_dir, texts)`: write a model's ONNX copies into its directory, chosen on texts.

An encoder rung's model directory gets a folder `onnx/` holding:

- `encoder-float.onnx`: its window embedder traced in float32, the default runtime's outputs up
  to rounding (what the re-check runs);
- `encoder-int8.onnx`: the int8 copy (`graph.quantize`) that `--runtime onnx` predicts with;
- `export.json`: what was chosen and why, with the files' SHA-256 and the library versions.

Given texts (validation texts: ones the model was not trained on), the export calibrates on
them and chooses on them. The int8 copy is smoothed with the activation maxima of a sample of
their windows (`smoothing.py`); each of the three int8 copies (`graph.FLOAT_FFN_OUT`) predicts
them, and its re-check margin is the smallest that keeps the target share of the default
runtime's decisions there (`recheck.choose_margin`); the copy kept is the one with the lowest
expected cost with its re-check (`choice.py`). Without texts nothing is smoothed and the fixed
rule applies (`choice.FIXED_RULE`). Nothing is timed: the same model, texts and library versions
give byte-identical files on one machine.

The folder is written beside the model's files and renamed into place, so a crash never leaves
a half-written export, and an earlier export stays until the new one is complete. `save` never
writes it; saving a model again replaces the whole directory, and with it any export.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from textladder.errors import TextladderError
from textladder.progress import Progress

EXPORT_DIR = "onnx"
INT8_FILE = "encoder-int8.onnx"
FLOAT_FILE = "encoder-float.onnx"
RECORD_FILE = "export.json"
FORMAT = 1
# At most this many of the texts given are used (a seeded sample, in their order): enough to
# measure agreement near 99.5 % to about 0.2 points, in a few minutes on a CPU.
CHECK_TEXTS = 2000
# Fewer texts than this choose nothing: the fixed rule is used, and the record says why. The
# agreement of a few hundred texts cannot tell 99 % from 97 % (MiniLM exported on 300 tweets
# kept 100 % of their decisions and 98.75 % of 2,000 new ones; on 5 texts, 96.95 %; the fixed
# rule kept 99.95 %). The recheck target's slack assumes about 1,000 (`recheck.py`); 500 lets
# the claff benchmarks' 951 validation texts choose, as they did.
MIN_TEXTS = 500
NEEDS_ONNX = ("the ONNX export needs onnx and onnxruntime: pip install 'textladder[onnx]'.")


def export(model_dir: str | Path, texts: Sequence[str] | None = None,
           progress: Progress | None = None) -> dict[str, Any]:
    """Write the ONNX copies of the model at `model_dir` (a model or run directory) into its
    `onnx/` folder, chosen on `texts` (or by the fixed rule without them); returns the record
    written beside them (`export.json`). For a model that reads columns beside the text,
    `texts` is a table of the text column and those columns."""
    from textladder.classifier import TextClassifier
    from textladder.model_dir import resolve_model_dir
    from textladder.onnx.families import adapter_for

    check_installed()
    path = resolve_model_dir(model_dir)
    clf = TextClassifier.load(path)
    adapter = adapter_for(clf.family_)
    rows = _sample_rows(clf, texts)
    texts = rows if rows is None or isinstance(rows, list) else rows[clf.text_column_].tolist()
    progress = progress or Progress()
    record = {"format": FORMAT, "family": clf.family_.name, **adapter.start(clf.family_)}
    if texts is not None and len(texts) < MIN_TEXTS:
        record["too_few_texts"] = {"given": len(texts), "needed": MIN_TEXTS}
        texts = rows = None
    try:
        staging = Path(tempfile.mkdtemp(prefix=f".{EXPORT_DIR}.exporting-", dir=path))
    except PermissionError:
        raise TextladderError(f"cannot write into the model folder '{path}' (permission "
                              f"denied); export a copy of the model you can write to.") from None
    try:
        with progress.step("exporting the encoder to ONNX", total=None):
            record.update(_write_files(clf, adapter, texts, record, staging, progress, rows))
        if "too_few_texts" in record:
            few = record["too_few_texts"]
            record["chosen_by"] = (f"the fixed rule: {few['given']:,} texts given, fewer than "
                                   f"the {few['needed']:,} a choice needs")
        record["sha256"] = {name: file_digest(staging / name) for name in (INT8_FILE, FLOAT_FILE)}
        record["versions"] = _versions()
        (staging / RECORD_FILE).write_text(json.dumps(record, indent=2, sort_keys=True) + "\n",
                                           encoding="utf-8")
        _replace(staging, path / EXPORT_DIR)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return record


def _write_files(clf, adapter, texts: list[str] | None, record: dict, folder: Path,
                 progress: Progress, rows=None) -> dict[str, Any]:
    """Write the float32 and int8 files into `folder`; what was chosen, for the record.
    `rows` is what the model predicts for `texts`: the texts, or their table with the columns
    beside them."""
    import onnx

    from textladder.onnx.choice import FIXED_RULE, choose_export, expected_cost
    from textladder.onnx.graph import FLOAT_FFN_OUT, export_float, quantize
    from textladder.onnx.recheck import RECHECK_TARGET, choose_margin
    from textladder.onnx.smoothing import input_maxima, sample_windows

    family, task = clf.family_, clf.task_
    embedder = adapter.embedder(family)
    float_graph = export_float(embedder, folder / FLOAT_FILE)
    if not texts:
        onnx.save(quantize(float_graph, FIXED_RULE["float_ffn_out"]), str(folder / INT8_FILE))
        return {**FIXED_RULE, "texts": 0, "smoothed": False,
                "chosen_by": "the fixed rule: no texts given"}
    windows = sample_windows(adapter.windows(family, texts, record), clf.seed)
    maxima = input_maxima(embedder, windows)
    chosen = {"texts": len(texts), "texts_sha256": _texts_digest(texts), "smoothed": True}
    rows = texts if rows is None else rows
    exact = clf.predict_output(rows)  # the default runtime's, before any graph replaces it
    if not np.isfinite(task.decision_margin(exact)).any():  # no decisions to keep: regression
        onnx.save(quantize(float_graph, FIXED_RULE["float_ffn_out"], maxima),
                  str(folder / INT8_FILE))
        return {**chosen, "float_ffn_out": FIXED_RULE["float_ffn_out"], "recheck_margin": 0.0,
                "chosen_by": "the fixed rule: the task makes no decisions to re-check"}
    adapter.use(family, folder / FLOAT_FILE, record)
    with progress.step(f"checking the int8 copies on {len(texts):,} texts",
                       total=len(FLOAT_FFN_OUT) + 1) as step:
        refined = clf.predict_output(rows)  # what the re-check gives: float32, up to rounding
        step.advance()
        checks = {}
        for option in FLOAT_FFN_OUT:
            candidate = folder / f"int8-{option}.onnx"
            onnx.save(quantize(float_graph, option, maxima), str(candidate))
            adapter.use(family, candidate, record)
            check = choose_margin(task, exact, clf.predict_output(rows), RECHECK_TARGET,
                                  refined=refined)
            checks[option] = {**check, "expected_cost": round(expected_cost(option, check), 4)}
            step.advance()
    best = choose_export(checks)
    os.replace(folder / f"int8-{best}.onnx", folder / INT8_FILE)
    for option in FLOAT_FFN_OUT:
        (folder / f"int8-{option}.onnx").unlink(missing_ok=True)
    return {**chosen, "float_ffn_out": best, "recheck_margin": checks[best]["recheck_margin"],
            "agreement": checks[best]["agreement"], "rechecked": checks[best]["rechecked"],
            "target": RECHECK_TARGET, "options": checks,
            "chosen_by": "agreement with the default runtime on the texts given"}


def _sample_rows(clf, texts):
    """`_sample` of the texts, or, for a model with feature columns, of a table's rows (a
    seeded sample in their order), which must hold the text column and those columns."""
    features = clf.feature_names()
    if texts is None or not features:
        return _sample(texts, clf.seed)
    from textladder.data.inputs import read_inputs

    if not hasattr(texts, "iloc"):
        raise TextladderError(f"this model reads the columns {', '.join(features)} beside the "
                              f"text: export it on a table that has them (--texts FILE).")
    _sample(read_inputs(texts, clf.text_column_, features).texts, clf.seed)  # checks them
    return texts.iloc[_picked(len(texts), clf.seed)].reset_index(drop=True)


def _picked(n: int, seed: int) -> list[int]:
    """At most `CHECK_TEXTS` of the rows 0..n-1, a seeded sample in their order."""
    if n <= CHECK_TEXTS:
        return list(range(n))
    return sorted(np.random.default_rng(seed).permutation(n)[:CHECK_TEXTS].tolist())


def _sample(texts: Sequence[str] | None, seed: int) -> list[str] | None:
    """At most `CHECK_TEXTS` of `texts`, a seeded sample in their order; None for none."""
    if texts is None:
        return None
    if isinstance(texts, str):
        raise TextladderError("give the export a list of texts, not one string.")
    texts = list(texts)
    bad = next((t for t in texts if not isinstance(t, str)), None)
    if bad is not None:
        raise TextladderError(f"the export's texts must be strings; got {type(bad).__name__} "
                              f"({bad!r}).")
    if not texts:
        raise TextladderError("no texts to choose the export on; give some (e.g. the "
                              "validation file), or none at all for the fixed rule.")
    return [texts[i] for i in _picked(len(texts), seed)]


def _texts_digest(texts: list[str]) -> str:
    digest = hashlib.sha256()
    for text in texts:
        digest.update(f"{len(text)}:{text}".encode("utf-8", "surrogatepass"))
    return digest.hexdigest()


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _versions() -> dict[str, str | None]:
    """The versions of what wrote the files: another version may write other bytes."""
    from importlib.metadata import PackageNotFoundError, version

    from textladder._version import __version__

    found: dict[str, str | None] = {"textladder": __version__}
    for package in ("torch", "transformers", "onnx", "onnxruntime", "numpy"):
        try:
            found[package] = version(package)
        except PackageNotFoundError:
            found[package] = None
    return found


def _replace(staging: Path, target: Path) -> None:
    """Put the complete folder `staging` at `target`, replacing an earlier export."""
    from textladder.model_dir import current_umask

    for file in staging.iterdir():
        with open(file, "rb") as handle:
            os.fsync(handle.fileno())
    os.chmod(staging, 0o777 & ~current_umask())  # mkdtemp makes it private; a model is not
    previous = target.with_name(f".{target.name}.previous")
    if previous.exists():
        shutil.rmtree(previous)
    if target.exists():
        os.replace(target, previous)
    os.replace(staging, target)
    shutil.rmtree(previous, ignore_errors=True)


def read_record(model_dir: Path) -> dict[str, Any]:
    """The `export.json` of the model at `model_dir`, or a one-line error saying to export."""
    path = Path(model_dir) / EXPORT_DIR / RECORD_FILE
    if not path.is_file():
        raise TextladderError(f"'{model_dir}' has no ONNX export; run `textladder export "
                              f"{model_dir}` first (add --texts VALID_FILE to choose it on "
                              f"validation texts), or predict with --runtime default.")
    try:
        record = json.loads(path.read_text(encoding="utf-8"))
    except (ValueError, UnicodeDecodeError) as error:
        raise TextladderError(f"'{path}' is not valid JSON ({error}); run `textladder export "
                              f"{model_dir}` again.") from None
    if not isinstance(record, dict) or not isinstance(record.get("format"), int):
        raise TextladderError(f"'{path}' is not an export record; run `textladder export "
                              f"{model_dir}` again.")
    if record["format"] > FORMAT:
        raise TextladderError(f"the ONNX export in '{model_dir}' was written by a newer "
                              f"textladder (format {record['format']}); upgrade textladder, or "
                              f"run `textladder export {model_dir}` again.")
    return record


def check_installed() -> None:
    import importlib.util

    if any(importlib.util.find_spec(m) is None for m in ("onnx", "onnxruntime")):
        raise TextladderError(NEEDS_ONNX)
