"""The one writer of codings in bulk (CSV import, REFI-QDA import, merge), with its memo rule.

Each caller gives the rows as a ``SELECT`` of ``excerpt_id, code_id, coder, created, memo``
(a staging table, or an attached database) and says what happens when a coding is there
already and both sides have a memo:

- ``FILL_NULL`` (codings CSV): the incoming memo fills a coding that has none; a memo is
  never changed. Rows may repeat a coding (the first brings it, a later one its memo).
- ``FILL_BLANK`` (REFI-QDA): the incoming memo fills an empty or blank one; differing memos
  are kept as they are and counted.
- ``APPEND`` (merge): a blank memo takes the other's; a memo keeps its text and gets the
  parts of the other's it lacks, each after a line ``--- merged from LABEL ---``.

Nothing is ever removed or overwritten.

Stamps (the codebook version and definition hash a coding records, see
:mod:`qcoder.stamps`): a new coding gets the stamp ``stamps`` gives its code (CSV and REFI-QDA
imports pass the codebook in force: the coding is taken to be made under it), or the stamp
the source selects (``stamped``: merge keeps what the other copy recorded, which is what
its coder coded under), else ``unknown``. A coding already there keeps its own.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

MEMO_MARKER = "\n\n--- merged from {} ---\n"
_MARKER = re.compile(r"\n\n--- merged from [^\n]* ---\n")
_SAME = "c.excerpt_id = s.excerpt_id AND c.code_id = s.code_id AND c.coder = s.coder"
_WHITESPACE = "char(32, 9, 10, 13)"


class MemoPolicy(StrEnum):
    """What an incoming memo does to a coding that is already there."""

    FILL_NULL = "fill-null"
    FILL_BLANK = "fill-blank"
    APPEND = "append"


@dataclass
class BulkCodings:
    """What :func:`write_codings` changed.

    ``changes``: rows written (new codings plus memos changed); ``added``: new codings
    (``FILL_NULL`` cannot tell them from memo fills and counts both); ``memos_new``: new
    codings that brought a memo; ``memos_filled``: empty memos filled; ``memos_appended``:
    memos that got the other's text appended; ``memos_differ``: memos left as they were
    although the incoming one differs (``FILL_BLANK``).
    """

    changes: int = 0
    added: int = 0
    memos_new: int = 0
    memos_filled: int = 0
    memos_appended: int = 0
    memos_differ: int = 0


def merge_memo(mine: str | None, theirs: str | None, label: str) -> str | None:
    """``mine`` plus the parts of ``theirs`` it lacks, each after a ``merged from`` line."""
    if not theirs or not theirs.strip():
        return mine
    if not mine or not mine.strip():
        return theirs
    have = {part.strip() for part in _MARKER.split(mine)}
    missing = [p for p in _MARKER.split(theirs) if p.strip() and p.strip() not in have]
    return mine + "".join(MEMO_MARKER.format(label) + p for p in missing)


def ensure_coders(conn: sqlite3.Connection, coders: Iterable[str], at: str) -> None:
    """Make every coder known (those already known keep their date)."""
    conn.executemany("INSERT OR IGNORE INTO coders (name, created) VALUES (?, ?)",
                     [(c, at) for c in coders])


def set_display_names(conn: sqlite3.Connection, names: dict[str, str]) -> None:
    """Keep how another tool wrote each coder's name (a name already kept stays)."""
    conn.executemany("UPDATE coders SET display_name = ? WHERE name = ? AND display_name = ''",
                     [(display, name) for name, display in names.items() if display != name])


def display_names(conn: sqlite3.Connection) -> dict[str, str]:
    """Coder id → the name another tool wrote, for the coders that have one."""
    return dict(conn.execute("SELECT name, display_name FROM coders WHERE display_name != ''"))


def _stamped_insert(conn: sqlite3.Connection, source: str,
                    stamps: Mapping[str, tuple[str, str]] | None, stamped: bool) -> str:
    """The ``INSERT ... SELECT`` of new codings from ``source``, with their stamps."""
    columns = "excerpt_id, code_id, coder, created, memo, codebook_version, definition_hash"
    if stamped:
        return f"INSERT INTO codings ({columns}) {source} "
    if not stamps:
        return f"INSERT INTO codings (excerpt_id, code_id, coder, created, memo) {source} "
    conn.execute("CREATE TEMP TABLE IF NOT EXISTS bulk_stamps (code_id TEXT PRIMARY KEY, "
                 "version TEXT NOT NULL, hash TEXT NOT NULL)")
    conn.execute("DELETE FROM temp.bulk_stamps")
    conn.executemany("INSERT INTO temp.bulk_stamps VALUES (?, ?, ?)",
                     [(code, v, h) for code, (v, h) in stamps.items()])
    # A LEFT JOIN keeps ``s`` as the outer loop, so the rows keep the source's order.
    return (f"INSERT INTO codings ({columns}) WITH s(excerpt_id, code_id, coder, created, "
            f"memo) AS ({source}) SELECT s.excerpt_id, s.code_id, s.coder, s.created, s.memo, "
            "COALESCE(t.version, 'unknown'), COALESCE(t.hash, '') FROM s "
            "LEFT JOIN temp.bulk_stamps t ON t.code_id = s.code_id WHERE true ")


def write_codings(conn: sqlite3.Connection, source: str, params: Sequence[Any] | dict = (),
                  policy: MemoPolicy = MemoPolicy.FILL_NULL, label: str = "",
                  stamps: Mapping[str, tuple[str, str]] | None = None,
                  stamped: bool = False) -> BulkCodings:
    """Add the codings ``source`` selects, in its order; existing ones keep their time and
    get memos by ``policy`` (``label`` names the other copy for ``APPEND``).

    ``source`` is a ``SELECT`` with a ``WHERE`` clause (SQLite needs one before the
    ``ON CONFLICT`` of an ``INSERT ... SELECT``) of ``excerpt_id, code_id, coder, created,
    memo`` (with ``stamped``, then ``codebook_version, definition_hash``); it may run more
    than once. ``stamps``: code id → (codebook version, definition hash) of new codings.
    """
    out = BulkCodings()
    insert = (_stamped_insert(conn, source, stamps, stamped)
              + "ON CONFLICT(excerpt_id, code_id, coder) ")
    before = conn.total_changes
    if policy is MemoPolicy.FILL_NULL:
        conn.execute(insert + "DO UPDATE SET memo = excluded.memo WHERE codings.memo IS NULL "
                     "AND excluded.memo IS NOT NULL", params)
        out.changes = out.added = conn.total_changes - before
        return out
    if policy is MemoPolicy.FILL_BLANK:
        blank = f"TRIM(COALESCE(c.memo, ''), {_WHITESPACE}) = ''"
        both = conn.execute(f"SELECT c.memo, s.memo FROM ({source}) s JOIN codings c ON {_SAME} "
                            f"WHERE s.memo IS NOT NULL AND NOT {blank}", params).fetchall()
        out.memos_differ = sum(1 for old, new in both if old.strip() != new)
        out.memos_new = conn.execute(
            f"SELECT COUNT(*) FROM ({source}) s WHERE s.memo IS NOT NULL AND NOT EXISTS "
            f"(SELECT 1 FROM codings c WHERE {_SAME})", params).fetchone()[0]
        out.memos_filled = conn.execute(
            f"UPDATE codings AS c SET memo = s.memo FROM ({source}) s WHERE {_SAME} "
            f"AND s.memo IS NOT NULL AND {blank}", params).rowcount
    else:
        out.memos_filled, out.memos_appended = _append_memos(
            conn, "codings", "memo", ("code_id", "coder"), source, params, label)
    out.added = conn.execute(insert + "DO NOTHING", params).rowcount
    out.changes = conn.total_changes - before
    return out


def append_memos(conn: sqlite3.Connection, source: str, params: Sequence[Any] | dict,
                 label: str) -> tuple[int, int]:
    """Excerpt memos by the ``APPEND`` rule: ``source`` selects ``excerpt_id, coder, text``;
    returns (filled, appended)."""
    return _append_memos(conn, "memos", "text", ("coder",), source, params, label)


def _append_memos(conn: sqlite3.Connection, table: str, column: str, keys: tuple[str, ...],
                  source: str, params: Sequence[Any] | dict, label: str) -> tuple[int, int]:
    """Fill empty memos of rows both sides have, then append the other's differing memos."""
    from .connection import now

    conn.create_function("qcoder_merge_memo", 3, merge_memo, deterministic=True)
    conn.execute("DROP TABLE IF EXISTS temp.bulk_notes")
    conn.execute(f"""CREATE TEMP TABLE bulk_notes AS
        SELECT s.excerpt_id, {', '.join(f's.{k}' for k in keys)}, s.{column} AS memo
        FROM ({source}) s WHERE TRIM(COALESCE(s.{column}, '')) != ''""", params)
    match = " AND ".join(f"m.{k} = o.{k}" for k in ("excerpt_id", *keys))
    stamp = ", updated = :now" if table == "memos" else ""
    filled = conn.execute(f"""UPDATE main.{table} AS m SET {column} = o.memo{stamp}
        FROM temp.bulk_notes o WHERE {match} AND TRIM(COALESCE(m.{column}, '')) = ''""",
                          {"now": now()}).rowcount
    both = conn.execute(f"""UPDATE main.{table} AS m
        SET {column} = qcoder_merge_memo(m.{column}, o.memo, :label){stamp}
        FROM temp.bulk_notes o WHERE {match} AND m.{column} != o.memo
          AND qcoder_merge_memo(m.{column}, o.memo, :label) != m.{column}""",
                        {"label": label, "now": now()}).rowcount
    conn.execute("DROP TABLE temp.bulk_notes")
    return filled, both


def write_reviews(conn: sqlite3.Connection, source: str,
                  params: Sequence[Any] | dict = ()) -> int:
    """Add the reviews ``source`` selects (``excerpt_id, coder, reviewed_at``; a ``SELECT``
    with a ``WHERE`` clause) that are not there yet; how many were added."""
    before = conn.total_changes
    conn.execute(f"INSERT INTO reviews (excerpt_id, coder, reviewed_at) {source} "
                 "ON CONFLICT(excerpt_id, coder) DO NOTHING", params)
    return conn.total_changes - before
