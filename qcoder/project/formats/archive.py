"""Bounded reading of zip-based documents (.docx, .odt): a decompression bomb is refused."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

from .model import unreadable

# Far above any real document's XML, far below what would exhaust memory.
MAX_INFLATED = 256_000_000


def check_archive(path: Path, raw: bytes, kind: str) -> None:
    """Refuse a zip whose members would inflate past :data:`MAX_INFLATED` bytes in all.

    Python's zip reader never inflates a member past its declared size (a member that
    lies fails its check), so the declared sizes bound the memory a reader can use.
    """
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            total = sum(info.file_size for info in archive.infolist())
    except (zipfile.BadZipFile, OSError, ValueError):
        raise unreadable(path, f"cannot read {kind} (damaged: not a zip archive)",
                         "open and re-save it in Word or LibreOffice") from None
    if total > MAX_INFLATED:
        raise unreadable(path, f"its contents inflate to {total / 1e6:.1f} MB, more than "
                         f"the {MAX_INFLATED / 1e6:.1f} MB qcoder reads",
                         "re-save it without embedded media, or split it") from None
