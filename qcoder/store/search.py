"""Full-text search over excerpt text: an SQLite FTS5 index kept in step by triggers.

The index (``excerpt_text``) is an external-content FTS5 table over ``excerpts.text``:
triggers add, change and remove its entries whenever an excerpt row is written, whichever
part of qcoder writes it (import, re-import, QDPX import, merge). Tokens are Unicode words,
case and diacritics folded (``Mexico`` finds ``México``); no stemming, since the corpora are
multilingual: ``readmission*`` finds the plural.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .connection import Connection

#: Around each hit in :func:`marked` text (private-use characters, which no
#: document text is expected to hold; a text that does is still shown, only less marked).
HIT_OPEN, HIT_CLOSE = "\ue000", "\ue001"

#: While this meta key is set (inside an import's transaction), the triggers leave the
#: index alone and the import indexes its documents in bulk (six times faster).
DEFERRED = "search_index_deferred"
_LIVE = f"WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = '{DEFERRED}')"

SCHEMA = [
    """CREATE VIRTUAL TABLE excerpt_text USING fts5(text, content='excerpts',
       content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
    f"""CREATE TRIGGER excerpt_text_insert AFTER INSERT ON excerpts {_LIVE} BEGIN
       INSERT INTO excerpt_text (rowid, text) VALUES (new.id, new.text); END""",
    f"""CREATE TRIGGER excerpt_text_delete AFTER DELETE ON excerpts {_LIVE} BEGIN
       INSERT INTO excerpt_text (excerpt_text, rowid, text) VALUES ('delete', old.id, old.text);
       END""",
    f"""CREATE TRIGGER excerpt_text_update AFTER UPDATE OF text ON excerpts {_LIVE} BEGIN
       INSERT INTO excerpt_text (excerpt_text, rowid, text) VALUES ('delete', old.id, old.text);
       INSERT INTO excerpt_text (rowid, text) VALUES (new.id, new.text); END""",
    "INSERT INTO excerpt_text (excerpt_text) VALUES ('rebuild')",
]


def create_index(conn: sqlite3.Connection) -> None:
    """The index, its triggers, and the entries of the excerpts already stored."""
    for statement in SCHEMA:
        conn.execute(statement)


class BulkIndex:
    """Inside one transaction: the triggers pause, and the documents named are indexed
    anew in bulk at :meth:`finish` (call :meth:`forget` before a stored document's excerpts
    change, :meth:`add` after)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self.documents: set[int] = set()
        conn.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, '1')", (DEFERRED,))

    def forget(self, document_id: int) -> None:
        """Drop the entries of a document's stored excerpts (their text is about to change)."""
        self.conn.execute("INSERT INTO excerpt_text (excerpt_text, rowid, text) "
                          "SELECT 'delete', id, text FROM excerpts WHERE document_id = ?",
                          (document_id,))
        self.documents.add(document_id)

    def add(self, document_id: int) -> None:
        self.documents.add(document_id)

    def finish(self) -> None:
        """Index every excerpt of the documents named, and let the triggers work again."""
        for document_id in sorted(self.documents):
            self.conn.execute("INSERT INTO excerpt_text (rowid, text) "
                              "SELECT id, text FROM excerpts WHERE document_id = ?",
                              (document_id,))
        self.conn.execute("DELETE FROM meta WHERE key = ?", (DEFERRED,))


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
    (coded with one of ``code_ids`` by one of ``coders`` when given). Raises
    ``sqlite3.OperationalError`` on a bad query."""
    where, params = _code_filter(code_ids, coders)
    return store.conn.execute(
        "SELECT e.id, e.document_id, e.n FROM excerpt_text JOIN excerpts e "
        f"ON e.id = excerpt_text.rowid WHERE excerpt_text MATCH ? AND e.active = 1 AND e.n > 0 "
        f"{where}",
        [query, *params]).fetchall()


def ranked_ids(store: Connection, query: str) -> list[int]:
    """Ids of the excerpts matching ``query``, best first (BM25)."""
    return [r[0] for r in store.conn.execute(
        "SELECT rowid FROM excerpt_text WHERE excerpt_text MATCH ? ORDER BY rank", (query,))]


def active_documents(store: Connection) -> list[tuple[int, str, str]]:
    """(document id, case id, stem) of the active documents, in corpus order."""
    return store.conn.execute(
        "SELECT d.id, d.case_id, d.stem FROM documents d JOIN cases c ON c.id = d.case_id "
        "WHERE d.active = 1 ORDER BY c.position, d.case_id, d.stem").fetchall()


def marked(store: Connection, query: str, ids: Sequence[int]) -> dict[int, tuple]:
    """For these excerpts: id → (speaker, text with each hit between :data:`HIT_OPEN` and
    :data:`HIT_CLOSE`)."""
    if not ids:
        return {}
    rows = store.conn.execute(
        "SELECT e.id, e.speaker, highlight(excerpt_text, 0, ?, ?) FROM excerpt_text "
        "JOIN excerpts e ON e.id = excerpt_text.rowid WHERE excerpt_text MATCH ? "
        f"AND excerpt_text.rowid IN ({','.join('?' * len(ids))})",
        [HIT_OPEN, HIT_CLOSE, query, *ids])
    return {r[0]: (r[1], r[2]) for r in rows}


def index_size(store: Connection) -> int:
    """Entries in the index (one per stored excerpt, active or not)."""
    return store.conn.execute("SELECT COUNT(*) FROM excerpt_text_docsize").fetchone()[0]
