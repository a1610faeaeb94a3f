"""Write export files whole or not at all, and never over a file that must not be replaced.

:func:`check_target` is the one guard every export runs before it writes: the project's
database, codebook, configuration and case files and any SQLite file are never replaced,
and another existing file only with ``force``. :func:`atomic_file` writes a temporary file
in the target's folder and renames it over the target when it is complete, keeping the
replaced file's permissions.
"""

from __future__ import annotations

import os
import stat
import tempfile
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import QcoderError

SQLITE_MAGIC = b"SQLite format 3\x00"


class ExportError(QcoderError):
    """An export that cannot be written (folder missing, no permission, bad option)."""


def is_sqlite(path: str | Path) -> bool:
    """True when ``path`` is a file that starts with the SQLite header."""
    try:
        with open(path, "rb") as fh:
            return fh.read(len(SQLITE_MAGIC)) == SQLITE_MAGIC
    except OSError:
        return False


def check_target(target: str | Path, protected: Mapping[Path, str] | None = None,
                 force: bool = False) -> None:
    """Refuse to write an export to ``target`` when it is (or is inside) one of the
    ``protected`` paths (path → what it is, e.g. "database"), when it is an SQLite file,
    or when it exists and ``force`` is false."""
    path = Path(target)
    real = path.resolve()
    for kept, what in (protected or {}).items():
        kept = kept.resolve()
        if real == kept or kept in real.parents:
            raise ExportError(f"{target}: is the project's {what}; an export never writes "
                              "over it, choose another file name")
    if not os.path.lexists(path):
        return
    if path.is_dir():
        raise ExportError(f"{target}: is a folder; give a file name")
    if is_sqlite(path):
        raise ExportError(f"{target}: already exists and is an SQLite database; an export "
                          "never writes over one, choose another file name")
    if not force:
        raise ExportError(f"{target}: already exists; pass --force to replace it, or choose "
                          "another file name")


@contextmanager
def atomic_file(target: str | Path, mode: str = "wb", **kwargs: object) -> Iterator[IO]:
    """Open a temporary file next to ``target``; it replaces ``target`` only when the block
    ends without an exception, and is removed otherwise. A replaced file's permissions are
    kept; a new file gets those of any new file (the umask)."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{target}: cannot write: folder {folder} does not exist; create it "
                          "first")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportError(f"{target}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:  # type: ignore[call-overload]
            yield fh
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except OSError as exc:
        Path(tmp).unlink(missing_ok=True)
        raise ExportError(f"{target}: cannot write ({exc.strerror or exc})") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_bytes(target: str | Path, data: bytes) -> None:
    """Write ``data`` to ``target`` atomically."""
    with atomic_file(target) as fh:
        fh.write(data)


def _mode_for(target: Path) -> int:
    """The permissions of the file ``target`` replaces, else of a new file."""
    try:
        st = os.stat(target)
    except OSError:
        return 0o666 & ~_umask()
    return stat.S_IMODE(st.st_mode)


def _umask() -> int:
    # mkstemp creates 0600 files; an export should get the permissions of any new file.
    mask = os.umask(0)
    os.umask(mask)
    return mask
