"""Progress reporting that library code can call and front ends can draw.

Library code asks a `Progress` for a step (`with progress.step("fit C=1", total=10) as step:
step.advance()`); the default draws nothing; the command line passes a rich progress bar on a
terminal and `LineProgress` (a plain line every few seconds) when output goes to a file or a
pipe. `Throughput` counts items through a step and says how fast they go. Library code never
prints.
"""

from __future__ import annotations

import sys
import time
from contextlib import contextmanager
from collections.abc import Callable, Iterator


class Step:
    """One unit of long work, advanced as it goes."""

    def advance(self, amount: float = 1) -> None:
        """Mark `amount` more of the step done."""

    def update(self, description: str) -> None:
        """Replace the step's description (e.g. with the latest score)."""


class Progress:
    """Draws nothing. Subclasses draw."""

    @contextmanager
    def step(self, description: str, total: float | None = None) -> Iterator[Step]:
        yield Step()


class _RichStep(Step):
    def __init__(self, bar, task_id):
        self._bar, self._id = bar, task_id

    def advance(self, amount: float = 1) -> None:
        self._bar.advance(self._id, amount)

    def update(self, description: str) -> None:
        self._bar.update(self._id, description=description)


class RichProgress(Progress):
    """Progress bars on standard error, drawn with rich."""

    def __init__(self, console=None):
        from rich.console import Console

        self._console = console or Console(stderr=True)

    @contextmanager
    def step(self, description: str, total: float | None = None) -> Iterator[Step]:
        from rich.progress import (BarColumn, MofNCompleteColumn, Progress as Bar, SpinnerColumn,
                                   TextColumn, TimeElapsedColumn)

        columns = [SpinnerColumn(), TextColumn("{task.description}"), BarColumn(),
                   MofNCompleteColumn(), TimeElapsedColumn()]
        with Bar(*columns, console=self._console, transient=False) as bar:
            task_id = bar.add_task(description, total=total)
            yield _RichStep(bar, task_id)


class Throughput:
    """Counts items (rows) through a step, and says in its description how many and how fast."""

    def __init__(self, step: Step, what: str, unit: str = "rows",
                 clock: Callable[[], float] = time.monotonic):
        self.step, self.what, self.unit, self.clock = step, what, unit, clock
        self.count, self.started = 0, clock()

    def add(self, amount: int) -> None:
        self.count += amount
        seconds = max(self.clock() - self.started, 1e-9)
        self.step.update(f"{self.what}: {self.count:,} {self.unit} "
                         f"({self.count / seconds:,.0f} {self.unit}/s)")
        self.step.advance(amount)


class _LineStep(Step):
    def __init__(self, progress: "LineProgress", description: str, total: float | None):
        self.progress, self.description, self.total = progress, description, total
        self.done, self.started = 0.0, progress.clock()
        self.last, self.said = self.started, False

    def advance(self, amount: float = 1) -> None:
        self.done += amount
        self._maybe_say()

    def update(self, description: str) -> None:
        self.description = description
        self._maybe_say()

    def _maybe_say(self) -> None:
        now = self.progress.clock()
        if now - self.last >= self.progress.every:
            self.last, self.said = now, True
            self.progress.write(self._line(now))

    def _line(self, now: float) -> str:
        part = (f" {self.done:,.0f}/{self.total:,.0f}" if self.total else "")
        return f"{self.description}{part} ({now - self.started:,.0f} s)"


class LineProgress(Progress):
    """A plain line on standard error every `every` seconds of a step, and one when a step
    that said anything ends: progress for logs and pipes, where a bar would be noise. Steps
    shorter than `every` say nothing."""

    def __init__(self, stream=None, every: float = 5.0,
                 clock: Callable[[], float] = time.monotonic):
        self._stream, self.every, self.clock = stream, every, clock

    def write(self, line: str) -> None:
        stream = self._stream or sys.stderr  # looked up late: the caller may swap it
        stream.write(line + "\n")
        stream.flush()

    @contextmanager
    def step(self, description: str, total: float | None = None) -> Iterator[Step]:
        step = _LineStep(self, description, total)
        yield step
        if step.said:
            self.write(f"{step._line(self.clock())}: done")
