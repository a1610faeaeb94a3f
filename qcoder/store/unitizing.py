"""Reads for agreement on spans: each coder's coded spans and the documents they reviewed."""

from __future__ import annotations

import sqlite3


def document_lengths(conn: sqlite3.Connection) -> list[tuple[int, str, str, int]]:
    """(document id, case id, stem, length of its text in code points) of active documents,
    in case and document order."""
    return conn.execute("""SELECT d.id, d.case_id, d.stem, LENGTH(d.text) FROM documents d
        JOIN cases c ON c.id = d.case_id WHERE d.active = 1
        ORDER BY c.position, d.case_id, d.stem""").fetchall()


def reviewed_documents(conn: sqlite3.Connection) -> set[tuple[int, str]]:
    """(document id, coder) for every document a coder reviewed an active excerpt of."""
    return set(conn.execute("""SELECT DISTINCT e.document_id, r.coder FROM reviews r
        JOIN excerpts e ON e.id = r.excerpt_id WHERE e.active = 1"""))


def coded_spans(conn: sqlite3.Connection) -> list[tuple[int, str, str, int, int]]:
    """(document id, coder, code, start, end) of every coding on an active excerpt."""
    return conn.execute("""SELECT e.document_id, c.coder, c.code_id, e.start, e."end"
        FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE e.active = 1""").fetchall()
