"""Rich Text Format (.rtf) via striprtf: one block per paragraph."""

from __future__ import annotations

from pathlib import Path

from .model import Block, unreadable


def read(path: Path, raw: bytes) -> list[Block]:
    """Paragraphs of an RTF file (RTF does not mark headings in a way its text keeps)."""
    from striprtf.striprtf import rtf_to_text

    if not raw.lstrip().startswith(b"{\\rtf"):
        raise unreadable(path, "not an RTF file (it does not start with '{\\rtf')",
                         "save it again as Rich Text Format")
    try:
        text = rtf_to_text(raw.decode("latin-1"), errors="replace")
    except Exception as exc:  # striprtf fails with several types on damaged files
        raise unreadable(path, f"cannot read .rtf ({exc.__class__.__name__})",
                         "save it again as Rich Text Format") from None
    return [Block(line.strip()) for line in text.replace("\r", "").split("\n") if line.strip()]
