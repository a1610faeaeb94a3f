"""The connection to a project database: pragmas, migrations, transactions, error mapping.

Plain :mod:`sqlite3` throughout: every statement is written out in the query modules of
this package (one per concern), so that a schema change is one search away.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import StoreError
from .migrations import migrate

BUSY_TIMEOUT_S = 10.0


def now() -> str:
    """A UTC timestamp with microseconds (sortable text)."""
    return datetime.now(UTC).isoformat(timespec="microseconds")


def chunks(items: list, size: int) -> Iterator[list]:
    """``items`` in slices of ``size`` (SQLite limits the parameters of one statement)."""
    for i in range(0, len(items), size):
        yield items[i:i + size]


def database_error(path: Path, exc: BaseException,
                   timeout: float = BUSY_TIMEOUT_S) -> StoreError:
    """The one-line error for an SQLite failure on the database at ``path``."""
    text = str(exc)
    if "locked" in text or "busy" in text:
        return StoreError(f"{path}: database is locked by another writer for more than "
                          f"{timeout:g} s; try again, or close the other qcoder")
    if "readonly" in text or "read-only" in text:
        return StoreError(f"{path}: the database is read-only for you; nothing was changed: "
                          "check the permissions of the file and its folder, or work on a "
                          "copy ('qcoder export coder')")
    if "malformed" in text or isinstance(exc, MemoryError) or "corrupt" in text:
        return StoreError(f"{path}: the database is damaged (database disk image is "
                          "malformed); nothing was changed: restore it from a backup or bring "
                          "a coder's copy back with 'qcoder merge'")
    if "not a database" in text:
        return StoreError(f"{path}: not a qcoder database ({text}); pass another --db or "
                          "move this file away")
    return StoreError(f"{path}: database error: {text}")


def is_damaged(path: Path) -> bool:
    """True when SQLite's quick check finds the database at ``path`` damaged."""
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            return conn.execute("PRAGMA quick_check").fetchone() != ("ok",)
        finally:
            conn.close()
    except (sqlite3.DatabaseError, MemoryError):
        return True


class Connection:
    """A project database: WAL mode, busy timeout, migrations applied on open."""

    def __init__(self, path: str | Path, timeout: float = BUSY_TIMEOUT_S) -> None:
        self.path = Path(path)
        if not self.path.parent.exists():
            raise StoreError(f"{self.path}: folder does not exist; create it or pass --db")
        self.timeout = timeout
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a folder; pass --db FOLDER/qcoder.db")
        try:
            conn = sqlite3.connect(str(self.path), timeout=timeout, isolation_level=None,
                                   check_same_thread=False)
        except sqlite3.Error as exc:
            raise self._error(exc) from None
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(timeout * 1000)}")
            self._check_ours(conn)  # before WAL mode, which rewrites the file's header
            conn.execute("PRAGMA journal_mode = WAL")
            conn.execute("PRAGMA synchronous = FULL")
            conn.execute("PRAGMA foreign_keys = ON")
            self.conn = conn
            migrate(conn)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise self._error(exc) from None
        except StoreError as exc:
            conn.close()
            raise StoreError(f"{self.path}: {exc}") from None

    def _check_ours(self, conn: sqlite3.Connection) -> None:
        """Refuse an SQLite file of another application: only a new or empty file, or one
        with qcoder's ``migrations`` and ``meta`` tables, is ever written."""
        tables = sorted(r[0] for r in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table'"))
        if tables and not {"migrations", "meta"} <= set(tables):
            shown = ", ".join(tables[:5]) + (", ..." if len(tables) > 5 else "")
            raise StoreError(f"another application's SQLite database (tables: {shown}), not "
                             "a qcoder one; it is left unchanged: pass --db with a new file")

    def _error(self, exc: BaseException) -> StoreError:
        return database_error(self.path, exc, self.timeout)

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction (``BEGIN IMMEDIATE``): all of it is committed, or none."""
        try:
            self.conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as exc:
            raise self._error(exc) from None
        try:
            yield self.conn
        except BaseException:
            self.conn.execute("ROLLBACK")
            raise
        try:
            self.conn.execute("COMMIT")
        except sqlite3.OperationalError as exc:
            self.conn.execute("ROLLBACK")
            raise self._error(exc) from None

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def query(self, sql: str, params: Iterable[Any] | dict = ()) -> list[tuple]:
        """Every row of one statement (locked or busy: a :class:`StoreError`)."""
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.OperationalError as exc:
            raise self._error(exc) from None

    def scalar(self, sql: str, params: Iterable[Any] | dict = ()) -> Any:
        """The first column of the first row (None: no row)."""
        row = self.query(sql, params)
        return row[0][0] if row else None

    def meta(self, key: str, default: str | None = None) -> str | None:
        value = self.scalar("SELECT value FROM meta WHERE key = ?", (key,))
        return default if value is None else value

    def set_meta(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        set_meta(conn, key, value)


def set_meta(conn: sqlite3.Connection, key: str, value: str) -> None:
    """Set one ``meta`` value inside the caller's transaction."""
    conn.execute("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                 "value = excluded.value", (key, value))
