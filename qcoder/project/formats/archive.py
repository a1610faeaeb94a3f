"""Bounded reading of zip archives (.docx, .odt, .qdpx): a decompression bomb is refused.

Two bounds, both on the sizes the archive declares (Python's zip reader never inflates a
member past its declared size: a member that lies fails its check), so nothing is inflated
before the archive is accepted:

- an absolute cap on everything inflated (``QCODER_MAX_INFLATED_MB``, default 256 MB);
- a ratio of inflated to compressed bytes (``QCODER_MAX_RATIO``, default 100), applied once
  an archive inflates past 16 MB: real documents compress 5-20 times, a bomb 1,000 times.
"""

from __future__ import annotations

import io
import os
import zipfile
from pathlib import Path

from .model import unreadable

# Far above any real document's XML, far below what would exhaust memory.
MAX_INFLATED = 256_000_000
MAX_RATIO = 100
#: Below this many inflated bytes the ratio is not checked (a small, very regular file).
RATIO_FROM = 16_000_000


def limits() -> tuple[int, float]:
    """The absolute cap (bytes) and the ratio, from the environment when set there."""
    cap, ratio = MAX_INFLATED, float(MAX_RATIO)
    raw_cap = os.environ.get("QCODER_MAX_INFLATED_MB", "").strip()
    raw_ratio = os.environ.get("QCODER_MAX_RATIO", "").strip()
    try:
        if raw_cap:
            cap = int(float(raw_cap) * 1_000_000)
        if raw_ratio:
            ratio = float(raw_ratio)
    except ValueError:
        pass  # a malformed setting keeps the defaults (they are the safe side)
    return cap, ratio


def inflation_problem(archive: zipfile.ZipFile, compressed: int) -> str | None:
    """Why ``archive`` (``compressed`` bytes on disk) is refused, or None when it is within
    the bounds; the reason says how to raise them."""
    infos = archive.infolist()
    total = sum(info.file_size for info in infos)
    cap, ratio = limits()
    if total > cap:
        return (f"its contents inflate to {total / 1e6:.1f} MB, more than the "
                f"{cap / 1e6:.1f} MB qcoder reads (QCODER_MAX_INFLATED_MB raises it)")
    packed = max(1, min(compressed, sum(info.compress_size for info in infos)))
    if total > RATIO_FROM and total / packed > ratio:
        return (f"its contents inflate {total / packed:.0f} times ({packed / 1e3:.0f} KB to "
                f"{total / 1e6:.1f} MB), more than the {ratio:.0f} times a real document "
                "does (QCODER_MAX_RATIO raises it)")
    return None


def check_archive(path: Path, raw: bytes, kind: str) -> None:
    """Refuse a document zip past the bounds of :func:`inflation_problem`."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            problem = inflation_problem(archive, len(raw))
    except (zipfile.BadZipFile, OSError, ValueError):
        raise unreadable(path, f"cannot read {kind} (damaged: not a zip archive)",
                         "open and re-save it in Word or LibreOffice") from None
    if problem:
        raise unreadable(path, problem, "re-save it without embedded media, or split it") \
            from None
