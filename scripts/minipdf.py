"""A minimal PDF writer for text pages (Helvetica, one text line per row), with no
dependency: the demo's PDF, the tests' fixtures and the import benchmark are made with it."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

PAGE_WIDTH, PAGE_HEIGHT = 595, 842  # A4 in points
LEFT, TOP, LEADING, SIZE = 72, 770, 14, 11


def _literal(text: str) -> bytes:
    raw = text.encode("cp1252", errors="replace")
    return b"(" + raw.replace(b"\\", b"\\\\").replace(b"(", b"\\(").replace(b")", b"\\)") + b")"


def _content(lines: Sequence[str]) -> bytes:
    """One page's text: each line at its own row; an empty string leaves a blank row."""
    ops = [b"BT", f"/F1 {SIZE} Tf".encode(), f"{LEADING} TL".encode(),
           f"{LEFT} {TOP} Td".encode()]
    for line in lines:
        ops.append(_literal(line) + b" Tj T*" if line else b"T*")
    ops.append(b"ET")
    return b"\n".join(ops)


def pdf_bytes(pages: Sequence[Sequence[str]], *, images_only: bool = False) -> bytes:
    """A PDF with one page per item of ``pages`` (its text lines); ``images_only`` writes
    pages with no text at all, as a scan without OCR looks to a reader."""
    objects: list[bytes] = [b"", b""]  # catalog and page tree are filled in below
    objects.append(b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica "
                   b"/Encoding /WinAnsiEncoding >>")
    kids = []
    for lines in pages:
        stream = b"q 10 0 0 10 0 0 cm Q" if images_only else _content(lines)
        objects.append(b"<< /Length %d >>\nstream\n" % len(stream) + stream
                       + b"\nendstream")
        content_ref = len(objects)
        objects.append(b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 %d %d] "
                       b"/Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>"
                       % (PAGE_WIDTH, PAGE_HEIGHT, content_ref))
        kids.append(len(objects))
    objects[0] = b"<< /Type /Catalog /Pages 2 0 R >>"
    objects[1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
                  + b"] /Count %d >>" % len(kids))
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % off for off in offsets)
    out += (b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, xref))
    return bytes(out)


def write_pdf(path: Path, pages: Sequence[Sequence[str]], **options: bool) -> Path:
    """Write :func:`pdf_bytes` to ``path``."""
    path.write_bytes(pdf_bytes(pages, **options))
    return path
