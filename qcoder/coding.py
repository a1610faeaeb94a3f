"""What a coder does to an excerpt — apply, remove, toggle, review, memo, undo, redo.

Every action is one transaction that changes the codings and appends its events, so a
coding is on disk the moment the call returns, and undo/redo survive a restart.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import CodebookError, InputError
from .project.codebook import Codebook, codebook_stamps, lint_text
from .store import codings as db
from .store import events, suggestions
from .store import selections as spans
from .store.adjudications import write_adjudication
from .store.corpus import excerpt_is_active, sync_codebook
from .store.database import Store, SyncReport, now

if TYPE_CHECKING:  # the codebook file's editor loads only when a code is added
    from .project.codebook_edit import NewCode

CODER_PATTERN = re.compile(r"^[\w][\w.@+-]{0,39}$")
#: A step run inside an action's transaction: (connection, action id).
Step = Callable[[sqlite3.Connection, int], None]


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
    #: a code was added to (or taken out of) the codebook: the caller re-reads it
    codebook_changed: bool = False


class Coding:
    """The coding actions of one coder on one store, with the codebook's rules."""

    def __init__(self, store: Store, codebook: Codebook, coder: str) -> None:
        self.store = store
        self.codebook = codebook
        self.coder = check_coder(coder)
        #: The codebook file, for adding codes (and undoing that); None: not from here.
        self.codebook_file: Path | None = None
        self.use(codebook)

    def use(self, codebook: Codebook) -> None:
        """Code with this codebook from now on (after a reload or an added code)."""
        self.codebook = codebook
        # Stamped on every coding: computed once here, not per key press.
        self._stamps = codebook_stamps(codebook)

    # -- helpers ----------------------------------------------------------------------------
    def _new_action(self, conn: sqlite3.Connection) -> int:
        db.ensure_coder(conn, self.coder)
        events.drop_redo(conn, self.coder)  # a new action ends the redo history
        return events.next_action_id(conn)

    def _event(self, conn: sqlite3.Connection, action: int, kind: str, excerpt_id: int | None,
               code_id: str | None = None, before: Any = None, after: Any = None,
               state: str = "done") -> None:
        events.append(conn, action, self.coder, now(), kind, excerpt_id, code_id, before,
                      after, state)

    def _add(self, conn: sqlite3.Connection, action: int, excerpt_id: int, code_id: str,
             memo: str | None = None, created: str | None = None) -> None:
        created = created or now()
        stamp = self._stamps.get(code_id, ("unknown", ""))
        db.insert_coding(conn, excerpt_id, code_id, self.coder, created, memo, stamp=stamp)
        self._event(conn, action, "add", excerpt_id, code_id,
                    after={"memo": memo, "created": created, "stamp": list(stamp)})

    def _remove(self, conn: sqlite3.Connection, action: int, excerpt_id: int,
                code_id: str) -> None:
        state = db.coding_state(conn, excerpt_id, code_id, self.coder)
        assert state is not None
        stamp = db.coding_stamp(conn, excerpt_id, code_id, self.coder)
        db.delete_coding(conn, excerpt_id, code_id, self.coder)
        self._event(conn, action, "remove", excerpt_id, code_id,
                    before={"memo": state[0], "created": state[1], "stamp": list(stamp or ())})

    def _review(self, conn: sqlite3.Connection, action: int, excerpt_id: int) -> None:
        if db.add_review(conn, excerpt_id, self.coder, now()):
            self._event(conn, action, "review", excerpt_id)

    def _check_excerpt(self, conn: sqlite3.Connection, excerpt_id: int) -> None:
        if not excerpt_is_active(conn, excerpt_id):
            raise InputError(f"excerpt {excerpt_id} does not exist (or is orphaned); "
                             "run 'qcoder import' to refresh the cases")

    def _replace_siblings(self, conn: sqlite3.Connection, action: int, excerpt_id: int,
                          code_id: str, present: dict[str, str | None] | set[str]) -> list[str]:
        """Remove the other codes of ``code_id``'s exclusive group (the one conflict check
        of exclusive groups); the codes removed."""
        removed: list[str] = []
        group = self.codebook.group_of(code_id)
        for sibling in self.codebook[group].children if group is not None else ():
            if sibling != code_id and sibling in present:
                self._remove(conn, action, excerpt_id, sibling)
                removed.append(sibling)
        return removed

    def _check_code(self, code_id: str) -> None:
        if code_id not in self.codebook:
            raise InputError(f"unknown code '{code_id}'; see 'qcoder codebook check' for ids")
        if self.codebook[code_id].exclusive:
            raise InputError(f"'{code_id}' is an exclusive group; apply one of its codes")

    # -- actions ----------------------------------------------------------------------------
    def apply(self, excerpt_id: int, code_id: str, memo: str | None = None,
              then: Step | None = None) -> Outcome:
        """Apply a code (replacing a sibling in an exclusive group); marks reviewed.
        ``then(conn, action)`` runs last in the same transaction, as part of the action."""
        self._check_code(code_id)
        with self.store.transaction() as conn:
            self._check_excerpt(conn, excerpt_id)
            present = db.codes_present(conn, excerpt_id, self.coder)
            action = self._new_action(conn)
            removed = self._replace_siblings(conn, action, excerpt_id, code_id, present)
            added = []
            if code_id not in present:
                self._add(conn, action, excerpt_id, code_id, memo)
                added.append(code_id)
            self._review(conn, action, excerpt_id)
            if then is not None:
                then(conn, action)
            return Outcome(action, added, removed)

    def toggle_span(self, document_id: int, start: int, end: int, code_id: str) -> Outcome:
        """Apply a code to a span of a document (code points of its plain text, end
        exclusive), or remove it when this coder has it there: one action. The span's
        excerpt is the one with exactly these offsets, else a new selection excerpt."""
        self._check_code(code_id)
        with self.store.transaction() as conn:
            key = spans.document_key(conn, document_id) if document_id else None
            if key is None or not 0 <= start < end <= len(key[2]):
                raise InputError(f"no span {start}–{end} in that document; select text "
                                 "inside it")
            found = spans.excerpt_at(conn, document_id, start, end)
            if found is not None and code_id in db.codes_present(conn, found, self.coder):
                action = self._new_action(conn)
                self._remove(conn, action, found, code_id)
                return Outcome(action, [], [code_id], found)
            excerpt_id = spans.create(conn, document_id, start, end)
            present = db.codes_present(conn, excerpt_id, self.coder)
            action = self._new_action(conn)
            if found is None:
                self._event(conn, action, "selection", excerpt_id,
                            after={"start": start, "end": end})
            removed = self._replace_siblings(conn, action, excerpt_id, code_id, present)
            self._add(conn, action, excerpt_id, code_id)
            self._review(conn, action, excerpt_id)
            return Outcome(action, [code_id], removed, excerpt_id)

    def record(self, excerpt_id: int, then: Step) -> Outcome:
        """An action that changes no coding: ``then(conn, action)`` writes it (and its
        events, see :meth:`event`) in one transaction; undone and redone like the others."""
        with self.store.transaction() as conn:
            self._check_excerpt(conn, excerpt_id)
            action = self._new_action(conn)
            then(conn, action)
            return Outcome(action, [], [])

    def event(self, conn: sqlite3.Connection, action: int, kind: str, excerpt_id: int,
              code_id: str | None, before: Any, after: Any) -> None:
        """Log one event of ``action`` (for a ``then`` step: see :meth:`apply`)."""
        self._event(conn, action, kind, excerpt_id, code_id, before, after)

    def remove(self, excerpt_id: int, code_id: str) -> Outcome:
        """Remove a code this coder applied; the excerpt stays reviewed."""
        with self.store.transaction() as conn:
            self._check_excerpt(conn, excerpt_id)
            if db.coding_state(conn, excerpt_id, code_id, self.coder) is None:
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
            codes = list(db.codes_present(conn, excerpt_id, self.coder))
            action = self._new_action(conn)
            for code_id in codes:
                self._remove(conn, action, excerpt_id, code_id)
            self._review(conn, action, excerpt_id)
            return Outcome(action, [], codes)

    def mark_reviewed(self, excerpt_id: int) -> Outcome:
        """Record that this coder decided the excerpt (with no code, if none is applied)."""
        with self.store.transaction() as conn:
            self._check_excerpt(conn, excerpt_id)
            if db.has_review(conn, excerpt_id, self.coder):
                return Outcome(None, [], [])
            action = self._new_action(conn)
            self._review(conn, action, excerpt_id)
            return Outcome(action, [], [])

    def set_coding_memo(self, excerpt_id: int, code_id: str, memo: str) -> Outcome:
        """Set the memo of one of this coder's codings (empty text removes it)."""
        memo_value = memo.strip() or None
        with self.store.transaction() as conn:
            row = db.coding_state(conn, excerpt_id, code_id, self.coder)
            if row is None:
                raise InputError(f"no coding of '{code_id}' by {self.coder} on this excerpt; "
                                 "apply the code before writing its memo")
            if row[0] == memo_value:
                return Outcome(None, [], [])
            action = self._new_action(conn)
            db.update_coding_memo(conn, excerpt_id, code_id, self.coder, memo_value)
            self._event(conn, action, "coding-memo", excerpt_id, code_id, before=row[0],
                        after=memo_value)
            return Outcome(action, [], [])

    def set_excerpt_memo(self, excerpt_id: int, memo: str) -> Outcome:
        """Set this coder's memo on an excerpt (empty text removes it)."""
        memo_value = memo.strip() or None
        with self.store.transaction() as conn:
            self._check_excerpt(conn, excerpt_id)
            before = db.excerpt_memo(conn, excerpt_id, self.coder)
            if before == memo_value:
                return Outcome(None, [], [])
            action = self._new_action(conn)
            db.write_excerpt_memo(conn, excerpt_id, self.coder, memo_value)
            self._event(conn, action, "excerpt-memo", excerpt_id, before=before,
                        after=memo_value)
            return Outcome(action, [], [])

    def create_code(self, code: NewCode) -> Outcome:
        """Add a code to the codebook file (comments and layout kept) and the store: one
        action of this coder, undoable while no coding uses the code. Raises
        :class:`CodebookError` with the linter's ``FILE:LINE`` problem for a bad code."""
        from .project import codebook_edit  # the file editor loads when a code is added

        path = self._codebook_file()
        text = codebook_edit.read(path)
        new, _ = codebook_edit.with_code(text, path, code)
        with self.store.transaction() as conn:
            action = self._new_action(conn)
            self._store_codebook(conn, new, path)
            self._event(conn, action, "code-create", None, code.id, after=code.to_dict())
            codebook_edit.write(path, new, text)  # last: a failure before leaves the file
        self.use(self.store.codebook())
        return Outcome(action, [], [], codebook_changed=True)

    def _codebook_file(self) -> Path:
        if self.codebook_file is None:
            raise InputError("adding a code (and undoing it) needs the codebook file: do it "
                             "in the workbench, or edit the codebook and run 'qcoder import'")
        return self.codebook_file

    def _store_codebook(self, conn: sqlite3.Connection, text: str, path: Path) -> None:
        book, problems = lint_text(text, path)
        if book is None:
            raise CodebookError(str(problems[0]))
        sync_codebook(conn, book, False, SyncReport())

    def _replay_code(self, conn: sqlite3.Connection, code_id: str, fields: dict[str, Any],
                     reverse: bool) -> None:
        """Undo (take the code out of file and store, if no coding uses it) or redo."""
        from .project import codebook_edit
        from .project.codebook_edit import NewCode

        path = self._codebook_file()
        text = codebook_edit.read(path)
        if reverse:
            used = db.code_codings(conn, code_id)
            if used:
                raise InputError(f"code '{code_id}' has {used} codings now; remove them "
                                 "before undoing its creation")
            new = codebook_edit.without_code(text, path, code_id)
        elif code_id in (lint_text(text, path)[0] or ()):
            new = text  # put back by hand meanwhile
        else:
            new = codebook_edit.with_code(text, path, NewCode(**fields))[0]
        self._store_codebook(conn, new, path)
        if new != text:
            codebook_edit.write(path, new, text)

    # -- undo / redo ------------------------------------------------------------------------
    def undo(self) -> Outcome:
        """Undo this coder's latest action still in effect (persisted: works after restart)."""
        return self._step(events.latest_done, "undone", "undo", reverse=True)

    def redo(self) -> Outcome:
        """Redo the action undone last, unless a new action came after it."""
        return self._step(events.latest_undone, "done", "redo", reverse=False)

    def _step(self, pick: Any, to_state: str, log: str, reverse: bool) -> Outcome:
        with self.store.transaction() as conn:
            action = pick(conn, self.coder)
            if action is None:
                return Outcome(None, [], [])
            replayed = events.action_events(conn, action, self.coder, reverse)
            added: list[str] = []
            removed: list[str] = []
            for kind, excerpt_id, code_id, before, after in replayed:
                if kind == "code-create":
                    self._replay_code(conn, str(code_id), after, reverse)
                    continue
                _replay(conn, self.coder, kind, excerpt_id, code_id, before, after, reverse,
                        added, removed, action)
            events.set_action_state(conn, action, self.coder, to_state)
            self._event(conn, action, log, None, after={"action_id": action}, state="log")
            touched = next((e[1] for e in replayed if e[1] is not None), None)
            changed = any(e[0] == "code-create" for e in replayed)
        if changed:
            self.use(self.store.codebook())
        return Outcome(action, added, removed, touched, changed)


def _replay(conn: sqlite3.Connection, coder: str, kind: str, excerpt_id: int,
            code_id: str | None, before: Any, after: Any, reverse: bool,
            added: list[str], removed: list[str], action: int | None = None) -> None:
    """Apply one event forwards (redo) or backwards (undo)."""
    add_kind = "remove" if reverse else "add"
    if kind in ("add", "remove"):
        if kind == add_kind:
            state = before if reverse else after
            # Undo and redo bring a coding back with the stamp it had (events from before
            # stamps were recorded have none: 'unknown').
            stamp = state.get("stamp") or ("unknown", "")
            db.insert_coding(conn, excerpt_id, str(code_id), coder, state["created"],
                             state["memo"], replay=True, stamp=(stamp[0], stamp[1]))
            added.append(str(code_id))
        else:
            db.delete_coding(conn, excerpt_id, str(code_id), coder)
            removed.append(str(code_id))
    elif kind == "review":
        if reverse:
            db.delete_review(conn, excerpt_id, coder)
        else:
            db.add_review(conn, excerpt_id, coder, now())
    elif kind == "coding-memo":
        db.update_coding_memo(conn, excerpt_id, str(code_id), coder,
                              before if reverse else after)
    elif kind == "excerpt-memo":
        db.write_excerpt_memo(conn, excerpt_id, coder, before if reverse else after)
    elif kind == "adjudication":
        write_adjudication(conn, excerpt_id, str(code_id), after, action, remove=reverse)
    elif kind == "suggestion":
        if reverse:
            suggestions.reopen(conn, after["suggestion"])
        else:
            suggestions.decide(conn, after["suggestion"], after["decision"], coder, now())


__all__ = ["Coding", "Outcome", "check_coder", "write_adjudication"]
