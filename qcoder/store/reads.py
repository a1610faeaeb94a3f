"""The reads of agreement and compare: reviews and codings as arrays of excerpt ids.

Each set of ids comes back from one ``group_concat`` query and is parsed by numpy, so a
million codings load in a few packed strings instead of a million rows.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..constants import CONSENSUS
from ..project.corpus import format_ref

if TYPE_CHECKING:
    from .connection import Connection


def packed(text: str | None) -> np.ndarray:
    """Integers from a ``group_concat`` (empty for NULL)."""
    if not text:
        return np.empty(0, dtype=np.int64)
    return np.fromstring(text, dtype=np.int64, sep=",")


def _marks(values: Sequence[object]) -> str:
    return ",".join("?" * len(values))


def excerpts_by_case(store: Connection, case: str | None = None) -> dict[str, np.ndarray]:
    """Active excerpt ids per case (one case, if given)."""
    where, params = "e.active = 1", []
    if case is not None:
        where += " AND d.case_id = ?"
        params.append(case)
    rows = store.query(
        f"""SELECT d.case_id, group_concat(e.id) FROM excerpts e
            JOIN documents d ON d.id = e.document_id WHERE {where} GROUP BY d.case_id""",
        params)
    return {case_id: packed(ids) for case_id, ids in rows}


def reviewed_by_coder(store: Connection, coders: Sequence[str]) -> dict[str, np.ndarray]:
    """Ids of the excerpts each coder reviewed (coders without reviews left out), orphaned
    excerpts included: the caller filters."""
    return {coder: packed(ids) for coder, ids in store.query(
        f"SELECT coder, group_concat(excerpt_id) FROM reviews WHERE coder IN ({_marks(coders)})"
        " GROUP BY coder", list(coders))}


def coded_by_code_and_coder(store: Connection, coders: Sequence[str],
                            code_ids: Sequence[str] | None = None
                            ) -> dict[tuple[str, str], np.ndarray]:
    """Ids of the excerpts each coder coded with each code: the active codes, or those of
    ``code_ids`` (read straight from the (code, coder, excerpt) index)."""
    if code_ids is None:
        rows = store.query(
            f"""SELECT code_id, coder, group_concat(excerpt_id) FROM codings
                WHERE coder IN ({_marks(coders)}) AND code_id IN
                (SELECT id FROM codes WHERE active = 1) GROUP BY code_id, coder""",
            list(coders))
    else:
        rows = store.query(
            "SELECT code_id, coder, group_concat(excerpt_id) FROM codings "
            f"INDEXED BY codings_code_coder WHERE code_id IN ({_marks(code_ids)}) "
            f"AND coder IN ({_marks(coders)}) GROUP BY code_id, coder", [*code_ids, *coders])
    return {(code_id, coder): packed(ids) for code_id, coder, ids in rows}


def active_excerpts(store: Connection) -> tuple[np.ndarray, np.ndarray]:
    """The ids of the active excerpts and, in the same order, their document ids."""
    rows = store.query("SELECT group_concat(id), group_concat(document_id) FROM excerpts "
                       "WHERE active = 1")
    return packed(rows[0][0]), packed(rows[0][1])


# Reading order: case, document, position; (case_id, stem) is unique among documents and
# (document_id, n) among active excerpts, so it is a total order.
_IN_READING_ORDER = """FROM excerpts e JOIN documents d ON d.id = e.document_id
    WHERE e.id IN (SELECT value FROM json_each(?)) ORDER BY d.case_id, d.stem, e.n"""


def first_in_reading_order(store: Connection, ids: Sequence[int], limit: int) -> list[int]:
    """The first ``limit`` of these excerpt ids in reading order (case, document, position)."""
    return [row[0] for row in store.query(f"SELECT e.id {_IN_READING_ORDER} LIMIT ?",
                                          (json.dumps(list(ids)), limit))]


def excerpts_in_reading_order(store: Connection, ids: Sequence[int], batch: int = 5000
                              ) -> Iterator[list[tuple[int, str, str, int, str]]]:
    """``(id, case id, stem, n, text)`` of these excerpts in reading order, in lists of up
    to ``batch`` rows, read by one statement."""
    cur = store.conn.execute(f"SELECT e.id, d.case_id, d.stem, e.n, e.text {_IN_READING_ORDER}",
                             (json.dumps(list(ids)),))
    while rows := cur.fetchmany(batch):
        yield rows


def excerpt_texts(store: Connection, ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    """Excerpt id -> (reference, case id, text), for any number of ids."""
    out: dict[int, tuple[str, str, str]] = {}
    unique = list(dict.fromkeys(int(i) for i in ids))
    for start in range(0, len(unique), 500):
        chunk = unique[start:start + 500]
        for excerpt_id, case_id, stem, n, text in store.query(
                f"""SELECT e.id, d.case_id, d.stem, e.n, e.text FROM excerpts e
                    JOIN documents d ON d.id = e.document_id WHERE e.id IN ({_marks(chunk)})""",
                chunk):
            out[excerpt_id] = (format_ref(case_id, stem, n), case_id, text)
    return out


def has_consensus(store: Connection) -> bool:
    """True once the consensus coder has coded or reviewed anything."""
    return bool(store.scalar(
        "SELECT EXISTS (SELECT 1 FROM codings WHERE coder = ?) "
        "OR EXISTS (SELECT 1 FROM reviews WHERE coder = ?)", (CONSENSUS, CONSENSUS)))
