"""Queries of the import bookkeeping: which files were imported already (by content)."""

from __future__ import annotations

import sqlite3


def was_imported(conn: sqlite3.Connection, sha: str, kind: str = "codings") -> bool:
    """True when a file with this content (SHA-256) was imported before."""
    return conn.execute("SELECT 1 FROM imports WHERE sha = ? AND kind = ?",
                        (sha, kind)).fetchone() is not None


def record_import(conn: sqlite3.Connection, sha: str, path: str, at: str, rows: int,
                  kind: str = "codings") -> None:
    """Remember that the file at ``path`` (relative to the project) was imported."""
    conn.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?)", (sha, kind, path, at, rows))
