"""Queries on the adjudication log: the consensus decisions, who took them, why and when."""

from __future__ import annotations

import sqlite3
from typing import TYPE_CHECKING, Any

from ..project.corpus import format_ref

if TYPE_CHECKING:
    from .connection import Connection


def write_adjudication(conn: sqlite3.Connection, excerpt_id: int, code_id: str,
                       record: dict[str, Any], action: int | None, remove: bool = False) -> None:
    """Add a row to the adjudication log, or remove it (found by what it records, as merge
    matches it): the ``adjudication`` event's do and undo. ``record`` holds decision,
    source_coder, reason, decided_by and at."""
    if remove:
        conn.execute("DELETE FROM adjudications WHERE excerpt_id = ? AND code_id = ? AND "
                     "decision = ? AND source_coder IS ? AND reason = ? AND decided_by = ? "
                     "AND at = ?", (excerpt_id, code_id, record["decision"],
                                    record["source_coder"], record["reason"],
                                    record["decided_by"], record["at"]))
    else:
        conn.execute("INSERT INTO adjudications (excerpt_id, code_id, decision, source_coder, "
                     "reason, decided_by, at, action_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                     (excerpt_id, code_id, record["decision"], record["source_coder"],
                      record["reason"], record["decided_by"], record["at"], action))


class AdjudicationReads:
    """The Store's reads of the adjudication log."""

    def decided_pairs(self: Connection) -> set[tuple[int, str]]:
        """Every ``(excerpt_id, code_id)`` with at least one decision."""
        return set(self.query("SELECT DISTINCT excerpt_id, code_id FROM adjudications"))

    def adjudication_log(self: Connection) -> list[dict[str, Any]]:
        """Every consensus decision with its excerpt reference, in the order it was taken."""
        rows = self.query("""SELECT d.case_id, d.stem, e.n, a.code_id, a.decision,
            a.source_coder, a.reason, a.decided_by, a.at FROM adjudications a
            JOIN excerpts e ON e.id = a.excerpt_id JOIN documents d ON d.id = e.document_id
            ORDER BY a.at, a.id""")
        return [{"excerpt": format_ref(r[0], r[1], r[2]), "code": r[3], "decision": r[4],
                 "source_coder": r[5] or "", "reason": r[6] or "", "decided_by": r[7],
                 "at": r[8]} for r in rows]
