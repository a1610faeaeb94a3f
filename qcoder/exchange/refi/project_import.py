"""``qcoder import qdc`` and ``qcoder import qdpx``: codebooks and projects from other tools.

A QDPX import plans everything before it writes anything: documents, case files and
codebook changes are staged beside the project, the database import runs in one
transaction, and the staged files are moved into place just before it commits. If any
step fails, no file and no row stays. An existing document is changed only on request
(``--add-selections``: quotes appended to its front matter), staged like the rest; without
it, a selection that is not one of its excerpts becomes a selection excerpt in the database.
"""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from bisect import bisect_left
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ...coding import CODER_PATTERN
from ...errors import CodebookError, CorpusError, QcoderError
from ...importer import sync_project
from ...project import yaml_io
from ...project.codebook import (
    Codebook,
    codebook_from_dict,
    codebook_stamps,
    dump_yaml,
    lint_text,
    load_codebook,
)
from ...project.corpus import (
    CASE_FILE,
    CASE_ID,
    FRONT_MATTER_FIELDS,
    SIDECAR,
    Case,
    Document,
    Excerpt,
    load_case,
    load_corpus,
    load_document,
    segment,
)
from ...project.folder import CONFIG_FILE, Project
from ...project.formats import TEXT_SUFFIXES
from ...project.selections import FIELD as SELECTIONS_FIELD
from ...project.selections import (
    Quote,
    append_to_file,
    quote_lines,
    quotes_for,
    quotes_to_append,
    yaml_json,
)
from ...project.staging import Staging
from ...store import selections as spans_db
from ...store import sync as store_sync
from ...store.bulk import ensure_coders, set_display_names
from ...store.database import Store, SyncReport, log_import, now
from .codebook import CodePlan, extend_codebook, new_codebook, slug, unique
from .qdpx import (
    RefiCode,
    RefiProject,
    RefiSelection,
    RefiSource,
    codebook_dict_from_codes,
    read_qdc,
    read_qdpx,
)
from .store_data import PROJECT_DATA_VERSION, PROJECT_NOTE, parse_spans, user_guid

MAX_LISTED = 3
_UNSAFE_STEM = re.compile(r'[\x00-\x1f\x7f/\\:*?"<>|#]+')
_SOURCE_SUFFIXES = (".txt", ".md", ".docx", ".doc", ".rtf", ".odt", ".pdf")


# --------------------------------------------------------------------------- codebooks


@dataclass
class QdcImport:
    """A codebook file converted to YAML."""

    path: str
    codes: int
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def read_codes(path: Path) -> tuple[list[RefiCode], list[str], str]:
    """The codes of a ``.qdc`` codebook or of a ``.qdpx`` project, warnings and a name."""
    try:
        with path.open("rb") as fh:
            head = fh.read(4)
    except OSError:
        head = b""
    if head == b"PK\x03\x04":
        project, warnings = read_qdpx(path)
        return project.codes, warnings, project.name
    codes, warnings = read_qdc(path)
    return codes, warnings, path.stem


def import_qdc(source: Path, output: Path, force: bool = False) -> QdcImport:
    """Write the codebook of ``source`` as YAML to ``output`` (ids made from code names)."""
    if output.exists() and not force:
        raise QcoderError(f"{output}: already exists; choose another --output, or pass "
                          "--force to replace it")
    codes, warnings, name = read_codes(source)
    if not codes:
        raise QcoderError(f"{source}: holds no codes; nothing to write")
    text = (f"# Imported from {source.name} by 'qcoder import qdc'; ids were made from the "
            "code names.\n" + dump_yaml(codebook_dict_from_codes(codes, name)))
    book, problems = lint_text(text, output)
    blocking = [p for p in problems if p.blocking]
    if book is None or blocking:
        raise CodebookError(str(blocking[0] if blocking else problems[0]))
    undefined = sum(1 for c in book if not c.definition)
    if undefined:
        warnings.append(f"{output}: {undefined} codes have no definition; add them so coders "
                        "know when each applies ('qcoder codebook check' lists them)")
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = output.with_name(f".{output.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        tmp.replace(output)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise QcoderError(f"{output}: cannot write ({exc.strerror or exc})") from None
    return QdcImport(str(output), len(book), warnings)


# ----------------------------------------------------------------------------- projects


@dataclass
class QdpxImport:
    """What a project file brought in."""

    file: str
    documents: int = 0
    documents_added: int = 0
    documents_existing: int = 0
    documents_changed: list[str] = field(default_factory=list)  # selections added
    cases: list[str] = field(default_factory=list)
    cases_added: list[str] = field(default_factory=list)
    excerpts: int = 0
    selections: int = 0
    selections_paragraphs: int = 0
    selections_own: int = 0
    selections_skipped: int = 0
    codes: int = 0
    codes_added: int = 0
    codebook: str = ""
    coders: list[str] = field(default_factory=list)
    codings: int = 0
    codings_added: int = 0
    memos: int = 0
    memos_added: int = 0
    reviews: int = 0  # reviews without codes, from the note of a qcoder export
    reviews_added: int = 0
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = dict(self.__dict__)
        out["selections"] = {"total": self.selections,
                             "paragraphs": out.pop("selections_paragraphs"),
                             "own_excerpts": out.pop("selections_own"),
                             "skipped": out.pop("selections_skipped")}
        return out


@dataclass
class _Doc:
    source: RefiSource
    case_id: str
    stem: str
    body: str
    spans: dict[str, tuple[int, int] | None]  # selection GUID -> trimmed span
    # reviews without codes from the note: coder (as the note names them) -> spans
    reviews: dict[str, list[tuple[int, int]]] = field(default_factory=dict)
    existing: Document | None = None
    content: bytes = b""
    original: bytes | None = None  # an existing document's content that ``content`` replaces
    excerpts: dict[tuple[int, int], Excerpt] = field(default_factory=dict)
    # spans of an existing document that become selection excerpts in the database
    db_spans: list[tuple[int, int]] = field(default_factory=list)

    @property
    def rel(self) -> str:
        return f"cases/{self.case_id}/{self.stem}.txt"

    def needed(self) -> set[tuple[int, int]]:
        """Every span that must be an excerpt: selections and reviews."""
        return {s for s in self.spans.values() if s} | {
            s for spans in self.reviews.values() for s in spans}


@dataclass
class QdpxPlan:
    project: Project
    refi: RefiProject
    label: str
    result: QdpxImport
    data: dict[str, Any]
    codes: CodePlan = field(default_factory=CodePlan)
    docs: list[_Doc] = field(default_factory=list)
    cases: dict[str, dict[str, Any]] = field(default_factory=dict)  # new case.yaml content
    corpus: dict[str, Case] = field(default_factory=dict)
    coders: dict[str, str] = field(default_factory=dict)  # user GUID -> coder
    display_names: dict[str, str] = field(default_factory=dict)  # coder -> name as written
    add_selections: bool = False

    def warn(self, message: str) -> None:
        self.result.warnings.append(f"{self.label}: {message}")


def import_qdpx(project: Project, store: Store, path: Path, case: str | None = None,
                add_codes: bool = False, add_selections: bool = False) -> QdpxImport:
    """Import a ``.qdpx`` project into ``project`` and its store, all of it or nothing.

    Sources become ``cases/<case>/<stem>.txt`` documents (selections that are not whole
    paragraphs are listed in their front matter), codes are matched with the project's
    codebook (or make a new one), users become coders, codings and memos are kept per
    coder. Selections missing from an existing text document are appended to its front
    matter only with ``add_selections``. Then the project is imported as by ``qcoder import``.
    """
    return apply_qdpx(plan_qdpx(project, path, case, add_codes, add_selections), store)


def plan_qdpx(project: Project, path: Path, case: str | None = None,
              add_codes: bool = False, add_selections: bool = False) -> QdpxPlan:
    """Read and check everything :func:`import_qdpx` will do, writing nothing."""
    if case is not None and not CASE_ID.match(case):
        raise QcoderError(f"--case '{case}' is not a valid case id; use lowercase letters, "
                          "digits, '-' and '_'")
    refi, warnings = read_qdpx(path)
    plan = QdpxPlan(project, refi, str(path), QdpxImport(file=str(path), warnings=list(warnings)),
                 {}, add_selections=add_selections)
    plan.data = _project_data(plan)
    extras = _note_codebook(plan)
    plan.corpus = {c.id: c for c in load_corpus(project.cases_dir, project.within)}
    _plan_codes(plan, extras, add_codes)
    _plan_documents(plan, plan.corpus, case, path.stem)
    _plan_coders(plan)
    return plan


def apply_qdpx(plan: QdpxPlan, store: Store,
               progress: Callable[[int, int], None] | None = None) -> QdpxImport:
    """Carry out a plan: stage files, import in one transaction, move the files in place.
    ``progress(done, total)`` is called after each document stored."""
    project = plan.project
    staging = Staging(project.root)
    try:
        cases = _stage(plan, staging, plan.corpus)
        codings, memos, reviews = _collect(plan)
        try:
            with store.transaction() as conn:
                sync = sync_project(project, store, conn, plan.codes.codebook, cases,
                                    progress=progress)
                _store(conn, plan, codings, memos, reviews)
                staging.commit()
        except BaseException:
            staging.rollback()
            raise
    finally:
        staging.cleanup()
    _report_sync(plan, sync)
    return plan.result


# ------------------------------------------------------------------------- the note


def _project_data(plan: QdpxPlan) -> dict[str, Any]:
    """The qcoder note of a qcoder export (removed from the memos), or ``{}``."""
    note = next((n for n in plan.refi.notes if n.name == PROJECT_NOTE), None)
    if note is None:
        return {}
    plan.refi.notes.remove(note)
    try:  # partner's data: no aliases (a bomb), no tags, no duplicate keys
        data = yaml_io.load(note.text, PROJECT_NOTE)
    except yaml_io.YamlError:
        data = None
    if not isinstance(data, dict) or data.get("qcoder") != PROJECT_DATA_VERSION:
        plan.warn(f"the memo '{PROJECT_NOTE}' is not readable; code, case and document ids "
                  "were made from names")
        return {}
    return data


def _note_codebook(plan: QdpxPlan) -> Codebook | None:
    raw = plan.data.get("codebook")
    if not isinstance(raw, dict):
        return None
    try:
        return codebook_from_dict(raw, f"{plan.label} ({PROJECT_NOTE})")
    except QcoderError as exc:
        plan.warn(f"the codebook in the memo '{PROJECT_NOTE}' is not valid ({exc}); code ids "
                  "were made from names")
        return None


def _note_entry(plan: QdpxPlan, section: str, guid: str) -> dict[str, Any]:
    entries = plan.data.get(section)
    entry = entries.get(guid) if isinstance(entries, dict) else None
    return entry if isinstance(entry, dict) else {}


def _note_reviews(plan: QdpxPlan, meta: dict[str, Any], source: RefiSource
                  ) -> dict[str, list[tuple[int, int]]]:
    """A document's reviews without codes in the note: coder -> spans of its text."""
    raw = meta.get("reviews")
    if raw is None:
        return {}
    out = {}
    for coder, text in raw.items() if isinstance(raw, dict) else [(None, None)]:
        spans = parse_spans(text)
        if not isinstance(coder, str) or spans is None \
                or any(end > len(source.text) for _, end in spans):
            plan.warn(f"the reviews of source '{source.name}' in the memo '{PROJECT_NOTE}' are "
                      "not readable; left out")
            return {}
        out[coder] = spans
    return out


# ---------------------------------------------------------------------------- codes


def _codebook_path(project: Project) -> Path | None:
    """The project's codebook, or ``None`` when it has none yet."""
    if (project.root / CONFIG_FILE).exists() or any(project.codebooks_dir.glob("*.y*ml")):
        return project.codebook_path()
    return None


def _plan_codes(plan: QdpxPlan, extras: Codebook | None, add: bool) -> None:
    codes = plan.refi.codes
    book_path = _codebook_path(plan.project)
    if book_path is None:
        name = (extras.name if extras else "") or plan.refi.name or Path(plan.label).stem
        target = plan.project.codebooks_dir / f"{slug(name, fallback='codebook')}.yaml"
        plan.codes = new_codebook(codes, name, target, extras)
    else:
        plan.codes = extend_codebook(codes, load_codebook(book_path), book_path, plan.label,
                                     add, extras)
    plan.result.warnings.extend(plan.codes.warnings)
    book = plan.codes.codebook
    folders = [c.name for c in _walk(codes) if not c.codable and not (
        book is not None and plan.codes.ids.get(c.guid) in book
        and book[plan.codes.ids[c.guid]].exclusive)]
    if folders:
        more = f" and {len(folders) - MAX_LISTED} more" if len(folders) > MAX_LISTED else ""
        plan.warn(f"{len(folders)} folder code(s) (isCodable=\"false\" in the file) can be "
                  f"applied in qcoder: {', '.join(repr(f) for f in folders[:MAX_LISTED])}{more}; "
                  "code with their children, or mark a folder 'exclusive: true' when one child "
                  "applies at a time")
    plan.result.codes = sum(1 for _ in _walk(codes))
    plan.result.codes_added = len(plan.codes.added)
    assert plan.codes.path is not None
    plan.result.codebook = _rel(plan.project, plan.codes.path)


def _walk(codes: list[RefiCode]) -> list[RefiCode]:
    out: list[RefiCode] = []
    for code in codes:
        out.append(code)
        out.extend(_walk(code.children))
    return out


def _rel(project: Project, path: Path) -> str:
    try:
        return path.relative_to(project.root).as_posix()
    except ValueError:
        return str(path)


# ------------------------------------------------------------------- cases, documents


def _plan_documents(plan: QdpxPlan, corpus: dict[str, Case], case: str | None, stem: str) -> None:
    case_of: dict[str, str] = {}
    metadata: dict[str, dict[str, Any]] = {}
    used: set[str] = set()
    twice = 0
    for rc in plan.refi.cases:
        meta = _note_entry(plan, "cases", rc.guid)
        cid = meta.get("id")
        if not (isinstance(cid, str) and CASE_ID.match(cid)):
            cid = unique(_not_reserved(slug(rc.name, "a-z0-9_-", "case", 60)), used)
        used.add(cid)
        attributes = meta.get("attributes")
        metadata.setdefault(cid, {
            "name": str(meta.get("name") or rc.name), "description":
            str(meta.get("description") or rc.description or ""),
            "attributes": attributes if isinstance(attributes, dict) else {}})
        for guid in rc.source_guids:
            if guid in case_of:
                twice += 1
            else:
                case_of[guid] = cid
    if twice:
        plan.warn(f"{twice} sources belong to several cases; each went to the first one")
    default = case or slug(stem, "a-z0-9_-", "imported", 60)
    metadata.setdefault(default, {"name": case or stem, "description": "", "attributes": {}})
    stems: dict[str, set[str]] = {}
    for source in plan.refi.sources:
        cid = case_of.get(source.guid, default)
        meta = _note_entry(plan, "documents", source.guid)
        wanted = meta.get("stem")
        if not (isinstance(wanted, str) and _stem(wanted) == wanted):
            wanted = _stem(source.name)
        doc_stem = _portable(wanted, stems.setdefault(cid, set()))
        plan.docs.append(_plan_document(plan, source, cid, doc_stem, meta, corpus.get(cid)))
    touched = {d.case_id for d in plan.docs}
    plan.result.cases = sorted(touched)
    for cid in sorted(touched):
        new_docs = any(d.existing is None for d in plan.docs if d.case_id == cid)
        if new_docs and not (plan.project.cases_dir / cid / CASE_FILE).exists():
            plan.cases[cid] = metadata[cid]
        if cid not in corpus:
            plan.result.cases_added.append(cid)
    plan.result.documents = len(plan.docs)
    plan.result.documents_existing = sum(d.existing is not None for d in plan.docs)


def _plan_document(plan: QdpxPlan, source: RefiSource, case_id: str, stem: str,
                   meta: dict[str, Any], case: Case | None) -> _Doc:
    reviews = _note_reviews(plan, meta, source)
    count = len(source.selections)
    body, spans = _normalise(source.text, [(s.start, s.end) for s in source.selections]
                             + [span for coder in reviews.values() for span in coder])
    trimmed = {sel.guid: _trim(body, *span) for sel, span in zip(source.selections,
                                                                    spans[:count], strict=True)}
    moved = iter(spans[count:])
    reviewed = {coder: [_trim(body, *next(moved)) for _ in old] for coder, old in reviews.items()}
    doc = _Doc(source, case_id, stem, body, trimmed,
               {coder: [s for s in found if s] for coder, found in reviewed.items()})
    existing = next((d for d in case.documents if d.stem == stem), None) if case else None
    if existing is not None:
        _reuse(plan, doc, existing)
        return doc
    kind = str(meta.get("kind") or "")
    paragraphs = {(e.start, e.end) for e in segment(case_id, stem, body, kind)}
    quotes = quotes_for(body, [s for s in doc.needed() if s not in paragraphs])
    title = str(meta.get("title") or " ".join(source.name.split()) or stem)
    attributes = meta.get("attributes") if isinstance(meta.get("attributes"), dict) else {}
    doc.content = (_front_matter(title, kind, str(meta.get("date") or ""), attributes, quotes)
                   + body).encode("utf-8")
    return doc


def _reuse(plan: QdpxPlan, doc: _Doc, existing: Document) -> None:
    """A document already in the project: the same text, and every selection an excerpt
    (or, with ``--add-selections``, a quote to append to its front matter)."""
    if existing.text != doc.body:
        raise QcoderError(f"{existing.path}: already exists with a different text than source "
                          f"'{doc.source.name}' of {plan.label}; move or rename that file, "
                          "then import again")
    doc.existing = existing
    doc.excerpts = {(e.start, e.end): e for e in existing.excerpts}
    missing = sorted(s for s in doc.needed() if s not in doc.excerpts)
    if not missing:
        return
    if not plan.add_selections:  # selection excerpts in the database: the file stays as it is
        doc.db_spans = missing
        for start, end in missing:
            text = doc.body[start:end]
            doc.excerpts[(start, end)] = Excerpt(
                case_id=doc.case_id, stem=doc.stem, n=0, text=text, start=start, end=end,
                identity=spans_db.span_identity(doc.case_id, doc.stem, start, end, text),
                quoted=True)
        return
    example = json.dumps(_short(doc.body[missing[0][0]:missing[0][1]]), ensure_ascii=False)
    what = (f"{existing.path}: {len(missing)} selections of source '{doc.source.name}' in "
            f"{plan.label} are not excerpts of this document")
    if existing.path.suffix.lower() == ".docx":
        raise QcoderError(f"{what}, and qcoder never rewrites a Word file (not even with "
                          "--add-selections); list them under 'selections:' in its front "
                          f"matter paragraphs (e.g. - {example}) and import again")
    if existing.path.suffix.lower() not in TEXT_SUFFIXES:
        raise QcoderError(f"{what}, and qcoder rewrites only .txt and .md files; list them "
                          f"under 'selections:' in {existing.path.stem}{SIDECAR} "
                          f"(e.g. - {example}) and import again")
    if not plan.add_selections:
        raise QcoderError(f"{what}; pass --add-selections to append them to its front matter, "
                          f"or list them under 'selections:' yourself (e.g. - {example}) and "
                          "import again")
    original = existing.path.read_bytes()
    if hashlib.sha1(original).hexdigest() != existing.sha:
        raise QcoderError(f"{existing.path}: changed while importing; import again")
    try:
        doc.content = append_to_file(original, quotes_to_append(doc.body, missing))
    except CorpusError as exc:
        raise QcoderError(f"{existing.path}: {exc}; list the selections under "
                          f"'selections:' yourself (e.g. - {example}) and import again") from None
    doc.original = original


def _short(text: str) -> str:
    normal = " ".join(text.split())
    return normal if len(normal) <= 60 else normal[:57] + "..."


def _normalise(text: str, spans: list[tuple[int, int]]
               ) -> tuple[str, list[tuple[int, int]]]:
    """The document body as the corpus will read it back, and the spans moved with it:
    CRLF and CR become LF, and leading newlines go (front matter ends with them)."""
    crlf = [m.start() for m in re.finditer("\r\n", text)]
    body = text.replace("\r\n", "\n").replace("\r", "\n")
    lead = len(body) - len(body.lstrip("\n"))

    def move(pos: int) -> int:
        return max(pos - bisect_left(crlf, pos) - lead, 0)

    return body[lead:], [(move(s), move(e)) for s, e in spans]


def _trim(body: str, start: int, end: int) -> tuple[int, int] | None:
    while start < end and body[start].isspace():
        start += 1
    while end > start and body[end - 1].isspace():
        end -= 1
    return (start, end) if start < end else None


# Names Windows reserves for devices, whatever the extension ("con.txt" is the console).
_RESERVED = {"con", "prn", "aux", "nul", *(f"com{n}" for n in range(10)),
             *(f"lpt{n}" for n in range(10))}


def _not_reserved(name: str) -> str:
    """``name``, or ``name-doc`` when Windows reserves it."""
    return f"{name}-doc" if name.split(".")[0].lower() in _RESERVED else name


def _portable(stem: str, used: set[str]) -> str:
    """A stem no other one of the case matches on a case-insensitive disk (``Interview-1``
    and ``interview-1`` are one file there), and not a reserved name; ``used`` holds the
    case-folded stems taken so far."""
    base = _not_reserved(stem)
    value, n = base, 2
    while value.casefold() in used:
        value = f"{base}-{n}"
        n += 1
    used.add(value.casefold())
    return value


def _stem(name: str) -> str:
    """A file-name stem for a source name: no path or shell-hostile characters."""
    name = unicodedata.normalize("NFC", name).strip()
    if name.lower().endswith(_SOURCE_SUFFIXES):
        name = name.rsplit(".", 1)[0]
    stem = re.sub(r"\s+", "-", _UNSAFE_STEM.sub("-", name)).strip(" .-~$")
    return re.sub("-{2,}", "-", stem)[:100].rstrip(" .-") or "document"


#: Control characters (tab and line breaks aside) in metadata another tool wrote: each one
#: becomes U+FFFD in the front matter qcoder writes, so no file carries terminal control.
_METADATA_CONTROLS = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _plain(value: Any) -> Any:
    """Metadata values with control characters replaced (strings, in lists and mappings)."""
    if isinstance(value, str):
        return _METADATA_CONTROLS.sub("\ufffd", value)
    if isinstance(value, list):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    return value


def _front_matter(title: str, kind: str, date: str, attributes: dict[str, Any],
                  quotes: list[Quote]) -> str:
    title, kind, date, attributes = _plain(title), _plain(kind), _plain(date), _plain(attributes)
    lines = ["---", f"title: {yaml_json(title)}"]
    if kind:
        lines.append(f"kind: {yaml_json(kind)}")
    if date:
        lines.append(f"date: {yaml_json(date)}")
    lines += [f"{yaml_json(k)}: {yaml_json(v)}" for k, v in attributes.items()
              if isinstance(k, str) and k not in FRONT_MATTER_FIELDS]
    if quotes:
        lines += [f"{SELECTIONS_FIELD}:", *quote_lines(quotes)]
    return "\n".join([*lines, "---", ""])


# --------------------------------------------------------------------------- coders


def _coder_name(name: str, guid: str) -> str:
    name = re.sub(r"[^\w.@+-]+", "_", unicodedata.normalize("NFC", name).strip())
    name = re.sub(r"^[^\w]+|_+$", "", name.strip("_"))[:40].rstrip("_")
    return name if CODER_PATTERN.match(name) else f"user-{guid[:8]}"


#: Users QDA tools create for themselves (ATLAS.ti writes a user "ATLAS.ti"): no person.
SYSTEM_USERS = {"atlas.ti", "atlasti", "nvivo", "maxqda", "qda miner", "quirkos", "taguette",
                "transana", "f4analyse", "dedoose", "system", "administrator", "admin"}


def _plan_coders(plan: QdpxPlan) -> None:
    taken: dict[str, str] = {}
    renamed = []
    coding_users = {c.user_guid for s in plan.refi.sources for sel in s.selections
                    for c in sel.codings}
    skipped = []
    for user in plan.refi.users:
        if user.name.strip().casefold() in SYSTEM_USERS and user.guid not in coding_users:
            skipped.append(user.name)
            continue
        base = name = _coder_name(user.name, user.guid)
        n = 2
        while taken.get(name, user.guid) != user.guid:
            name = f"{base[:36]}-{n}"
            n += 1
        taken[name] = user.guid
        plan.coders[user.guid] = name
        plan.display_names[name] = user.name
        if name != user.name:
            renamed.append(f"'{user.name}' is '{name}'")
    if skipped:
        plan.warn(f"skipped the tool's own user(s) {', '.join(repr(s) for s in skipped)}: "
                  "no codings of theirs, not a coder")
    if renamed:
        more = f" and {len(renamed) - MAX_LISTED} more" if len(renamed) > MAX_LISTED else ""
        plan.warn("users renamed as coders (letters, digits and . _ @ + - only): "
                  + ", ".join(renamed[:MAX_LISTED]) + more)


# -------------------------------------------------------------------------- staging


def _stage(plan: QdpxPlan, staging: Staging, corpus: dict[str, Case]) -> list[Case]:
    """Write every new file beside the project, read the documents back as the corpus will,
    and return the cases the import will see once the files are in place."""
    codes = plan.codes
    if codes.text is not None and codes.path is not None:
        staging.add(codes.path, codes.text.encode("utf-8"), "codebook/" + codes.path.name,
                    codes.original)
    for cid, meta in plan.cases.items():
        data = {k: v for k, v in meta.items() if v or k == "name"}
        text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
        staging.add(plan.project.cases_dir / cid / CASE_FILE, text.encode("utf-8"),
                    f"cases/{cid}/{CASE_FILE}")
    for doc in plan.docs:
        if doc.original is not None:
            _stage_change(plan, staging, doc, corpus[doc.case_id])
        if doc.existing is not None:
            continue
        staged = staging.add(plan.project.root / doc.rel, doc.content, doc.rel)
        loaded = load_document(doc.case_id, staged)
        doc.excerpts = {(e.start, e.end): e for e in loaded.excerpts}
        lost = [s for s in doc.needed() if s not in doc.excerpts]
        if loaded.text != doc.body or lost or loaded.warnings:
            raise QcoderError(f"{plan.label}: source '{doc.source.name}' could not be written "
                              "as a document that keeps its selections; please report this")
        plan.result.documents_added += 1
    cases = dict(corpus)
    for cid in sorted({d.case_id for d in plan.docs if d.existing is None}):
        staged_case = load_case(staging.staged(f"cases/{cid}"))
        if cid in cases:
            case = cases[cid]
            if cid in plan.cases:
                case.name, case.description = staged_case.name, staged_case.description
                case.attributes = staged_case.attributes
            case.documents = sorted([*case.documents, *staged_case.documents],
                                    key=lambda d: d.path.name)
        else:
            staged_case.path = plan.project.cases_dir / cid
            cases[cid] = staged_case
    return [cases[k] for k in sorted(cases)]


def _stage_change(plan: QdpxPlan, staging: Staging, doc: _Doc, case: Case) -> None:
    """Stage an existing document with quotes appended; it must read back with the same
    text, every excerpt it had (by identity) and every span the import needs."""
    existing = doc.existing
    assert existing is not None and doc.original is not None
    staged = staging.add(existing.path, doc.content, f"cases/{doc.case_id}/{existing.path.name}",
                         doc.original)
    try:
        loaded = load_document(doc.case_id, staged)
        doc.excerpts = {(e.start, e.end): e for e in loaded.excerpts}
        kept = {e.identity for e in existing.excerpts} <= {e.identity for e in loaded.excerpts}
        ok = kept and loaded.text == existing.text and doc.needed() <= doc.excerpts.keys()
    except CorpusError:
        ok = False
    if not ok:
        raise QcoderError(f"{existing.path}: the selections of source '{doc.source.name}' in "
                          f"{plan.label} could not be appended to its front matter; list them "
                          "under 'selections:' yourself and import again")
    loaded = replace(loaded, path=existing.path,
                     warnings=[w.replace(str(staged), str(existing.path))
                               for w in loaded.warnings])
    case.documents = [loaded if d is existing else d for d in case.documents]
    plan.result.documents_changed.append(_rel(plan.project, existing.path))


# -------------------------------------------------------------------------- codings


Codings = dict[tuple[str, str, str], list[str]]  # (identity, code, coder) -> memos
Memos = dict[tuple[str, str], list[str]]  # (identity, coder) -> memo texts
Reviews = set[tuple[str, str]]  # (identity, coder)


def _collect(plan: QdpxPlan) -> tuple[Codings, Memos, Reviews]:
    codings: Codings = {}
    memos: Memos = {}
    result = plan.result
    identities: set[str] = set()
    lost = unattributed = 0
    for doc in plan.docs:
        for sel in doc.source.selections:
            result.selections += 1
            span = doc.spans[sel.guid]
            if span is None:
                result.selections_skipped += 1
                lost += len(sel.codings)
                continue
            excerpt = doc.excerpts[span]
            identities.add(excerpt.identity)
            if excerpt.quoted:
                result.selections_own += 1
            else:
                result.selections_paragraphs += 1
            for coding in sel.codings:
                code = plan.codes.ids[coding.code_guid]
                texts = codings.setdefault((excerpt.identity, code,
                                            plan.coders[coding.user_guid]), [])
                _add_text(texts, coding.note)
            for note in sel.notes:
                coder = _note_author(plan, sel, note.user_guid)
                unattributed += coder == "unknown" and note.user_guid is None
                _add_text(memos.setdefault((excerpt.identity, coder), []), note.text)
    reviews = _collect_reviews(plan, identities)
    result.excerpts = len(identities)
    result.codings = len(codings)
    result.memos = sum(1 for m in codings.values() if m) + sum(1 for m in memos.values() if m)
    result.coders = sorted(set(plan.coders.values()) | {c for _, c in memos})
    if result.selections_skipped:
        plan.warn(f"{result.selections_skipped} selections cover no text (or only spaces); "
                  f"left out with their {lost} codings")
    if unattributed:
        plan.warn(f"{unattributed} memos name no author; kept as coder 'unknown'")
    if plan.refi.notes:
        names = ", ".join(f"'{_short(n.name or n.text)}'" for n in plan.refi.notes[:MAX_LISTED])
        plan.warn(f"{len(plan.refi.notes)} memos belong to no selection or coding and were not "
                  f"imported (qcoder keeps memos on excerpts and codings): {names}")
    _check_exclusive(plan, codings)
    return codings, {k: v for k, v in memos.items() if v}, reviews


def _collect_reviews(plan: QdpxPlan, identities: set[str]) -> Reviews:
    """The note's reviews without codes, by excerpt identity and coder."""
    reviews: Reviews = set()
    strangers = 0
    for doc in plan.docs:
        for name, spans in doc.reviews.items():
            coder = plan.coders.get(user_guid(name))
            if coder is None:
                strangers += len(spans)
                continue
            for span in spans:
                identities.add(doc.excerpts[span].identity)
                reviews.add((doc.excerpts[span].identity, coder))
    plan.result.reviews = len(reviews)
    if strangers:
        plan.warn(f"{strangers} reviews in the memo '{PROJECT_NOTE}' are by coders who are not "
                  "users of the file; left out")
    return reviews


def _add_text(texts: list[str], text: str) -> None:
    text = text.strip()
    if text and text not in texts:
        texts.append(text)


def _note_author(plan: QdpxPlan, sel: RefiSelection, user: str | None) -> str:
    if user is not None and user in plan.coders:
        return plan.coders[user]
    users = {c.user_guid for c in sel.codings}
    if len(users) == 1:
        return plan.coders[users.pop()]
    if len(plan.coders) == 1:
        return next(iter(plan.coders.values()))
    return "unknown"


def _check_exclusive(plan: QdpxPlan, codings: Codings) -> None:
    book = plan.codes.codebook
    if book is None or not book.exclusive_groups():
        return
    chosen: dict[tuple[str, str, str], int] = {}
    on_group = 0
    for identity, code, coder in codings:
        if book.codes[code].exclusive:
            on_group += 1
        group = book.group_of(code)
        if group is not None:
            key = (identity, coder, group)
            chosen[key] = chosen.get(key, 0) + 1
    twice = sum(1 for n in chosen.values() if n > 1)
    if twice:
        plan.warn(f"{twice} times a coder applied two codes of one exclusive group to one "
                  "excerpt; both kept (agreement reports them)")
    if on_group:
        plan.warn(f"{on_group} codings apply an exclusive group itself rather than one of its "
                  "codes; kept")


def _store(conn: Any, plan: QdpxPlan, codings: Codings, memos: Memos,
           reviews: Reviews) -> None:
    """Coders, codings (with reviews), reviews, memos and one log event, in the open
    transaction."""
    wanted = sorted({k[0] for k in codings} | {k[0] for k in memos} | {k[0] for k in reviews})
    made: dict[str, int] = {}
    for doc in plan.docs:
        found = spans_db.document_of(conn, doc.case_id, doc.stem) if doc.db_spans else None
        for span in doc.db_spans if found else ():
            made[doc.excerpts[span].identity] = spans_db.create(conn, found[0], *span)
    ids = {**store_sync.excerpt_ids_by_identity(conn, wanted), **made}
    stamp = now()
    result = plan.result
    ensure_coders(conn, result.coders, stamp)
    set_display_names(conn, {c: plan.display_names[c] for c in result.coders
                             if c in plan.display_names})
    book = plan.codes.codebook
    written = store_sync.write_refi_codings(
        conn, [(ids[e], code, coder, "\n\n".join(m) or None)
               for (e, code, coder), m in codings.items()], stamp,
        codebook_stamps(book) if book is not None else None)
    differ = written.memos_differ
    result.memos_added = written.memos_new + written.memos_filled
    result.codings_added = written.added
    result.reviews_added = store_sync.add_reviews(conn, [(ids[e], coder, stamp)
                                                   for e, coder in sorted(reviews)])
    for (identity, coder), texts in memos.items():
        text = "\n\n".join(texts)
        old = store_sync.add_excerpt_memo(conn, ids[identity], coder, text, stamp)
        if old is None:
            result.memos_added += 1
        elif old.strip() != text:
            differ += 1
    if differ:
        plan.warn(f"{differ} memos differ from the ones already in the project; the project's "
                  "were kept")
    summary = {k: v for k, v in result.to_dict().items() if k != "warnings"}
    log_import(conn, result.coders, stamp, summary)


def _report_sync(plan: QdpxPlan, sync: SyncReport) -> None:
    plan.result.warnings.extend(sync.warnings)
    if sync.excerpts_orphaned:
        plan.result.warnings.append(
            f"{sync.excerpts_orphaned} excerpts changed or vanished since the last import; "
            f"{sync.codings_orphaned} codings on them are kept as orphaned")
