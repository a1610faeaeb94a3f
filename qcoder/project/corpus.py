"""Cases and documents on disk, segmented into excerpts with stable, content-based identities."""

from __future__ import annotations

import hashlib
import re
from bisect import bisect_right
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..errors import CorpusError, located
from . import yaml_io
from .formats import BLOCK_SUFFIXES, SPEAKER, SUFFIXES, TRANSCRIPT_SUFFIXES, Block, read_blocks
from .formats.model import decode_utf8
from .outside import check_inside
from .selections import FIELD as SELECTIONS
from .selections import Quote, locate, parse_quotes, selection_identity

DOCUMENT_SUFFIXES = SUFFIXES
CASE_FILE = "case.yaml"
SIDECAR = ".meta.yaml"  # NAME.meta.yaml: metadata of NAME.pdf (or any other document)
CASE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]*$")
FRONT_MATTER_FIELDS = ("title", "kind", "date", SELECTIONS)
MD_HEADING = re.compile(r"^#{1,6}(?:[ \t]+(?P<title>[^\n]*))?(?=\n|$)")


@dataclass(frozen=True)
class Excerpt:
    """A paragraph of a document; ``start``/``end`` are code-point offsets into its text."""

    case_id: str
    stem: str
    n: int
    text: str
    start: int
    end: int
    identity: str
    speaker: str | None = None
    section: str | None = None
    quoted: bool = False  # listed in the front matter's ``selections:``, not a paragraph
    page: int | None = None  # the PDF page it starts on
    media_start: int | None = None  # a transcript turn's times, in milliseconds
    media_end: int | None = None

    @property
    def ref(self) -> str:
        return format_ref(self.case_id, self.stem, self.n)


@dataclass
class Document:
    """A document of a case: metadata from front matter, plain text and its excerpts."""

    case_id: str
    stem: str
    path: Path
    text: str
    sha: str
    title: str = ""
    kind: str = ""
    date: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    excerpts: list[Excerpt] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)  # e.g. selections not found


@dataclass
class Case:
    """A case: ``case.yaml`` metadata and its documents."""

    id: str
    name: str
    path: Path
    description: str = ""
    attributes: dict[str, Any] = field(default_factory=dict)
    documents: list[Document] = field(default_factory=list)
    skipped: list[Path] = field(default_factory=list)  # files in no format qcoder reads


def format_ref(case_id: str, stem: str, n: int) -> str:
    """The human reference of an excerpt: ``<case-id>/<document-stem>#<n>``; a selection
    made in qcoder (stored with ``n`` = -k) is ``#s<k>``."""
    return f"{case_id}/{stem}#{n}" if n > 0 else f"{case_id}/{stem}#s{-n}"


def number_text(n: int) -> str:
    """The ``#`` part of a reference: ``3`` for a paragraph, ``s2`` for a selection."""
    return str(n) if n > 0 else f"s{-n}"


REF_PATTERN = re.compile(
    r"^(?P<case>[^/#\s]+)/(?P<stem>[^#]+)#(?P<s>s?)(?P<n>[1-9][0-9]*)$")


def parse_ref(ref: str) -> tuple[str, str, int] | None:
    """Split ``case/stem#n`` into its parts, or ``None`` when it is not a reference
    (``#s<k>``, a selection made in qcoder, gives ``n`` = -k)."""
    m = REF_PATTERN.match(ref.strip())
    if not m:
        return None
    return m["case"], m["stem"], -int(m["n"]) if m["s"] else int(m["n"])


def excerpt_identity(case_id: str, stem: str, text: str, occurrence: int) -> str:
    """A content-based id: unchanged paragraphs keep it when others are edited or moved."""
    return _identity(case_id, stem, " ".join(text.split()), occurrence)


def _identity(case_id: str, stem: str, normal: str, occurrence: int) -> str:
    """:func:`excerpt_identity` of text already normalised (whitespace runs as one space)."""
    digest = hashlib.sha1(f"{case_id}/{stem}\0{normal}\0{occurrence}".encode())
    return digest.hexdigest()[:24]


def _yaml_mapping(text: str, path: Path, first_line: int) -> dict[str, Any]:
    try:
        data = yaml_io.load(text, path, first_line) if text.strip() else {}
    except yaml_io.YamlError as exc:
        raise CorpusError(str(exc)) from None
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise CorpusError(located(path, first_line, "expected 'field: value' lines"))
    return data


def split_front_matter(text: str, path: Path) -> tuple[dict[str, Any], str]:
    """Separate a leading ``---`` YAML block from the body."""
    if not text.startswith("---\n") and text.strip() != "---":
        return {}, text
    end = re.search(r"^(---|\.\.\.)[ \t]*$", text[4:], flags=re.M)
    if end is None:
        raise CorpusError(located(path, 1, "front matter opened with '---' is never closed; "
                                  "add a '---' line after it"))
    meta = _yaml_mapping(text[4:4 + end.start()], path, 2)
    return meta, text[4 + end.end():].lstrip("\n")


# Line boundaries of ``str.splitlines`` other than ``\n``; text without them (nearly all)
# is cut by one regular expression: a run of lines that each hold a non-space character,
# from the first such character to the last.
_OTHER_BREAKS = re.compile("[\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029]")
_PARAGRAPH = re.compile(r"\S(?:[^\n]*\S)?(?:[^\S\n]*\n[^\S\n]*\S(?:[^\n]*\S)?)*")


def _blocks(body: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of each run of non-blank lines, trailing whitespace excluded."""
    if not _OTHER_BREAKS.search(body):
        for m in _PARAGRAPH.finditer(body):
            yield m.span()
        return
    start: int | None = None
    last_end = 0
    pos = 0
    for line in body.splitlines(keepends=True):
        if line.strip():
            if start is None:
                start = pos + (len(line) - len(line.lstrip()))
            last_end = pos + len(line.rstrip())
        elif start is not None:
            yield start, last_end
            start = None
        pos += len(line)
    if start is not None:
        yield start, last_end


def _is_interview(kind: str) -> bool:
    return "interview" in kind.lower() or "focus" in kind.lower()


def segment(case_id: str, stem: str, body: str, kind: str = "", markdown: bool = False,
            headings: dict[int, str] | None = None,
            blocks: dict[int, Block] | None = None) -> list[Excerpt]:
    """Cut a document's plain text into paragraph excerpts.

    ``headings`` maps the start offset of a paragraph to its heading text (block formats);
    in Markdown, a paragraph starting with ``#`` is a heading. Headings are section context,
    never excerpts. ``blocks`` maps a paragraph's start to the block it came from, whose
    speaker, page and times the excerpt keeps.
    """
    excerpts: list[Excerpt] = []
    seen: dict[str, int] = {}
    section: str | None = None
    interview = _is_interview(kind)
    for start, end in _blocks(body):
        text = body[start:end]
        if headings is not None and start in headings:
            section = headings[start]
            continue
        if markdown and MD_HEADING.match(text):
            # Consume every heading line at the top of the block; the rest is the paragraph.
            while (m := MD_HEADING.match(text)) is not None:
                section = (m["title"] or "").strip().rstrip("#").strip() or section
                first, _, rest = text.partition("\n")
                start += len(first) + 1 + (len(rest) - len(rest.lstrip()))
                text = body[start:end] if start < end else ""
            if not text:
                continue
        speaker = None
        block = blocks.get(start) if blocks is not None else None
        if block is not None and block.speaker:
            speaker = block.speaker
        elif interview and (m := SPEAKER.match(text)):
            speaker = m[1].strip()
        normal = " ".join(text.split())
        occurrence = seen.get(normal, 0)
        seen[normal] = occurrence + 1
        excerpts.append(Excerpt(
            case_id=case_id, stem=stem, n=len(excerpts) + 1, text=text, start=start, end=end,
            identity=_identity(case_id, stem, normal, occurrence), speaker=speaker,
            section=section, page=block.page if block else None,
            media_start=block.media_start if block else None,
            media_end=block.media_end if block else None,
        ))
    return excerpts


def _read_blocks(path: Path, raw: bytes
                 ) -> tuple[dict[str, Any], str, dict[int, str], dict[int, Block]]:
    """Plain text of a document in a block format (blocks joined by blank lines), its
    front matter (leading ``---`` paragraphs, as in a .docx), headings and blocks by start."""
    if not raw.strip():
        raise CorpusError(located(path, None, "the file is empty; export the document again "
                                  "or remove it"))
    items, carried = read_blocks(path, raw)
    meta: dict[str, Any] = dict(carried)
    if items and items[0].text == "---":
        closing = next((i for i, b in enumerate(items[1:], 1) if b.text == "---"), None)
        if closing is None:
            raise CorpusError(located(path, 1, "front matter opened with '---' is never "
                                      "closed; add a '---' paragraph after it"))
        meta = _yaml_mapping("\n".join(b.text for b in items[1:closing]), path, 2)
        items = items[closing + 1:]
    if not items:
        raise CorpusError(located(path, None, "the document has no text; export it again "
                                  "or remove it"))
    parts: list[str] = []
    headings: dict[int, str] = {}
    blocks: dict[int, Block] = {}
    pos = 0
    for block in items:
        # A blank line inside a block would split it: keep its lines together.
        text = "\n".join(ln.strip() for ln in block.text.split("\n") if ln.strip())
        if block.heading:
            headings[pos] = " ".join(text.split())
        blocks[pos] = block
        parts.append(text)
        pos += len(text) + 2
    return meta, "\n\n".join(parts), headings, blocks


def _sidecar(path: Path) -> Path:
    return path.with_name(path.stem + SIDECAR)


def load_document(case_id: str, path: Path) -> Document:
    """Read one document file and segment it."""
    raw = path.read_bytes()
    digest = hashlib.sha1(raw)
    headings: dict[int, str] | None = None
    blocks: dict[int, Block] | None = None
    suffix = path.suffix.lower()
    text = ""
    if suffix in BLOCK_SUFFIXES:
        meta, body, headings, blocks = _read_blocks(path, raw)
        has_front_matter = bool(meta) and suffix not in (".html", ".htm")
    else:
        text = decode_utf8(path, raw)
        meta, body = split_front_matter(text, path)
        has_front_matter = text.startswith("---\n")
    sidecar = _sidecar(path)
    where_meta = path
    if sidecar.is_file():
        if has_front_matter:
            raise CorpusError(located(sidecar, 1, f"{path.name} has front matter too; keep "
                                      "the metadata in one place"))
        side_raw = sidecar.read_bytes()
        digest.update(b"\0" + side_raw)
        meta = {**meta, **_yaml_mapping(decode_utf8(sidecar, side_raw), sidecar, 1)}
        where_meta = sidecar
    sha = digest.hexdigest()
    kind = str(meta.get("kind") or ("interview" if suffix in TRANSCRIPT_SUFFIXES else ""))
    excerpts = segment(case_id, path.stem, body, kind, markdown=suffix == ".md",
                       headings=headings, blocks=blocks)
    if where_meta is sidecar:
        line = _line_of(sidecar, SELECTIONS) if SELECTIONS in meta else None
        where = f"{sidecar}:{line}" if line else str(sidecar)
    else:
        line = _front_matter_line(text) if headings is None else None
        where = f"{path}:{line}" if line else str(path)
    excerpts, warnings = add_selections(case_id, path.stem, body, excerpts,
                                        parse_quotes(meta.get(SELECTIONS), where), where)
    attributes = {k: _jsonable(v) for k, v in meta.items() if k not in FRONT_MATTER_FIELDS}
    return Document(
        case_id=case_id, stem=path.stem, path=path, text=body, sha=sha,
        title=str(meta.get("title") or path.stem), kind=kind,
        date=str(meta.get("date") or ""), attributes=attributes, excerpts=excerpts,
        warnings=warnings,
    )


def _front_matter_line(text: str) -> int | None:
    """Line of the ``selections:`` field in a text document's front matter."""
    for i, line in enumerate(text.splitlines(), 1):
        if line.startswith(f"{SELECTIONS}:"):
            return i
        if i > 1 and line.rstrip() in ("---", "..."):
            return None
    return None


def add_selections(case_id: str, stem: str, body: str, paragraphs: list[Excerpt],
                   quotes: list[Quote], where: str) -> tuple[list[Excerpt], list[str]]:
    """Paragraphs plus one excerpt per located quote, renumbered by start offset
    (a paragraph first on a tie); warnings name the quotes not found in ``body``."""
    if not quotes:
        return paragraphs, []
    warnings: list[str] = []
    taken = {(e.start, e.end) for e in paragraphs}
    starts = [e.start for e in paragraphs]
    extra: list[Excerpt] = []
    seen: dict[str, int] = {}
    for quote, span in zip(quotes, locate(body, quotes), strict=True):
        normal = " ".join(quote.text.split())
        occurrence = seen.get(normal, 0)
        seen[normal] = occurrence + 1
        if span is None:
            short = normal if len(normal) <= 60 else normal[:57] + "..."
            warnings.append(f"{where}: selection \"{short}\" is not in the text; correct the "
                            "quote or remove it (codings on it are kept as orphaned)")
            continue
        if span in taken:  # a whole paragraph, or listed twice: the same excerpt
            continue
        taken.add(span)
        i = bisect_right(starts, span[0]) - 1
        host = paragraphs[i] if i >= 0 else None
        extra.append(Excerpt(
            case_id=case_id, stem=stem, n=0, text=body[span[0]:span[1]], start=span[0],
            end=span[1], identity=selection_identity(case_id, stem, quote.text, occurrence),
            speaker=host.speaker if host and span[0] < host.end else None,
            section=host.section if host else None, quoted=True,
            page=host.page if host else None,
            media_start=host.media_start if host and span[0] < host.end else None,
            media_end=host.media_end if host and span[0] < host.end else None))
    ordered = sorted([(e.start, 0, e.end, e) for e in paragraphs]
                     + [(e.start, 1, e.end, e) for e in extra], key=lambda t: t[:3])
    return [replace(t[3], n=n) for n, t in enumerate(ordered, 1)], warnings


def _jsonable(value: Any) -> Any:
    if isinstance(value, str | int | float | bool) or value is None:
        return value
    if isinstance(value, list | tuple):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    return str(value)


def load_case(path: Path, within: Path | None = None) -> Case:
    """Read ``case.yaml`` and every document of one case folder; with ``within``, a file
    or folder that resolves outside it is refused (a symlink out of the project)."""
    check_inside(path, within)
    case_id = path.name
    if not CASE_ID.match(case_id):
        raise CorpusError(located(path, None, f"case folder name '{case_id}' is not a valid "
                                  "case id; rename it with lowercase letters, digits and '-'"))
    meta: dict[str, Any] = {}
    case_file = path / CASE_FILE
    if case_file.exists():
        check_inside(case_file, within)
        meta = _yaml_mapping(_read_text(case_file), case_file, 1)
        unknown = set(meta) - {"name", "description", "attributes"}
        if unknown:
            raise CorpusError(located(case_file, _line_of(case_file, sorted(unknown)[0]),
                                      f"unknown field '{sorted(unknown)[0]}'; case.yaml takes "
                                      "name, description and attributes"))
        if not isinstance(meta.get("attributes", {}) or {}, dict):
            raise CorpusError(located(case_file, _line_of(case_file, "attributes"),
                                      "attributes must be 'name: value' lines"))
    files = [f for f in sorted(path.iterdir()) if f.is_file()
             and not f.name.startswith((".", "~$")) and f.name.lower() != "readme.md"
             and f.name != CASE_FILE and not f.name.endswith(SIDECAR)]
    for sidecar in sorted(path.glob("*" + SIDECAR)):
        check_inside(sidecar, within)
    documents = [load_document(case_id, check_inside(f, within)) for f in files
                 if f.suffix.lower() in DOCUMENT_SUFFIXES]
    return Case(
        id=case_id, name=str(meta.get("name") or case_id), path=path,
        description=str(meta.get("description") or "").strip(),
        attributes={k: _jsonable(v) for k, v in (meta.get("attributes") or {}).items()},
        documents=documents,
        skipped=[f for f in files if f.suffix.lower() not in DOCUMENT_SUFFIXES],
    )


def skipped_warning(path: Path) -> str:
    """What ``qcoder import`` says about a file in a case folder it cannot read."""
    return (f"{path}: skipped, qcoder does not read {path.suffix or 'files without a suffix'};"
            f" it reads {' '.join(SUFFIXES)} (convert the file, or move it out of the case)")


def _read_text(path: Path) -> str:
    """A UTF-8 text file, or a CorpusError naming the line of its first undecodable byte."""
    raw = path.read_bytes()
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise CorpusError(located(path, line, "not UTF-8 text; save the file as UTF-8"))\
            from None


def _line_of(path: Path, key: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.startswith(f"{key}:"):
            return i
    return 1


def load_corpus(cases_dir: Path, within: Path | None = None,
                progress: Callable[[int, int], None] | None = None) -> list[Case]:
    """Every case folder under ``cases_dir`` (sorted by id); missing folder means no cases.
    With ``within``, nothing that resolves outside that folder is read. ``progress(done,
    total)`` is called after each case."""
    if not cases_dir.is_dir():
        return []
    check_inside(cases_dir, within)
    folders = [p for p in sorted(cases_dir.iterdir()) if p.is_dir() and not p.name.startswith(".")]
    cases = []
    for k, folder in enumerate(folders):
        cases.append(load_case(folder, within))
        if progress:
            progress(k + 1, len(folders))
    return cases
