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
from collections.abc import Callable
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
from .appendix_parts import FigureImage
from .atomic import ExportError, write_bytes
from .zips import normalise_zip

_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff\ufffe\uffff]")
_NUMBER = re.compile(r"^[-+–]?[\d.,]+%?( \([\d.,]+\))?$|^[–-]$|^$")
_W = nsdecls("w")
_W_NS = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_MARKER = "qcoder-body-3f9c1e"
_INDENT = 284  # twips per hierarchy level in the codebook table (0.5 cm)
_CHAR = 130  # twips per character of 9 pt table text: wide fonts and bold headers fit
_CELL_MARGINS = 216
_TIGHT = 0.7  # 91 twips a character: a regular 9 pt font, no margin for bold or wide ones
_WANT_CHARS = 30
_SHORT_CELL = 14
_BREAKS = re.compile(r"[\s\-/–]+")
_ID_BREAKS = re.compile(r"[\s/]+")  # ids keep their hyphens (non-breaking)
_EMU_PER_TWIP = 635
_DOC_PR_BASE = 1000  # drawing ids of the figures, clear of any in a template's headers
_PIC_NS = "http://schemas.openxmlformats.org/drawingml/2006/picture"
_DRAWING_NS = (
    'xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing" '
    'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" '
    f'xmlns:pic="{_PIC_NS}" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"')
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
    ("paragraph", "toc 3", "Normal", '<w:spacing w:after="40"/><w:ind w:left="568"/>', ""),
    ("paragraph", "Caption", "Normal", '<w:keepNext/><w:spacing w:before="200" w:after="60"/>',
     '<w:b/><w:sz w:val="18"/>'),
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


def write_docx(appendix: Appendix, out: str | Path, template: str | Path | None = None,
               progress: Callable[[int, int], None] | None = None) -> Path:
    """Write the appendices to ``out`` (atomically); ``template`` supplies styles and page
    setup (.docx or .dotx; its body text is dropped); ``progress(done, total)`` is called
    after each appendix."""
    data = render_docx(appendix, template, progress)
    write_bytes(out, data)
    return Path(out)


def render_docx(appendix: Appendix, template: str | Path | None = None,
                progress: Callable[[int, int], None] | None = None) -> bytes:
    """The appendices as the bytes of a .docx file."""
    doc = _open(template)
    styles = _Styles(doc)
    _ensure_page_numbers(doc)
    body = _Body(doc, styles)
    _title_page(body, appendix)
    toc = body.toc_placeholder()
    letters = iter("ABCDEFGHIJKLMNOPQRSTUVWXYZ")
    state = f"Consensus: {appendix.consensus}. " if appendix.consensus else ""
    if appendix.codebook is not None:
        letter = next(letters)
        body.section(landscape=body.wants_landscape(appendix.codebook))
        body.heading(f"Appendix {letter}. Codebook", 1)
        body.para(_codebook_note(appendix) + f" Table {letter}1 lists them.", "Appendix Note")
        body.table(appendix.codebook, f"{letter}1")
    parts = [("Sources and cases", appendix.sources, appendix.notes.get("sources", ""))]
    if appendix.excerpts is not None:
        parts.append(("Coded excerpts", None, ""))
    parts += [
        ("Intercoder agreement", appendix.agreement, appendix.notes.get("agreement", "")),
        ("Cross-case comparison", appendix.comparison, appendix.notes.get("comparison", "")),
        ("Memos", appendix.memos, ""),
    ]
    for done, (title, tables, note) in enumerate(parts, 1):
        if progress:
            progress(done - 1, len(parts))
        if title == "Coded excerpts":
            body.section(landscape=False)
            body.heading(f"Appendix {next(letters)}. Coded excerpts", 1)
            _excerpts(body, appendix, state)
            continue
        if not tables:
            continue
        letter = next(letters)
        # each table on a page of its own orientation: a wide table (the adjudication log)
        # turns its pages, not the whole appendix
        body.section(landscape=body.wants_landscape(tables[0]))
        body.heading(f"Appendix {letter}. {title}", 1)
        if title == "Intercoder agreement":
            for paragraph in appendix.methods:
                body.para(paragraph)
        numbers = [f"{letter}{i}" for i in range(1, len(tables) + 1)]
        refs = "; ".join(f"Table {n}: {t.title[:1].lower()}{t.title[1:]}"
                         for n, t in zip(numbers, tables, strict=True))
        body.para(" ".join(x for x in (state.rstrip(), note.rstrip(), f"{refs}.") if x),
                  "Appendix Note")
        for number, table in zip(numbers, tables, strict=True):
            body.section(landscape=body.wants_landscape(table), new_page=False)
            body.table(table, number)
            for figure in table.figures:
                if figure.height > figure.width:  # a tall figure wants a portrait page
                    body.section(landscape=False, new_page=False)
                body.figure(figure)
    if progress:
        progress(len(parts), len(parts))
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


def _ensure_page_numbers(doc: DocumentObject) -> None:
    """Every page numbered: a footer with a PAGE field, added to the template's footer (or
    as a new one) when it has none."""
    section = doc.sections[0]
    footer = section.footer
    if footer.is_linked_to_previous:
        footer.is_linked_to_previous = False
    xml = footer._element.xml
    if re.search(r"\bPAGE\b", xml) and ("instrText" in xml or "fldSimple" in xml):
        return
    paragraph = footer.paragraphs[0] if footer.paragraphs and not footer.paragraphs[0].text \
        else footer.add_paragraph()
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


# --- body ---------------------------------------------------------------------------------


def _text_runs(text: str, nobreak: bool = False) -> str:
    """Runs for ``text``: line breaks and tabs become Word breaks and tabs; with ``nobreak``
    hyphens become non-breaking hyphens (ids and references stay on one line)."""
    text = clean(text)
    if "\n" not in text and "\t" not in text and not (nobreak and "-" in text):
        return f'<w:r><w:t xml:space="preserve">{escape(text)}</w:t></w:r>' if text else ""
    runs = []
    for i, line in enumerate(text.split("\n")):
        if i:
            runs.append("<w:br/>")
        for j, piece in enumerate(line.split("\t")):
            if j:
                runs.append("<w:tab/>")
            for k, bit in enumerate(piece.split("-") if nobreak else [piece]):
                if k:
                    runs.append("<w:noBreakHyphen/>")
                if bit:
                    runs.append(f'<w:t xml:space="preserve">{escape(bit)}</w:t>')
    return f"<w:r>{''.join(runs)}</w:r>" if runs else ""


_ID_LIKE = re.compile(r"^[\w./#-]+$")

# Rough metrics for estimating page numbers: (font size in points, before + after in twips).
_METRICS = {"Title": (26, 300), "Subtitle": (14, 480), "Normal": (11, 160),
            "Quote": (11, 160), "Case Heading": (11, 260), "Excerpt Source": (9, 140),
            "Appendix Note": (9, 120), "Caption": (9, 200), "TOC Heading": (16, 520),
            "toc 1": (11, 160), "toc 2": (11, 160), "toc 3": (11, 160)}


def _metrics(style: str) -> tuple[float, int]:
    if style.startswith("Heading "):
        n = int(style.split()[-1])
        return max(11.0, 17 - 1.5 * n), 600 - 40 * n
    return _METRICS.get(style, (11, 160))


class _Pages:
    """Estimates on which page each heading falls (text width and page height from the
    section; Calibri-like widths), so the contents list page numbers before any word
    processor lays the document out."""

    def __init__(self) -> None:
        self.page = 1
        self.used = 0.0
        self.height = 12960.0

    def new_page(self) -> None:
        if self.used > 0:
            self.page += 1
            self.used = 0.0

    def add(self, height: float) -> None:
        if self.used + height > self.height and self.used > 0:
            self.page += 1
            self.used = min(height, self.height) if height <= self.height else \
                height % self.height
            self.page += int(height // self.height) if height > self.height else 0
        else:
            self.used += height

    @staticmethod
    def lines(text: str, width: float, size: float) -> int:
        per_line = max(1, int(width / (size * 20 * 0.42)))
        return sum(max(1, -(-len(line) // per_line)) for line in text.split("\n"))

    def para(self, text: str, style: str, width: float) -> None:
        size, space = _metrics(style)
        indent = 1134 if style == "Quote" else 0
        self.add(self.lines(text, width - indent, size) * size * 20 * 1.05 + space)


class _Body:
    """Collects the body as WordprocessingML text; sections switch orientation."""

    def __init__(self, doc: DocumentObject, styles: _Styles) -> None:
        self.doc = doc
        self.styles = styles
        self.parts: list[str] = []
        self.toc_entries: list[tuple[int, str, str, int]] = []
        self.bookmarks = 0
        final = doc.element.body.sectPr
        if final is None:
            final = doc.element.body._add_sectPr()
        self.final = final
        size = final.find(qn("w:pgSz"))
        if size is None:
            size = parse_xml(f'<w:pgSz {_W} w:w="12240" w:h="15840"/>')
            final.insert(0, size)
        w, h = int(size.get(qn("w:w"), 12240)), int(size.get(qn("w:h"), 15840))
        self.short, self.long = min(w, h), max(w, h)
        margins = final.find(qn("w:pgMar"))

        def margin(side: str, default: int) -> int:
            value = margins.get(qn(f"w:{side}")) if margins is not None else None
            return abs(int(value)) if value not in (None, "") else default

        self.margins = margin("left", 1440) + margin("right", 1440)
        self.vertical = margin("top", 1440) + margin("bottom", 1440)
        self.figures = 0
        self.first_landscape = w > h
        self.landscape = self.first_landscape
        self.pages = _Pages()
        self._set_page_height()

    def _set_page_height(self) -> None:
        self.pages.height = (self.short if self.landscape else self.long) - self.vertical

    @property
    def width(self) -> int:
        return (self.long if self.landscape else self.short) - self.margins

    def style(self, name: str) -> str:
        return self.styles.id(name)

    def para(self, text: str, style: str = "Normal", extra_ppr: str = "",
             nobreak: bool = False) -> None:
        self.parts.append(self._para(text, style, extra_ppr, nobreak))

    def _para(self, text: str, style: str, extra_ppr: str = "", nobreak: bool = False,
              count: bool = True) -> str:
        if count:
            self.pages.para(clean(text), style, self.width)
        return (f'<w:p><w:pPr><w:pStyle w:val="{self.style(style)}"/>{extra_ppr}</w:pPr>'
                f"{_text_runs(text, nobreak)}</w:p>")

    def _bookmark(self) -> tuple[str, str, str]:
        self.bookmarks += 1
        name = f"_Toc{self.bookmarks:08d}"
        return (name, f'<w:bookmarkStart w:id="{self.bookmarks}" w:name="{name}"/>',
                f'<w:bookmarkEnd w:id="{self.bookmarks}"/>')

    def heading(self, text: str, level: int, style: str | None = None,
                toc_level: int | None = None) -> None:
        """A heading (or a caption, ``style``) kept with what follows, bookmarked and listed
        in the contents down to level 3."""
        level = max(1, min(level, 9))
        style = style or f"Heading {level}"
        toc_level = level if toc_level is None else toc_level
        self.pages.para(clean(text), style, self.width)
        name, start, end = self._bookmark()
        if toc_level <= 3:
            self.toc_entries.append((toc_level, clean(text), name, self.pages.page))
        self.parts.append(f'<w:p><w:pPr><w:pStyle w:val="{self.style(style)}"/><w:keepNext/>'
                          f'<w:keepLines/></w:pPr>{start}{_text_runs(text)}{end}</w:p>')

    def page_break(self) -> None:
        self.parts.append('<w:p><w:r><w:br w:type="page"/></w:r></w:p>')
        self.pages.new_page()

    def section(self, landscape: bool, new_page: bool = True) -> None:
        """A new section when the orientation changes, else a page break (if ``new_page``)."""
        if landscape == self.landscape:
            if self.parts and new_page:
                self.page_break()
            return
        sect = self._sect_pr(self.landscape)
        self.parts.append(f"<w:p><w:pPr>{sect}</w:pPr></w:p>")
        self.landscape = landscape
        self.pages.new_page()
        self._set_page_height()

    def _sect_pr(self, landscape: bool) -> str:
        sect = copy.deepcopy(self.final)
        _orient(sect, landscape, self.short, self.long)
        return etree.tostring(sect, encoding="unicode")

    def toc_placeholder(self) -> int:
        self.para("Contents", "TOC Heading")
        self.parts.append("")
        return len(self.parts) - 1

    def fill_toc(self, index: int) -> None:
        """A TOC field whose shown result lists the headings (levels 1-3) with page numbers:
        each entry links to its heading's bookmark and holds a PAGEREF field whose shown
        value is the estimated page, so PDF converters and readers other than Word show a
        usable list; Word recomputes it when it updates the field."""
        begin = ('<w:r><w:fldChar w:fldCharType="begin" w:dirty="true"/></w:r>'
                 '<w:r><w:instrText xml:space="preserve"> TOC \\o "1-3" \\h \\z \\u '
                 '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>')
        end = '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
        # The contents pages push everything after them: count them, then shift.
        width = self.short - self.margins
        est = _Pages()
        est.height = self.long - self.vertical
        for level, text, _, _ in self.toc_entries:
            est.para(text + " 000", f"toc {level}", width - 284 * (level - 1))
        extra = est.page - 1
        tab = (f'<w:tabs><w:tab w:val="right" w:leader="dot" w:pos="{width}"/></w:tabs>')
        paras = []
        entries = self.toc_entries or [(1, "Update this field to list the contents.", "", 0)]
        for i, (level, text, name, page) in enumerate(entries):
            head = begin if i == 0 else ""
            tail = end if i == len(entries) - 1 else ""
            if name:
                shown = page + extra
                link = (f'<w:hyperlink w:anchor="{name}" w:history="1">{_text_runs(text)}'
                        '<w:r><w:tab/></w:r>'
                        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
                        f'<w:r><w:instrText xml:space="preserve"> PAGEREF {name} \\h '
                        '</w:instrText></w:r><w:r><w:fldChar w:fldCharType="separate"/></w:r>'
                        f'<w:r><w:t>{shown}</w:t></w:r>'
                        '<w:r><w:fldChar w:fldCharType="end"/></w:r></w:hyperlink>')
            else:
                link = _text_runs(text)
            paras.append(f'<w:p><w:pPr><w:pStyle w:val="{self.style(f"toc {level}")}"/>'
                         f"{tab}</w:pPr>{head}{link}{tail}</w:p>")
        self.parts[index] = "".join(paras)

    def table(self, table: Table, number: str) -> None:
        """Caption (Table A1. Title), its one-line note, the table."""
        self.heading(f"Table {number}. {table.title}", 2, style="Caption",
                     toc_level=2 if len(self.toc_entries) else 9)
        if table.note:
            self.para(table.note, "Appendix Note", "<w:keepNext/>")
        width = self.width
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
        self._row_height(table.columns, cols)
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
            self._row_height(row, cols)
        out.append("</w:tbl>")
        self.parts.append("".join(out))
        self.para("", "Appendix Note")

    def figure(self, figure: FigureImage) -> None:
        """Caption (Figure N. Title), the image sized to the text width (and to the page
        height), with its alternative text, and its note."""
        self.figures += 1
        number = self.figures
        self.heading(f"Figure {number}. {figure.title}", 2, style="Caption", toc_level=9)
        width = min(self.width, int(figure.width * 1440))
        height = int(width * figure.height / figure.width)
        tallest = self.pages.height - 1200  # the caption and the note stay on its page
        if height > tallest:
            width, height = int(width * tallest / height), tallest
        r_id, _ = self.doc.part.get_or_add_image(io.BytesIO(figure.png))
        cx, cy = width * _EMU_PER_TWIP, height * _EMU_PER_TWIP
        alt = escape(clean(figure.alt), {'"': "&quot;", "\n": "&#10;"})
        name = f"Figure {number}"
        self.parts.append(
            f'<w:p><w:pPr><w:pStyle w:val="{self.style("Normal")}"/><w:keepNext/>'
            f'<w:jc w:val="center"/></w:pPr><w:r><w:drawing {_DRAWING_NS}>'
            f'<wp:inline distT="0" distB="0" distL="0" distR="0"><wp:extent cx="{cx}" '
            f'cy="{cy}"/><wp:docPr id="{_DOC_PR_BASE + number}" name="{name}" descr="{alt}"/>'
            '<wp:cNvGraphicFramePr><a:graphicFrameLocks noChangeAspect="1"/>'
            f'</wp:cNvGraphicFramePr><a:graphic><a:graphicData uri="{_PIC_NS}"><pic:pic>'
            f'<pic:nvPicPr><pic:cNvPr id="0" name="figure-{number}.png" descr="{alt}"/>'
            f'<pic:cNvPicPr/></pic:nvPicPr><pic:blipFill><a:blip r:embed="{r_id}"/>'
            '<a:stretch><a:fillRect/></a:stretch></pic:blipFill><pic:spPr><a:xfrm>'
            f'<a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
            '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr></pic:pic>'
            '</a:graphicData></a:graphic></wp:inline></w:drawing></w:r></w:p>')
        self.pages.add(height + 120)
        if figure.note:
            self.para(figure.note, "Appendix Note")

    def _row_height(self, row: list[str], cols: list[int]) -> None:
        lines = max((_Pages.lines(str(v), max(c - _CELL_MARGINS, 200), 9)
                     for v, c in zip(row, cols, strict=True)), default=1)
        self.pages.add(lines * 9 * 20 * 1.22 + 60)

    def wants_landscape(self, table: Table) -> bool:
        """Asked for, or too many columns for a portrait page without breaking words (set
        as tight as a regular 9 pt font allows)."""
        if table.wide:
            return True
        return sum(_tight_widths(_column_needs(table)[0])) > self.short - self.margins

    def _cell(self, text: str, width: int, style: str, ppr: str) -> str:
        text = clean(text)
        nobreak = " " not in text and bool(_ID_LIKE.match(text))
        paras = "".join(self._para(line, style, ppr, nobreak, count=False)
                        for line in text.split("\n"))
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
        words = [w for text in (name, *cells)
                 for w in (_ID_BREAKS if _ID_LIKE.match(text) else _BREAKS).split(text)]
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
    tight = _tight_widths(least)
    if sum(tight) <= width:
        spare, wish = width - sum(tight), sum(least) - sum(tight)
        return [int(t + spare * (lo - t) / wish) for t, lo in zip(tight, least, strict=True)]
    # Even those do not fit: cap the widest columns (they wrap more) and keep the
    # narrow ones, headers and numbers, whole.
    remaining, cap = float(width), float(width)
    for i, lo in enumerate(sorted(least)):
        cap = remaining / (len(least) - i)
        if lo > cap:
            break
        remaining -= lo
    return [int(min(lo, cap)) for lo in least]


def _tight_widths(least: list[int]) -> list[int]:
    """Least widths with long words set tighter (least widths allow for wide fonts and bold
    headers); short ones, such as the headers of number columns, keep their width."""
    short = 8 * _CHAR + _CELL_MARGINS
    return [lo if lo <= short else max(short, int((lo - _CELL_MARGINS) * _TIGHT)
                                       + _CELL_MARGINS) for lo in least]


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
    shown = {"all": "every excerpt under each code applied to it",
             "once": "each excerpt once, with all its codes",
             "exemplars": "the framework matrix's exemplars (two per case and code)"}
    lines = [
        ("Codebook", f"{appendix.codebook_name}, version {appendix.codebook_version}"),
        ("Coders", ", ".join(coders) or "none"),
        ("Codings shown", describe_basis(appendix.basis)),
    ]
    if appendix.consensus:
        lines.append(("Consensus", appendix.consensus))
    if appendix.excerpts is not None:
        lines.append(("Excerpts shown", shown.get(appendix.excerpt_mode, appendix.excerpt_mode)))
    lines.append(("Date", appendix.date))
    made = f"qcoder {appendix.version}" if appendix.version else "qcoder"
    lines.append(("Written by", f"{made}: {appendix.command}" if appendix.command else made))
    for label, value in lines:
        body.para(f"{label}: {value}", "Normal")
    body.page_break()


def _codebook_note(appendix: Appendix) -> str:
    assert appendix.codebook is not None
    return (f"{len(appendix.codebook.rows)} codes of the codebook “{appendix.codebook_name}”, "
            f"version {appendix.codebook_version}. Indentation shows the hierarchy; an "
            "exclusive group allows at most one of its codes per excerpt and coder.")


def _excerpts(body: _Body, appendix: Appendix, state: str) -> None:
    sections = appendix.excerpts or []
    total = sum(s.codings for s in sections)
    how = {"all": "Each excerpt appears once under every code applied to it",
           "once": "Each excerpt appears once, under the first code it carries (codebook "
                   "order), with every code it carries named",
           "exemplars": "Only the framework matrix's exemplars appear: per case and code the "
                        "two excerpts most coders chose"}[appendix.excerpt_mode]
    body.para(f"{state}{how}, grouped by case, with its reference (case/document#paragraph). "
              f"Basis: {describe_basis(appendix.basis)}; {appendix.excerpt_count} excerpts, "
              f"{total} codings shown.", "Appendix Note")
    pooled = appendix.basis.kind == "pooled"
    keep = "<w:keepNext/>"
    for section in sections:
        body.heading(section.label, 2 + section.depth)
        body.para(_summary(section), "Appendix Note", keep, nobreak=True)
        for group in section.cases:
            body.para(f"{group.case_name} ({group.case_id})", "Case Heading", keep)
            for entry in group.entries:
                source = [entry.ref]
                if entry.speaker:
                    source.append(f"speaker: {entry.speaker}")
                if entry.codes:
                    source.append("codes: " + ", ".join(entry.codes))
                if pooled:
                    source.append("coded by " + ", ".join(entry.coders))
                body.parts.append(body._para(" · ".join(source), "Excerpt Source", keep,
                                             nobreak=True)
                                  + body._para(entry.text, "Quote"))


def _summary(section: CodeExcerpts) -> str:
    n, cases = section.excerpts, len(section.cases)
    if section.total is not None and section.total != n:
        return (f"{section.code_id} · {section.total} excerpt{'s' if section.total != 1 else ''}"
                f"; {n} shown here, the others under another code" if n else
                f"{section.code_id} · {section.total} excerpt"
                f"{'s' if section.total != 1 else ''}, shown under other codes")
    if not n:
        return f"{section.code_id} · " + ("see the codes below" if section.parent
                                          else "no coded excerpts")
    return (f"{section.code_id} · {n} excerpt{'s' if n != 1 else ''} in {cases} "
            f"case{'s' if cases != 1 else ''}")
