"""Progress bars for long commands: on stderr, only when stderr is a terminal, never with
``--json``. The core takes a plain ``progress(done, total)`` callback (or None) from here and
never knows about terminals."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

Advance = Callable[[int, int], None]


def wanted(as_json: bool = False) -> bool:
    """Bars are drawn only for a person watching: stderr a terminal, output not JSON."""
    return not as_json and sys.stderr.isatty()


class Bars:
    """One command's bars; :meth:`task` gives the callback of one step (None when off)."""

    def __init__(self, progress: object | None) -> None:
        self._progress = progress

    def task(self, description: str) -> Advance | None:
        """A new bar named ``description``; the returned callback sets its count and total."""
        progress = self._progress
        if progress is None:
            return None
        task_id = progress.add_task(description, total=None)  # type: ignore[attr-defined]

        def advance(done: int, total: int) -> None:
            progress.update(task_id, completed=done, total=total)  # type: ignore[attr-defined]

        return advance


@contextlib.contextmanager
def progress_bars(as_json: bool = False) -> Iterator[Bars]:
    """The bars of one command, removed from the terminal when it ends."""
    if not wanted(as_json):
        yield Bars(None)
        return
    from rich.console import Console
    from rich.progress import (
        BarColumn,
        MofNCompleteColumn,
        Progress,
        TextColumn,
        TimeRemainingColumn,
    )

    columns = (TextColumn("{task.description}", markup=False), BarColumn(),
               MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as progress:
        yield Bars(progress)


@contextlib.contextmanager
def progress_bar(description: str, as_json: bool = False) -> Iterator[Advance | None]:
    """One bar: yields its callback, or None when no bar is wanted."""
    with progress_bars(as_json) as bars:
        yield bars.task(description)
