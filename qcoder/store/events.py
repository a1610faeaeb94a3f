"""The event log: one writer for events, one allocator of action ids, undo/redo lookups.

An *action* is what one key press or command did; its events share an ``action_id``.
States: ``done`` (in effect), ``undone``, ``dropped`` (a new action ended its redo) and
``log`` (an entry that undo passes over: imports, undo and redo themselves).
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from typing import Any

from .migrations import new_uid

EVENT_INSERT = ("INSERT INTO events (action_id, coder, at, kind, excerpt_id, code_id, before, "
                "after, state, uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")


def next_action_id(conn: sqlite3.Connection) -> int:
    """A fresh action id (inside the caller's write transaction, so it stays unique)."""
    return int(conn.execute("SELECT COALESCE(MAX(action_id), 0) + 1 FROM events").fetchone()[0])


def _json(value: Any) -> str | None:
    return None if value is None else json.dumps(value, ensure_ascii=False)


def append(conn: sqlite3.Connection, action: int, coder: str, at: str, kind: str,
           excerpt_id: int | None = None, code_id: str | None = None, before: Any = None,
           after: Any = None, state: str = "done") -> None:
    """Append one event; ``before`` and ``after`` are stored as JSON (None: nothing)."""
    conn.execute(EVENT_INSERT, (action, coder, at, kind, excerpt_id, code_id, _json(before),
                                _json(after), state, new_uid()))


def append_many(conn: sqlite3.Connection, rows: Iterable[tuple]) -> None:
    """Append events given as ``(action, coder, at, kind, excerpt_id, code_id, before,
    after, state)`` with ``before``/``after`` already JSON text; each gets a new uid."""
    conn.executemany(EVENT_INSERT, ((*row, new_uid()) for row in rows))


def log_import(conn: sqlite3.Connection, coders: Iterable[str], at: str,
               summary: dict[str, Any]) -> None:
    """Record an import in the audit trail (a log entry: undo passes over it)."""
    append(conn, next_action_id(conn), ",".join(coders), at, "import", after=summary,
           state="log")


def drop_redo(conn: sqlite3.Connection, coder: str) -> None:
    """A new action ends the coder's redo history, as in any editor."""
    conn.execute("UPDATE events SET state = 'dropped' WHERE coder = ? AND state = 'undone'",
                 (coder,))


def latest_done(conn: sqlite3.Connection, coder: str) -> int | None:
    """The action to undo: this coder's latest one still in effect."""
    return conn.execute("SELECT MAX(action_id) FROM events WHERE coder = ? AND state = 'done'",
                        (coder,)).fetchone()[0]


def latest_undone(conn: sqlite3.Connection, coder: str) -> int | None:
    """The undone action to redo first: the one undone last (latest undo log entry)."""
    row = conn.execute(
        """SELECT e.action_id FROM events l JOIN events e
               ON e.action_id = l.action_id AND e.coder = l.coder AND e.state = 'undone'
           WHERE l.coder = ? AND l.kind = 'undo' ORDER BY l.id DESC LIMIT 1""",
        (coder,)).fetchone()
    return row[0] if row else None


def action_events(conn: sqlite3.Connection, action: int, coder: str,
                  reverse: bool) -> list[tuple[str, int | None, str | None, Any, Any]]:
    """An action's events (not its log entries) as ``(kind, excerpt_id, code_id, before,
    after)`` with JSON decoded, last first when ``reverse``."""
    rows = conn.execute(
        f"SELECT kind, excerpt_id, code_id, before, after FROM events WHERE "
        f"action_id = ? AND coder = ? AND state != 'log' ORDER BY id "
        f"{'DESC' if reverse else 'ASC'}", (action, coder)).fetchall()
    return [(kind, excerpt_id, code_id, json.loads(before) if before else None,
             json.loads(after) if after else None)
            for kind, excerpt_id, code_id, before, after in rows]


def set_action_state(conn: sqlite3.Connection, action: int, coder: str, state: str) -> None:
    """Mark an action's events (not its log entries) ``state``."""
    conn.execute("UPDATE events SET state = ? WHERE action_id = ? AND coder = ? AND "
                 "state != 'log'", (state, action, coder))
