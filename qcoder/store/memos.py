"""SQL of one coder's memos, both kinds, for browsing them."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass

from ..project.corpus import format_ref


@dataclass(frozen=True)
class MemoRow:
    """A memo of a coder: on an excerpt (``code_id`` None) or on one coding."""

    excerpt_id: int
    ref: str
    code_id: str | None
    text: str


def memos_of(conn: sqlite3.Connection, coder: str) -> list[MemoRow]:
    """Every non-empty memo ``coder`` wrote on an active excerpt, in reading order (case,
    document, excerpt), the excerpt's memo before its coding memos."""
    rows = conn.execute("""
        SELECT x.excerpt_id, d.case_id, d.stem, e.n, x.code_id, x.text FROM (
            SELECT excerpt_id, NULL AS code_id, text, 0 AS kind FROM memos WHERE coder = ?
            UNION ALL
            SELECT excerpt_id, code_id, memo, 1 FROM codings WHERE coder = ? AND memo IS NOT NULL
        ) x JOIN excerpts e ON e.id = x.excerpt_id AND e.active = 1
        JOIN documents d ON d.id = e.document_id
        WHERE trim(x.text) != ''
        ORDER BY d.case_id, d.stem, e.n, x.kind, x.code_id""", (coder, coder)).fetchall()
    return [MemoRow(r[0], format_ref(r[1], r[2], r[3]), r[4], r[5]) for r in rows]
