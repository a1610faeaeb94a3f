"""What a REFI-QDA (QDPX) export reads: documents with their text, and the chosen coders'
codings, excerpt memos and reviews with the character spans of their excerpts."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .connection import Connection


def documents_with_text(store: Connection) -> list[tuple]:
    """``(case_id, stem, title, kind, date, attributes, text)`` of the active documents of
    active cases, in corpus order."""
    return store.query("""SELECT d.case_id, d.stem, d.title, d.kind, d.date, d.attributes,
        d.text FROM documents d JOIN cases c ON c.id = d.case_id
        WHERE d.active = 1 AND c.active = 1 ORDER BY c.position, d.case_id, d.stem""")


def code_ids(store: Connection) -> list[str]:
    """Every code id the store knows, orphaned ones included."""
    return [c for c, in store.query("SELECT id FROM codes")]


def coder_codings(store: Connection, coders: Sequence[str]) -> list[tuple]:
    """``(case_id, stem, start, end, code_id, coder, memo, usable)`` of the coders' codings
    (``usable``: excerpt, document and code all active), by document, span, coder, code."""
    marks = ",".join("?" * len(coders))
    return store.query(f"""SELECT d.case_id, d.stem, e.start, e."end", c.code_id, c.coder,
        c.memo, e.active AND d.active AND COALESCE(k.active, 0)
        FROM codings c JOIN excerpts e ON e.id = c.excerpt_id
        JOIN documents d ON d.id = e.document_id LEFT JOIN codes k ON k.id = c.code_id
        WHERE c.coder IN ({marks}) ORDER BY d.case_id, d.stem, e.start, c.coder, c.code_id""",
                       list(coders))


def coder_excerpt_memos(store: Connection, coders: Sequence[str]) -> list[tuple]:
    """``(case_id, stem, start, end, coder, text)`` of the coders' memos on active excerpts."""
    marks = ",".join("?" * len(coders))
    return store.query(f"""SELECT d.case_id, d.stem, e.start, e."end", m.coder, m.text
        FROM memos m JOIN excerpts e ON e.id = m.excerpt_id
        JOIN documents d ON d.id = e.document_id
        WHERE m.coder IN ({marks}) AND e.active = 1 AND d.active = 1
        ORDER BY d.case_id, d.stem, e.start, m.coder""", list(coders))


def coder_reviews(store: Connection, coders: Sequence[str]) -> list[tuple]:
    """``(case_id, stem, start, end, coder)`` of the coders' reviews of active excerpts."""
    marks = ",".join("?" * len(coders))
    return store.query(f"""SELECT d.case_id, d.stem, e.start, e."end", r.coder
        FROM reviews r JOIN excerpts e ON e.id = r.excerpt_id
        JOIN documents d ON d.id = e.document_id
        WHERE r.coder IN ({marks}) AND e.active = 1 AND d.active = 1
        ORDER BY d.case_id, d.stem, r.coder, e.start, e."end" """, list(coders))
