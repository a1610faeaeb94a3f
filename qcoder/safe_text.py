"""User text made safe to show: control characters visible, never terminal commands.

Document text, memos, labels, coder names and file names can hold anything a pasted
transcript or a partner's file carries, including ``ESC ] 0;title BEL`` (sets the terminal's
title) or ``ESC [2J`` (wipes the screen). Everything qcoder shows on a terminal goes through
:func:`visible`; the database and the files qcoder writes keep the text exactly as it came.
"""

from __future__ import annotations

import re
from typing import TextIO

# C0 controls get their Unicode "control picture" (ESC → ␛, NUL → ␀), DEL → ␡.
_PICTURES = {code: chr(0x2400 + code) for code in range(0x20)}
_PICTURES[0x7F] = "\u2421"
# C1 controls (0x80-0x9F; 0x9B is a one-byte CSI), bidirectional embeddings, overrides and
# isolates (they reorder what is shown: "Trojan source"), and the Unicode line and paragraph
# separators become the replacement character. Every sign is one character for one, so
# offsets into the text (and the spans of a styled text) stay valid.
_OTHERS = [*range(0x80, 0xA0), *range(0x202A, 0x202F), *range(0x2066, 0x206A), 0x2028, 0x2029]
_TABLE: dict[int, str] = {**_PICTURES, **{c: "\ufffd" for c in _OTHERS}}

_UNSAFE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TABLE)) + "]")
# What JSON output escapes: the same characters but C0, which the encoder escapes itself.
_JSON_UNSAFE = re.compile("[" + "".join(re.escape(chr(c)) for c in sorted(_TABLE) if c >= 0x20)
                          + "]")
# Kept when the text may span lines: newline and tab move the cursor but command nothing.
_MULTILINE_KEEP = {"\n", "\t"}


def is_safe(text: str) -> bool:
    """True when ``text`` holds no character :func:`visible` would change (newline, tab ok)."""
    return all(ch in _MULTILINE_KEEP for ch in _UNSAFE.findall(text))


def visible(text: object, multiline: bool = True) -> str:
    """``text`` with every control character shown as a harmless visible sign, one
    character for one (ESC → ␛, NUL → ␀, DEL → ␡; C1 and bidi controls → �).

    With ``multiline`` newlines and tabs stay (a paragraph keeps its lines); without it they
    become ``␊`` and ``␉`` too, for one-line cells. Carriage return always becomes ``␍``: on a
    terminal it moves back over what was written.
    """
    text = "" if text is None else str(text)
    if not _UNSAFE.search(text):
        return text
    if multiline:
        return _UNSAFE.sub(lambda m: m.group() if m.group() in _MULTILINE_KEEP
                           else _TABLE[ord(m.group())], text)
    return _UNSAFE.sub(lambda m: _TABLE[ord(m.group())], text)


def one_line(text: object) -> str:
    """``text`` made visible and kept on one line (newlines and tabs shown as signs)."""
    return visible(text, multiline=False)


def json_safe(encoded: str) -> str:
    """A JSON document whose C1, DEL and bidi characters are written as ``\\uXXXX`` escapes.

    ``json.dumps(..., ensure_ascii=False)`` escapes only C0 (so the C0 characters left are
    the layout's newlines); the result stays the same data.
    """
    if not _JSON_UNSAFE.search(encoded):
        return encoded
    return _JSON_UNSAFE.sub(lambda m: f"\\u{ord(m.group()):04x}", encoded)


class _VisibleWriter:
    """A text stream that makes control characters visible on their way to a terminal."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream

    def write(self, text: str) -> int:
        self._stream.write(visible(text))
        return len(text)

    def flush(self) -> None:
        self._stream.flush()

    def __getattr__(self, name: str) -> object:
        return getattr(self._stream, name)


def terminal_safe(stream: TextIO) -> TextIO:
    """``stream`` itself when it is a pipe or file (data stays byte-faithful); a writer that
    makes control characters visible when it is a terminal."""
    isatty = getattr(stream, "isatty", None)
    if isatty is not None and isatty():
        return _VisibleWriter(stream)  # type: ignore[return-value]
    return stream
