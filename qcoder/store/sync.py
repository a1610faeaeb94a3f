"""Queries of imports: which files came in already (by content), and a codings file's rows
staged, checked and written."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Mapping

from .bulk import BulkCodings, MemoPolicy, ensure_coders, write_codings, write_reviews
from .connection import chunks


def was_imported(conn: sqlite3.Connection, sha: str, kind: str = "codings") -> bool:
    """True when a file with this content (SHA-256) was imported before."""
    return conn.execute("SELECT 1 FROM imports WHERE sha = ? AND kind = ?",
                        (sha, kind)).fetchone() is not None


def record_import(conn: sqlite3.Connection, sha: str, path: str, at: str, rows: int,
                  kind: str = "codings") -> None:
    """Remember that the file at ``path`` (relative to the project) was imported."""
    conn.execute("INSERT INTO imports VALUES (?, ?, ?, ?, ?)", (sha, kind, path, at, rows))


# -- a codings CSV: rows staged, checked, then written by the bulk writer ---------------------
def open_staging(conn: sqlite3.Connection) -> None:
    """An empty temporary table for the rows of one codings file."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS staging (line INTEGER, excerpt_id INTEGER, "
                 "code_id TEXT, coder TEXT, memo TEXT, created TEXT)")
    conn.execute("DELETE FROM staging")


def stage(conn: sqlite3.Connection, rows: Iterable[tuple]) -> None:
    """Stage ``(line, excerpt_id, code_id, coder, memo, created)`` rows (code '' = reviewed,
    no code; created None = now)."""
    conn.executemany("INSERT INTO staging VALUES (?, ?, ?, ?, ?, ?)", rows)


def staged_exclusive_conflict(conn: sqlite3.Connection, member: dict[str, str]
                              ) -> tuple[int, str, str, int | None, str] | None:
    """The first staged row that gives a coder a second code of one exclusive group on one
    excerpt (with another staged row, or with a coding already stored): ``(line, code,
    other code, other's line or None, group)``. ``member`` maps child code to group."""
    if not member:
        return None
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS exclusive_member (code_id TEXT PRIMARY KEY, "
                 "group_id TEXT)")
    conn.execute("DELETE FROM exclusive_member")
    conn.executemany("INSERT INTO exclusive_member VALUES (?, ?)", member.items())
    return conn.execute("""
        WITH chosen AS (
            SELECT s.line, s.excerpt_id, s.coder, s.code_id, m.group_id FROM staging s
            JOIN exclusive_member m ON m.code_id = s.code_id)
        SELECT a.line, a.code_id, b.code_id, b.line, a.group_id FROM chosen a
        JOIN (SELECT line, excerpt_id, coder, code_id, group_id FROM chosen
              UNION ALL
              SELECT NULL, c.excerpt_id, c.coder, c.code_id, m.group_id FROM codings c
              JOIN exclusive_member m ON m.code_id = c.code_id
              WHERE EXISTS (SELECT 1 FROM chosen x WHERE x.excerpt_id = c.excerpt_id
                            AND x.coder = c.coder)) b
          ON b.excerpt_id = a.excerpt_id AND b.coder = a.coder AND b.group_id = a.group_id
         AND b.code_id != a.code_id AND (b.line IS NULL OR b.line < a.line)
        ORDER BY a.line LIMIT 1""").fetchone()


def write_staged(conn: sqlite3.Connection, coders: Iterable[str], at: str,
                 stamps: Mapping[str, tuple[str, str]] | None = None) -> tuple[int, int]:
    """Write the staged rows: coders, codings (a memo fills an empty one, never replaces
    one; a new one gets its code's stamp from ``stamps``) and a review per row, dated ``at``
    when the row has no time. Returns (codings written, reviews added) and empties the
    staging table."""
    ensure_coders(conn, coders, at)
    written = write_codings(conn, """SELECT excerpt_id, code_id, coder, COALESCE(created, ?),
        memo FROM staging WHERE code_id != ''""", (at,), MemoPolicy.FILL_NULL, stamps=stamps)
    reviews = write_reviews(conn, "SELECT excerpt_id, coder, COALESCE(created, ?) FROM staging "
                                  "WHERE true", (at,))
    conn.execute("DELETE FROM staging")
    return written.changes, reviews


# -- a REFI-QDA project: codings, reviews and excerpt memos by excerpt identity ---------------
def excerpt_ids_by_identity(conn: sqlite3.Connection, identities: list[str]) -> dict[str, int]:
    """The ids of the active excerpts with these identities."""
    ids: dict[str, int] = {}
    for chunk in chunks(identities, 500):
        ids.update(conn.execute(f"SELECT identity, id FROM excerpts WHERE active = 1 AND "
                                f"identity IN ({','.join('?' * len(chunk))})", chunk))
    return ids


def write_refi_codings(conn: sqlite3.Connection, rows: list[tuple[int, str, str, str | None]],
                       at: str, stamps: Mapping[str, tuple[str, str]] | None = None
                       ) -> BulkCodings:
    """Write ``(excerpt_id, code_id, coder, memo)`` codings dated ``at`` (a memo fills an
    empty or blank one, a differing one is kept and counted; a new one gets its code's stamp
    from ``stamps``) and mark their excerpts reviewed by their coders."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS refi_codings (excerpt_id INTEGER, "
                 "code_id TEXT, coder TEXT, memo TEXT)")
    conn.execute("DELETE FROM refi_codings")
    conn.executemany("INSERT INTO refi_codings VALUES (?, ?, ?, ?)", rows)
    written = write_codings(conn, "SELECT excerpt_id, code_id, coder, ? AS created, memo "
                                  "FROM refi_codings WHERE true", (at,), MemoPolicy.FILL_BLANK,
                           stamps=stamps)
    write_reviews(conn, "SELECT DISTINCT excerpt_id, coder, ? FROM refi_codings WHERE true",
                  (at,))
    conn.execute("DELETE FROM refi_codings")
    return written


def add_reviews(conn: sqlite3.Connection, rows: list[tuple[int, str, str]]) -> int:
    """Add ``(excerpt_id, coder, reviewed_at)`` reviews not there yet; how many were added."""
    before = conn.total_changes
    conn.executemany("INSERT OR IGNORE INTO reviews VALUES (?, ?, ?)", rows)
    return conn.total_changes - before


def add_excerpt_memo(conn: sqlite3.Connection, excerpt_id: int, coder: str, text: str,
                     at: str) -> str | None:
    """Give ``coder``'s excerpt a memo unless it has one; returns the memo it had (None:
    it had none, and now has ``text``)."""
    old = conn.execute("SELECT text FROM memos WHERE excerpt_id = ? AND coder = ?",
                       (excerpt_id, coder)).fetchone()
    if old is None:
        conn.execute("INSERT INTO memos VALUES (?, ?, ?, ?)", (excerpt_id, coder, text, at))
        return None
    return old[0]
