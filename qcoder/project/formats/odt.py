"""OpenDocument text (.odt) via odfpy: paragraphs and headings in document order."""

from __future__ import annotations

import io
from pathlib import Path

from .archive import check_archive
from .model import Block, unreadable

TEXT_NS = "urn:oasis:names:tc:opendocument:xmlns:text:1.0"


def read(path: Path, raw: bytes) -> list[Block]:
    """One block per ``text:p`` (lists and tables included), ``text:h`` as headings."""
    check_archive(path, raw, ".odt")
    from odf import teletype
    from odf.opendocument import load

    try:
        body = load(io.BytesIO(raw)).text
        blocks: list[Block] = []
        _walk(body, blocks, teletype.extractText)
    except Exception as exc:  # odfpy raises many types (KeyError, XML errors) on damage
        raise unreadable(path, f"cannot read .odt ({exc.__class__.__name__})",
                         "open and re-save it in LibreOffice") from None
    return blocks


def _walk(node, blocks: list[Block], extract) -> None:  # noqa: ANN001 (odfpy has no types)
    for child in node.childNodes:
        if child.nodeType != child.ELEMENT_NODE:
            continue
        ns, name = child.qname
        if ns == TEXT_NS and name in ("p", "h"):
            text = extract(child).replace("\r", "").strip()
            style = str(child.getAttribute("stylename") or "") if name == "p" else ""
            if text:
                blocks.append(Block(text, heading=name == "h" or style in ("Title",)
                                    or style.startswith("Heading")))
        else:
            _walk(child, blocks, extract)
