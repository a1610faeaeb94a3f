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


def suggestion_rows(store: Connection, *, source: str | None = None,
                    code_ids: Sequence[str] = (), status: str | None = None,
                    ids: Sequence[int] = (), hidden: Sequence[int] = ()) -> list[dict[str, Any]]:
    """Suggestions on active excerpts with their references, in corpus order; ``hidden``
    excerpts left out."""
    where, params = ["e.active = 1"], []
    if source is not None:
        where.append("s.source = ?")
        params.append(source)
    if code_ids:
        where.append(f"s.code_id IN ({','.join('?' * len(code_ids))})")
        params += list(code_ids)
    if status is not None:
        where.append("s.status = ?")
        params.append(status)
    if ids:
        where.append(f"s.id IN ({','.join('?' * len(ids))})")
        params += list(ids)
    if hidden:
        where.append(f"s.excerpt_id NOT IN ({','.join('?' * len(hidden))})")
        params += list(hidden)
    rows = store.conn.execute(
        f"""SELECT s.id, s.source, s.excerpt_id, d.case_id, d.stem, e.n, s.code_id, s.reason,
            s.status, s.decided_by, s.decided_at, s.created, r.model
            FROM suggestions s JOIN excerpts e ON e.id = s.excerpt_id
            JOIN documents d ON d.id = e.document_id JOIN cases c ON c.id = d.case_id
            JOIN suggestion_runs r ON r.id = s.run_id
            WHERE {' AND '.join(where)} ORDER BY c.position, d.case_id, d.stem, e.n, s.code_id,
            s.source""", params).fetchall()
    keys = ("id", "source", "excerpt_id", "case_id", "stem", "n", "code_id", "reason",
            "status", "decided_by", "decided_at", "created", "model")
    return [dict(zip(keys, r, strict=True)) for r in rows]


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
    where, params = "", []
    if case_ids:
        where = f" AND d.case_id IN ({','.join('?' * len(case_ids))})"
        params = list(case_ids)
    sql = (f"""SELECT e.id, d.case_id, d.stem, COALESCE(e.speaker, ''), e.n, e.text
        FROM excerpts e JOIN documents d ON d.id = e.document_id AND d.active = 1
        JOIN cases c ON c.id = d.case_id WHERE e.active = 1{where}
        ORDER BY c.position, d.case_id, d.stem, e.n""")
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    return store.conn.execute(sql, params).fetchall()
