"""Re-importing a changed document: its stored excerpts follow their paragraphs.

The old and new excerpts are matched as a diff matches lines
(:func:`qcoder.project.matching.match_sequences`); a matched excerpt keeps its row, so its
codings, memos, reviews and history stay with the paragraph. Every active excerpt carries
the content identity of its current text. An excerpt that cannot be matched with certainty
(its text repeats and its neighbours do not tell which one it is) is kept as orphaned and
reported, never moved to another paragraph.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ..project.corpus import format_ref
from ..project.matching import match_sequences
from . import selections

RETIRED = "~"  # an identity that no file gives any more: identity~row id


@dataclass
class ExcerptSync:
    """What re-importing one document did to its excerpts."""

    added: int = 0
    orphaned: int = 0
    codings_orphaned: int = 0
    orphaned_refs: list[str] = field(default_factory=list)
    ambiguous: int = 0
    ambiguous_refs: list[str] = field(default_factory=list)


def _normal(text: str) -> str:
    return " ".join(text.split())


def sync_document_excerpts(conn: sqlite3.Connection, doc_id: int, doc: Any) -> ExcerptSync:
    """Store the excerpts of a changed document whose old excerpts are in the database."""
    result = ExcerptSync()
    rows = conn.execute("SELECT id, identity, n, text, active FROM excerpts "
                        "WHERE document_id = ? AND selection IS NULL ORDER BY n",
                        (doc_id,)).fetchall()
    active = [r for r in rows if r[4]]
    new = list(doc.excerpts)
    new_keys = [_normal(e.text) for e in new]
    pairs = match_sequences([_normal(r[3]) for r in active], new_keys)
    reuse = {j: active[i][0] for i, j in pairs.items()}
    new_count = Counter(new_keys)
    dormant = {r[1]: r[0] for r in rows if not r[4]}
    for j, excerpt in enumerate(new):  # an orphan whose unique text is back comes back
        if j not in reuse and new_count[new_keys[j]] == 1 and excerpt.identity in dormant:
            reuse[j] = dormant[excerpt.identity]
    needed = [e.identity for e in new]
    conn.execute("UPDATE excerpts SET active = 0 WHERE document_id = ? AND active = 1 "
                 "AND selection IS NULL", (doc_id,))
    given = {reuse[j]: e.identity for j, e in enumerate(new) if j in reuse}
    # Free the identities the new excerpts need, except where a row keeps its own.
    holders = [row_id for chunk in _chunks(needed, 500) for row_id, identity in conn.execute(
        f"SELECT id, identity FROM excerpts WHERE identity IN ({','.join('?' * len(chunk))})",
        chunk) if given.get(row_id) != identity]
    conn.executemany(f"UPDATE excerpts SET identity = identity || '{RETIRED}' || id "
                     "WHERE id = ?", [(i,) for i in holders])
    text_of = {r[0]: (r[1], r[3]) for r in rows}
    same = [j for j, e in enumerate(new) if j in reuse
            and text_of[reuse[j]] == (e.identity, e.text)]
    # Most rows keep identity and text: leave those columns (and the identity index) alone.
    conn.executemany("""UPDATE excerpts SET n = ?, start = ?, "end" = ?, speaker = ?,
        section = ?, page = ?, media_start = ?, media_end = ?, active = 1 WHERE id = ?""",
                     [(new[j].n, new[j].start, new[j].end, new[j].speaker, new[j].section,
                       new[j].page, new[j].media_start, new[j].media_end, reuse[j])
                      for j in same])
    kept_as_is = set(same)
    conn.executemany("""UPDATE excerpts SET identity = ?, n = ?, start = ?, "end" = ?,
        speaker = ?, section = ?, text = ?, page = ?, media_start = ?, media_end = ?,
        active = 1 WHERE id = ?""",
                     [(e.identity, e.n, e.start, e.end, e.speaker, e.section, e.text, e.page,
                       e.media_start, e.media_end, reuse[j])
                      for j, e in enumerate(new) if j in reuse and j not in kept_as_is])
    conn.executemany("""INSERT INTO excerpts (identity, document_id, n, start, "end", speaker,
        section, text, page, media_start, media_end, active)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)""",
                     [(e.identity, doc_id, e.n, e.start, e.end, e.speaker, e.section, e.text,
                       e.page, e.media_start, e.media_end)
                      for j, e in enumerate(new) if j not in reuse])
    result.added = len(new) - len(reuse)
    kept = set(reuse.values())
    present = set(new_keys)
    for row in active:
        if row[0] in kept:
            continue
        result.orphaned += 1
        count = conn.execute("SELECT COUNT(*) FROM codings WHERE excerpt_id = ?",
                             (row[0],)).fetchone()[0]
        ref = format_ref(doc.case_id, doc.stem, row[2])
        if count:
            result.codings_orphaned += count
            result.orphaned_refs.append(ref)
        if _normal(row[3]) in present:
            result.ambiguous += 1
            result.ambiguous_refs.append(ref)
    spans = selections.reanchor(conn, doc_id, doc.case_id, doc.stem, doc.text)
    result.orphaned += spans.orphaned
    result.codings_orphaned += spans.codings_orphaned
    result.orphaned_refs += [format_ref(doc.case_id, doc.stem, n)
                             for _, n in spans.orphaned_refs]
    return result


def _chunks(items: list, size: int) -> list[list]:
    return [items[i:i + size] for i in range(0, len(items), size)]


class QuoteIndex:
    """Active excerpts by their text (whitespace runs as one space), one document at a time."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self.conn = conn
        self._docs: dict[tuple[str, str], dict[str, list[int]]] = {}

    def has_text(self, excerpt_id: int, quote: str) -> bool:
        """True when the excerpt's text is ``quote`` (whitespace runs as one space)."""
        row = self.conn.execute("SELECT text FROM excerpts WHERE id = ?",
                                (excerpt_id,)).fetchone()
        return row is not None and _normal(row[0]) == _normal(quote)

    def find(self, case_id: str, stem: str, quote: str) -> list[int]:
        """The active excerpts of ``case_id/stem`` whose text is ``quote``."""
        key = (case_id, stem)
        if key not in self._docs:
            by_text: dict[str, list[int]] = {}
            for excerpt_id, text in self.conn.execute(
                    """SELECT e.id, e.text FROM excerpts e JOIN documents d
                       ON d.id = e.document_id WHERE d.case_id = ? AND d.stem = ?
                       AND e.active = 1""", key):
                by_text.setdefault(_normal(text), []).append(excerpt_id)
            self._docs[key] = by_text
        return self._docs[key].get(_normal(quote), [])
