"""Word appendices: lays out an :class:`~qcoder.export.appendix.Appendix` with python-docx.

The only module that imports python-docx. Everything is formatted with named Word styles
(Title, Heading 1-9, Quote, Table Grid and a few of qcoder's own), so the document stays
editable and a template's styles take over. The body is written as WordprocessingML text and
parsed once: python-docx's cell-by-cell API is two orders of magnitude slower on big exports.
The same appendix and template give the same bytes (fixed core properties, normalised zip).
"""

from __future__ import annotations

import copy
import io
import re
import zipfile
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.document import Document as DocumentObject
from docx.enum.style import WD_STYLE_TYPE
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from lxml import etree

from .appendix import Appendix, CodeExcerpts, Table, describe_basis
from .atomic import ExportError, write_bytes

ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_NUMBER = re.compile(r"^[-+–]?[\d.,]+%?( \([\d.,]+\))?$|^[–-]$|^$")
_W = nsdecls("w")
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MARKER = "qcoder-body-3f9c1e"
_INDENT = 284  # twips per hierarchy level in the codebook table (0.5 cm)
_CHAR = 130  # twips per character of 9 pt table text: wide fonts and bold headers fit
_CELL_MARGINS = 216
_WANT_CHARS = 30
_SHORT_CELL = 14
_BREAKS = re.compile(r"[\s\-/–]+")
_TEMPLATE_TYPE = b"wordprocessingml.template.main+xml"
_DOCUMENT_TYPE = b"wordprocessingml.document.main+xml"

# Styles the export uses, by name; each is added only where the document does not have it.
# (type, name, based on, pPr, rPr)
_STYLES: list[tuple[str, str, str | None, str, str]] = [
    ("paragraph", "Title", "Normal", '<w:spacing w:after="300"/>', '<w:sz w:val="52"/>'),
    ("paragraph", "Subtitle", "Normal", '<w:spacing w:after="480"/>',
     '<w:i/><w:color w:val="404040"/><w:sz w:val="28"/>'),
    *[("paragraph", f"Heading {n}", "Normal",
       f'<w:keepNext/><w:keepLines/><w:spacing w:before="{480 - 40 * n}" w:after="120"/>'
       f'<w:outlineLvl w:val="{n - 1}"/>',
       f'<w:b/><w:sz w:val="{max(22, 34 - 3 * n)}"/>') for n in range(1, 10)],
    ("paragraph", "Quote", "Normal",
     '<w:spacing w:after="160"/><w:ind w:left="567" w:right="567"/>', "<w:i/>"),
    ("paragraph", "TOC Heading", "Heading 1", '<w:outlineLvl w:val="9"/>', ""),
    ("paragraph", "toc 1", "Normal", '<w:spacing w:after="60"/>', ""),
    ("paragraph", "toc 2", "Normal", '<w:spacing w:after="40"/><w:ind w:left="284"/>', ""),
    ("paragraph", "Case Heading", "Normal",
     '<w:keepNext/><w:spacing w:before="200" w:after="60"/>', "<w:b/>"),
    ("paragraph", "Excerpt Source", "Normal",
     '<w:keepNext/><w:spacing w:before="120" w:after="20"/>',
     '<w:color w:val="595959"/><w:sz w:val="18"/>'),
    ("paragraph", "Appendix Note", "Normal", '<w:spacing w:after="120"/>',
     '<w:color w:val="404040"/><w:sz w:val="18"/>'),
    ("paragraph", "Table Text", "Normal",
     '<w:spacing w:before="20" w:after="20" w:line="240" w:lineRule="auto"/>',
     '<w:sz w:val="18"/>'),
    ("paragraph", "Table Heading", "Table Text", "<w:keepNext/>", "<w:b/>"),
    ("table", "Table Grid", None, "", ""),
]
_GRID = ('<w:tblPr><w:tblBorders>' + "".join(
    f'<w:{side} w:val="single" w:sz="4" w:space="0" w:color="808080"/>'
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"))
    + '</w:tblBorders><w:tblCellMar><w:left w:w="85" w:type="dxa"/>'
    '<w:right w:w="85" w:type="dxa"/></w:tblCellMar></w:tblPr>')


def clean(text: object) -> str:
    """Text that XML may carry: forbidden control characters removed, line ends unified."""
    value = "" if text is None else str(text)
    return _XML_ILLEGAL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def write_docx(appendix: Appendix, out: str | Path, template: str | Path | None = None) -> Path:
    """Write the appendices to ``out`` (atomically); ``template`` supplies styles and page
    setup (.docx or .dotx; its body text is dropped)."""
    data = render_docx(appendix, template)
    write_bytes(out, data)
    return Path(out)


def render_docx(appendix: Appendix, template: str | Path | None = None) -> bytes:
    """The appendices as the bytes of a .docx file."""
    doc = _open(template)
    styles = _Styles(doc)
    if template is None:
        _page_number_footer(doc)
    body = _Body(doc, styles)
    _title_page(body, appendix)
    toc = body.toc_placeholder()
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    if appendix.codebook is not None:
        body.section(landscape=body.wants_landscape(appendix.codebook))
        body.heading(f"Appendix {next(letters)}. Codebook", 1)
        body.para(_codebook_note(appendix), "Appendix Note")
        body.table(appendix.codebook, title=False)
    if appendix.excerpts is not None:
        body.section(landscape=False)
        body.heading(f"Appendix {next(letters)}. Coded excerpts", 1)
        _excerpts(body, appendix)
    for title, tables, note in (
        ("Intercoder agreement", appendix.agreement, appendix.notes.get("agreement")),
        ("Cross-case comparison", appendix.comparison, appendix.notes.get("comparison")),
    ):
        if not tables:
            continue
        body.section(landscape=body.wants_landscape(tables[0]))
        body.heading(f"Appendix {next(letters)}. {title}", 1)
        if note:
            body.para(note, "Appendix Note")
        for table in tables:
            body.section(landscape=body.wants_landscape(table), new_page=False)
            body.table(table)
    body.fill_toc(toc)
    body.finish()
    _core_properties(doc, appendix)
    buffer = io.BytesIO()
    doc.save(buffer)
    return normalise_zip(buffer.getvalue())


# --- document and styles ------------------------------------------------------------------


def _open(template: str | Path | None) -> DocumentObject:
    if template is None:
        return Document()
    path = Path(template)
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ExportError(f"{path}: cannot read the template ({exc.strerror or exc}); "
                          "check the path") from None
    try:
        doc = Document(io.BytesIO(_as_document(data)))
    except Exception:  # python-docx raises several kinds for a file that is not Word
        raise ExportError(f"{path}: not a Word document; give a .docx or .dotx file as "
                          "--template") from None
    body = doc.element.body
    for child in list(body):
        if child.tag != qn("w:sectPr"):
            body.remove(child)
    return doc


def _as_document(data: bytes) -> bytes:
    """A .dotx template re-labelled as a document, which is all python-docx needs."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as src:
            types = src.read("[Content_Types].xml")
            if _TEMPLATE_TYPE not in types:
                return data
            out = io.BytesIO()
            with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
                for info in src.infolist():
                    content = src.read(info.filename)
                    if info.filename == "[Content_Types].xml":
                        content = content.replace(_TEMPLATE_TYPE, _DOCUMENT_TYPE)
                    dst.writestr(info, content)
            return out.getvalue()
    except (zipfile.BadZipFile, KeyError):
        return data


class _Styles:
    """Resolves style names to the document's style ids, adding the missing ones."""

    def __init__(self, doc: DocumentObject) -> None:
        self.element = doc.styles.element
        self.ids: dict[str, str] = {}
        for style in doc.styles:
            if style.name:
                self.ids.setdefault(style.name.lower(), style.style_id)
        normal = doc.styles.default(WD_STYLE_TYPE.PARAGRAPH)
        self.ids["normal"] = normal.style_id if normal is not None else "Normal"
        for kind, name, based_on, ppr, rpr in _STYLES:
            if name.lower() not in self.ids:
                self._add(kind, name, based_on, ppr, rpr)

    def _add(self, kind: str, name: str, based_on: str | None, ppr: str, rpr: str) -> None:
        style_id = re.sub(r"[^A-Za-z0-9]", "", name.title())
        while style_id in self.ids.values():
            style_id += "X"
        parts = [f'<w:style {_W} w:type="{kind}" w:customStyle="1" w:styleId="{style_id}">',
                 f'<w:name w:val="{name}"/>']
        if based_on:
            parts.append(f'<w:basedOn w:val="{self.id(based_on)}"/>')
        if kind == "paragraph":
            parts.append("<w:qFormat/>")
            parts.append(f"<w:pPr>{ppr}</w:pPr>" if ppr else "")
            parts.append(f"<w:rPr>{rpr}</w:rPr>" if rpr else "")
        else:
            parts.append(_GRID)
        parts.append("</w:style>")
        self.element.append(parse_xml("".join(parts)))
        self.ids[name.lower()] = style_id

    def id(self, name: str) -> str:
        return self.ids[name.lower()]


def _page_number_footer(doc: DocumentObject) -> None:
    footer = doc.sections[0].footer
    footer.is_linked_to_previous = False
    paragraph = footer.paragraphs[0]
    paragraph.alignment = 1  # centre
    for xml in (f'<w:r {_W}><w:fldChar w:fldCharType="begin"/></w:r>',
                f'<w:r {_W}><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>',
                f'<w:r {_W}><w:fldChar w:fldCharType="separate"/></w:r>',
                f'<w:r {_W}><w:t>1</w:t></w:r>',
                f'<w:r {_W}><w:fldChar w:fldCharType="end"/></w:r>'):
        paragraph._p.append(parse_xml(xml))


def _core_properties(doc: DocumentObject, appendix: Appendix) -> None:
    stamp = datetime.fromisoformat(appendix.date).replace(tzinfo=UTC)
    props = doc.core_properties
    props.title = clean(f"{appendix.codebook_name}: coding appendices")
    props.subject = clean(appendix.project)
    props.author = "qcoder"
    props.last_modified_by = "qcoder"
    props.keywords = "qualitative coding; codebook; appendix"
    props.comments = ""
    props.revision = 1
    props.created = stamp
    props.modified = stamp
    props.last_printed = stamp


def normalise_zip(data: bytes) -> bytes:
    """Rewrite a zip with a fixed time stamp and order ([Content_Types].xml first), so the
    same content always gives the same bytes."""
    src = zipfile.ZipFile(io.BytesIO(data))
    names = sorted(src.namelist(), key=lambda n: (n != "[Content_Types].xml", n))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as dst:
        for name in names:
            info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 0
            info.external_attr = 0
            dst.writestr(info, src.read(name))
    return out.getvalue()


# --- body ---------------------------------------------------------------------------------


def _text_runs(text: str) -> str:
    """Runs for ``text``: line breaks and tabs become Word breaks and tabs."""
    text = clean(text)
    if "\n" not in text and "\t" not in text:  # the common case, kept fast
        return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ""
    runs = []
    for i, line in enumerate(text.split("\n")):
        if i:
            runs.append("<w:br/>")
        for j, piece in enumerate(line.split("\t")):
            if j:
                runs.append("<w:tab/>")
            if piece:
                runs.append(f'<w:t xml:space="preserve">{escape(piece)}</w:t>')
    return f"<w:r>{''.join(runs)}</w:r>" if runs else ""


class _Body:
    """Collects the body as WordprocessingML text; sections switch orientation."""

    def __init__(self, doc: DocumentObject, styles: _Styles) -> None:
        self.doc = doc
        self.styles = styles
        self.parts: list[str] = []
        self.toc_entries: list[tuple[int, str]] = []
        final = doc.element.body.sectPr
        if final is None:
            final = doc.element.body._add_sectPr()
        self.final = final
        size = final.find(qn("w:pgSz"))
        w, h = int(size.get(qn("w:w"), 12240)), int(size.get(qn("w:h"), 15840))
        self.short, self.long = min(w, h), max(w, h)
        margins = final.find(qn("w:pgMar"))
        self.margins = (int(margins.get(qn("w:left"), 1440)) + int(margins.get(qn("w:right"),
                                                                                 1440))
                        if margins is not None else 2880)
        self.first_landscape = w > h
        self.landscape = self.first_landscape

    def style(self, name: str) -> str:
        return self.styles.id(name)

    def para(self, text: str, style: str = "Normal", extra_ppr: str = "") -> None:
        self.parts.append(self._para(text, style, extra_ppr))

    def _para(self, text: str, style: str, extra_ppr: str = "") -> str:
        return (f'<w:p><w:pPr><w:pStyle w:val="{self.style(style)}"/>{extra_ppr}</w:pPr>'
                f"{_text_runs(text)}</w:p>")

    def heading(self, text: str, level: int) -> None:
        level = max(1, min(level, 9))
        if level <= 2:
            self.toc_entries.append((level, clean(text)))
        self.para(text, f"Heading {level}")

    def page_break(self) -> None:
        self.parts.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')

    def section(self, landscape: bool, new_page: bool = True) -> None:
        """A new section when the orientation changes, else a page break (if ``new_page``)."""
        if landscape == self.landscape:
            if self.parts and new_page:
                self.page_break()
            return
        sect = self._sect_pr(self.landscape)
        self.parts.append(f"<w:p><w:pPr>{sect}</w:pPr></w:p>")
        self.landscape = landscape

    def _sect_pr(self, landscape: bool) -> str:
        sect = copy.deepcopy(self.final)
        _orient(sect, landscape, self.short, self.long)
        return etree.tostring(sect, encoding="unicode")

    def toc_placeholder(self) -> int:
        self.para("Contents", "TOC Heading")
        self.parts.append("")
        return len(self.parts) - 1

    def fill_toc(self, index: int) -> None:
        """A TOC field whose shown result lists the headings: Word refreshes it (with page
        numbers) when the document is opened; other programs show the list as it is."""
        begin = ('<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
                 '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-2" \\h \\z \\u '
                 '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>')
        end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        entries = self.toc_entries or [(1, "Update this field to list the contents.")]
        paras = []
        for i, (level, text) in enumerate(entries):
            head = begin if i == 0 else ""
            tail = end if i == len(entries) - 1 else ""
            paras.append(f'<w:p><w:pPr><w:pStyle w:val="{self.style(f"toc {level}")}"/>'
                         f"</w:pPr>{head}{_text_runs(text)}{tail}</w:p>")
        self.parts[index] = "".join(paras)

    def table(self, table: Table, title: bool = True) -> None:
        if title:
            self.heading(table.title, 2)
        if table.note:
            self.para(table.note, "Appendix Note")
        width = (self.long if self.landscape else self.short) - self.margins
        if table.widths:
            cols = [int(width * w / sum(table.widths)) for w in table.widths]
        else:
            cols = _fit_columns(*_column_needs(table), width)
        numeric = [all(_NUMBER.match(str(r[i])) for r in table.rows) and bool(table.rows)
                   for i in range(len(table.columns))]
        out = [f'<w:tbl><w:tblPr><w:tblStyle w:val="{self.style("Table Grid")}"/>'
               f'<w:tblW w:w="{sum(cols)}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
               '<w:tblLook w:val="04A0" w:firstRow="1" w:lastRow="0" w:firstColumn="1" '
               'w:lastColumn="0" w:noHBand="0" w:noVBand="1"/></w:tblPr><w:tblGrid>',
               *(f'<w:gridCol w:w="{c}"/>' for c in cols), "</w:tblGrid>",
               '<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>',
               *(self._cell(name, c, "Table Heading", "") for name, c in zip(table.columns,
                                                                             cols, strict=True)),
               "</w:tr>"]
        for r, row in enumerate(table.rows):
            out.append("<w:tr><w:trPr><w:cantSplit/></w:trPr>")
            for i, (value, c) in enumerate(zip(row, cols, strict=True)):
                ppr = ""  # pPr children in schema order: ind before jc
                if i == 0 and table.indents and table.indents[r]:
                    ppr = f'<w:ind w:left="{_INDENT * table.indents[r]}"/>'
                if numeric[i]:
                    ppr += '<w:jc w:val="right"/>'
                out.append(self._cell(str(value), c, "Table Text", ppr))
            out.append("</w:tr>")
        out.append("</w:tbl>")
        self.parts.append("".join(out))
        self.para("", "Appendix Note")

    def wants_landscape(self, table: Table) -> bool:
        """Asked for, or too many columns for a portrait page without breaking words."""
        if table.wide:
            return True
        return sum(_column_needs(table)[0]) > self.short - self.margins

    def _cell(self, text: str, width: int, style: str, ppr: str) -> str:
        paras = "".join(self._para(line, style, ppr) for line in clean(text).split("\n"))
        return f'<w:tc><w:tcPr><w:tcW w:w="{width}" w:type="dxa"/></w:tcPr>{paras}</w:tc>'

    def finish(self) -> None:
        """Put the collected body before the final section properties.

        The whole main part is re-parsed as text: moving parsed elements into the document
        one by one makes lxml reconcile namespaces node by node, which is far slower."""
        _orient(self.final, self.landscape, self.short, self.long)
        part = self.doc.part
        root = part.element
        if root.nsmap.get("w") != _W_NS:  # an unusual prefix: move the elements instead
            body = parse_xml(f"<w:body {_W}>{''.join(self.parts)}</w:body>")
            for child in list(body):
                self.final.addprevious(child)
            return
        marker = parse_xml(f"<w:p {_W}><w:r><w:t>{_MARKER}</w:t></w:r></w:p>")
        self.final.addprevious(marker)
        text = etree.tostring(root, encoding="unicode")
        spot = f"<w:p><w:r><w:t>{_MARKER}</w:t></w:r></w:p>"
        part._element = parse_xml(text.replace(spot, "".join(self.parts), 1))


def _column_needs(table: Table) -> tuple[list[int], list[int]]:
    """Per column, in twips: the least width (its longest word; a short cell such as
    "12 (3.4)" counts as one word) and a comfortable one (its longest cell line, up to
    ``_WANT_CHARS`` characters; headers may wrap between words)."""
    least, want = [], []
    for i, name in enumerate(table.columns):
        cells = [line for row in table.rows for line in str(row[i]).split("\n")]
        words = [w for text in (name, *cells) for w in _BREAKS.split(text)]
        words += [c for c in cells if len(c) <= _SHORT_CELL]
        extra = _INDENT * max(table.indents or [0]) if i == 0 else 0
        least.append(max(max(map(len, words), default=1), 3) * _CHAR + _CELL_MARGINS + extra)
        line = min(max(map(len, cells), default=1), _WANT_CHARS)
        want.append(max(line * _CHAR + _CELL_MARGINS + extra, least[-1]))
    return least, want


def _fit_columns(least: list[int], want: list[int], width: int) -> list[int]:
    """Widths filling ``width``: comfortable widths stretched, or squeezed down to the least
    widths (and below only when even those do not fit)."""
    if sum(want) <= width:
        return [int(w * width / sum(want)) for w in want]
    if sum(least) <= width:
        spare, wish = width - sum(least), sum(want) - sum(least)
        return [int(lo + spare * (w - lo) / wish) for lo, w in zip(least, want, strict=True)]
    return [int(lo * width / sum(least)) for lo in least]


def _orient(sect: object, landscape: bool, short: int, long: int) -> None:
    size = sect.find(qn("w:pgSz"))  # type: ignore[attr-defined]
    if size is None:
        return
    size.set(qn("w:w"), str(long if landscape else short))
    size.set(qn("w:h"), str(short if landscape else long))
    if landscape:
        size.set(qn("w:orient"), "landscape")
    elif size.get(qn("w:orient")) is not None:
        del size.attrib[qn("w:orient")]


# --- sections -----------------------------------------------------------------------------


def _title_page(body: _Body, appendix: Appendix) -> None:
    body.para(appendix.codebook_name or appendix.project, "Title")
    body.para("Coding appendices", "Subtitle")
    coders = [c for c in appendix.coders if c != "consensus"]
    lines = [
        ("Project", appendix.project),
        ("Codebook", f"{appendix.codebook_name}, version {appendix.codebook_version}"),
        ("Coders", ", ".join(coders) or "none"),
        ("Codings shown", describe_basis(appendix.basis)),
        ("Date", appendix.date),
    ]
    for label, value in lines:
        body.para(f"{label}: {value}", "Normal")
    body.page_break()


def _codebook_note(appendix: Appendix) -> str:
    assert appendix.codebook is not None
    return (f"{len(appendix.codebook.rows)} codes of the codebook “{appendix.codebook_name}”, "
            f"version {appendix.codebook_version}. Indentation shows the hierarchy; an "
            "exclusive group allows at most one of its codes per excerpt and coder.")


def _excerpts(body: _Body, appendix: Appendix) -> None:
    sections = appendix.excerpts or []
    total = sum(s.codings for s in sections)
    body.para(f"Each excerpt appears once under every code applied to it, grouped by case, with "
              f"its reference (case/document#paragraph). Basis: {describe_basis(appendix.basis)}; "
              f"{total} codings.", "Appendix Note")
    pooled = appendix.basis.kind == "pooled"
    for section in sections:
        body.heading(section.label, 2 + section.depth)
        body.para(_summary(section), "Appendix Note")
        for group in section.cases:
            body.para(f"{group.case_name} ({group.case_id})", "Case Heading")
            for entry in group.entries:
                source = [entry.ref]
                if entry.speaker:
                    source.append(f"speaker: {entry.speaker}")
                if pooled:
                    source.append("coded by " + ", ".join(entry.coders))
                body.parts.append(body._para(" · ".join(source), "Excerpt Source")
                                  + body._para(entry.text, "Quote"))


def _summary(section: CodeExcerpts) -> str:
    n, cases = section.excerpts, len(section.cases)
    if not n:
        return f"{section.code_id} · " + ("see the codes below" if section.parent
                                          else "no coded excerpts")
    return (f"{section.code_id} · {n} excerpt{'s' if n != 1 else ''} in {cases} "
            f"case{'s' if cases != 1 else ''}")

