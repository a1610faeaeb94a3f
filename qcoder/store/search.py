"""Full-text search over excerpt text: an SQLite FTS5 index kept in step by triggers.

The index (``excerpt_text``) is an external-content FTS5 table over ``excerpts.text`` (the
text is stored once, in ``excerpts``): triggers add, change and remove its entries whenever
an excerpt row is written, whichever part of qcoder writes it (import, re-import, QDPX
import, merge). An import drops the triggers inside its transaction and indexes what it
wrote in bulk (:class:`BulkIndex`). Tokens are Unicode words, case and diacritics folded
(``Mexico`` finds ``México``); no stemming, since the corpora are multilingual:
``readmission*`` finds the plural.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .connection import Connection

#: Around each hit in :func:`marked` text (private-use characters, which no
#: document text is expected to hold; a text that does is still shown, only less marked).
HIT_OPEN, HIT_CLOSE = "\ue000", "\ue001"

#: Bytes of new index entries an FTS5 writer keeps in memory before it writes a segment.
HASH_SIZE = 8 * 1024 * 1024

#: The triggers that keep the index in step with ``excerpts``, by name.
TRIGGERS = {
    "excerpt_text_insert": """CREATE TRIGGER excerpt_text_insert AFTER INSERT ON excerpts
       BEGIN INSERT INTO excerpt_text (rowid, text) VALUES (new.id, new.text); END""",
    "excerpt_text_delete": """CREATE TRIGGER excerpt_text_delete AFTER DELETE ON excerpts
       BEGIN INSERT INTO excerpt_text (excerpt_text, rowid, text)
       VALUES ('delete', old.id, old.text); END""",
    "excerpt_text_update": """CREATE TRIGGER excerpt_text_update AFTER UPDATE OF text
       ON excerpts BEGIN
       INSERT INTO excerpt_text (excerpt_text, rowid, text) VALUES ('delete', old.id, old.text);
       INSERT INTO excerpt_text (rowid, text) VALUES (new.id, new.text); END""",
}


def drop_triggers(conn: sqlite3.Connection) -> None:
    """Drop the index's triggers (inside a transaction that recreates them)."""
    for name in TRIGGERS:
        conn.execute(f"DROP TRIGGER IF EXISTS {name}")


def create_triggers(conn: sqlite3.Connection) -> None:
    """Create the index's triggers."""
    for statement in TRIGGERS.values():
        conn.execute(statement)


def configure(conn: sqlite3.Connection) -> None:
    """Let a writer keep :data:`HASH_SIZE` bytes of new entries in memory (the default is
    1 MB): bulk indexing writes fewer, larger segments, a fifth less work. Stored in the
    index; an SQLite without the option keeps its default."""
    with contextlib.suppress(sqlite3.OperationalError):
        conn.execute("INSERT INTO excerpt_text (excerpt_text, rank) VALUES ('hashsize', ?)",
                     (HASH_SIZE,))


def rebuild(conn: sqlite3.Connection) -> None:
    """Index every stored excerpt anew, in one pass over ``excerpts``."""
    conn.execute("INSERT INTO excerpt_text (excerpt_text) VALUES ('rebuild')")


class BulkIndex:
    """Inside one transaction: the triggers are dropped (a trigger costs about as much per
    excerpt written as indexing it), and the documents named are indexed anew in bulk at
    :meth:`finish`, which creates the triggers again (call :meth:`forget` before a stored
    document's excerpts change, :meth:`add` after). Should the transaction roll back, so
    does the dropping."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.documents: set[int] = set()
        self.fresh = conn.execute("SELECT 1 FROM excerpts LIMIT 1").fetchone() is None
        drop_triggers(conn)

    def forget(self, document_id: int) -> None:
        """Drop the entries of a document's stored excerpts (their text is about to change)."""
        self.conn.execute("INSERT INTO excerpt_text (excerpt_text, rowid, text) "
                          "SELECT 'delete', id, text FROM excerpts WHERE document_id = ?",
                          (document_id,))
        self.documents.add(document_id)

    def add(self, document_id: int) -> None:
        self.documents.add(document_id)

    def finish(self) -> None:
        """Index every excerpt of the documents named (all of them in one pass when the
        store held none before, or when they are most of the documents), and create the
        triggers again."""
        stored = self.conn.execute("SELECT COUNT(*) FROM documents").fetchone()[0]
        if self.fresh or 2 * len(self.documents) > stored:
            rebuild(self.conn)
        else:
            for document_id in sorted(self.documents):
                self.conn.execute("INSERT INTO excerpt_text (rowid, text) "
                                  "SELECT id, text FROM excerpts WHERE document_id = ?",
                                  (document_id,))
        create_triggers(self.conn)


#: The excerpts a search finds: active paragraphs (a selection excerpt, ``n`` < 0, is a
#: span of a paragraph, which is found instead).
_FOUND = "e.active = 1 AND e.n > 0"


def _code_filter(code_ids: Sequence[str], coders: Sequence[str]) -> tuple[str, list[Any]]:
    if not code_ids:
        return "", []
    where = ("AND EXISTS (SELECT 1 FROM codings k WHERE k.excerpt_id = e.id "
             f"AND k.code_id IN ({','.join('?' * len(code_ids))})")
    params = list(code_ids)
    if coders:
        where += f" AND k.coder IN ({','.join('?' * len(coders))})"
        params += list(coders)
    return where + ")", params


def matches(store: Connection, query: str, code_ids: Sequence[str] = (),
            coders: Sequence[str] = ()) -> list[tuple[int, int, int]]:
    """(excerpt id, document id, n) of every active excerpt matching the FTS5 ``query``
    (coded with one of ``code_ids`` by one of ``coders`` when given), by document and
    ``n``. Raises ``sqlite3.OperationalError`` on a bad query."""
    where, params = _code_filter(code_ids, coders)
    return store.conn.execute(
        "SELECT e.id, e.document_id, e.n FROM excerpt_text JOIN excerpts e "
        f"ON e.id = excerpt_text.rowid WHERE excerpt_text MATCH ? AND {_FOUND} {where} "
        "ORDER BY e.document_id, e.n", [query, *params]).fetchall()


def document_counts(store: Connection, query: str, code_ids: Sequence[str] = (),
                    coders: Sequence[str] = (), ranges: bool = True
                    ) -> list[tuple[int, int, int | None, int | None]]:
    """Per document with a match: (document id, active excerpts matching ``query``, lowest
    and highest of their ids, or None without ``ranges``: a sixth of the time), counted in
    SQL (no row per match leaves SQLite). Raises ``sqlite3.OperationalError`` on a bad
    query."""
    where, params = _code_filter(code_ids, coders)
    span = "MIN(e.id), MAX(e.id)" if ranges else "NULL, NULL"
    return store.conn.execute(
        f"SELECT e.document_id, COUNT(*), {span} FROM excerpt_text "
        "JOIN excerpts e ON e.id = excerpt_text.rowid WHERE excerpt_text MATCH ? "
        f"AND {_FOUND} {where} GROUP BY e.document_id", [query, *params]).fetchall()


def matches_in(store: Connection, query: str, document_ids: Sequence[int], lowest: int,
               highest: int, code_ids: Sequence[str] = (), coders: Sequence[str] = ()
               ) -> list[tuple[int, int, int]]:
    """(excerpt id, document id, n) of the active excerpts of these documents, with ids
    from ``lowest`` to ``highest``, that match ``query``: the index reads that id range
    only."""
    where, params = _code_filter(code_ids, coders)
    return store.conn.execute(
        "SELECT e.id, e.document_id, e.n FROM excerpt_text JOIN excerpts e "
        "ON e.id = excerpt_text.rowid WHERE excerpt_text MATCH ? "
        f"AND excerpt_text.rowid BETWEEN ? AND ? AND {_FOUND} "
        f"AND e.document_id IN (SELECT value FROM json_each(?)) {where}",
        [query, lowest, highest, json.dumps(list(document_ids)), *params]).fetchall()


def best_matches(store: Connection, query: str, limit: int | None,
                 case_ids: Sequence[str] = (), code_ids: Sequence[str] = (),
                 coders: Sequence[str] = ()) -> list[tuple[int, int, int]]:
    """(excerpt id, document id, n) of the ``limit`` active excerpts of active documents
    (of ``case_ids`` when given) that match ``query`` best (BM25, then by id), best first.

    Without a filter the index ranks its matches alone and only the best few are joined
    to their excerpts (a join per match before the LIMIT costs half as much again as the
    ranking); should the best few hold too many excerpts that are not shown (inactive, or
    selections, whose short text ranks high), every match is joined and ranked."""
    where, params = _code_filter(code_ids, coders)
    if case_ids:
        where += " AND d.case_id IN (SELECT value FROM json_each(?))"
        params.append(json.dumps(list(case_ids)))
    if limit is not None and not params:
        best = 2 * limit + 20
        ranked = store.conn.execute(
            f"SELECT b.id, e.document_id, e.n, {_FOUND} AND d.active = 1 FROM (SELECT rowid "
            "AS id, bm25(excerpt_text) AS score FROM excerpt_text WHERE excerpt_text MATCH ? "
            "ORDER BY score, rowid LIMIT ?) AS b LEFT JOIN excerpts e ON e.id = b.id "
            "LEFT JOIN documents d ON d.id = e.document_id ORDER BY b.score, b.id",
            [query, best]).fetchall()
        found = [r[:3] for r in ranked if r[3]]
        if len(found) >= limit or len(ranked) < best:  # else: not enough among the best
            return found[:limit]
    return store.conn.execute(
        "SELECT e.id, e.document_id, e.n FROM excerpt_text JOIN excerpts e "
        "ON e.id = excerpt_text.rowid JOIN documents d ON d.id = e.document_id "
        f"AND d.active = 1 WHERE excerpt_text MATCH ? AND {_FOUND} {where} "
        "ORDER BY bm25(excerpt_text), e.id LIMIT ?",
        [query, *params, -1 if limit is None else limit]).fetchall()


def active_documents(store: Connection) -> list[tuple[int, str, str]]:
    """(document id, case id, stem) of the active documents, in corpus order."""
    return store.conn.execute(
        "SELECT d.id, d.case_id, d.stem FROM documents d JOIN cases c ON c.id = d.case_id "
        "WHERE d.active = 1 ORDER BY c.position, d.case_id, d.stem").fetchall()


def marked(store: Connection, query: str, ids: Sequence[int]) -> dict[int, tuple]:
    """For these excerpts: id → (speaker, text with each hit between :data:`HIT_OPEN` and
    :data:`HIT_CLOSE`). The index reads the matches from the lowest to the highest id
    once, instead of once per id (each lookup of a prefix query merges all its terms)."""
    found: dict[int, tuple] = {}
    ordered = sorted(ids)
    for chunk in (ordered[i:i + 1000] for i in range(0, len(ordered), 1000)):
        found.update((r[0], (r[1], r[2])) for r in store.conn.execute(
            "SELECT e.id, e.speaker, highlight(excerpt_text, 0, ?, ?) FROM excerpt_text "
            "JOIN excerpts e ON e.id = excerpt_text.rowid WHERE excerpt_text MATCH ? "
            "AND excerpt_text.rowid BETWEEN ? AND ? "
            "AND +excerpt_text.rowid IN (SELECT value FROM json_each(?))",
            [HIT_OPEN, HIT_CLOSE, query, chunk[0], chunk[-1], json.dumps(chunk)]))
    return found


def index_size(store: Connection) -> int:
    """Entries in the index (one per stored excerpt, active or not)."""
    return store.conn.execute("SELECT COUNT(*) FROM excerpt_text_docsize").fetchone()[0]
