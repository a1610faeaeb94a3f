"""Queries on what coders decided: codings, reviews and memos."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING, Any

from ..project.corpus import format_ref
from ..project.formats.model import timecode
from .connection import now

if TYPE_CHECKING:
    from .connection import Connection

PROGRESS_RUNS = 2000  # more runs of excerpt ids than this: count progress by joins


# -- writing, inside the caller's transaction -------------------------------------------------
def ensure_coder(conn: sqlite3.Connection, coder: str) -> None:
    conn.execute("INSERT OR IGNORE INTO coders (name, created) VALUES (?, ?)", (coder, now()))


def codes_present(conn: sqlite3.Connection, excerpt_id: int, coder: str) -> dict[str, str | None]:
    """The codes ``coder`` has on an excerpt with their memos, in the order applied."""
    return dict(conn.execute("SELECT code_id, memo FROM codings WHERE excerpt_id = ? AND "
                             "coder = ? ORDER BY id", (excerpt_id, coder)).fetchall())


def coding_state(conn: sqlite3.Connection, excerpt_id: int, code_id: str,
                 coder: str) -> tuple[str | None, str] | None:
    """``(memo, created)`` of one coding, or None when there is no such coding."""
    row = conn.execute("SELECT memo, created FROM codings WHERE excerpt_id = ? AND "
                       "code_id = ? AND coder = ?", (excerpt_id, code_id, coder)).fetchone()
    return (row[0], row[1]) if row else None


def coding_stamp(conn: sqlite3.Connection, excerpt_id: int, code_id: str,
                 coder: str) -> tuple[str, str] | None:
    """``(codebook version, definition hash)`` stamped on one coding, or None."""
    row = conn.execute("SELECT codebook_version, definition_hash FROM codings WHERE "
                       "excerpt_id = ? AND code_id = ? AND coder = ?",
                       (excerpt_id, code_id, coder)).fetchone()
    return (row[0], row[1]) if row else None


def insert_coding(conn: sqlite3.Connection, excerpt_id: int, code_id: str, coder: str,
                  created: str, memo: str | None, replay: bool = False,
                  stamp: tuple[str, str] = ("unknown", "")) -> None:
    """Add one coding (``replay``: an undo or redo, which ignores one already there);
    ``stamp``: the codebook version and the hash of the code's definition now."""
    verb = "INSERT OR IGNORE" if replay else "INSERT"
    conn.execute(f"{verb} INTO codings (excerpt_id, code_id, coder, created, memo, "
                 "codebook_version, definition_hash) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 (excerpt_id, code_id, coder, created, memo, *stamp))


#: Answered from the partial index ``codings_stamp`` (migration 12), not from every coding.
DEFINITION_STAMPS = """SELECT code_id, definition_hash, codebook_version, COUNT(*)
    FROM codings WHERE definition_hash != '' GROUP BY code_id, definition_hash,
    codebook_version"""


def definition_stamps(conn: sqlite3.Connection) -> list[tuple[str, str, str, int]]:
    """(code, definition hash, codebook version, codings) of every stamped coding group."""
    return conn.execute(DEFINITION_STAMPS).fetchall()


def definition_hashes_on(conn: sqlite3.Connection, excerpt_id: int, coder: str
                         ) -> dict[str, str]:
    """Code → the definition hash stamped on ``coder``'s coding of it on an excerpt ('' for
    a coding made before stamps)."""
    return dict(conn.execute("SELECT code_id, definition_hash FROM codings WHERE "
                             "excerpt_id = ? AND coder = ?", (excerpt_id, coder)).fetchall())


def stamps_on(conn: sqlite3.Connection, excerpt_ids: list[int], coders: list[str]
              ) -> list[tuple[str, int]]:
    """(codebook version, codings) of ``coders``' codings on the given excerpts."""
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS stamp_scope (excerpt_id INTEGER PRIMARY KEY)")
    conn.execute("DELETE FROM stamp_scope")
    conn.executemany("INSERT INTO stamp_scope VALUES (?)", [(e,) for e in excerpt_ids])
    marks = ",".join("?" * len(coders))
    rows = conn.execute(f"""SELECT codebook_version, COUNT(*) FROM codings
        WHERE excerpt_id IN (SELECT excerpt_id FROM stamp_scope) AND coder IN ({marks})
        GROUP BY codebook_version ORDER BY codebook_version""", coders).fetchall()
    conn.execute("DELETE FROM stamp_scope")
    return rows


def delete_coding(conn: sqlite3.Connection, excerpt_id: int, code_id: str, coder: str) -> None:
    conn.execute("DELETE FROM codings WHERE excerpt_id = ? AND code_id = ? AND coder = ?",
                 (excerpt_id, code_id, coder))


def update_coding_memo(conn: sqlite3.Connection, excerpt_id: int, code_id: str, coder: str,
                       memo: str | None) -> None:
    conn.execute("UPDATE codings SET memo = ? WHERE excerpt_id = ? AND code_id = ? AND "
                 "coder = ?", (memo, excerpt_id, code_id, coder))


def insert_codings(conn: sqlite3.Connection, rows: Iterable[tuple[int, str, str, str]],
                   stamps: dict[str, tuple[str, str]] | None = None) -> None:
    """Add ``(excerpt_id, code_id, coder, created)`` codings without memos, each stamped
    with its code's (codebook version, definition hash) from ``stamps`` ('unknown' else)."""
    book = stamps or {}
    conn.executemany("INSERT INTO codings (excerpt_id, code_id, coder, created, "
                     "codebook_version, definition_hash) VALUES (?, ?, ?, ?, ?, ?)",
                     ((e, c, coder, at, *book.get(c, ("unknown", "")))
                      for e, c, coder, at in rows))


def has_review(conn: sqlite3.Connection, excerpt_id: int, coder: str) -> bool:
    return conn.execute("SELECT 1 FROM reviews WHERE excerpt_id = ? AND coder = ?",
                        (excerpt_id, coder)).fetchone() is not None


def add_review(conn: sqlite3.Connection, excerpt_id: int, coder: str, at: str) -> bool:
    """Mark an excerpt reviewed by ``coder``; False when it already was."""
    cur = conn.execute("INSERT OR IGNORE INTO reviews VALUES (?, ?, ?)", (excerpt_id, coder, at))
    return bool(cur.rowcount)


def insert_reviews(conn: sqlite3.Connection, rows: Iterable[tuple[int, str, str]]) -> None:
    """Add ``(excerpt_id, coder, reviewed_at)`` reviews none of which exists yet."""
    conn.executemany("INSERT INTO reviews VALUES (?, ?, ?)", rows)


def delete_review(conn: sqlite3.Connection, excerpt_id: int, coder: str) -> None:
    conn.execute("DELETE FROM reviews WHERE excerpt_id = ? AND coder = ?", (excerpt_id, coder))


def excerpt_memo(conn: sqlite3.Connection, excerpt_id: int, coder: str) -> str | None:
    row = conn.execute("SELECT text FROM memos WHERE excerpt_id = ? AND coder = ?",
                       (excerpt_id, coder)).fetchone()
    return row[0] if row else None


def write_excerpt_memo(conn: sqlite3.Connection, excerpt_id: int, coder: str,
                       memo: str | None) -> None:
    """Set ``coder``'s memo on an excerpt (None removes it)."""
    if memo is None:
        conn.execute("DELETE FROM memos WHERE excerpt_id = ? AND coder = ?", (excerpt_id, coder))
    else:
        conn.execute("INSERT INTO memos VALUES (?, ?, ?, ?) ON CONFLICT(excerpt_id, coder) "
                     "DO UPDATE SET text = excluded.text, updated = excluded.updated",
                     (excerpt_id, coder, memo, now()))


def code_codings(conn: sqlite3.Connection, code_id: str) -> int:
    """How many codings (any coder, orphaned ones too) use the code."""
    return int(conn.execute("SELECT COUNT(*) FROM codings WHERE code_id = ?",
                            (code_id,)).fetchone()[0])


# -- reading: methods of the Store ------------------------------------------------------------
class CodingReads:
    """The Store's reads of coders, codings, reviews and memos."""

    def coders(self: Connection) -> list[str]:
        return [r[0] for r in self.query("SELECT name FROM coders ORDER BY name")]

    def working_coders(self: Connection) -> list[str]:
        """Coders with something stored: a coding, a review, a memo or a round's seat. A
        coder whose only action was undone (consensus after an undone decision) is not."""
        return [r[0] for r in self.query("""SELECT name FROM coders c WHERE
            EXISTS (SELECT 1 FROM codings WHERE coder = c.name)
            OR EXISTS (SELECT 1 FROM reviews WHERE coder = c.name)
            OR EXISTS (SELECT 1 FROM memos WHERE coder = c.name)
            OR EXISTS (SELECT 1 FROM round_coders WHERE coder = c.name) ORDER BY name""")]

    def ensure_coder(self, conn: sqlite3.Connection, coder: str) -> None:
        ensure_coder(conn, coder)

    def codes_of(self: Connection, excerpt_id: int, coder: str) -> dict[str, str | None]:
        """The codes ``coder`` applied to an excerpt, with their memos."""
        return dict(self.query("SELECT code_id, memo FROM codings WHERE excerpt_id = ? AND "
                               "coder = ? ORDER BY id", (excerpt_id, coder)))

    def coded_pairs(self: Connection, coder: str) -> set[tuple[int, str]]:
        """Every ``(excerpt_id, code_id)`` that ``coder`` applied."""
        return set(self.query("SELECT excerpt_id, code_id FROM codings WHERE coder = ?",
                              (coder,)))

    def reviewed_ids(self: Connection, coder: str) -> set[int]:
        """The ids of every excerpt ``coder`` reviewed."""
        return {r[0] for r in self.query("SELECT excerpt_id FROM reviews WHERE coder = ?",
                                         (coder,))}

    def is_reviewed(self: Connection, excerpt_id: int, coder: str) -> bool:
        return bool(self.query("SELECT 1 FROM reviews WHERE excerpt_id = ? AND coder = ?",
                               (excerpt_id, coder)))

    def memo_of(self: Connection, excerpt_id: int, coder: str) -> str:
        return self.scalar("SELECT text FROM memos WHERE excerpt_id = ? AND coder = ?",
                           (excerpt_id, coder)) or ""

    def progress(self: Any, coder: str | None = None) -> list[dict[str, Any]]:
        """Reviewed / total excerpts per case and coder (every coder when ``coder`` is None);
        selections made in qcoder (``n`` < 0) are within their paragraphs, not counted."""
        coders = [coder] if coder is not None else self.coders()
        case_of = dict(self.query("SELECT id, case_id FROM documents"))
        # Active excerpts as runs of consecutive ids within one case: each coder's reviews
        # are then counted by id range on the (coder, excerpt) index, instead of looking up
        # every excerpt once per coder (a million codings: 0.2 s instead of 0.6 s).
        totals: dict[str, int] = {}
        runs: list[list[Any]] = []
        previous = None
        for excerpt_id, document_id, active in sorted(self.query(
                "SELECT id, document_id, active AND n > 0 FROM excerpts")):
            case_id = case_of[document_id] if active else None
            if case_id is not None:
                totals[case_id] = totals.get(case_id, 0) + 1
                if case_id == previous:
                    runs[-1][2] = excerpt_id
                else:
                    runs.append([case_id, excerpt_id, excerpt_id])
            previous = case_id
        done: dict[tuple[str, str], int] = {}
        for c in coders:
            if len(runs) <= PROGRESS_RUNS:
                counts = ((case_id, self.scalar(
                    "SELECT COUNT(*) FROM reviews WHERE coder = ? AND excerpt_id BETWEEN ? AND ?",
                    (c, lo, hi))) for case_id, lo, hi in runs)
            else:  # fragmented by many re-imports: walk documents, then their excerpts
                counts = self.query("""SELECT d.case_id, COUNT(*) FROM documents d
                    CROSS JOIN excerpts e ON e.document_id = d.id AND e.active = 1
                        AND e.n > 0
                    CROSS JOIN reviews r ON r.excerpt_id = e.id AND r.coder = ?
                    GROUP BY d.case_id""", (c,))
            for case_id, count in counts:
                done[(c, case_id)] = done.get((c, case_id), 0) + count
        totals = dict(sorted(totals.items()))
        return [{"coder": c, "case": case_id, "reviewed": done.get((c, case_id), 0),
                 "total": total} for c in coders for case_id, total in totals.items()]

    def counts(self: Connection) -> dict[str, int]:
        """Totals for status: cases, documents, excerpts (paragraphs and front-matter
        selections), spans (selection excerpts made in qcoder), codes, coders, codings."""
        excerpts, spans = self.query("""SELECT COUNT(*) - COUNT(selection), COUNT(selection)
            FROM excerpts WHERE active = 1""")[0]
        return {
            "cases": self.scalar("SELECT COUNT(*) FROM cases WHERE active = 1"),
            "documents": self.scalar("SELECT COUNT(*) FROM documents WHERE active = 1"),
            "excerpts": excerpts,
            "spans": spans,
            "codes": self.scalar("SELECT COUNT(*) FROM codes WHERE active = 1"),
            "coders": self.scalar("SELECT COUNT(*) FROM coders"),
            "codings": self.scalar("SELECT COUNT(*) FROM codings"),
            "orphaned_excerpts": self.scalar("SELECT COUNT(*) FROM excerpts WHERE active = 0"),
            # Codings on orphaned excerpts, plus those of orphaned codes on the others: two
            # index lookups instead of joining every coding to its excerpt.
            "orphaned_codings": self.scalar("""SELECT
                (SELECT COUNT(*) FROM codings WHERE excerpt_id IN
                    (SELECT id FROM excerpts WHERE active = 0))
              + (SELECT COUNT(*) FROM codings WHERE code_id IN
                    (SELECT id FROM codes WHERE active = 0)
                    AND excerpt_id NOT IN (SELECT id FROM excerpts WHERE active = 0))"""),
        }

    def count_export_rows(self: Connection, coder: str | None = None,
                          include_orphans: bool = False) -> int:
        """How many rows :meth:`iter_codings` gives (for a progress bar's total)."""
        active = "" if include_orphans else "AND e.active = 1"
        who = "" if coder is None else "AND x.coder = ?"
        params = () if coder is None else (coder, coder)
        return self.scalar(f"""SELECT
            (SELECT COUNT(*) FROM codings x JOIN excerpts e ON e.id = x.excerpt_id
             WHERE true {active} {who})
          + (SELECT COUNT(*) FROM reviews x JOIN excerpts e ON e.id = x.excerpt_id
             WHERE NOT EXISTS (SELECT 1 FROM codings c WHERE c.excerpt_id = x.excerpt_id
                               AND c.coder = x.coder) {active} {who})""", params) or 0

    def iter_codings(self: Connection, coder: str | None = None, include_orphans: bool = False,
                     batch: int = 5000) -> Iterator[dict[str, Any]]:
        """Every coding with its reference, case, document, time, coding memo (``memo``) and
        the coder's memo on the excerpt (``excerpt_memo``), plus reviewed-without-code
        rows (``code`` empty), ordered by reference then coder. Streams in batches. With
        ``include_orphans``, codings on orphaned excerpts too, and each row's ``quote`` (the
        excerpt's text: an orphan's ``#n`` is where it was, not where it is)."""
        where = "" if include_orphans else "WHERE e.active = 1"
        coder_filter = "" if coder is None else (" AND " if where else " WHERE ") + "x.coder = ?"
        sql = f"""
            SELECT d.case_id, d.stem, e.n, x.code_id, x.coder, x.memo, x.at, e.active,
                   {"e.text" if include_orphans else "NULL"}, e.page, e.media_start, e.media_end,
                   m.text, e.start, e."end"
            FROM (SELECT excerpt_id, code_id, coder, memo, created AS at FROM codings
                  UNION ALL
                  SELECT r.excerpt_id, '' AS code_id, r.coder, NULL, r.reviewed_at FROM reviews r
                  WHERE NOT EXISTS (SELECT 1 FROM codings c WHERE c.excerpt_id = r.excerpt_id
                                    AND c.coder = r.coder)) x
            JOIN excerpts e ON e.id = x.excerpt_id JOIN documents d ON d.id = e.document_id
            LEFT JOIN memos m ON m.excerpt_id = x.excerpt_id AND m.coder = x.coder
            {where}{coder_filter}
            ORDER BY d.case_id, d.stem, e.start, e.selection IS NOT NULL, e.n, x.coder,
                     x.code_id"""
        cur = self.conn.execute(sql, () if coder is None else (coder,))
        while rows := cur.fetchmany(batch):
            for r in rows:
                yield {"excerpt": format_ref(r[0], r[1], r[2]), "code": r[3], "coder": r[4],
                       "memo": r[5] or "", "case": r[0], "document": r[1], "time": r[6],
                       "orphaned": not r[7], "quote": r[8] or "",
                       "page": r[9] if r[9] is not None else "",
                       "media_start": timecode(r[10]), "media_end": timecode(r[11]),
                       "excerpt_memo": r[12] or "", "start": r[13], "end": r[14]}

    def coded_excerpts(self: Connection, coders: Iterable[str] | None = None,
                       by_code: bool = True, batch: int = 5000) -> Iterator[dict[str, Any]]:
        """Codings on active excerpts with active codes, with the excerpt's text, speaker,
        case and document, and the coder's memo on the excerpt (``excerpt_memo``). Ordered
        by codebook position then case, document, excerpt and coder (``by_code``), or by
        case, document, excerpt, code position and coder."""
        where, params = "e.active = 1 AND k.active = 1", []
        if coders is not None:
            params = list(coders)
            where += f" AND c.coder IN ({','.join('?' * len(params))})"
        # A selection excerpt (n < 0) comes right after the paragraph it starts in.
        nested = "e.start, e.selection IS NOT NULL, e.n"
        order = (f"k.position, s.position, d.stem, {nested}, c.coder" if by_code
                 else f"s.position, d.stem, {nested}, k.position, c.coder")
        cur = self.conn.execute(f"""
            SELECT c.code_id, c.coder, c.memo, c.created, d.case_id, d.stem, e.n, e.speaker,
                   e.section, e.text, d.title, e.start, e."end", e.page, e.media_start,
                   e.media_end, m.text
            FROM codings c JOIN excerpts e ON e.id = c.excerpt_id
            JOIN documents d ON d.id = e.document_id JOIN cases s ON s.id = d.case_id
            JOIN codes k ON k.id = c.code_id
            LEFT JOIN memos m ON m.excerpt_id = c.excerpt_id AND m.coder = c.coder
            WHERE {where} ORDER BY {order}""", params)
        while rows := cur.fetchmany(batch):
            for r in rows:
                yield {"code": r[0], "coder": r[1], "memo": r[2] or "", "time": r[3],
                       "case": r[4], "document": r[5], "n": r[6],
                       "excerpt": format_ref(r[4], r[5], r[6]), "speaker": r[7] or "",
                       "section": r[8] or "", "text": r[9], "title": r[10] or "",
                       "start": r[11], "end": r[12], "page": r[13] if r[13] is not None else "",
                       "media_start": timecode(r[14]), "media_end": timecode(r[15]),
                       "excerpt_memo": r[16] or ""}
