"""PDF documents via pypdf: paragraphs rebuilt from each page's lines.

Lines are joined into paragraphs (a word hyphenated at a line end is joined again); a
paragraph ends at a blank line or at a short line that ends a sentence, and continues
over a page break when the page ends mid-sentence. Lines that repeat at the top or bottom
of most pages (running headers, footers, page numbers) are dropped. Each paragraph keeps
the page it starts on.
"""

from __future__ import annotations

import io
import re
from collections import Counter
from pathlib import Path

from .model import Block, unreadable

EDGE_LINES = 2  # lines at the top and bottom of a page that may be a header or footer
PAGE_NUMBER = re.compile(r"^\W*(?:page|p\.|seite|página|page)?\s*\d+(?:\s*(?:of|/|de|von)"
                         r"\s*\d+)?\W*$", re.I)
SENTENCE_END = re.compile(r"[.!?:;\"”’»)]$")
HYPHENATED = re.compile(r"[^\W\d_]-$")
SHORT = 0.8  # a line shorter than this share of the page's usual line may end a paragraph


def read(path: Path, raw: bytes) -> list[Block]:
    """Paragraphs of a PDF with a text layer; a scan or an encrypted file is refused."""
    from pypdf import PdfReader
    from pypdf.errors import PyPdfError

    fix = "open it in a PDF viewer and save or print it to a new PDF"
    try:
        reader = PdfReader(io.BytesIO(raw))
        if reader.is_encrypted and not _decrypts(reader):
            raise unreadable(path, "the PDF is encrypted (password protected)",
                             "save an unprotected copy and import that")
        pages = [page_lines(page) for page in reader.pages]
    except (PyPdfError, ValueError, KeyError, TypeError, AttributeError, IndexError,
            RecursionError, OSError) as exc:
        raise unreadable(path, f"cannot read the PDF ({exc.__class__.__name__})", fix) from None
    if not any(line for lines in pages for line in lines):
        raise unreadable(path, f"the PDF has no text layer ({len(pages)} pages of images: a "
                         "scan?)", "it needs OCR first (e.g. ocrmypdf), then import the result")
    return paragraphs(pages)


def page_lines(page) -> list[str]:  # noqa: ANN001 (a pypdf page)
    """A page's text lines in pypdf's reading order; '' where the gap to the next line is
    clearly wider than the usual line spacing (a paragraph break)."""
    lines: list[tuple[float | None, str]] = []
    parts: list[str] = []
    y_first: list[float | None] = [None]

    def visit(text: str, cm: list, tm: list, font: object, size: object) -> None:
        y = cm[1] * tm[4] + cm[3] * tm[5] + cm[5]
        for i, piece in enumerate(text.replace("\r", "\n").split("\n")):
            if i:  # a line ended inside this chunk
                lines.append((y_first[0], "".join(parts)))
                parts.clear()
                y_first[0] = None
            if piece:
                if y_first[0] is None and piece.strip():
                    y_first[0] = y
                parts.append(piece)

    page.extract_text(visitor_text=visit)
    if parts:
        lines.append((y_first[0], "".join(parts)))
    kept = [(y, " ".join(t.split())) for y, t in lines if t.strip()]
    gaps = sorted(a[0] - b[0] for a, b in zip(kept, kept[1:], strict=False)
                  if a[0] is not None and b[0] is not None and a[0] > b[0])
    usual = gaps[len(gaps) // 2] if gaps else 0.0
    out: list[str] = []
    for i, (y, text) in enumerate(kept):
        before = kept[i - 1][0] if i else None
        if out and usual and y is not None and before is not None \
                and before - y > 1.5 * usual:
            out.append("")
        out.append(text)
    return out


def _decrypts(reader) -> bool:  # noqa: ANN001
    """Open a PDF encrypted with an empty user password (readable by anyone)."""
    try:
        return bool(reader.decrypt(""))
    except Exception:  # wrong password, or a cipher pypdf cannot run here
        return False


def _shape(line: str) -> str:
    """A line with its digits blanked: "Page 3" and "Page 4" repeat as one footer."""
    return re.sub(r"\d+", "#", " ".join(line.split())).lower()


def _running_lines(pages: list[list[str]]) -> set[str]:
    """Shapes of lines found at a page edge on at least half the pages (two at least)."""
    if len(pages) < 2:
        return set()
    counts: Counter[str] = Counter()
    for lines in pages:
        filled = [ln for ln in lines if ln.strip()]
        counts.update({_shape(ln) for ln in filled[:EDGE_LINES] + filled[-EDGE_LINES:]})
    need = max(2, (len(pages) + 1) // 2)
    return {shape for shape, n in counts.items() if n >= need}


def _body_lines(lines: list[str], running: set[str]) -> list[str]:
    """A page's lines without its header, footer and page number ('' marks a blank line)."""
    filled = [i for i, ln in enumerate(lines) if ln]
    edges = set(filled[:EDGE_LINES] + filled[-EDGE_LINES:])
    kept = [ln for i, ln in enumerate(lines)
            if not (i in edges and (_shape(ln) in running or PAGE_NUMBER.match(ln)))]
    # A gap before a dropped footer is no paragraph break: a page may end mid-sentence.
    while kept and not kept[-1]:
        kept.pop()
    while kept and not kept[0]:
        kept.pop(0)
    return kept


def _join(paragraph: str, line: str) -> str:
    if not paragraph:
        return line
    if HYPHENATED.search(paragraph) and line[:1].islower():
        return paragraph[:-1] + line
    return paragraph + " " + line


def paragraphs(pages: list[list[str]]) -> list[Block]:
    """Rebuild paragraphs from the text lines of each page (1-based page numbers)."""
    running = _running_lines(pages)
    blocks: list[Block] = []
    current, first_page = "", 0
    for number, lines in enumerate(pages, 1):
        body = _body_lines(lines, running)
        widths = sorted(len(ln) for ln in body if ln)
        usual = widths[int(len(widths) * 0.9)] if widths else 0
        if current and body and body[0] and not (body[0][:1].islower()
                                                 or not SENTENCE_END.search(current)):
            blocks.append(Block(current, page=first_page))
            current = ""
        for line in body:
            if not line:
                if current:
                    blocks.append(Block(current, page=first_page))
                    current = ""
                continue
            if not current:
                first_page = number
            current = _join(current, line)
            if SENTENCE_END.search(line) and len(line) < SHORT * usual:
                blocks.append(Block(current, page=first_page))
                current = ""
    if current:
        blocks.append(Block(current, page=first_page))
    return blocks
