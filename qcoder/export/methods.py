"""The methods statement in exports: the appendix's opening paragraphs, and a Word file."""

from __future__ import annotations

import io
from pathlib import Path

from ..project.codebook import Codebook
from ..reliability.methods import MethodsStatement, cells, methods_statement, pick_round
from ..store.database import Store


def appendix_methods(store: Store, codebook: Codebook, bootstrap: int) -> tuple[str, ...]:
    """The statement's paragraphs for the appendix's agreement section: on the latest
    closed round (else the latest round); none when the project has no round."""
    if pick_round(store, None) is None:
        return ()
    return methods_statement(store, codebook, bootstrap=bootstrap).paragraphs


def methods_docx(statement: MethodsStatement) -> bytes:
    """A Word document: the heading, the paragraphs and the table of alpha per code."""
    from docx import Document

    from .zips import normalise_zip

    doc = Document()
    doc.add_heading("Intercoder reliability", 1)
    for paragraph in statement.paragraphs:
        doc.add_paragraph(paragraph)
    header, rows = cells(statement)
    table = doc.add_table(rows=1, cols=len(header))
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.text = text
    for row in rows:
        for cell, text in zip(table.add_row().cells, row, strict=True):
            cell.text = text
    doc.core_properties.title = "Intercoder reliability"
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_zip(buffer.getvalue())


def write_methods(statement: MethodsStatement, fmt: str, out: str | Path | None) -> str | None:
    """Write the statement as ``md``, ``json`` or ``docx`` to ``out`` (md/json: returned as
    text when ``out`` is None or ``-``)."""
    import json

    from .atomic import write_bytes

    if fmt == "docx":
        if out is None or str(out) == "-":
            from ..errors import QcoderError

            raise QcoderError("--format docx needs --output FILE.docx")
        write_bytes(Path(out), methods_docx(statement))
        return None
    text = (statement.markdown() if fmt == "md"
            else json.dumps(statement.to_dict(), indent=2, ensure_ascii=False) + "\n")
    if out is None or str(out) == "-":
        return text
    write_bytes(Path(out), text.encode("utf-8"))
    return None
