"""What every format reader returns: a document's paragraphs and headings as blocks."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ...errors import CorpusError, located

# A speaker turn in an interview: a name of at most 40 characters, a colon and a space.
SPEAKER = re.compile(r"^([A-Za-z\u00C0-\u024F][\w .'()\-]{0,39}):\s")


@dataclass(frozen=True)
class Block:
    """A paragraph or heading of a document, with what its format says about it.

    ``page`` is the 1-based page a PDF paragraph starts on; ``media_start``/``media_end``
    are the times of a transcript turn in milliseconds.
    """

    text: str
    heading: bool = False
    speaker: str | None = None
    page: int | None = None
    media_start: int | None = None
    media_end: int | None = None


def unreadable(path: Path, what: str, fix: str) -> CorpusError:
    """The one-line error for a document its reader cannot use."""
    return CorpusError(located(path, None, f"{what}; {fix}"))


def decode_utf8(path: Path, raw: bytes) -> str:
    """UTF-8 text with LF line breaks, or an error naming the line of the first bad byte."""
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorpusError(located(path, line, "not UTF-8 text; save the file as UTF-8"))\
            from None
    return text.replace("\r\n", "\n").replace("\r", "\n")


def one_line(text: str) -> str:
    """Whitespace runs (line breaks included) as one space, trimmed."""
    return " ".join(text.split())


def timecode(ms: int | None) -> str:
    """``HH:MM:SS.mmm`` for a time in milliseconds; empty for none."""
    if ms is None:
        return ""
    seconds, millis = divmod(ms, 1000)
    minutes, seconds = divmod(seconds, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours:02d}:{minutes:02d}:{seconds:02d}.{millis:03d}"
