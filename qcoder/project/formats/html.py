"""HTML pages (.html, .htm) via the standard library's parser: block elements and headings."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

from .model import Block, decode_utf8, one_line

HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
BLOCKS = HEADINGS | {"p", "div", "li", "blockquote", "pre", "td", "th", "dd", "dt", "tr",
                     "section", "article", "header", "footer", "ul", "ol", "table", "body",
                     "figcaption", "caption", "address", "main", "aside", "nav", "hr"}
_BREAK = "\0"  # a <br>: source line breaks are only whitespace
SKIPPED = {"script", "style", "head", "template", "noscript"}


class _Paragraphs(HTMLParser):
    """Collects the text between block boundaries; a ``<br>`` is a line break in a block."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.blocks: list[Block] = []
        self.title = ""
        self._parts: list[str] = []
        self._heading = 0
        self._skip = 0
        self._in_title = False

    def _flush(self) -> None:
        lines = [one_line(line) for line in "".join(self._parts).split(_BREAK)]
        text = "\n".join(line for line in lines if line)
        if text:
            self.blocks.append(Block(text, heading=self._heading > 0))
        self._parts = []

    def handle_starttag(self, tag: str, attrs: list) -> None:
        if tag in SKIPPED:
            self._skip += 1
        elif tag == "title":
            self._in_title = True
        elif tag == "br":
            self._parts.append(_BREAK)
        elif tag in BLOCKS:
            self._flush()
            if tag in HEADINGS:
                self._heading += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in SKIPPED:
            self._skip = max(0, self._skip - 1)
        elif tag == "title":
            self._in_title = False
        elif tag in BLOCKS:
            self._flush()
            if tag in HEADINGS:
                self._heading = max(0, self._heading - 1)

    def handle_data(self, data: str) -> None:
        if self._in_title:
            self.title += data
        elif not self._skip:
            self._parts.append(data.replace(_BREAK, " "))


def read(path: Path, raw: bytes) -> tuple[list[Block], dict[str, str]]:
    """Blocks of a UTF-8 page, and its ``<title>`` as the document title."""
    parser = _Paragraphs()
    parser.feed(decode_utf8(path, raw))
    parser.close()
    parser._flush()
    title = one_line(parser.title)
    return parser.blocks, ({"title": title} if title else {})
