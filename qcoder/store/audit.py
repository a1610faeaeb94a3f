"""The audit trail: log entries in the event table that undo and redo pass over."""

from __future__ import annotations

import json
import sqlite3
from typing import Any

from .database import now


def log_entry(conn: sqlite3.Connection, coder: str, kind: str, details: dict[str, Any]) -> None:
    """Append one log entry (``state = 'log'``) of ``kind`` made by ``coder``."""
    conn.execute(
        "INSERT INTO events (action_id, coder, at, kind, after, state) VALUES "
        "((SELECT COALESCE(MAX(action_id), 0) + 1 FROM events), ?, ?, ?, ?, 'log')",
        (coder, now(), kind, json.dumps(details, ensure_ascii=False)))


def log_entries(conn: sqlite3.Connection, kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    """Every log entry of ``kind``: coder, time and details, oldest first."""
    rows = conn.execute("SELECT coder, at, after FROM events WHERE kind = ? AND state = 'log' "
                        "ORDER BY action_id", (kind,)).fetchall()
    return [(r[0], r[1], json.loads(r[2] or "{}")) for r in rows]
