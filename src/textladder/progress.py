"""Progress reporting that library code can call and front ends can draw.

Library code asks a `Progress` for a step (`with progress.step("fit C=1", total=10) as step:
step.advance()`); the default draws nothing, the command line passes a rich progress bar. Library
code never prints.
"""

from __future__ import annotations

from contextlib import contextmanager
from collections.abc import Iterator


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
