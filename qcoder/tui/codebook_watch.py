"""The codebook kept alive while coding: the file is watched (a ``stat`` every
:data:`WATCH_S`, nothing read while it stays the same) and, when it changes or on ``f5``,
re-imported into the store as ``qcoder import`` does, off the UI thread.

A file that does not lint, or one that drops a code that has codings, is refused with its
one line (``FILE:LINE: ...``) and the workbench goes on with the codebook it had.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from ..errors import QcoderError
from ..project.codebook import Codebook
from ..store.database import Store, SyncReport

if TYPE_CHECKING:
    from textual.screen import Screen

    from .session import Session

#: Seconds between two looks at the codebook file's size and modification time.
WATCH_S = 2.0

Stamp = tuple[str, int, int] | None


def file_stamp(session: Session) -> Stamp:
    """Path, modification time (ns) and size of the codebook file; None when there is none."""
    try:
        path = session.project.codebook_path()
        stat = path.stat()
    except (QcoderError, OSError):
        return None
    return str(path), stat.st_mtime_ns, stat.st_size


def changes(report: SyncReport) -> str:
    """What a reload changed, in a few words ("" when nothing did)."""
    parts = []
    if report.codes_added:
        parts.append(f"{report.codes_added} added")
    if report.codes_changed:
        parts.append(f"{len(report.codes_changed)} changed")
    if report.codes_removed:
        parts.append(f"{report.codes_removed} removed")
    if report.codebook_changed:
        parts.append(f"{', '.join(report.codebook_changed)} changed")
    return ", ".join(parts)


class CodebookWatch:
    """Watches one session's codebook for a screen; ``apply`` receives a new codebook."""

    def __init__(self, screen: Screen, apply: Callable[[Codebook], None]) -> None:
        self.screen = screen
        self.apply = apply
        self.stamp: Stamp = None

    @property
    def session(self) -> Session:
        return self.screen.app.session  # type: ignore[attr-defined]

    def start(self) -> None:
        self.stamp = file_stamp(self.session)
        self.screen.set_interval(WATCH_S, self.poll)

    def poll(self) -> None:
        stamp = file_stamp(self.session)
        if stamp != self.stamp:
            self.stamp = stamp
            self.reload(asked=False)

    def reload(self, asked: bool = True) -> None:
        """Re-import the codebook in a worker; ``asked``: say so even when nothing changed."""
        session = self.session
        self.screen.run_worker(lambda: self._import(session, asked), thread=True,
                               group="codebook", exclusive=True, exit_on_error=False)

    def _import(self, session: Session, asked: bool) -> None:
        from ..importer import import_codebook  # loaded on the first reload, not at start

        call = self.screen.app.call_from_thread
        try:
            with Store(session.store.path, timeout=session.store.timeout) as store:
                codebook, report = import_codebook(session.project, store)
        except (QcoderError, sqlite3.Error) as exc:
            call(self._refused, session.short(str(exc)))
            return
        call(self._imported, codebook, report, asked)

    def _refused(self, message: str) -> None:
        self.screen.notify(f"{message} · still coding with the codebook as it was",
                           title="Codebook not reloaded", severity="error", timeout=20)

    def _imported(self, codebook: Codebook, report: SyncReport, asked: bool) -> None:
        changed = changes(report)
        differs = codebook != self.session.codebook  # another qcoder imported it first
        if differs:
            self.apply(codebook)
        if changed or differs or asked:
            name = Path(self.stamp[0]).name if self.stamp else "codebook"
            self.screen.notify(f"{name}: {len(codebook)} codes"
                               + (f" ({changed})" if changed else
                                  "" if differs else ", nothing changed"),
                               title="Codebook reloaded", timeout=6)
