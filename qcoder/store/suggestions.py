"""Suggestions: codes proposed by a search or a language model, kept apart from codings.

A suggestion is never a coding. A *run* records what a source looked at (its excerpts and
codes), so that a source can be measured against the coders like one more coder: an
excerpt it examined without suggesting a code is *absent* for that code, one it never
examined is *missing*.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .connection import Connection

SCHEMA = """
CREATE TABLE suggestion_runs (
    id INTEGER PRIMARY KEY, source TEXT NOT NULL, kind TEXT NOT NULL,
    detail TEXT NOT NULL DEFAULT '', model TEXT, prompt_hash TEXT, created TEXT NOT NULL,
    made_by TEXT);
CREATE TABLE suggestion_scope (
    run_id INTEGER NOT NULL REFERENCES suggestion_runs(id), excerpt_id INTEGER NOT NULL
    REFERENCES excerpts(id), code_id TEXT NOT NULL, PRIMARY KEY (run_id, excerpt_id, code_id));
CREATE TABLE suggestions (
    id INTEGER PRIMARY KEY, run_id INTEGER NOT NULL REFERENCES suggestion_runs(id),
    source TEXT NOT NULL, excerpt_id INTEGER NOT NULL REFERENCES excerpts(id),
    code_id TEXT NOT NULL, reason TEXT NOT NULL DEFAULT '', created TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'open', decided_by TEXT, decided_at TEXT,
    UNIQUE (source, excerpt_id, code_id));
CREATE INDEX suggestions_excerpt ON suggestions (excerpt_id);
CREATE INDEX suggestion_scope_code ON suggestion_scope (code_id, excerpt_id)
"""


def insert_run(conn: sqlite3.Connection, values: dict[str, Any]) -> int:
    """A new run: source, kind (search or ai), detail, model, prompt hash, created, made_by."""
    cur = conn.execute(
        "INSERT INTO suggestion_runs (source, kind, detail, model, prompt_hash, created, "
        "made_by) VALUES (:source, :kind, :detail, :model, :prompt_hash, :created, :made_by)",
        values)
    return int(cur.lastrowid)


def add_scope(conn: sqlite3.Connection, run_id: int,
              pairs: Iterable[tuple[int, str]]) -> None:
    """What the run examined: (excerpt id, code id) pairs."""
    conn.executemany("INSERT OR IGNORE INTO suggestion_scope VALUES (?, ?, ?)",
                     ((run_id, e, c) for e, c in pairs))


def add_suggestions(conn: sqlite3.Connection, run_id: int, source: str, created: str,
                    rows: Iterable[tuple[int, str, str]]) -> int:
    """Record (excerpt id, code id, reason) suggestions; one a source already made is kept
    as it is. Returns how many are new."""
    before = conn.total_changes
    conn.executemany(
        "INSERT OR IGNORE INTO suggestions (run_id, source, excerpt_id, code_id, reason, "
        "created) VALUES (?, ?, ?, ?, ?, ?)",
        ((run_id, source, e, c, r, created) for e, c, r in rows))
    return conn.total_changes - before


class Where:
    """A ``WHERE`` clause built from conditions, each with its parameters; a condition
    on an empty list or a None value is left out (no filter)."""

    def __init__(self, *always: str) -> None:
        self.parts: list[str] = list(always)
        self.params: list[Any] = []

    def equals(self, column: str, value: Any) -> Where:
        if value is not None:
            self.parts.append(f"{column} = ?")
            self.params.append(value)
        return self

    def among(self, column: str, values: Sequence[Any], negate: bool = False) -> Where:
        if values:
            self.parts.append(f"{column} {'NOT ' if negate else ''}IN "
                              f"({','.join('?' * len(values))})")
            self.params.extend(values)
        return self

    def sql(self) -> str:
        return " AND ".join(self.parts) or "1"


ROW_KEYS = ("id", "source", "excerpt_id", "case_id", "stem", "n", "code_id", "reason",
            "status", "decided_by", "decided_at", "created", "model")


def suggestion_rows(store: Connection, *, source: str | None = None,
                    code_ids: Sequence[str] = (), status: str | None = None,
                    ids: Sequence[int] = (), hidden: Sequence[int] = (),
                    excerpt_id: int | None = None) -> list[dict[str, Any]]:
    """Suggestions on active excerpts with their references, in corpus order; ``hidden``
    excerpts left out (``excerpt_id``: those on that excerpt only)."""
    where = (Where("e.active = 1").equals("s.source", source).among("s.code_id", code_ids)
             .equals("s.status", status).among("s.id", ids)
             .among("s.excerpt_id", hidden, negate=True).equals("s.excerpt_id", excerpt_id))
    rows = store.conn.execute(
        f"""SELECT s.id, s.source, s.excerpt_id, d.case_id, d.stem, e.n, s.code_id, s.reason,
            s.status, s.decided_by, s.decided_at, s.created, r.model
            FROM suggestions s JOIN excerpts e ON e.id = s.excerpt_id
            JOIN documents d ON d.id = e.document_id JOIN cases c ON c.id = d.case_id
            JOIN suggestion_runs r ON r.id = s.run_id
            WHERE {where.sql()} ORDER BY c.position, d.case_id, d.stem, e.n, s.code_id,
            s.source""", where.params).fetchall()
    return [dict(zip(ROW_KEYS, r, strict=True)) for r in rows]


def status_of(conn: sqlite3.Connection, suggestion_id: int) -> str | None:
    """A suggestion's status now (None: no such suggestion)."""
    row = conn.execute("SELECT status FROM suggestions WHERE id = ?", (suggestion_id,)).fetchone()
    return None if row is None else str(row[0])


def reopen(conn: sqlite3.Connection, suggestion_id: int) -> None:
    """Undo a decision: the suggestion is open again, decided by nobody."""
    conn.execute("UPDATE suggestions SET status = 'open', decided_by = NULL, decided_at = NULL "
                 "WHERE id = ?", (suggestion_id,))


def decide(conn: sqlite3.Connection, suggestion_id: int, status: str, coder: str,
           at: str) -> None:
    """Mark a suggestion accepted or rejected by ``coder``."""
    conn.execute("UPDATE suggestions SET status = ?, decided_by = ?, decided_at = ? "
                 "WHERE id = ?", (status, coder, at, suggestion_id))


def sources(store: Connection) -> list[dict[str, Any]]:
    """Each source: its runs, suggestions and codes examined."""
    rows = store.conn.execute(
        """SELECT r.source, COUNT(DISTINCT r.id), GROUP_CONCAT(DISTINCT sc.code_id),
           (SELECT COUNT(*) FROM suggestions s WHERE s.source = r.source)
           FROM suggestion_runs r LEFT JOIN suggestion_scope sc ON sc.run_id = r.id
           GROUP BY r.source ORDER BY r.source""").fetchall()
    return [{"source": r[0], "runs": r[1], "codes": sorted((r[2] or "").split(",")) if r[2]
             else [], "suggestions": r[3]} for r in rows]


def scope_of(store: Connection, source: str) -> dict[str, list[int]]:
    """Code id → the excerpts the source examined for it."""
    out: dict[str, list[int]] = {}
    for code_id, excerpt_id in store.conn.execute(
            "SELECT DISTINCT sc.code_id, sc.excerpt_id FROM suggestion_scope sc JOIN "
            "suggestion_runs r ON r.id = sc.run_id WHERE r.source = ?", (source,)):
        out.setdefault(code_id, []).append(excerpt_id)
    return out


def suggested_by(store: Connection, source: str) -> dict[str, list[int]]:
    """Code id → the excerpts the source suggested it for (whatever became of them)."""
    out: dict[str, list[int]] = {}
    for code_id, excerpt_id in store.conn.execute(
            "SELECT code_id, excerpt_id FROM suggestions WHERE source = ?", (source,)):
        out.setdefault(code_id, []).append(excerpt_id)
    return out


def excerpt_texts(store: Connection, case_ids: Sequence[str] = (),
                  limit: int | None = None) -> list[tuple[int, str, str, str, int, str]]:
    """Active excerpts in corpus order: id, case id, stem, speaker, n, text."""
    where = Where("e.active = 1").among("d.case_id", case_ids)
    sql = (f"""SELECT e.id, d.case_id, d.stem, COALESCE(e.speaker, ''), e.n, e.text
        FROM excerpts e JOIN documents d ON d.id = e.document_id AND d.active = 1
        JOIN cases c ON c.id = d.case_id WHERE {where.sql()}
        ORDER BY c.position, d.case_id, d.stem, e.n""")
    if limit is not None:
        sql += " LIMIT ?"
        where.params.append(limit)
    return store.conn.execute(sql, where.params).fetchall()
