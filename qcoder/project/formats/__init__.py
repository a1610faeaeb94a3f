"""Document formats: one reader per format, each turning a file into paragraph blocks.

Plain text (.txt) and Markdown (.md) are segmented by the corpus itself (blank-line
paragraphs, front matter); every other format has a module here with one function,
``read(path, raw) -> list[Block]`` (HTML also returns the page title).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .model import SPEAKER, Block

TEXT_SUFFIXES = (".txt", ".md")
BLOCK_SUFFIXES = (".docx", ".odt", ".pdf", ".html", ".htm", ".rtf", ".vtt", ".srt")
SUFFIXES = TEXT_SUFFIXES + BLOCK_SUFFIXES
TRANSCRIPT_SUFFIXES = (".vtt", ".srt")

__all__ = ["BLOCK_SUFFIXES", "SPEAKER", "SUFFIXES", "TEXT_SUFFIXES", "Block", "read_blocks"]


def read_blocks(path: Path, raw: bytes) -> tuple[list[Block], dict[str, Any]]:
    """The blocks of a document in a block format, and metadata the format itself carries."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        from . import html

        return html.read(path, raw)
    if suffix == ".pdf":
        from . import pdf as reader
    elif suffix == ".docx":
        from . import docx as reader  # type: ignore[no-redef]
    elif suffix == ".odt":
        from . import odt as reader  # type: ignore[no-redef]
    elif suffix == ".rtf":
        from . import rtf as reader  # type: ignore[no-redef]
    elif suffix in TRANSCRIPT_SUFFIXES:
        from . import transcript as reader  # type: ignore[no-redef]
    else:
        raise ValueError(f"no reader for {suffix}")
    return reader.read(path, raw), {}
