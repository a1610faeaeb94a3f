"""What a coder does to an excerpt — apply, remove, toggle, review, memo, undo, redo.

Every action is one transaction that changes the codings and appends its events, so a
coding is on disk the moment the call returns, and undo/redo survive a restart.
"""

from __future__ import annotations

import json
import re
import sqlite3
from dataclasses import dataclass
from typing import Any

from .errors import InputError
from .project.codebook import Codebook
from .store.database import Store, now
from .store.migrations import new_uid

CODER_PATTERN = re.compile(r"^[\w][\w.@+-]{0,39}$")


def check_coder(name: str) -> str:
    """Validate a coder name (letters, digits, ``._@+-``, at most 40 characters)."""
    name = (name or "").strip()
    if not CODER_PATTERN.match(name):
        raise InputError(f"invalid coder name '{name}': use letters, digits and . _ @ + - "
                         "(at most 40 characters), e.g. --coder amira")
    return name


@dataclass
class Outcome:
    """What an action did: codes added and removed, and its action id (None: nothing).

    ``excerpt_id`` is set by undo and redo: the excerpt the replayed action touched.
    """

    action_id: int | None
    added: list[str]
    removed: list[str]
    excerpt_id: int | None = None


class Coding:
    """The coding actions of one coder on one store, with the codebook's rules."""

    def __init__(self, store: Store, codebook: Codebook, coder: str) -> None:
        self.store = store
        self.codebook = codebook
        self.coder = check_coder(coder)

    # -- helpers ----------------------------------------------------------------------------
    def _new_action(self, conn: sqlite3.Connection) -> int:
        self.store.ensure_coder(conn, self.coder)
        # A new action ends the redo history, as in any editor.
        conn.execute("UPDATE events SET state = 'dropped' WHERE coder = ? AND state = 'undone'",
                     (self.coder,))
        return int(conn.execute("SELECT COALESCE(MAX(action_id), 0) + 1 FROM events")
                   .fetchone()[0])

    def _event(self, conn: sqlite3.Connection, action: int, kind: str, excerpt_id: int | None,
               code_id: str | None = None, before: Any = None, after: Any = None,
               state: str = "done") -> None:
        conn.execute(
            "INSERT INTO events (action_id, coder, at, kind, excerpt_id, code_id, before, after,"
            " state, uid) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (action, self.coder, now(), kind, excerpt_id, code_id,
             None if before is None else json.dumps(before, ensure_ascii=False),
             None if after is None else json.dumps(after, ensure_ascii=False), state, new_uid()))

    def _add(self, conn: sqlite3.Connection, action: int, excerpt_id: int, code_id: str,
             memo: str | None = None, created: str | None = None) -> None:
        created = created or now()
        conn.execute("INSERT INTO codings (excerpt_id, code_id, coder, created, memo) "
                     "VALUES (?, ?, ?, ?, ?)", (excerpt_id, code_id, self.coder, created, memo))
        self._event(conn, action, "add", excerpt_id, code_id,
                    after={"memo": memo, "created": created})

    def _remove(self, conn: sqlite3.Connection, action: int, excerpt_id: int,
                code_id: str) -> None:
        row = conn.execute("SELECT memo, created FROM codings WHERE excerpt_id = ? AND "
                           "code_id = ? AND coder = ?", (excerpt_id, code_id, self.coder)
                           ).fetchone()
        conn.execute("DELETE FROM codings WHERE excerpt_id = ? AND code_id = ? AND coder = ?",
                     (excerpt_id, code_id, self.coder))
        self._event(conn, action, "remove", excerpt_id, code_id,
                    before={"memo": row[0], "created": row[1]})

    def _review(self, conn: sqlite3.Connection, action: int, excerpt_id: int) -> None:
        cur = conn.execute("INSERT OR IGNORE INTO reviews VALUES (?, ?, ?)",
                           (excerpt_id, self.coder, now()))
        if cur.rowcount:
            self._event(conn, action, "review", excerpt_id)

    def _check_excerpt(self, conn: sqlite3.Connection, excerpt_id: int) -> None:
        if not conn.execute("SELECT 1 FROM excerpts WHERE id = ? AND active = 1",
                            (excerpt_id,)).fetchone():
            raise InputError(f"excerpt {excerpt_id} does not exist (or is orphaned); "
                             "run 'qcoder import' to refresh the cases")

    def _check_code(self, code_id: str) -> None:
        if code_id not in self.codebook:
            raise InputError(f"unknown code '{code_id}'; see 'qcoder codebook check' for ids")
        if self.codebook[code_id].exclusive:
            raise InputError(f"'{code_id}' is an exclusive group; apply one of its codes")

    # -- actions ----------------------------------------------------------------------------
    def apply(self, excerpt_id: int, code_id: str, memo: str | None = None) -> Outcome:
        """Apply a code (replacing a sibling in an exclusive group); marks reviewed."""
        self._check_code(code_id)
        with self.store.transaction() as conn:
            self._check_excerpt(conn, excerpt_id)
            present = {r[0] for r in conn.execute(
                "SELECT code_id FROM codings WHERE excerpt_id = ? AND coder = ?",
                (excerpt_id, self.coder))}
            action = self._new_action(conn)
            removed: list[str] = []
            group = self.codebook.group_of(code_id)
            if group is not None:
                for sibling in self.codebook[group].children:
                    if sibling != code_id and sibling in present:
                        self._remove(conn, action, excerpt_id, sibling)
                        removed.append(sibling)
            added = []
            if code_id not in present:
                self._add(conn, action, excerpt_id, code_id, memo)
                added.append(code_id)
            self._review(conn, action, excerpt_id)
            return Outcome(action, added, removed)

    def remove(self, excerpt_id: int, code_id: str) -> Outcome:
        """Remove a code this coder applied; the excerpt stays reviewed."""
        with self.store.transaction() as conn:
            self._check_excerpt(conn, excerpt_id)
            if not conn.execute("SELECT 1 FROM codings WHERE excerpt_id = ? AND code_id = ? "
                                "AND coder = ?", (excerpt_id, code_id, self.coder)).fetchone():
                return Outcome(None, [], [])
            action = self._new_action(conn)
            self._remove(conn, action, excerpt_id, code_id)
            self._review(conn, action, excerpt_id)
            return Outcome(action, [], [code_id])

    def toggle(self, excerpt_id: int, code_id: str) -> Outcome:
        """Apply the code, or remove it when this coder already applied it."""
        if code_id in self.store.codes_of(excerpt_id, self.coder):
            return self.remove(excerpt_id, code_id)
        return self.apply(excerpt_id, code_id)

    def clear(self, excerpt_id: int) -> Outcome:
        """Remove every code this coder applied; the excerpt stays reviewed."""
        with self.store.transaction() as conn:
            self._check_excerpt(conn, excerpt_id)
            codes = [r[0] for r in conn.execute("SELECT code_id FROM codings WHERE "
                     "excerpt_id = ? AND coder = ? ORDER BY id", (excerpt_id, self.coder))]
            action = self._new_action(conn)
            for code_id in codes:
                self._remove(conn, action, excerpt_id, code_id)
            self._review(conn, action, excerpt_id)
            return Outcome(action, [], codes)

    def mark_reviewed(self, excerpt_id: int) -> Outcome:
        """Record that this coder decided the excerpt (with no code, if none is applied)."""
        with self.store.transaction() as conn:
            self._check_excerpt(conn, excerpt_id)
            if conn.execute("SELECT 1 FROM reviews WHERE excerpt_id = ? AND coder = ?",
                            (excerpt_id, self.coder)).fetchone():
                return Outcome(None, [], [])
            action = self._new_action(conn)
            self._review(conn, action, excerpt_id)
            return Outcome(action, [], [])

    def set_coding_memo(self, excerpt_id: int, code_id: str, memo: str) -> Outcome:
        """Set the memo of one of this coder's codings (empty text removes it)."""
        memo_value = memo.strip() or None
        with self.store.transaction() as conn:
            row = conn.execute("SELECT memo FROM codings WHERE excerpt_id = ? AND code_id = ? "
                               "AND coder = ?", (excerpt_id, code_id, self.coder)).fetchone()
            if row is None:
                raise InputError(f"no coding of '{code_id}' by {self.coder} on this excerpt; "
                                 "apply the code before writing its memo")
            if row[0] == memo_value:
                return Outcome(None, [], [])
            action = self._new_action(conn)
            conn.execute("UPDATE codings SET memo = ? WHERE excerpt_id = ? AND code_id = ? AND "
                         "coder = ?", (memo_value, excerpt_id, code_id, self.coder))
            self._event(conn, action, "coding-memo", excerpt_id, code_id, before=row[0],
                        after=memo_value)
            return Outcome(action, [], [])

    def set_excerpt_memo(self, excerpt_id: int, memo: str) -> Outcome:
        """Set this coder's memo on an excerpt (empty text removes it)."""
        memo_value = memo.strip() or None
        with self.store.transaction() as conn:
            self._check_excerpt(conn, excerpt_id)
            row = conn.execute("SELECT text FROM memos WHERE excerpt_id = ? AND coder = ?",
                               (excerpt_id, self.coder)).fetchone()
            before = row[0] if row else None
            if before == memo_value:
                return Outcome(None, [], [])
            action = self._new_action(conn)
            _write_memo(conn, excerpt_id, self.coder, memo_value)
            self._event(conn, action, "excerpt-memo", excerpt_id, before=before,
                        after=memo_value)
            return Outcome(action, [], [])

    # -- undo / redo ------------------------------------------------------------------------
    def undo(self) -> Outcome:
        """Undo this coder's latest action still in effect (persisted: works after restart)."""
        return self._step(_latest_done, "undone", "undo", reverse=True)

    def redo(self) -> Outcome:
        """Redo the action undone last, unless a new action came after it."""
        return self._step(_latest_undone, "done", "redo", reverse=False)

    def _step(self, pick: Any, to_state: str, log: str, reverse: bool) -> Outcome:
        with self.store.transaction() as conn:
            action = pick(conn, self.coder)
            if action is None:
                return Outcome(None, [], [])
            events = conn.execute(
                f"SELECT kind, excerpt_id, code_id, before, after FROM events WHERE "
                f"action_id = ? AND coder = ? AND state != 'log' ORDER BY id "
                f"{'DESC' if reverse else 'ASC'}", (action, self.coder)).fetchall()
            added: list[str] = []
            removed: list[str] = []
            for kind, excerpt_id, code_id, before, after in events:
                _replay(conn, self.coder, kind, excerpt_id, code_id,
                        json.loads(before) if before else None,
                        json.loads(after) if after else None, reverse, added, removed,
                        action)
            conn.execute("UPDATE events SET state = ? WHERE action_id = ? AND coder = ? AND "
                         "state != 'log'", (to_state, action, self.coder))
            self._event(conn, action, log, None, after={"action_id": action}, state="log")
            touched = next((e[1] for e in events if e[1] is not None), None)
            return Outcome(action, added, removed, touched)


def _latest_done(conn: sqlite3.Connection, coder: str) -> int | None:
    """The action to undo: this coder's latest one still in effect."""
    return conn.execute("SELECT MAX(action_id) FROM events WHERE coder = ? AND state = 'done'",
                        (coder,)).fetchone()[0]


def _latest_undone(conn: sqlite3.Connection, coder: str) -> int | None:
    """The undone action to redo first: the one undone last (latest undo log entry)."""
    row = conn.execute(
        """SELECT e.action_id FROM events l JOIN events e
               ON e.action_id = l.action_id AND e.coder = l.coder AND e.state = 'undone'
           WHERE l.coder = ? AND l.kind = 'undo' ORDER BY l.id DESC LIMIT 1""",
        (coder,)).fetchone()
    return row[0] if row else None


def _write_memo(conn: sqlite3.Connection, excerpt_id: int, coder: str,
                memo: str | None) -> None:
    if memo is None:
        conn.execute("DELETE FROM memos WHERE excerpt_id = ? AND coder = ?", (excerpt_id, coder))
    else:
        conn.execute("INSERT INTO memos VALUES (?, ?, ?, ?) ON CONFLICT(excerpt_id, coder) "
                     "DO UPDATE SET text = excluded.text, updated = excluded.updated",
                     (excerpt_id, coder, memo, now()))


def _replay(conn: sqlite3.Connection, coder: str, kind: str, excerpt_id: int,
            code_id: str | None, before: Any, after: Any, reverse: bool,
            added: list[str], removed: list[str], action: int | None = None) -> None:
    """Apply one event forwards (redo) or backwards (undo)."""
    add_kind = "remove" if reverse else "add"
    if kind in ("add", "remove"):
        if kind == add_kind:
            state = before if reverse else after
            conn.execute("INSERT OR IGNORE INTO codings (excerpt_id, code_id, coder, created, "
                         "memo) VALUES (?, ?, ?, ?, ?)",
                         (excerpt_id, code_id, coder, state["created"], state["memo"]))
            added.append(str(code_id))
        else:
            conn.execute("DELETE FROM codings WHERE excerpt_id = ? AND code_id = ? AND "
                         "coder = ?", (excerpt_id, code_id, coder))
            removed.append(str(code_id))
    elif kind == "review":
        if reverse:
            conn.execute("DELETE FROM reviews WHERE excerpt_id = ? AND coder = ?",
                         (excerpt_id, coder))
        else:
            conn.execute("INSERT OR IGNORE INTO reviews VALUES (?, ?, ?)",
                         (excerpt_id, coder, now()))
    elif kind == "coding-memo":
        conn.execute("UPDATE codings SET memo = ? WHERE excerpt_id = ? AND code_id = ? AND "
                     "coder = ?", (before if reverse else after, excerpt_id, code_id, coder))
    elif kind == "excerpt-memo":
        _write_memo(conn, excerpt_id, coder, before if reverse else after)
    elif kind == "adjudication":
        write_adjudication(conn, excerpt_id, str(code_id), after, action, remove=reverse)


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
