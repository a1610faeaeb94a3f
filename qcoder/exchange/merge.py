"""Merge another copy of a project database into this one, and make copies to take away.

What comes in: coders, codings, reviews, excerpt and coding memos, consensus codings,
adjudications and the undo history (events). The rules:

- Excerpts are matched by their content identity, codes by id, events by their uid, and
  adjudications by everything they record; row ids never matter.
- Nothing here is overwritten or removed. The same coding twice is one coding; different
  codings (of two coders, or of one coder on two copies) all stay. Two children of one
  exclusive group for one coder and excerpt stay too and are reported as conflicts.
- Memos: an empty memo takes the other's; a non-empty memo is kept and the other's text is
  appended after a line ``--- merged from FILE ---``, unless this memo already holds it.
- A coding whose excerpt or code this project lacks is kept as orphaned: the excerpt (and its
  document and case when needed) or the code comes in inactive, as after a changed document.
- Merged actions keep their order and come after this copy's actions in undo order; actions
  undone on the other copy cannot be redone here. An event already here keeps its state.
- Everything happens in SQL in one transaction, with the other database attached and only
  read: a merge lands whole or not at all, and merging the same file again changes nothing.
"""

from __future__ import annotations

import os
import sqlite3
import tempfile
from collections.abc import Callable
from contextlib import closing
from pathlib import Path

from ..coding import check_coder
from ..errors import StoreError
from ..rounds import blind_excerpts
from ..store import merge as sql
from ..store.bulk import MEMO_MARKER, merge_memo
from ..store.database import Store, now
from ..store.merge import MergeSummary
from ..store.migrations import LATEST
from ..store.rounds import strip_others_on

__all__ = ["MEMO_MARKER", "MergeSummary", "copy_for_coder", "merge_database", "merge_memo"]


class _Discard(Exception):
    """Rolls a dry run back."""


def merge_database(store: Store, other: str | Path, dry_run: bool = False,
                   progress: Callable[[int, int], None] | None = None) -> MergeSummary:
    """Bring ``other``'s work into ``store`` in one transaction (rolled back when ``dry_run``);
    ``progress(done, total)`` is called after each step.

    Raises :class:`StoreError`, with nothing written, when ``other`` is missing, this very
    database, not a qcoder database, damaged, or written by a newer qcoder.
    """
    path = Path(other)
    schema, meta = sql.inspect(store, path)
    summary = MergeSummary(source=path.name, dry_run=dry_run, schema=schema)
    mine = {"name": store.meta("codebook_name", "") or "",
            "version": store.meta("codebook_version", "") or ""}
    summary.codebook = {"this": mine["version"], "other": meta.get("codebook_version", "")}
    with sql.readable(path, schema) as source, sql.attached(store, source):
        try:
            with store.transaction() as conn:
                sql.merge(conn, summary, progress)
                if dry_run:
                    raise _Discard
        except _Discard:
            pass
        except sqlite3.DatabaseError as exc:
            what = "damaged database" if "malformed" in str(exc) else "cannot be merged"
            raise StoreError(f"{path}: {what} ({exc}); nothing was written. Ask for a fresh "
                             "copy") from None
    _warn(summary, mine, meta, path)
    return summary


def _warn(summary: MergeSummary, mine: dict[str, str], meta: dict[str, str], path: Path) -> None:
    theirs = {"name": meta.get("codebook_name", ""), "version": meta.get("codebook_version", "")}
    if theirs["name"] and mine["name"] and theirs["name"] != mine["name"]:
        summary.warnings.append(f"{path.name} uses codebook '{theirs['name']}', this project "
                                f"'{mine['name']}': is it a copy of another project?")
    if theirs["version"] != mine["version"]:
        summary.warnings.append(f"{path.name} was coded with codebook version "
                                f"{theirs['version'] or '?'}, this project has "
                                f"{mine['version'] or '?'}; codes were matched by id")
    if summary.schema < LATEST:
        summary.warnings.append(f"{path.name} has schema {summary.schema}; it was read through "
                                "an upgraded temporary copy and is unchanged")


# -- a copy to take away --------------------------------------------------------------------
def copy_for_coder(store: Store, coder: str, out: str | Path) -> Path:
    """Write a full copy of the project database for ``coder`` to ``out`` (never over an
    existing file); the copy records who it is for, and ``coder`` is known in it.

    The copy is built in a file created exclusively in ``out``'s folder under a fresh
    random name (a planted file or symlink is never opened) and linked into place, which
    fails rather than replace anything that appeared at ``out`` meanwhile. While ``coder``
    codes in an open round, other coders' codings, reviews, memos, history and consensus
    decisions on its excerpts are left out of the copy (their pages overwritten)."""
    coder = check_coder(coder)
    out = Path(out)
    if os.path.lexists(out):
        raise StoreError(f"{out}: already exists; choose another file name (a copy may hold "
                         "a coder's work, so it is never overwritten)")
    if not out.parent.is_dir():
        raise StoreError(f"{out}: folder does not exist; create it or choose another path")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".partial", dir=out.parent)
    except OSError as exc:
        raise StoreError(f"{out}: cannot write ({exc.strerror or exc})") from None
    os.close(fd)
    partial = Path(name)
    try:
        with closing(sqlite3.connect(partial, isolation_level=None)) as dst:
            store.conn.backup(dst)
            sql.mark_copy(dst, coder, store.path.name, now())
            hidden = blind_excerpts(store, coder)
            if hidden:  # an open round: other coders' work on its excerpts stays behind
                strip_others_on(dst, hidden, coder)
        try:
            os.link(partial, out)  # never replaces: fails when ``out`` exists
        except FileExistsError:
            raise StoreError(f"{out}: appeared while copying; choose another file name") \
                from None
        except OSError:  # no hard links on this file system (FAT): rename, checked first
            if os.path.lexists(out):
                raise StoreError(f"{out}: appeared while copying; choose another file "
                                 "name") from None
            os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out
