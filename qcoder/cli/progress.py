"""Progress bars for long commands: on stderr, only when stderr is a terminal, never with
``--json``. The core takes a plain ``progress(done, total)`` callback (or None) from here and
never knows about terminals."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

Advance = Callable[[int, int], None]


def wanted(off: bool = False) -> bool:
    """Bars are drawn only for a person watching: stderr a terminal, and not ``off`` (the
    command prints JSON, or writes its output to the same terminal)."""
    return not off and sys.stderr.isatty()


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
def progress_bars(off: bool = False) -> Iterator[Bars]:
    """The bars of one command, removed from the terminal when it ends; none when ``off``
    (give ``as_json``) or stderr is not a terminal."""
    if not wanted(off):
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
    # stdout is the command's output: never routed through the bars' console
    with Progress(*columns, console=Console(stderr=True), transient=True,
                  redirect_stdout=False, redirect_stderr=False) as progress:
        yield Bars(progress)


@contextlib.contextmanager
def progress_bar(description: str, off: bool = False) -> Iterator[Advance | None]:
    """One bar: yields its callback, or None when no bar is wanted."""
    with progress_bars(off) as bars:
        yield bars.task(description)
