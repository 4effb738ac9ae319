"""The report: one self-contained HTML page that draws what training recorded.

    textladder report RUN_OR_MODEL_DIR [--out report.html] [--png]
    from textladder.report import write_report; write_report("runs/NAME")

It draws, from a run directory (a climb) or a model directory, and from nothing else:
- the data (`data.py`): class or label distribution and imbalance, text lengths with the maximum
  length, label co-occurrence, the problems `inspect` finds;
- the leaderboard of a climb (`leaderboard.py`);
- per model, each section in its own module (`MODEL_SECTIONS`): metrics, the confusion matrix,
  per-class bars, the importance of the columns beside the text, learning curves, threshold
  curves, residuals, calibration, the embedding map, the informative n-grams and the most
  confident mistakes. A section that does not apply to a
  model's task or family draws nothing.

It reads `config.json`, `leaderboard.json` and each model's `evaluation/` folder
(`textladder.evaluation`), and never loads a model to predict or trains one. It needs the
`report` extra (plotly); this package imports plotly only when it draws, so the rest of
textladder works without it (`available()`). PNG copies of the main charts (`--png`) also need
kaleido (`png.py`).
"""

from __future__ import annotations

import importlib.util
import os
import tempfile
from pathlib import Path

from textladder.errors import TextladderError
from textladder.model_dir import current_umask
from textladder.words import count

NEEDS_REPORT = ("the report needs plotly: pip install 'textladder[report]' (then run "
                "'textladder report' on the model or run directory).")
REPORT_NAME = "report.html"


def available() -> bool:
    """Whether the report's dependencies (plotly) are installed."""
    return importlib.util.find_spec("plotly") is not None


def default_output(path: str | Path) -> Path:
    """Where the report of `path` goes: `report.html` inside a run directory, or beside a
    model directory as `<name>.report.html` (the model directory holds the model only)."""
    from textladder.report.sources import LEADERBOARD

    path = Path(path)
    if (path / LEADERBOARD).is_file() or not (path / "config.json").is_file():
        return path / REPORT_NAME
    return path.parent / f"{path.name}.report.html"


def build_page(path: str | Path):
    """The `page.Page` of the run or model directory `path`, with every section drawn."""
    from textladder.report import data, leaderboard
    from textladder.report.page import Page
    from textladder.report.sources import read_source

    source = read_source(path)
    best = source.best
    models = ([best] if best else []) + [m for m in source.models if m is not best]
    task = best.task.name if best else "?"
    subtitle = f"{task} task" + (f", primary metric {best.task.primary_metric}" if best else "")
    if source.is_run:
        subtitle += f"; {count(len(source.models), 'model')}, best: {best.name if best else 'none'}"
    page = Page(f"textladder report: {Path(path).resolve().name}", subtitle)
    page.add("Data", data.build(source), "data")
    page.add("Leaderboard", leaderboard.build(source), "leaderboard")
    cache: dict = {}  # shared by the models' sections (one tf-idf map for all)
    for view in models:
        sections = model_sections(reads_text=not _ignores_texts(view.family))
        blocks = [block for section in sections for block in section(view, cache)]
        label = f"{view.name} (best)" if source.is_run and view is best else view.name
        page.add(label, blocks, f"model-{view.name}")
    return page


def _ignores_texts(family: str) -> bool:
    """Whether the family named `family` answers without reading the text (the baseline), by its
    registered class's `ignores_texts`; a family not installed here is taken to read it."""
    from textladder.families import get_family

    try:
        return get_family(family).ignores_texts
    except TextladderError:
        return False


def model_sections(reads_text: bool = True):
    """The per-model sections, in page order: each is `build(view, cache) -> blocks`. A model
    that does not read the text (the baseline: the majority class, or the mean) gets its scores
    only: its map, calibration and "confident" mistakes would be the same answer for every text."""
    from textladder.report import (confusion, embedding, features, learning, mistakes, ngrams,
                                   per_class, reliability, residuals, summary, thresholds)

    if not reads_text:
        return [summary.build, confusion.build, per_class.build]
    return [summary.build, confusion.build, per_class.build, features.build, learning.build,
            thresholds.build, residuals.build, reliability.build, embedding.build, ngrams.build,
            mistakes.build]


def write_report(path: str | Path, out: str | Path | None = None, png: bool = False) -> Path:
    """Draw the report of the run or model directory `path` into `out` (default:
    `default_output`; a folder: that file's name in it), atomically; with `png`, PNG copies of
    the main charts in a folder beside it. Returns the report's path."""
    if not available():
        raise TextladderError(NEEDS_REPORT)
    if png:
        from textladder.report.png import check_png

        check_png()
    if out is None:
        out = default_output(path)
    elif Path(out).is_dir() or str(out).endswith(("/", os.sep)):  # a folder: the usual name
        out = Path(out) / default_output(path).name
    out = Path(out)
    if out.parent.resolve() == Path(path).resolve() and (Path(path) / "config.json").is_file():
        raise TextladderError(f"--out '{out}' is inside the model directory, which holds the "
                              f"model only; write the report beside it or elsewhere.")
    page = build_page(path)
    text = page.html()
    out.parent.mkdir(parents=True, exist_ok=True)
    handle, staging = tempfile.mkstemp(prefix=f".{out.name}.", dir=out.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
        os.chmod(staging, 0o666 & ~current_umask())
        os.replace(staging, out)
    except BaseException:
        Path(staging).unlink(missing_ok=True)
        raise
    if png:
        from textladder.report.png import write_pngs

        write_pngs(page.charts, out.with_name(f"{out.stem}-png"))
    return out
