"""Queries of one coder's way through the corpus: documents in order, excerpt lines, filters.

Blind by construction: every query reads only the given coder's reviews, codings and memos.
Corpus order is case position, case id, document stem, excerpt number. Selections made in
qcoder (``n`` < 0) are no stops of their own: they are shown within their paragraph.
"""

from __future__ import annotations

from array import array
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ..constants import CONSENSUS

if TYPE_CHECKING:
    from .connection import Connection

CORPUS_ORDER = "ORDER BY c.position, d.case_id, d.stem, e.n"
CORPUS_JOIN = ("JOIN documents d ON d.id = e.document_id AND d.active = 1 "
               "JOIN cases c ON c.id = d.case_id")

# One row per excerpt line, with this coder's state only (:coder is always bound):
# id, case id, stem, n, speaker, start of the text, reviewed, number of codes, has a memo.
LINE_SELECT = """
SELECT e.id, d.case_id, d.stem, e.n, e.speaker, substr(e.text, 1, 240),
       EXISTS (SELECT 1 FROM reviews r WHERE r.excerpt_id = e.id AND r.coder = :coder),
       (SELECT COUNT(*) FROM codings k WHERE k.excerpt_id = e.id AND k.coder = :coder),
       EXISTS (SELECT 1 FROM memos m WHERE m.excerpt_id = e.id AND m.coder = :coder)
         OR EXISTS (SELECT 1 FROM codings k WHERE k.excerpt_id = e.id AND k.coder = :coder
                    AND k.memo IS NOT NULL)
FROM excerpts e JOIN documents d ON d.id = e.document_id
"""

UNREVIEWED_IN_DOCUMENT = """
SELECT e.id FROM excerpts e
WHERE e.document_id = ? AND e.active = 1 AND e.n > ? AND e.n < ?
  AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.excerpt_id = e.id AND r.coder = ?)
ORDER BY e.n LIMIT 1
"""


def outside_writes(store: Connection) -> int:
    """A number that moves when another connection commits to the database (another coder,
    another qcoder, a command), never for this connection's own commits."""
    return store.query("PRAGMA data_version")[0][0]


def reviewed_per_document(store: Connection, coder: str) -> dict[int, int]:
    """Excerpts ``coder`` reviewed, per document id (documents without reviews left out)."""
    return dict(store.query("""SELECT e.document_id, COUNT(*) FROM reviews r JOIN excerpts e
        ON e.id = r.excerpt_id AND e.active = 1 AND e.n > 0 WHERE r.coder = ?
        GROUP BY e.document_id""",
                            (coder,)))


def reviewed_per_coder(store: Connection) -> dict[str, int]:
    """Excerpts reviewed per coder (progress only, never codes), consensus left out."""
    # Every review counted off the coder index, less those of excerpts no longer listed
    # (few; CROSS JOIN keeps SQLite from walking all the reviews for them): at 600,000
    # reviews about 45 ms, where the join of every review with its excerpt took 125 ms.
    counts = dict(store.query("SELECT coder, COUNT(*) FROM reviews WHERE coder != ? "
                              "GROUP BY coder ORDER BY coder", (CONSENSUS,)))
    for coder, gone in store.query("""SELECT r.coder, COUNT(*) FROM excerpts e
            CROSS JOIN reviews r ON r.excerpt_id = e.id
            WHERE NOT (e.active = 1 AND e.n > 0) AND r.coder != ? GROUP BY r.coder""",
                                   (CONSENSUS,)):
        counts[coder] -= gone
    return {coder: n for coder, n in counts.items() if n}


def excerpts_per_document(store: Connection) -> dict[int, int]:
    """Active excerpts per document id."""
    return dict(store.query(
        "SELECT document_id, COUNT(*) FROM excerpts WHERE active = 1 AND n > 0 "
        "GROUP BY document_id"))


def documents_in_order(store: Connection) -> list[tuple[int, str, str, str, str]]:
    """``(id, case id, stem, title, kind)`` of the active documents in corpus order."""
    return store.query("""SELECT d.id, d.case_id, d.stem, d.title, d.kind
        FROM documents d JOIN cases c ON c.id = d.case_id WHERE d.active = 1
        ORDER BY c.position, d.case_id, d.stem""")


def document_progress(store: Connection, coder: str, document_id: int) -> tuple[int, int]:
    """(reviewed by ``coder``, total) active excerpts of one document."""
    return store.query(
        """SELECT COUNT(r.coder), COUNT(*) FROM excerpts e LEFT JOIN reviews r
           ON r.excerpt_id = e.id AND r.coder = ? WHERE e.document_id = ? AND e.active = 1
           AND e.n > 0""",
        (coder, document_id))[0]


def locate(store: Connection, excerpt_id: int) -> tuple[int, int] | None:
    """(document id, n) of an active excerpt, or None."""
    rows = store.query("SELECT document_id, n FROM excerpts WHERE id = ? AND active = 1",
                       (excerpt_id,))
    return (rows[0][0], rows[0][1]) if rows else None


def count_before(store: Connection, document_id: int, n: int) -> int:
    """How many active excerpts of a document come before number ``n``."""
    return int(store.scalar("SELECT COUNT(*) FROM excerpts WHERE document_id = ? AND "
                            "active = 1 AND n > 0 AND n < ?", (document_id, n)))


def unreviewed_in(store: Connection, coder: str, document_id: int, after_n: int = 0,
                  before_n: int = 2**62) -> int | None:
    """The first excerpt of a document between ``after_n`` and ``before_n`` (exclusive)
    that ``coder`` has not reviewed."""
    return store.scalar(UNREVIEWED_IN_DOCUMENT, (document_id, after_n, before_n, coder))


def first_in(store: Connection, document_id: int, last: bool = False) -> int | None:
    """A document's first (``last``: last) active excerpt."""
    order = "DESC" if last else "ASC"
    return store.scalar(f"SELECT id FROM excerpts WHERE document_id = ? AND active = 1 "
                        f"AND n > 0 ORDER BY n {order} LIMIT 1", (document_id,))


def adjacent(store: Connection, document_id: int, n: int, forward: bool) -> int | None:
    """The active excerpt just after (``forward``) or before number ``n`` in a document."""
    op, order = (">", "ASC") if forward else ("<", "DESC")
    return store.scalar(f"SELECT id FROM excerpts WHERE document_id = ? AND active = 1"
                        f" AND n > 0 AND n {op} ? ORDER BY n {order} LIMIT 1", (document_id, n))


def document_lines(store: Connection, coder: str, document_id: int, offset: int,
                   limit: int) -> list[tuple]:
    """A page of a document's line rows (see ``LINE_SELECT``), in order."""
    return store.query(LINE_SELECT + " WHERE e.document_id = :doc AND e.active = 1 AND e.n > 0 "
                       "ORDER BY e.n LIMIT :limit OFFSET :offset",
                       {"coder": coder, "doc": document_id, "limit": limit, "offset": offset})


def lines(store: Connection, coder: str, ids: Sequence[int]) -> list[tuple]:
    """The line rows of these excerpts, in no particular order."""
    params: dict[str, object] = {"coder": coder}
    params.update({f"i{k}": v for k, v in enumerate(ids)})
    marks = ",".join(f":i{k}" for k in range(len(ids)))
    return store.query(LINE_SELECT + f" WHERE e.id IN ({marks})", params)


def reviewed_among(store: Connection, coder: str, ids: Sequence[int]) -> set[int]:
    """Those of ``ids`` (at most 500) that ``coder`` reviewed."""
    marks = ",".join("?" * len(ids))
    return {r[0] for r in store.query(
        f"SELECT excerpt_id FROM reviews WHERE coder = ? AND excerpt_id IN ({marks})",
        (coder, *ids))}


def matching(store: Connection, coder: str, kind: str, codes: Sequence[str] = (),
             needle: str = "", contains: Callable[[str | None, str], bool] | None = None,
             hint: tuple[str, str, Callable[[str], bool] | None] | None = None
             ) -> array:
    """Ids of the active excerpts a filter keeps, in corpus order (compact int array).

    ``kind``: ``unreviewed``, ``memo``, ``code`` (any of ``codes``, on the excerpt or on a
    span inside it), ``search`` (``needle`` found by ``contains(text, needle)``, or by
    ``hint`` from ``navigation.text_hint``), anything else: every excerpt.
    """
    params: dict[str, object] = {"coder": coder}
    where = "1"
    if kind == "unreviewed":
        where = ("NOT EXISTS (SELECT 1 FROM reviews r WHERE r.excerpt_id = e.id AND "
                 "r.coder = :coder)")
    elif kind == "memo":
        where = ("(EXISTS (SELECT 1 FROM memos m WHERE m.excerpt_id = e.id AND m.coder = "
                 ":coder) OR EXISTS (SELECT 1 FROM codings k WHERE k.excerpt_id = e.id AND "
                 "k.coder = :coder AND k.memo IS NOT NULL))")
    elif kind == "code":
        params.update({f"c{k}": c for k, c in enumerate(codes)})
        marks = ",".join(f":c{k}" for k in range(len(codes)))
        # the paragraph itself, or one of its spans (selection excerpts starting in it),
        # as one set of ids built once: the spans so coded are few
        where = (f"e.id IN (SELECT k.excerpt_id FROM codings k WHERE k.coder = :coder "
                 f"AND k.code_id IN ({marks}) UNION ALL "
                 f"SELECT (SELECT p.id FROM excerpts p WHERE p.document_id = s.document_id "
                 f"AND p.active = 1 AND p.n > 0 AND p.start <= s.start AND p.\"end\" > s.start "
                 f"ORDER BY p.start DESC, p.n LIMIT 1) FROM codings k "
                 f"JOIN excerpts s ON s.id = k.excerpt_id AND s.selection IS NOT NULL "
                 f"AND s.active = 1 WHERE k.coder = :coder AND k.code_id IN ({marks}))")
    elif kind == "search" and needle and contains is not None:
        store.conn.create_function("qcoder_contains", 2, contains, deterministic=True)
        params["needle"] = needle
        where = "qcoder_contains(e.text, :needle)"
        if hint is not None:
            like, specials, ascii_check = hint
            params["like"] = like
            params.update({f"s{k}": c for k, c in enumerate(specials)})
            # an ASCII text (as many bytes as characters) is judged by LIKE, with
            # ``ascii_check`` when given; another one holding a NUL (where LIKE stops) or one
            # of ``specials`` is left to the exact check. The Python checks are reached through
            # CASE WHEN only: SQLite computes both sides of AND/OR outside a WHERE term, so
            # ``LIKE AND check`` would call the check on every text.
            found = "".join(f" OR instr(e.text, :s{k})" for k in range(len(specials)))
            matches = "e.text LIKE :like ESCAPE '\\'"
            then = "1"
            if ascii_check is not None:
                store.conn.create_function("qcoder_ascii", 1, ascii_check, deterministic=True)
                then = "qcoder_ascii(e.text)"
            where = (f"(CASE WHEN length(e.text) = length(CAST(e.text AS BLOB)) "
                     f"THEN CASE WHEN {matches} THEN {then} ELSE 0 END "
                     f"ELSE CASE WHEN {matches} OR instr(e.text, char(0)){found} "
                     f"THEN {where} ELSE 0 END END)")
    cur = store.conn.execute(
        f"SELECT e.id FROM excerpts e {CORPUS_JOIN} WHERE e.active = 1 AND e.n > 0 AND {where} "
        f"{CORPUS_ORDER}", params)
    out = array("q")
    while rows := cur.fetchmany(10_000):
        out.extend(r[0] for r in rows)
    return out
