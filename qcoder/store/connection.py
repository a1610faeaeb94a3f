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

    def _error(self, exc: sqlite3.Error) -> StoreError:
        text = str(exc)
        if "locked" in text or "busy" in text:
            return StoreError(f"{self.path}: database is locked by another writer for more "
                              f"than {self.timeout:g} s; try again, or close the other qcoder")
        if "not a database" in text or "malformed" in text:
            return StoreError(f"{self.path}: not a qcoder database ({text}); pass another "
                              "--db or move this file away")
        return StoreError(f"{self.path}: database error: {text}")

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
