"""Write export files whole or not at all: a temporary file in the same folder, then a rename."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from ..errors import QcoderError


class ExportError(QcoderError):
    """An export that cannot be written (folder missing, no permission, bad option)."""


@contextmanager
def atomic_file(target: str | Path, mode: str = "wb", **kwargs: object) -> Iterator[IO]:
    """Open a temporary file next to ``target``; it replaces ``target`` only when the block
    ends without an exception, and is removed otherwise."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise ExportError(f"{target}: folder {folder} does not exist; create it first")
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise ExportError(f"{target}: cannot write ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, mode, **kwargs) as fh:  # type: ignore[call-overload]
            yield fh
        os.chmod(tmp, 0o666 & ~_umask())
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


def _umask() -> int:
    # mkstemp creates 0600 files; an export should get the permissions of any new file.
    mask = os.umask(0)
    os.umask(mask)
    return mask
