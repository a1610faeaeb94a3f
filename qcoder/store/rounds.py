"""SQL of reliability rounds: the rounds, their coders, their excerpts, the frozen codings."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

from ..project.corpus import format_ref

if TYPE_CHECKING:  # numpy is imported by the two readers that pack ids, not by the workbench
    import numpy as np

ROUND_COLUMNS = ("id", "name", "kind", "percent", "strata", "seed", "from_unreviewed", "pool",
                 "strata_sizes", "codebook_version", "started_by", "started", "closed")


def _marks(values: Sequence[Any]) -> str:
    return ",".join("?" * len(values))


# -- reading --------------------------------------------------------------------------------
def round_rows(conn: sqlite3.Connection, name: str | None = None) -> list[dict[str, Any]]:
    """Every round (or the one named), oldest first, as dicts of its columns."""
    sql = f"SELECT {', '.join(ROUND_COLUMNS)} FROM rounds"
    params: tuple = ()
    if name is not None:
        sql += " WHERE name = ?"
        params = (name,)
    return [dict(zip(ROUND_COLUMNS, r, strict=True))
            for r in conn.execute(sql + " ORDER BY started, id", params)]


def round_coders(conn: sqlite3.Connection, round_id: int) -> list[str]:
    return [r[0] for r in conn.execute(
        "SELECT coder FROM round_coders WHERE round_id = ? ORDER BY rowid", (round_id,))]


def round_excerpt_ids(conn: sqlite3.Connection, round_id: int) -> list[int]:
    """The round's excerpt ids in the order they were drawn (corpus order)."""
    return [r[0] for r in conn.execute(
        "SELECT excerpt_id FROM round_excerpts WHERE round_id = ? ORDER BY position",
        (round_id,))]


def round_excerpt_refs(conn: sqlite3.Connection, round_id: int) -> list[dict[str, Any]]:
    """The round's excerpts in order: reference, stratum, whether still active."""
    rows = conn.execute("""SELECT d.case_id, d.stem, e.n, r.stratum, e.active, e.id
        FROM round_excerpts r JOIN excerpts e ON e.id = r.excerpt_id
        JOIN documents d ON d.id = e.document_id WHERE r.round_id = ? ORDER BY r.position""",
                        (round_id,))
    return [{"excerpt": format_ref(c, s, n), "stratum": stratum, "active": bool(active),
             "id": eid} for c, s, n, stratum, active, eid in rows]


def strata_counts(conn: sqlite3.Connection, round_id: int) -> list[tuple[str, int]]:
    return conn.execute("SELECT stratum, COUNT(*) FROM round_excerpts WHERE round_id = ? "
                        "GROUP BY stratum ORDER BY stratum", (round_id,)).fetchall()


def reviewed_counts(conn: sqlite3.Connection, round_id: int, frozen: bool) -> dict[str, int]:
    """Per coder of the round: how many of its excerpts they reviewed (at close if frozen)."""
    if frozen:
        rows = conn.execute("SELECT coder, COUNT(*) FROM round_reviews WHERE round_id = ? "
                            "GROUP BY coder", (round_id,))
    else:
        rows = conn.execute("""SELECT k.coder, COUNT(v.excerpt_id) FROM round_coders k
            JOIN round_excerpts x ON x.round_id = k.round_id
            LEFT JOIN reviews v ON v.excerpt_id = x.excerpt_id AND v.coder = k.coder
            WHERE k.round_id = ? GROUP BY k.coder""", (round_id,))
    return dict(rows.fetchall())


def open_rounds_of(conn: sqlite3.Connection, coder: str) -> list[str]:
    """Names of the open rounds ``coder`` codes in."""
    return [r[0] for r in conn.execute("""SELECT r.name FROM rounds r
        JOIN round_coders k ON k.round_id = r.id
        WHERE k.coder = ? AND r.closed IS NULL ORDER BY r.started, r.id""", (coder,))]


def open_round_excerpts_of(conn: sqlite3.Connection, coder: str) -> list[int]:
    """Excerpt ids of every open round ``coder`` codes in."""
    return [r[0] for r in conn.execute("""SELECT DISTINCT x.excerpt_id FROM round_excerpts x
        JOIN rounds r ON r.id = x.round_id AND r.closed IS NULL
        JOIN round_coders k ON k.round_id = r.id AND k.coder = ?""", (coder,))]


def in_open_round_of(conn: sqlite3.Connection, coder: str, excerpt_id: int) -> bool:
    """Whether an excerpt is in an open round ``coder`` codes in."""
    return conn.execute("""SELECT 1 FROM round_excerpts x
        JOIN rounds r ON r.id = x.round_id AND r.closed IS NULL
        JOIN round_coders k ON k.round_id = r.id AND k.coder = ?
        WHERE x.excerpt_id = ? LIMIT 1""", (coder, excerpt_id)).fetchone() is not None


def excerpt_pool(conn: sqlite3.Connection) -> list[tuple[int, str, str, str, int]]:
    """Active excerpts of active documents in corpus order: (id, identity, case id, document
    stem, 1 when some coder other than consensus reviewed it)."""
    return conn.execute("""SELECT e.id, e.identity, d.case_id, d.stem,
            EXISTS (SELECT 1 FROM reviews v WHERE v.excerpt_id = e.id
                    AND v.coder != 'consensus')
        FROM excerpts e JOIN documents d ON d.id = e.document_id AND d.active = 1
        JOIN cases c ON c.id = d.case_id
        WHERE e.active = 1 AND e.n > 0 ORDER BY c.position, d.case_id, d.stem, e.n""").fetchall()


def document_excerpts(conn: sqlite3.Connection, case_id: str, stem: str
                      ) -> list[tuple[int, str]] | None:
    """(id, identity) of an active document's active excerpts in order; None: no document."""
    doc = conn.execute("SELECT id FROM documents WHERE case_id = ? AND stem = ? AND active = 1",
                       (case_id, stem)).fetchone()
    if doc is None:
        return None
    return conn.execute("SELECT id, identity FROM excerpts WHERE document_id = ? AND "
                        "active = 1 AND n > 0 ORDER BY n", (doc[0],)).fetchall()


def document_refs(conn: sqlite3.Connection) -> list[str]:
    return [f"{c}/{s}" for c, s in conn.execute(
        "SELECT case_id, stem FROM documents WHERE active = 1 ORDER BY case_id, stem")]


def frozen_reviews(conn: sqlite3.Connection, round_id: int | None, coders: Sequence[str]
                   ) -> dict[str, np.ndarray]:
    """Excerpt ids each coder had reviewed when the round was closed."""
    from .reads import packed

    return {coder: packed(ids) for coder, ids in conn.execute(
        f"""SELECT coder, group_concat(excerpt_id) FROM round_reviews
        WHERE round_id = ? AND coder IN ({_marks(coders)}) GROUP BY coder""",
        (round_id, *coders))}


def frozen_codings(conn: sqlite3.Connection, round_id: int | None, coders: Sequence[str]
                   ) -> dict[tuple[str, str], np.ndarray]:
    """Excerpt ids per (code, coder) of a closed round's codings of active codes."""
    from .reads import packed

    return {(code_id, coder): packed(ids) for code_id, coder, ids in conn.execute(
        f"""SELECT code_id, coder, group_concat(excerpt_id) FROM round_codings
        WHERE round_id = ? AND coder IN ({_marks(coders)})
          AND code_id IN (SELECT id FROM codes WHERE active = 1)
        GROUP BY code_id, coder""", (round_id, *coders))}


# -- writing --------------------------------------------------------------------------------
def insert_round(conn: sqlite3.Connection, values: dict[str, Any]) -> int:
    names = [c for c in ROUND_COLUMNS if c in values]
    cur = conn.execute(f"INSERT INTO rounds ({', '.join(names)}) VALUES ({_marks(names)})",
                       [values[n] for n in names])
    return int(cur.lastrowid or 0)


def insert_round_coders(conn: sqlite3.Connection, round_id: int, coders: Sequence[str],
                        at: str) -> None:
    conn.executemany("INSERT OR IGNORE INTO coders (name, created) VALUES (?, ?)",
                     [(c, at) for c in coders])
    conn.executemany("INSERT INTO round_coders VALUES (?, ?)", [(round_id, c) for c in coders])


def insert_round_excerpts(conn: sqlite3.Connection, round_id: int,
                          rows: Iterable[tuple[int, str]]) -> None:
    """``rows``: (excerpt id, stratum) in queue order."""
    conn.executemany("INSERT INTO round_excerpts VALUES (?, ?, ?, ?)",
                     [(round_id, e, s, i) for i, (e, s) in enumerate(rows)])


def close_round(conn: sqlite3.Connection, round_id: int, at: str) -> None:
    """Mark the round closed and freeze its coders' reviews and codings on its excerpts."""
    conn.execute("UPDATE rounds SET closed = ? WHERE id = ?", (at, round_id))
    conn.execute("""INSERT INTO round_reviews SELECT x.round_id, v.excerpt_id, v.coder,
            v.reviewed_at FROM round_excerpts x
        JOIN round_coders k ON k.round_id = x.round_id
        JOIN reviews v ON v.excerpt_id = x.excerpt_id AND v.coder = k.coder
        WHERE x.round_id = ?""", (round_id,))
    conn.execute("""INSERT INTO round_codings SELECT x.round_id, c.excerpt_id, c.code_id,
            c.coder, c.created FROM round_excerpts x
        JOIN round_coders k ON k.round_id = x.round_id
        JOIN codings c ON c.excerpt_id = x.excerpt_id AND c.coder = k.coder
        WHERE x.round_id = ?""", (round_id,))


#: Tables whose rows name an excerpt: a selection excerpt named by none is nobody's span.
_EXCERPT_REFERENCES = ("codings", "reviews", "memos", "events", "adjudications", "suggestions",
                       "suggestion_scope", "round_excerpts", "round_reviews", "round_codings")


def strip_others_on(conn: sqlite3.Connection, excerpt_ids: Sequence[int], coder: str) -> None:
    """In a coder's fresh copy (autocommit): delete everything other coders left on these
    excerpts and on the selection excerpts (spans coded in qcoder) that start inside them
    (codings, reviews, memos, their history, the adjudication log, frozen rounds); drop
    those spans that then carry nothing of ``coder``'s, so the copy does not show where
    others coded; then rebuild the file so no deleted row survives in a free page."""
    conn.execute("PRAGMA secure_delete = ON")
    conn.execute("BEGIN")
    conn.execute("CREATE TEMP TABLE blind (excerpt_id INTEGER PRIMARY KEY)")
    conn.executemany("INSERT INTO blind VALUES (?)", [(e,) for e in excerpt_ids])
    conn.execute("""CREATE TEMP TABLE blind_spans AS SELECT DISTINCT s.id AS excerpt_id
        FROM temp.blind b JOIN excerpts p ON p.id = b.excerpt_id
        JOIN excerpts s ON s.document_id = p.document_id AND s.selection IS NOT NULL
            AND s.start >= p.start AND s.start < p."end" """)
    conn.execute("INSERT OR IGNORE INTO temp.blind SELECT excerpt_id FROM temp.blind_spans")
    for table in ("codings", "reviews", "memos", "events", "round_reviews", "round_codings"):
        conn.execute(f"DELETE FROM {table} WHERE coder != ? AND excerpt_id IN "
                     "(SELECT excerpt_id FROM blind)", (coder,))
    conn.execute("DELETE FROM adjudications WHERE excerpt_id IN (SELECT excerpt_id FROM blind)")
    unused = " AND ".join(f"NOT EXISTS (SELECT 1 FROM {t} r WHERE r.excerpt_id = s.excerpt_id)"
                          for t in _EXCERPT_REFERENCES)
    dropped = conn.execute(f"""DELETE FROM excerpts WHERE id IN (
        SELECT s.excerpt_id FROM temp.blind_spans s WHERE {unused})""").rowcount
    if dropped:  # the index's deleted entries leave its pages on the next merge: merge now
        conn.execute("INSERT INTO excerpt_text (excerpt_text) VALUES ('optimize')")
    conn.execute("DROP TABLE blind")
    conn.execute("DROP TABLE blind_spans")
    conn.execute("COMMIT")
    conn.execute("VACUUM")


def unblinding_entries(conn: sqlite3.Connection, coders: Sequence[str], start: str,
                       end: str | None) -> int:
    """How often one of ``coders`` chose to view other coders' codings between the times."""
    rows = conn.execute(f"""SELECT COUNT(*) FROM events WHERE kind = 'unblind'
        AND state = 'log' AND coder IN ({_marks(coders)}) AND at >= ?
        AND (? IS NULL OR at <= ?)""", (*coders, start, end, end)).fetchone()
    return int(rows[0])


def adjudication_counts(conn: sqlite3.Connection, round_id: int | None) -> dict[str, Any]:
    """The adjudication log on a round's excerpts (every excerpt for None): decisions in
    all, per kind (keep, drop, pick) and who decided."""
    where = ("WHERE excerpt_id IN (SELECT excerpt_id FROM round_excerpts WHERE round_id = ?)"
             if round_id is not None else "")
    params = (round_id,) if round_id is not None else ()
    counts = dict(conn.execute(f"SELECT decision, COUNT(*) FROM adjudications {where} "
                               "GROUP BY decision", params).fetchall())
    by = [r[0] for r in conn.execute(f"SELECT DISTINCT decided_by FROM adjudications {where} "
                                     "ORDER BY decided_by", params)]
    return {"decisions": sum(counts.values()), "keep": counts.get("keep", 0),
            "drop": counts.get("drop", 0), "pick": counts.get("pick", 0), "by": by}


def reviews_before_start(conn: sqlite3.Connection, round_id: int, frozen: bool) -> int:
    """Reviews by the round's coders on its excerpts made before the round was started."""
    if frozen:
        sql = """SELECT COUNT(*) FROM round_reviews v JOIN rounds r ON r.id = v.round_id
            WHERE v.round_id = ? AND v.reviewed_at < r.started"""
    else:
        sql = """SELECT COUNT(*) FROM round_excerpts x JOIN rounds r ON r.id = x.round_id
            JOIN round_coders k ON k.round_id = x.round_id
            JOIN reviews v ON v.excerpt_id = x.excerpt_id AND v.coder = k.coder
            WHERE x.round_id = ? AND v.reviewed_at < r.started"""
    return int(conn.execute(sql, (round_id,)).fetchone()[0])


# -- a coder's queue in the workbench --------------------------------------------------------
def open_rounds_with_size(conn: sqlite3.Connection, coder: str) -> list[tuple[int, str, int]]:
    """(id, name, excerpts) of the open rounds ``coder`` codes in, oldest first."""
    return conn.execute("""SELECT r.id, r.name,
            (SELECT COUNT(*) FROM round_excerpts x WHERE x.round_id = r.id)
        FROM rounds r JOIN round_coders k ON k.round_id = r.id
        WHERE k.coder = ? AND r.closed IS NULL ORDER BY r.started, r.id""", (coder,)).fetchall()


def changes_seen(conn: sqlite3.Connection) -> tuple[int, int]:
    """What changes when anything is written: this connection's count of changed rows and
    the data version (which moves when another connection commits)."""
    return conn.total_changes, conn.execute("PRAGMA data_version").fetchone()[0]


def reviewed_in_round(conn: sqlite3.Connection, round_id: int, coder: str) -> int:
    """How many of an open round's excerpts ``coder`` has reviewed."""
    return int(conn.execute("""SELECT COUNT(*) FROM round_excerpts x JOIN reviews v
        ON v.excerpt_id = x.excerpt_id AND v.coder = ? WHERE x.round_id = ?""",
                            (coder, round_id)).fetchone()[0])


def round_position(conn: sqlite3.Connection, round_id: int, excerpt_id: int) -> int | None:
    """Where an excerpt stands in a round's queue (0-based), None when it is not in it."""
    row = conn.execute("SELECT position FROM round_excerpts WHERE round_id = ? AND "
                       "excerpt_id = ?", (round_id, excerpt_id)).fetchone()
    return None if row is None else int(row[0])


def next_unreviewed_in_round(conn: sqlite3.Connection, round_id: int, coder: str,
                             after: int = -1, before: int = 2**62) -> int | None:
    """The first active excerpt of a round's queue between positions ``after`` and
    ``before`` (exclusive) that ``coder`` has not reviewed."""
    row = conn.execute("""SELECT x.excerpt_id FROM round_excerpts x
        JOIN excerpts e ON e.id = x.excerpt_id AND e.active = 1
        WHERE x.round_id = ? AND x.position > ? AND x.position < ?
          AND NOT EXISTS (SELECT 1 FROM reviews v WHERE v.excerpt_id = x.excerpt_id
                          AND v.coder = ?)
        ORDER BY x.position LIMIT 1""", (round_id, after, before, coder)).fetchone()
    return None if row is None else int(row[0])
