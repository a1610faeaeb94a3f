"""Selection excerpts made in qcoder: spans of a document stored in the database.

A span coded in the workbench or from a CSV's ``start,end`` (or ``quote``) columns becomes an
excerpt row of its own with ``selection = k`` (1, 2, ... per document, never reused) and
``n = -k``, so its reference ``case/stem#sk`` never collides with a paragraph's ``#n`` and
keeps its number whatever happens to the paragraphs. Its ``text`` is its quote; ``start``
and ``end`` are code points of the document's plain text (0-based, end exclusive). Speaker,
section, page and times are those of the paragraph it starts in.

Re-importing a changed document re-anchors each selection by its quote (the occurrence
nearest to where it was); a selection whose quote is gone is kept as orphaned, codings and
all, and comes back when the quote does.
"""

from __future__ import annotations

import hashlib
import sqlite3
from dataclasses import dataclass, field


@dataclass
class Reanchored:
    """What re-importing one document did to its selections."""

    moved: int = 0
    orphaned: int = 0
    codings_orphaned: int = 0
    orphaned_refs: list[tuple[int, int]] = field(default_factory=list)  # (row id, n)
    restored: int = 0


def span_identity(case_id: str, stem: str, start: int, end: int, text: str) -> str:
    """Content identity of a selection: its document, offsets and quote."""
    digest = hashlib.sha1(f"{case_id}/{stem}\0span\0{start}\0{end}\0{text}".encode())
    return digest.hexdigest()[:24]


def document_of(conn: sqlite3.Connection, case_id: str, stem: str
                ) -> tuple[int, str] | None:
    """(id, plain text) of an active document, or None."""
    return conn.execute("SELECT id, text FROM documents WHERE case_id = ? AND stem = ? AND "
                        "active = 1", (case_id, stem)).fetchone()


def document_key(conn: sqlite3.Connection, document_id: int) -> tuple[str, str, str] | None:
    """(case id, stem, plain text) of an active document, or None."""
    return conn.execute("SELECT case_id, stem, text FROM documents WHERE id = ? AND active = 1",
                        (document_id,)).fetchone()


def excerpt_span(conn: sqlite3.Connection, excerpt_id: int) -> tuple[int, int, str] | None:
    """(document id, start, text) of an active excerpt, or None."""
    return conn.execute("SELECT document_id, start, text FROM excerpts WHERE id = ? AND "
                        "active = 1", (excerpt_id,)).fetchone()


def excerpt_at(conn: sqlite3.Connection, document_id: int, start: int, end: int) -> int | None:
    """An active excerpt of the document with exactly these offsets (a paragraph or a
    front-matter selection first, then a selection made in qcoder)."""
    row = conn.execute("""SELECT id FROM excerpts WHERE document_id = ? AND active = 1
        AND start = ? AND "end" = ? ORDER BY selection IS NOT NULL, id LIMIT 1""",
                       (document_id, start, end)).fetchone()
    return row[0] if row else None


def _host(conn: sqlite3.Connection, document_id: int, start: int) -> tuple | None:
    """(start, end, speaker, section, page, media start, media end) of the paragraph a span
    starting at ``start`` lies in (the last one starting at or before it)."""
    return conn.execute("""SELECT start, "end", speaker, section, page, media_start, media_end
        FROM excerpts WHERE document_id = ? AND active = 1 AND n > 0 AND start <= ?
        ORDER BY start DESC, n LIMIT 1""", (document_id, start)).fetchone()


def _context(conn: sqlite3.Connection, document_id: int, start: int) -> tuple:
    """(speaker, section, page, media start, media end) a span starting at ``start`` takes."""
    host = _host(conn, document_id, start)
    if host is None:
        return None, None, None, None, None
    inside = start < host[1]
    return (host[2] if inside else None, host[3], host[4], host[5] if inside else None,
            host[6] if inside else None)


def create(conn: sqlite3.Connection, document_id: int, start: int, end: int) -> int:
    """The excerpt for this span: an active one with these offsets if there is one, else a
    selection brought back (it had these offsets and quote) or a new one. Returns its id."""
    found = excerpt_at(conn, document_id, start, end)
    if found is not None:
        return found
    case_id, stem, text = document_key(conn, document_id)
    quote = text[start:end]
    identity = span_identity(case_id, stem, start, end, quote)
    context = _context(conn, document_id, start)
    old = conn.execute("SELECT id FROM excerpts WHERE identity = ?", (identity,)).fetchone()
    if old is not None:
        conn.execute("""UPDATE excerpts SET active = 1, speaker = ?, section = ?, page = ?,
            media_start = ?, media_end = ? WHERE id = ?""", (*context, old[0]))
        return int(old[0])
    k = int(conn.execute("SELECT COALESCE(MAX(selection), 0) + 1 FROM excerpts "
                         "WHERE document_id = ?", (document_id,)).fetchone()[0])
    cur = conn.execute("""INSERT INTO excerpts (identity, document_id, n, start, "end",
        speaker, section, text, page, media_start, media_end, active, selection)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1, ?)""",
                       (identity, document_id, -k, start, end, *context[:2], quote,
                        *context[2:], k))
    return int(cur.lastrowid)


def reanchor(conn: sqlite3.Connection, document_id: int, case_id: str, stem: str,
             text: str) -> Reanchored:
    """Re-anchor the document's selections in its new ``text`` (after its paragraphs are
    stored): by their quote, the occurrence nearest their old start; orphan the rest."""
    result = Reanchored()
    rows = conn.execute("""SELECT id, n, start, "end", text, active FROM excerpts
        WHERE document_id = ? AND selection IS NOT NULL ORDER BY selection""",
                        (document_id,)).fetchall()
    taken: set[tuple[int, int]] = set()
    for row_id, n, start, end, quote, active in rows:
        span = _nearest(text, quote, start)
        identity = span_identity(case_id, stem, *span, quote) if span else None
        clash = identity is not None and (span in taken or conn.execute(
            "SELECT 1 FROM excerpts WHERE identity = ? AND id != ?",
            (identity, row_id)).fetchone() is not None)
        if span is None or clash:
            if active:
                conn.execute("UPDATE excerpts SET active = 0 WHERE id = ?", (row_id,))
                result.orphaned += 1
                count = conn.execute("SELECT COUNT(*) FROM codings WHERE excerpt_id = ?",
                                     (row_id,)).fetchone()[0]
                if count:
                    result.codings_orphaned += count
                    result.orphaned_refs.append((row_id, n))
            continue
        taken.add(span)
        if span != (start, end):
            result.moved += 1
        if not active:
            result.restored += 1
        conn.execute("""UPDATE excerpts SET identity = ?, start = ?, "end" = ?, speaker = ?,
            section = ?, page = ?, media_start = ?, media_end = ?, active = 1 WHERE id = ?""",
                     (identity, *span, *_context(conn, document_id, span[0]), row_id))
    return result


def _nearest(text: str, quote: str, start: int) -> tuple[int, int] | None:
    """The span of the occurrence of ``quote`` in ``text`` nearest to ``start``."""
    best: int | None = None
    pos = text.find(quote)
    while pos >= 0:
        if best is None or abs(pos - start) < abs(best - start):
            best = pos
        if pos > start:
            break
        pos = text.find(quote, pos + 1)
    return None if best is None or not quote else (best, best + len(quote))


def of_document(conn: sqlite3.Connection, document_id: int, coder: str
                ) -> list[tuple[int, int, int, int, str]]:
    """``coder``'s selections of a document: (id, n, start, end, text) of the active
    selection excerpts on which this coder has a coding, in order of their start."""
    return conn.execute("""SELECT e.id, e.n, e.start, e."end", e.text FROM excerpts e
        WHERE e.document_id = ? AND e.active = 1 AND e.selection IS NOT NULL
        AND EXISTS (SELECT 1 FROM codings k WHERE k.excerpt_id = e.id AND k.coder = ?)
        ORDER BY e.start, e."end", e.n DESC""", (document_id, coder)).fetchall()


def codes_by_excerpt(conn: sqlite3.Connection, ids: list[int], coder: str
                     ) -> dict[int, list[str]]:
    """``coder``'s code ids on each of these excerpts."""
    out: dict[int, list[str]] = {i: [] for i in ids}
    if not ids:
        return out
    marks = ",".join("?" * len(ids))
    for excerpt_id, code_id in conn.execute(
            f"SELECT excerpt_id, code_id FROM codings WHERE coder = ? AND excerpt_id IN "
            f"({marks}) ORDER BY created, code_id", (coder, *ids)):
        out[excerpt_id].append(code_id)
    return out


def host_id(conn: sqlite3.Connection, excerpt_id: int) -> int | None:
    """The active paragraph a selection excerpt starts in (None: not a selection, or no
    such paragraph)."""
    row = conn.execute("""SELECT p.id FROM excerpts e JOIN excerpts p
        ON p.document_id = e.document_id AND p.active = 1 AND p.n > 0 AND p.start <= e.start
        WHERE e.id = ? AND e.selection IS NOT NULL ORDER BY p.start DESC, p.n LIMIT 1""",
                       (excerpt_id,)).fetchone()
    return row[0] if row else None
