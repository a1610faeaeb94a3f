"""Word documents (.docx) via python-docx: paragraphs, and headings from their styles."""

from __future__ import annotations

import io
from pathlib import Path

from .archive import check_archive
from .model import Block, unreadable


def read(path: Path, raw: bytes) -> list[Block]:
    """One block per non-empty paragraph; ``Heading …`` and ``Title`` styles are headings."""
    check_archive(path, raw, ".docx")
    import docx  # python-docx is slow to import; only .docx documents need it

    try:
        paragraphs = docx.Document(io.BytesIO(raw)).paragraphs
        items = [(p.text.replace("\r", ""), (p.style.name if p.style is not None else "") or "")
                 for p in paragraphs]
    except Exception as exc:  # python-docx raises several types for damaged files
        raise unreadable(path, f"cannot read .docx ({exc.__class__.__name__})",
                         "open and re-save it in Word or LibreOffice") from None
    return [Block(text.strip(), heading=style.startswith("Heading") or style == "Title")
            for text, style in items if text.strip()]
