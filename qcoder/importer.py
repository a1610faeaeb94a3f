"""``qcoder import``: the codebook, the cases and the seed codings of a project, into the store."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable

from .exchange.codings_csv import file_sha, import_codings
from .project.codebook import Codebook, load_codebook
from .project.corpus import Case, load_corpus, skipped_warning
from .project.folder import Project
from .project.outside import check_inside
from .store import sync
from .store.database import Store, SyncReport, now

Progress = Callable[[int, int], None]


def import_project(project: Project, store: Store, allow_orphans: bool = False,
                   reading: Progress | None = None, storing: Progress | None = None
                   ) -> SyncReport:
    """Load or refresh everything in one transaction: it all lands, or nothing does.

    Idempotent. Codings on excerpts that changed or vanished stay, as orphaned; a codebook
    that drops a code with codings is refused unless ``allow_orphans``. Each CSV in
    ``codings/`` is imported once (by content), so the demo's codings arrive on first import.
    ``reading`` and ``storing`` are called as ``(done, total)``: per case read, per document
    stored.
    """
    codebook = load_codebook(project.codebook_path())
    cases = load_corpus(project.cases_dir, project.within, reading)
    with store.transaction() as conn:
        return sync_project(project, store, conn, codebook, cases, allow_orphans, storing)


def sync_project(project: Project, store: Store, conn: sqlite3.Connection, codebook: Codebook,
                 cases: list[Case], allow_orphans: bool = False,
                 progress: Progress | None = None) -> SyncReport:
    """The body of :func:`import_project` inside the caller's transaction, on a codebook and
    cases already loaded (``qcoder import qdpx`` adds documents not yet on disk)."""
    report = SyncReport()
    report.warnings = [w for case in cases for doc in case.documents for w in doc.warnings]
    report.warnings += [skipped_warning(f) for case in cases for f in case.skipped]
    store.sync_codebook(conn, codebook, allow_orphans, report)
    store.sync_corpus(conn, cases, report, progress)
    seeds = sorted(project.codings_dir.glob("*.csv")) if project.codings_dir.is_dir() else []
    for path in seeds:
        check_inside(path, project.within)
        sha = file_sha(path)
        if sync.was_imported(conn, sha):
            continue
        result = import_codings(store, codebook, path, conn)
        sync.record_import(conn, sha, path.relative_to(project.root).as_posix(), now(),
                           result.rows)
        report.seed_files.append((path.name, result.codings_added))
    return report


def needs_import(store: Store) -> bool:
    """True for a database that has never imported the project."""
    return not store.has_documents()


def import_codebook(project: Project, store: Store) -> tuple[Codebook, SyncReport]:
    """Re-read the codebook file and store it as ``qcoder import`` does, cases untouched:
    the workbench's live reload. Raises :class:`CodebookError` (``FILE:LINE: ...``) for a
    file that does not lint, and :class:`QcoderError` when it drops a code that has codings;
    either way the store keeps the codebook it had. Returns the codebook as now stored."""
    codebook = load_codebook(project.codebook_path())
    report = SyncReport()
    with store.transaction() as conn:
        store.sync_codebook(conn, codebook, False, report)
    return store.codebook(), report
