"""REFI-QDA exchange: QDC codebooks and QDPX projects, read and written as plain data.

The functions here convert between files and a small in-memory model (``Refi*``
dataclasses); they know nothing about the store. Offsets in the model are always
0-based, end-exclusive Unicode code points into the source's plain text (one leading
BOM removed). Readers return ``(result, warnings)``: warnings are one-line sentences
about quirks that were tolerated; files that cannot be read raise :class:`RefiError`.
Writers produce files that pass ``validate.py --strict`` and are byte-identical for
the same input.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import unicodedata
import uuid
import zipfile
import zlib
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path, PurePosixPath
from typing import IO, Any
from xml.etree import ElementTree as ET

from lxml import etree as LX

from ...errors import QcoderError
from ...export.atomic import ExportError, atomic_file, write_bytes
from ...project.formats.archive import inflation_problem, limits

CODEBOOK_NS = "urn:QDA-XML:codebook:1.0"
PROJECT_NS = "urn:QDA-XML:project:1.0"
XSI_NS = "http://www.w3.org/2001/XMLSchema-instance"
INTERNAL = "internal://"
# Fixed namespace of stable_guid(); changing it changes every exported GUID.
GUID_NAMESPACE = uuid.UUID("c38735f2-3b5d-59ce-b4b5-326040bb7f2f")
_NAMESPACE_BYTES = GUID_NAMESPACE.bytes
# The earliest date a zip entry can carry; a fixed stamp keeps exports byte-stable.
ZIP_EPOCH = (1980, 1, 1, 0, 0, 0)
# zlib level of the archive's entries: level 1 packs the XML and texts about 12% larger than
# the default 6 in less than half the time (benchmarks/bench_exports.py)
ZIP_LEVEL = 1
MAX_LISTED = 3

_GUID_RE = re.compile(
    r"^\{?([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12})\}?$"
)
_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{6}$")
_SHORT_COLOR_RE = re.compile(r"^#[0-9A-Fa-f]{3}$")
_XML_ILLEGAL = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")  # beyond the Basic Multilingual Plane
_OTHER_SOURCES = ("PDFSource", "PictureSource", "AudioSource", "VideoSource")


class RefiError(QcoderError):
    """A REFI-QDA file that cannot be read or a model that cannot be written."""


# --------------------------------------------------------------------------- model


@dataclass
class RefiUser:
    """A person who coded (a qcoder coder)."""

    guid: str
    name: str


@dataclass
class RefiCode:
    """A code; ``children`` nest to any depth. ``codable=False`` marks a folder code."""

    guid: str
    name: str
    description: str = ""
    color: str | None = None
    codable: bool = True
    children: list[RefiCode] = field(default_factory=list)


@dataclass
class RefiNote:
    """A memo (``<Note>``) with its author, if known."""

    guid: str
    text: str
    user_guid: str | None = None
    name: str = ""


@dataclass
class RefiCoding:
    """One code applied to a selection by one user; ``note`` is the coding memo."""

    code_guid: str
    user_guid: str
    note: str = ""


@dataclass
class RefiSelection:
    """A coded span of a text source, in code points (end exclusive)."""

    guid: str
    start: int
    end: int
    codings: list[RefiCoding] = field(default_factory=list)
    notes: list[RefiNote] = field(default_factory=list)


@dataclass
class RefiSource:
    """A text source (a qcoder document) with its plain text and selections."""

    guid: str
    name: str
    text: str
    selections: list[RefiSelection] = field(default_factory=list)


@dataclass
class RefiCase:
    """A case grouping sources (REFI ``<Case>`` with ``<SourceRef>``s)."""

    guid: str
    name: str
    description: str = ""
    source_guids: list[str] = field(default_factory=list)


@dataclass
class RefiProject:
    """A whole project. ``notes`` are memos not attached to a selection or coding."""

    name: str
    users: list[RefiUser] = field(default_factory=list)
    codes: list[RefiCode] = field(default_factory=list)
    sources: list[RefiSource] = field(default_factory=list)
    notes: list[RefiNote] = field(default_factory=list)
    cases: list[RefiCase] = field(default_factory=list)
    origin: str = field(default="", compare=False)  # the writing tool, as read


def iter_codes(codes: Iterable[RefiCode]) -> Iterator[tuple[RefiCode, RefiCode | None]]:
    """Every code with its parent (``None`` for roots), in pre-order."""
    stack: list[tuple[RefiCode, RefiCode | None]] = [(c, None) for c in codes][::-1]
    while stack:
        code, parent = stack.pop()
        yield code, parent
        stack.extend((child, code) for child in reversed(code.children))


# --------------------------------------------------------------------------- GUIDs


def stable_guid(*keys: object) -> str:
    """A GUID derived from ``keys`` (uuid5 over a fixed namespace), lowercase canonical form.

    The same keys always give the same GUID, so two exports of one project match. (This is
    ``str(uuid.uuid5(GUID_NAMESPACE, ...))`` without building a ``UUID`` for each one.)
    """
    name = "\x1f".join(map(str, keys)).encode("utf-8")
    digest = bytearray(hashlib.sha1(_NAMESPACE_BYTES + name).digest()[:16])
    digest[6] = (digest[6] & 0x0F) | 0x50  # version 5
    digest[8] = (digest[8] & 0x3F) | 0x80  # RFC 4122 variant
    h = digest.hex()
    return f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}"


@functools.lru_cache(maxsize=1 << 16)
def normalize_guid(value: str) -> str:
    """``{ABCDEF..}`` or ``ABCDEF..`` -> ``abcdef..``; raise :class:`RefiError` if not a GUID."""
    m = _GUID_RE.match(value.strip())
    if not m:
        raise RefiError(f"'{value}' is not a GUID (expected 8-4-4-4-12 hexadecimal digits)")
    return m.group(1).lower()


def code_guid(code_id: str, scope: str = "") -> str:
    """The export GUID of a codebook code id (see :func:`codes_from_codebook`)."""
    return stable_guid("code", scope, code_id)


# --------------------------------------------------------------------------- reading


class _Reader:
    """Collects warnings and structural problems while one file is read."""

    def __init__(self, label: str, kind: str) -> None:
        self.label = label
        self.kind = kind  # "codebook" or "project"
        self.warnings: list[str] = []
        self.problems: list[str] = []
        self.braced = 0
        self.uppercase = 0
        self.seen: dict[str, str] = {}

    def warn(self, message: str) -> None:
        self.warnings.append(f"{self.label}: {message}")

    def problem(self, message: str) -> None:
        self.problems.append(message)

    def fail_if_problems(self) -> None:
        if not self.problems:
            return
        listed = "; ".join(self.problems[:MAX_LISTED])
        more = (f" (and {len(self.problems) - MAX_LISTED} more)"
                if len(self.problems) > MAX_LISTED else "")
        raise RefiError(f"{self.label}: not a valid REFI-QDA {self.kind}: {listed}{more}; "
                        "export it again from the tool that wrote it")

    def guid(self, el: ET.Element, attr: str = "guid", register: bool = False) -> str | None:
        """The normalised GUID in ``attr`` (a problem when missing or malformed)."""
        raw = el.get(attr)
        if raw is None:
            self.problem(f"{_desc(el)} has no {attr}")
            return None
        m = _GUID_RE.match(raw.strip())
        if not m:
            self.problem(f"{_desc(el)} {attr}='{raw}' is not a GUID")
            return None
        if raw.strip().startswith("{"):
            self.braced += 1
        value = m.group(1)
        if value != value.lower():
            self.uppercase += 1
        value = value.lower()
        if register:
            if value in self.seen:
                self.problem(f"{_desc(el)} reuses guid {value} of a {self.seen[value]}")
            else:
                self.seen[value] = el.tag
        return value

    def ref(self, el: ET.Element, attr: str) -> str | None:
        """An optional GUID reference; malformed values are a problem."""
        if el.get(attr) is None:
            return None
        return self.guid(el, attr)

    def guid_warnings(self) -> None:
        if self.braced:
            self.warn(f"{self.braced} GUIDs are written in braces {{...}}; read without them")
        if self.uppercase:
            self.warn(f"{self.uppercase} GUIDs are written in uppercase; read as lowercase")

    def color(self, el: ET.Element) -> str | None:
        raw = el.get("color")
        if raw is None or not raw.strip():
            return None
        value = raw.strip()
        if _COLOR_RE.match(value):
            return value
        if _SHORT_COLOR_RE.match(value):
            return "#" + "".join(ch * 2 for ch in value[1:])
        self.warn(f"{_desc(el)} color='{raw}' is not #RRGGBB; colour dropped")
        return None


def _desc(el: ET.Element) -> str:
    for attr in ("name", "guid", "targetGUID"):
        if el.get(attr):
            return f"<{el.tag} {attr}='{el.get(attr)}'>"
    return f"<{el.tag}>"


def _text(el: ET.Element | None) -> str:
    return (el.text or "").strip() if el is not None else ""


def _bool(value: str | None, default: bool = True) -> bool:
    if value is None:
        return default
    v = value.strip().lower()
    if v in ("true", "1"):
        return True
    if v in ("false", "0"):
        return False
    return default


def _parse_xml(data: bytes, label: str, kind: str, reader: _Reader) -> ET.Element:
    """Parse, check the root element and namespace, and strip REFI namespaces from tags."""
    try:
        root = ET.fromstring(data)
    except ET.ParseError as exc:
        raise RefiError(f"{label}: not well-formed XML ({exc}); the file is damaged or "
                        "not a REFI-QDA file") from None
    expected_root = "CodeBook" if kind == "codebook" else "Project"
    ns, local = _split(root.tag)
    if local != expected_root:
        hint = {
            "Project": "it is a project; import it as .qdpx",
            "CodeBook": "it is a codebook; import it as .qdc",
        }.get(local, "it is not a REFI-QDA file")
        raise RefiError(f"{label}: root element is <{local}>, expected <{expected_root}>; {hint}")
    expected_ns = f"urn:QDA-XML:{kind}:1.0"
    if not ns:
        reader.warn(f"no XML namespace; read as '{expected_ns}'")
    elif ns != expected_ns:
        if not ns.lower().startswith(f"urn:qda-xml:{kind}:"):
            raise RefiError(f"{label}: namespace '{ns}' is not REFI-QDA (expected "
                            f"'{expected_ns}')")
        reader.warn(f"namespace '{ns}' read as '{expected_ns}'")
    location = root.get(f"{{{XSI_NS}}}schemaLocation", "").split()
    if location and location[0] != expected_ns and location[0].startswith("urn:QDA-XML:"):
        reader.warn(f"schemaLocation names '{location[0]}'; read as '{expected_ns}'")
    for el in root.iter():
        if isinstance(el.tag, str):
            el_ns, el_local = _split(el.tag)
            if el_ns == ns or el_ns.startswith("urn:QDA-XML:"):
                el.tag = el_local
    return root


def _split(tag: str) -> tuple[str, str]:
    if tag.startswith("{"):
        ns, _, local = tag[1:].partition("}")
        return ns, local
    return "", tag


#: Deepest code tree read (real codebooks stay under 10 levels; a crafted file goes 5,000).
MAX_CODE_DEPTH = 50


def _read_code(reader: _Reader, el: ET.Element, depth: int = 1) -> RefiCode | None:
    guid = reader.guid(el, register=True)
    name = el.get("name")
    if name is None:
        reader.problem(f"{_desc(el)} has no name")
    if depth > MAX_CODE_DEPTH:
        raise RefiError(f"{reader.label}: codes nested more than {MAX_CODE_DEPTH} levels deep "
                        f"(at {_desc(el)}); flatten the code tree in the other tool")
    children = [c for c in (_read_code(reader, child, depth + 1)
                            for child in el.findall("Code")) if c]
    if guid is None or name is None:
        return None
    return RefiCode(guid=guid, name=name, description=_text(el.find("Description")),
                    color=reader.color(el), codable=_bool(el.get("isCodable")),
                    children=children)


def _read_codes(reader: _Reader, parent: ET.Element | None) -> list[RefiCode]:
    codes_el = parent.find("Codes") if parent is not None else None
    if codes_el is None:
        return []
    codes = [c for c in (_read_code(reader, el) for el in codes_el.findall("Code")) if c]
    return _rebuild_backslash_hierarchy(reader, codes)


def _rebuild_backslash_hierarchy(reader: _Reader, codes: list[RefiCode]) -> list[RefiCode]:
    """Taguette writes a flat list with ``parent\\child`` names; nest it again."""
    if any(c.children for c in codes) or not any("\\" in c.name for c in codes):
        return codes
    by_path = {c.name: c for c in codes}
    roots: list[RefiCode] = []
    placed: set[int] = set()
    links = created = 0

    def attach(path: str, code: RefiCode) -> None:
        nonlocal links, created
        if id(code) in placed:
            return
        placed.add(id(code))
        parts = [p for p in path.split("\\") if p]
        if len(parts) <= 1:
            code.name = parts[0] if parts else code.name
            roots.append(code)
            return
        parent_path = "\\".join(parts[:-1])
        parent = by_path.get(parent_path)
        if parent is None:
            parent = RefiCode(guid=stable_guid("refi-folder", *parts[:-1]), name=parts[-2],
                              codable=False)
            by_path[parent_path] = parent
            created += 1
        attach(parent_path, parent)
        code.name = parts[-1]
        parent.children.append(code)
        links += 1

    for code in codes:
        attach(code.name, code)
    made = f"; created {created} missing parent codes" if created else ""
    reader.warn(f"code hierarchy is flattened into names with '\\' (as Taguette writes it); "
                f"rebuilt {links} parent-child links{made}")
    return roots


def _warn_sets(reader: _Reader, root: ET.Element) -> None:
    sets = root.find("Sets")
    if sets is None:
        return
    names = [s.get("name") or "?" for s in sets.findall("Set")]
    if not names:
        reader.warn("empty <Sets/> ignored (the schema forbids it; Taguette writes it)")
    else:
        listed = ", ".join(f"'{n}'" for n in names[:MAX_LISTED])
        more = f" and {len(names) - MAX_LISTED} more" if len(names) > MAX_LISTED else ""
        reader.warn(f"{len(names)} sets ignored (qcoder has no sets): {listed}{more}")


def parse_qdc(data: bytes, label: str = "codebook.qdc") -> tuple[list[RefiCode], list[str]]:
    """Read a QDC codebook from bytes; see :func:`read_qdc`."""
    if data[:4] == b"PK\x03\x04":
        raise RefiError(f"{label}: is a zip archive (a .qdpx project?), not a .qdc codebook; "
                        "import it as .qdpx")
    reader = _Reader(label, "codebook")
    root = _parse_xml(data, label, "codebook", reader)
    if root.find("Codes") is None:
        reader.problem("<CodeBook> has no <Codes>")
    codes = _read_codes(reader, root)
    reader.fail_if_problems()
    if not codes:
        reader.warn("the codebook holds no codes")
    _warn_sets(reader, root)
    reader.guid_warnings()
    return codes, reader.warnings


def read_qdc(path: str | Path) -> tuple[list[RefiCode], list[str]]:
    """Read a ``.qdc`` codebook: its code tree and warnings about tolerated quirks.

    Tolerated with a warning: the 0:4/1:0 namespaces, brace or uppercase GUIDs (normalised),
    an empty ``<Sets/>``, a hierarchy flattened into ``a\\b`` names (rebuilt), ``#RGB``
    colours. Raises :class:`RefiError` for malformed XML or missing required parts.
    """
    return parse_qdc(_read_bytes(path), str(path))


def _read_bytes(path: str | Path) -> bytes:
    try:
        return Path(path).read_bytes()
    except FileNotFoundError:
        raise RefiError(f"{path}: file not found; check the path") from None
    except OSError as exc:
        raise RefiError(f"{path}: cannot read ({exc.strerror or exc})") from None


# ------------------------------------------------------------------ project reading


class _Archive:
    """Read access to the entries of a .qdpx zip, tolerant of path quirks."""

    def __init__(self, zf: zipfile.ZipFile, label: str, reader: _Reader) -> None:
        self.zf = zf
        self.label = label
        self.reader = reader
        self.names = [i.filename for i in zf.infolist() if not i.is_dir()]
        self.lower = {}
        for n in self.names:
            self.lower.setdefault(n.lower(), n)
        self.base = ""
        self.bare = 0
        self.folder_case: set[str] = set()

    def find_project(self) -> str:
        if "project.qde" in self.names:
            return "project.qde"
        if "project.qde" in self.lower:
            found = self.lower["project.qde"]
            self.reader.warn(f"project XML is named '{found}'; read as 'project.qde'")
            return found
        top = [n for n in self.names if "/" not in n and n.lower().endswith(".qde")]
        nested = [n for n in self.names if n.lower().endswith("/project.qde")]
        if len(top) == 1:
            self.reader.warn(f"project XML is named '{top[0]}'; read as 'project.qde'")
            return top[0]
        if len(nested) == 1 and not top:
            self.base = nested[0][: -len("project.qde")]
            self.reader.warn(f"project is inside the folder '{self.base}' of the archive")
            return nested[0]
        if len(top) > 1:
            raise RefiError(f"{self.label}: several .qde files in the archive "
                            f"({', '.join(sorted(top))}); expected one project.qde")
        raise RefiError(f"{self.label}: no project.qde in the archive; is it a REFI-QDA "
                        "project (.qdpx) export?")

    def read(self, name: str) -> bytes:
        try:
            return self.zf.read(name)
        except (zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError, EOFError,
                OSError) as exc:
            raise RefiError(f"{self.label}: cannot read '{name}' from the archive ({exc}); "
                            "the file is damaged") from None

    def lookup(self, ref: str) -> tuple[str | None, str]:
        """Map a ``plainTextPath`` to an archive entry; scheme is internal/bare/external."""
        if ref.startswith(INTERNAL):
            rel, scheme = ref[len(INTERNAL):], "internal"
        elif re.match(r"^[A-Za-z][A-Za-z0-9+.-]*://", ref):
            return None, "external"
        else:
            rel, scheme = ref, "bare"
        rel = rel.replace("\\", "/").lstrip("/")
        for cand in (f"{self.base}sources/{rel}", f"{self.base}{rel}"):
            if cand in self.names:
                return cand, scheme
        for cand in (f"{self.base}sources/{rel}", f"{self.base}{rel}"):
            found = self.lower.get(cand.lower())
            if found is not None:
                self.folder_case.add(PurePosixPath(found).parent.name)
                return found, scheme
        return None, scheme

    def path_warnings(self) -> None:
        if self.bare:
            self.reader.warn(f"{self.bare} sources name their text file without 'internal://' "
                             "(older tools write bare names); read from sources/")
        for folder in sorted(self.folder_case):
            if folder != "sources":
                self.reader.warn(f"sources folder is named '{folder}'; read as 'sources'")


def _decode(reader: _Reader, data: bytes, where: str) -> str:
    """Plain text bytes -> str: UTF-8 (UTF-16 with a BOM tolerated), one BOM removed."""
    if data[:2] in (b"\xff\xfe", b"\xfe\xff"):
        reader.warn(f"{where} is UTF-16, not UTF-8; converted")
        text = data.decode("utf-16", errors="replace")
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            # Another reading would move every selection onto other text: refuse instead.
            line = data.count(b"\n", 0, exc.start) + 1
            raise RefiError(f"{reader.label}: {where} is not UTF-8 (byte "
                            f"0x{data[exc.start]:02x} on line {line}); its selections' offsets "
                            "cannot be trusted; export the project again as UTF-8") from None
    text = text[1:] if text.startswith("\ufeff") else text
    return _controls_made_safe(reader, text, where)


# C0 and C1 controls but tab, line breaks and DEL (harmless, shown as ␡): one U+FFFD each,
# so offsets stay valid.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0e-\x1f\x80-\x84\x86-\x9f]")


def _controls_made_safe(reader: _Reader, text: str, where: str) -> str:
    """Source text with NUL and other control characters replaced, said in a warning."""
    count = len(_CONTROLS.findall(text))
    if not count:
        return text
    reader.warn(f"{where} holds {count} control character(s) (NUL, ESC, …); each replaced by "
                "U+FFFD, offsets unchanged")
    return _CONTROLS.sub("\ufffd", text)


@dataclass
class _PendingSelection:
    selection: RefiSelection
    raw_start: int
    raw_end: int
    note_refs: list[str]
    coding_note_refs: list[tuple[RefiCoding, list[str]]]


class _ProjectReader:
    def __init__(self, reader: _Reader, archive: _Archive | None) -> None:
        self.r = reader
        self.archive = archive
        self.users: dict[str, RefiUser] = {}
        self.extra_users: dict[str, RefiUser] = {}
        self.undeclared = 0
        self.code_guids: set[str] = set()
        self.dangling_codes = 0
        self.missing_creator = 0
        self.duplicate_codings = 0
        self.empty: list[str] = []
        self.rich = 0
        self.source_codings = 0

    # users -------------------------------------------------------------------
    def read_users(self, root: ET.Element) -> None:
        users_el = root.find("Users")
        if users_el is None:
            return
        names_used: set[str] = set()
        renamed = id_as_guid = unnamed = 0
        for el in users_el.findall("User"):
            user_id = (el.get("id") or "").strip()
            guid_in_id = el.get("guid") is None and bool(_GUID_RE.match(user_id))
            guid = self.r.guid(el, "id" if guid_in_id else "guid", register=True)
            id_as_guid += guid_in_id
            if guid is None:
                continue
            name = (el.get("name") or "").strip()
            if not name:
                name = user_id if user_id and not guid_in_id else f"user-{guid[:8]}"
                unnamed += 1
            if name in names_used:
                name = f"{name} ({guid[:8]})"
                renamed += 1
            names_used.add(name)
            self.users[guid] = RefiUser(guid=guid, name=name)
        if id_as_guid:
            self.r.warn(f"{id_as_guid} <User> elements carry their GUID in 'id' instead of "
                        "'guid'; read from 'id'")
        if unnamed:
            self.r.warn(f"{unnamed} <User> elements have no name; named from 'id' or GUID")
        if renamed:
            self.r.warn(f"{renamed} users share a name with another user; their GUID was "
                        "added to tell them apart")

    def user(self, guid: str | None) -> str:
        """A user GUID that names a user: undeclared ones are added, a missing one is
        the only declared user or else a user named 'unknown'."""
        if guid is None:
            self.missing_creator += 1
            if len(self.users) == 1:
                return next(iter(self.users))
            guid = stable_guid("refi-unknown-user")
            self.extra_users.setdefault(guid, RefiUser(guid=guid, name="unknown"))
            return guid
        if guid not in self.users and guid not in self.extra_users:
            self.undeclared += 1
            self.extra_users[guid] = RefiUser(guid=guid, name=f"user-{guid[:8]}")
        return guid

    # sources -----------------------------------------------------------------
    def source_text(self, el: ET.Element, where: str) -> str:
        content = el.find("PlainTextContent")
        path = el.get("plainTextPath")
        if content is not None:
            if path:
                self.r.warn(f"{where} has both PlainTextContent and plainTextPath; "
                            "PlainTextContent used")
            text = content.text or ""
            text = text[1:] if text.startswith("\ufeff") else text
            return _controls_made_safe(self.r, text, where)
        if not path:
            self.r.warn(f"{where} has neither PlainTextContent nor plainTextPath; read as empty")
            return ""
        if self.archive is None:
            self.r.warn(f"{where} refers to '{path}' outside the project; read as empty")
            return ""
        entry, scheme = self.archive.lookup(path)
        if scheme == "external":
            self.r.warn(f"{where} refers to an external file '{path}'; read as empty")
            return ""
        if scheme == "bare":
            self.archive.bare += 1
        if entry is None:
            self.r.problem(f"{where}: plainTextPath '{path}' is not in the archive")
            return ""
        return _decode(self.r, self.archive.read(entry), f"{where} ({entry})")

    def read_codings(self, parent: ET.Element, fallback: str | None,
                     pending_notes: list[tuple[RefiCoding, list[str]]]) -> list[RefiCoding]:
        out: list[RefiCoding] = []
        seen: set[tuple[str, str]] = set()
        for el in parent.findall("Coding"):
            self.r.guid(el, register=True)
            user = self.user(self.r.ref(el, "creatingUser") or fallback)
            refs = el.findall("CodeRef")
            if len(refs) != 1:
                self.r.warn(f"{_desc(el)} holds {len(refs)} <CodeRef>s (the schema wants one); "
                            "one coding read per <CodeRef>")
            note_refs = [g for g in (self.r.guid(n, "targetGUID") for n in el.findall("NoteRef"))
                         if g]
            for ref in refs:
                code = self.r.guid(ref, "targetGUID")
                if code is None:
                    continue
                if code not in self.code_guids:
                    self.dangling_codes += 1
                    continue
                if (code, user) in seen:
                    self.duplicate_codings += 1
                    continue
                seen.add((code, user))
                coding = RefiCoding(code_guid=code, user_guid=user)
                out.append(coding)
                if note_refs:
                    pending_notes.append((coding, note_refs))
        return out

    def read_source(self, el: ET.Element, project_user: str | None,
                    pending: list[_PendingSelection]) -> RefiSource | None:
        guid = self.r.guid(el, register=True)
        path = el.get("plainTextPath") or ""
        name = (el.get("name") or "").strip() or PurePosixPath(
            path.replace("\\", "/")).stem or (guid or "")
        if guid is None:
            return None
        if el.get("richTextPath"):
            self.rich += 1
        text = self.source_text(el, f"source '{name}'")
        if not text.strip():
            self.empty.append(name)
        source = RefiSource(guid=guid, name=name, text=text)
        mine: list[_PendingSelection] = []
        for sel in el.findall("PlainTextSelection"):
            sguid = self.r.guid(sel, register=True)
            try:
                start = int(sel.get("startPosition", ""))
                end = int(sel.get("endPosition", ""))
            except ValueError:
                self.r.problem(f"{_desc(sel)} has no integer startPosition/endPosition")
                continue
            if sguid is None:
                continue
            creator = self.r.ref(sel, "creatingUser") or project_user
            coding_notes: list[tuple[RefiCoding, list[str]]] = []
            codings = self.read_codings(sel, creator, coding_notes)
            note_refs = [g for g in (self.r.guid(n, "targetGUID") for n in sel.findall("NoteRef"))
                         if g]
            selection = RefiSelection(guid=sguid, start=start, end=end, codings=codings)
            mine.append(_PendingSelection(selection, start, end, note_refs, coding_notes))
        if el.findall("Coding"):
            # Codings on the whole source: qcoder codes spans, so make one spanning the text.
            coding_notes = []
            codings = self.read_codings(el, project_user, coding_notes)
            self.source_codings += 1
            selection = RefiSelection(guid=stable_guid("refi-source-coding", guid), start=0,
                                      end=len(text), codings=codings)
            mine.append(_PendingSelection(selection, 0, len(text), [], coding_notes))
        source.selections = _place_selections(self.r, source, mine)
        pending.extend(mine)
        return source

    def read_notes(self, root: ET.Element) -> dict[str, RefiNote]:
        notes_el = root.find("Notes")
        out: dict[str, RefiNote] = {}
        if notes_el is None:
            return out
        for el in notes_el.findall("Note"):
            guid = self.r.guid(el, register=True)
            if guid is None:
                continue
            name = (el.get("name") or "").strip()
            text = self.source_text(el, f"note '{name or guid}'").strip()
            creator = self.r.ref(el, "creatingUser")
            if creator is not None:
                creator = self.user(creator)
            out[guid] = RefiNote(guid=guid, text=text, user_guid=creator, name=name)
        return out

    def read_cases(self, root: ET.Element, source_guids: set[str]) -> list[RefiCase]:
        cases_el = root.find("Cases")
        out: list[RefiCase] = []
        if cases_el is None:
            return out
        dropped = 0
        for el in cases_el.findall("Case"):
            guid = self.r.guid(el, register=True)
            refs = [g for g in (self.r.guid(s, "targetGUID") for s in el.findall("SourceRef"))
                    if g]
            kept = [g for g in refs if g in source_guids]
            dropped += len(refs) - len(kept)
            if guid is not None:
                out.append(RefiCase(guid=guid, name=(el.get("name") or "").strip() or guid,
                                    description=_text(el.find("Description")),
                                    source_guids=kept))
        if dropped:
            self.r.warn(f"{dropped} case members are not text sources; left out of their cases")
        return out


def _place_selections(reader: _Reader, source: RefiSource,
                      pending: list[_PendingSelection]) -> list[RefiSelection]:
    """Convert offsets to code points, choosing how the writing tool counted."""
    spans = [(p.raw_start, p.raw_end) for p in pending]
    reading, converted = resolve_offsets(source.text, spans)
    if reading != "code points":
        reader.warn(f"source '{source.name}': offsets are counted in {reading}; "
                    "converted to code points")
    kept: list[RefiSelection] = []
    bad: list[str] = []
    for p, span in zip(pending, converted, strict=True):
        if span is None:
            bad.append(f"{p.selection.guid} ({p.raw_start}-{p.raw_end})")
            continue
        p.selection.start, p.selection.end = span
        kept.append(p.selection)
    if bad:
        more = f" and {len(bad) - MAX_LISTED} more" if len(bad) > MAX_LISTED else ""
        reader.warn(f"source '{source.name}': {len(bad)} selections fall outside its text "
                    f"({len(source.text)} characters) and were left out: "
                    f"{', '.join(bad[:MAX_LISTED])}{more}")
    return kept


_READINGS = (
    ("code points", False, False),
    ("UTF-16 code units (as NVivo for Windows writes them)", True, False),
    ("characters with CRLF line ends as one", False, True),
    ("UTF-16 code units with CRLF line ends as one", True, True),
)


def _unit_map(text: str, utf16: bool, crlf: bool) -> list[int | None]:
    """Position in the tool's units -> code point index (``None``: inside a pair)."""
    out: list[int | None] = []
    i, n = 0, len(text)
    while i < n:
        out.append(i)
        if crlf and text[i] == "\r" and i + 1 < n and text[i + 1] == "\n":
            i += 2
            continue
        if utf16 and ord(text[i]) > 0xFFFF:
            out.append(None)
        i += 1
    out.append(n)
    return out


def _in_word(ch: str) -> bool:
    """A letter or digit of a script that separates words with spaces.

    Boundaries between CJK or Thai characters are normal, so they do not count.
    """
    if not ch.isalnum():
        return False
    code = ord(ch)
    if 0x0E00 <= code <= 0x109F or 0x1780 <= code <= 0x17FF:  # Thai, Lao, Tibetan, Myanmar, Khmer
        return False
    return unicodedata.east_asian_width(ch) not in ("W", "F")


def _splits(text: str, pos: int) -> bool:
    """True if a boundary at ``pos`` cuts a word or a CRLF pair."""
    if pos <= 0 or pos >= len(text):
        return False
    before, after = text[pos - 1], text[pos]
    return (_in_word(before) and _in_word(after)) or (before == "\r" and after == "\n")


def resolve_offsets(text: str, spans: list[tuple[int, int]]
                    ) -> tuple[str, list[tuple[int, int] | None]]:
    """Choose how ``spans`` count positions in ``text`` and convert them to code points.

    Tries code points first, then UTF-16 code units and/or CRLF-as-one readings when the
    text holds characters beyond the Basic Multilingual Plane or CRLF line ends. The
    reading with the fewest spans outside the text (or inside a surrogate pair), then
    the fewest word-splitting boundaries, wins; code points win ties. Returns the name
    of the reading and one ``(start, end)`` per span, ``None`` where it does not fit.
    """
    has_astral = _ASTRAL.search(text) is not None
    has_crlf = "\r\n" in text
    best: tuple[tuple[int, int], str, list[tuple[int, int] | None]] | None = None
    for name, utf16, crlf in _READINGS:
        if (utf16 and not has_astral) or (crlf and not has_crlf):
            continue
        mapping = _unit_map(text, utf16, crlf) if (utf16 or crlf) else None
        converted: list[tuple[int, int] | None] = []
        bad = splits = 0
        for start, end in spans:
            if mapping is None:
                ok = 0 <= start <= end <= len(text)
                span = (start, end) if ok else None
            else:
                ok = 0 <= start <= end < len(mapping)
                s = mapping[start] if ok else None
                e = mapping[end] if ok else None
                span = (s, e) if s is not None and e is not None else None
            if span is None:
                bad += 1
            else:
                splits += _splits(text, span[0]) + _splits(text, span[1])
            converted.append(span)
        score = (bad, splits)
        if best is None or score < best[0]:
            best = (score, name, converted)
        if score == (0, 0):
            break
    assert best is not None
    return best[1], best[2]


def _bare_qde(data: bytes) -> bool:
    """A project.qde on its own (some tools write the XML unzipped)."""
    head = data[:512].lstrip(b"\xef\xbb\xbf \t\r\n")
    return head.startswith((b"<?xml", b"<Project", b"<project"))


def _find_qde(reader: _Reader, data: bytes, label: str) -> tuple[_Archive, ET.Element]:
    if _bare_qde(data):
        cap, _ = limits()
        if len(data) > cap:
            raise RefiError(f"{label}: {len(data) / 1e6:.1f} MB of project XML, more than the "
                            f"{cap / 1e6:.1f} MB qcoder reads (QCODER_MAX_INFLATED_MB raises "
                            "it)")
        reader.warn("a bare project.qde (not zipped): read with the sources its XML holds")
        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w", zipfile.ZIP_STORED) as zf:
            zf.writestr("project.qde", data)
        data = buffer.getvalue()
    try:
        zf = zipfile.ZipFile(io.BytesIO(data))
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError) as exc:
        raise RefiError(f"{label}: not a zip archive ({exc}); a .qdpx file is a zip "
                        "holding project.qde") from None
    problem = inflation_problem(zf, len(data))
    if problem:
        raise RefiError(f"{label}: {problem}; nothing was imported") from None
    archive = _Archive(zf, label, reader)
    qde = archive.find_project()
    root = _parse_xml(archive.read(qde), f"{label}: {qde}", "project", reader)
    return archive, root


def parse_qdpx(data: bytes, label: str = "project.qdpx") -> tuple[RefiProject, list[str]]:
    """Read a QDPX project from bytes; see :func:`read_qdpx`."""
    reader = _Reader(label, "project")
    archive, root = _find_qde(reader, data, label)
    with archive.zf:
        return _read_project(reader, root, archive, label)


def _read_project(reader: _Reader, root: ET.Element, archive: _Archive | None,
                  label: str) -> tuple[RefiProject, list[str]]:
    pr = _ProjectReader(reader, archive)
    pr.read_users(root)
    codes = _read_codes(reader, root.find("CodeBook"))
    pr.code_guids = {c.guid for c, _ in iter_codes(codes)}
    project_user = reader.ref(root, "creatingUserGUID")
    sources: list[RefiSource] = []
    pending: list[_PendingSelection] = []
    skipped: dict[str, int] = {}
    sources_el = root.find("Sources")
    for el in sources_el if sources_el is not None else []:
        if el.tag == "TextSource":
            source = pr.read_source(el, project_user, pending)
            if source is not None:
                sources.append(source)
        elif el.tag in _OTHER_SOURCES:
            reader.guid(el, register=True)
            skipped[el.tag] = skipped.get(el.tag, 0) + 1
    notes = pr.read_notes(root)
    cases = pr.read_cases(root, {s.guid for s in sources})
    reader.fail_if_problems()

    attached: set[str] = set()
    missing_notes = 0
    for p in pending:
        for ref in p.note_refs:
            if ref in notes:
                p.selection.notes.append(notes[ref])
                attached.add(ref)
            else:
                missing_notes += 1
        for coding, refs in p.coding_note_refs:
            texts = []
            for ref in refs:
                if ref in notes:
                    texts.append(notes[ref].text)
                    attached.add(ref)
                else:
                    missing_notes += 1
            coding.note = "\n\n".join(t for t in texts if t)
    users = [*pr.users.values(), *pr.extra_users.values()]
    project = RefiProject(
        name=(root.get("name") or "").strip() or Path(label).stem,
        users=users, codes=codes, sources=sources,
        notes=[n for g, n in notes.items() if g not in attached],
        cases=cases, origin=root.get("origin") or "",
    )

    if skipped:
        kinds = ", ".join(f"{n} {k}" for k, n in sorted(skipped.items()))
        reader.warn(f"skipped {kinds} (qcoder imports text sources only)")
    if pr.empty:
        listed = ", ".join(f"'{n}'" for n in pr.empty[:MAX_LISTED])
        more = f" and {len(pr.empty) - MAX_LISTED} more" if len(pr.empty) > MAX_LISTED else ""
        reader.warn(f"{len(pr.empty)} sources have no text: {listed}{more}")
    if pr.rich:
        reader.warn(f"{pr.rich} sources also carry a rich-text file (richTextPath); "
                    "their plain text is imported")
    if pr.source_codings:
        reader.warn(f"{pr.source_codings} sources are coded as a whole; each became one "
                    "selection spanning its text")
    if pr.dangling_codes:
        reader.warn(f"{pr.dangling_codes} codings refer to codes not in the codebook; "
                    "left out")
    if pr.duplicate_codings:
        reader.warn(f"{pr.duplicate_codings} codings repeat a code by the same user on "
                    "the same selection; read once")
    if pr.missing_creator:
        who = users[0].name if len(pr.users) == 1 else "unknown"
        reader.warn(f"{pr.missing_creator} codings name no creatingUser; attributed to '{who}'")
    if pr.undeclared:
        added = [u.name for u in pr.extra_users.values() if u.name != "unknown"]
        reader.warn(f"{pr.undeclared} users are referred to but not declared in <Users>; "
                    "added as " + ", ".join(f"'{n}'" for n in added[:MAX_LISTED]))
    if missing_notes:
        reader.warn(f"{missing_notes} <NoteRef>s point to no <Note>; ignored")
    if codes and sources and not any(sel.codings for s in sources for sel in s.selections):
        reader.warn("the project holds no codings; only codes and sources were imported")
    if archive is not None:
        archive.path_warnings()
    _warn_sets(reader, root)
    ignored = [f"{len(el)} {tag.lower()}" for tag in ("Variables", "Links", "Graphs")
               if (el := root.find(tag)) is not None and len(el)]
    if ignored:
        reader.warn(f"ignored {', '.join(ignored)} (qcoder does not import them)")
    reader.guid_warnings()
    return project, reader.warnings


def read_qdpx(path: str | Path) -> tuple[RefiProject, list[str]]:
    """Read a ``.qdpx`` project: users, codes, text sources with selections, notes, cases.

    Selection offsets come back in code points; offsets counted in UTF-16 code units or
    with CRLF as one character are detected, converted and reported in a warning.
    Tolerated with a warning: bare or ``Sources/`` text paths, brace/uppercase GUIDs, old
    namespaces, empty documents, users without a name, codings without a user, empty
    ``<Sets/>``; PDF/picture/audio/video sources are skipped. Raises :class:`RefiError`
    for a malformed zip, a missing project.qde, malformed XML or structural problems.
    """
    return parse_qdpx(_read_bytes(path), str(path))


# --------------------------------------------------------------------------- writing


def _clean(value: str) -> str:
    """Text safe for XML 1.0 (illegal control characters dropped, CR/LF normalised)."""
    if value.isascii() and value.isprintable():  # GUIDs, numbers, most names
        return value
    return _XML_ILLEGAL.sub("", value.replace("\r\n", "\n").replace("\r", "\n"))


def _sub(parent: Any, tag: str, **attrib: str | None) -> Any:
    return LX.SubElement(parent, tag, {k: _clean(v) for k, v in attrib.items() if v is not None})


def _text_el(parent: Any, tag: str, text: str) -> Any:
    el = LX.SubElement(parent, tag)
    el.text = _clean(text)
    return el


def _color(value: str | None) -> str | None:
    if not value:
        return None
    value = value.strip()
    if _COLOR_RE.match(value):
        return value
    if _SHORT_COLOR_RE.match(value):
        return "#" + "".join(ch * 2 for ch in value[1:])
    return None


def _serialize(root: Any) -> bytes:
    """The document (lxml, which writes it in C), indented by two spaces."""
    LX.indent(root, space="  ")
    return LX.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n"


def _code_elements(parent: Any, codes: list[RefiCode], seen: set[str]) -> None:
    for code in codes:
        guid = normalize_guid(code.guid)
        if guid in seen:
            raise RefiError(f"code '{code.name}': GUID {guid} is used twice")
        seen.add(guid)
        el = _sub(parent, "Code", guid=guid, name=code.name,
                  isCodable="true" if code.codable else "false", color=_color(code.color))
        if code.description.strip():
            _text_el(el, "Description", code.description)
        _code_elements(el, code.children, seen)


def dump_qdc(codes: list[RefiCode], origin: str = "qcoder") -> bytes:
    """The bytes of a ``.qdc`` codebook holding ``codes`` (see :func:`write_qdc`)."""
    if not codes:
        raise RefiError("cannot write a .qdc codebook without codes")
    root = LX.Element("CodeBook", {"origin": _clean(origin)}, nsmap={None: CODEBOOK_NS})
    _code_elements(LX.SubElement(root, "Codes"), codes, set())
    return _serialize(root)


def write_qdc(codes: list[RefiCode], path: str | Path, origin: str = "qcoder") -> None:
    """Write a ``.qdc`` codebook (REFI-QDA Codebook 1.0) that passes strict validation."""
    _write_bytes(path, dump_qdc(codes, origin))


def _datetime(value: datetime | str) -> str:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            raise RefiError(f"creation time '{value}' is not an ISO 8601 date-time") from None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class _ProjectWriter:
    """Writes ``project.qde``: the small parts are built and serialised by lxml; the sources,
    which hold nearly all of it, are written as text in the same layout (their attributes
    are GUIDs and numbers, which need no escaping), one source at a time."""

    def __init__(self, project: RefiProject,
                 progress: Callable[[int, int], None] | None = None) -> None:
        self.project = project
        self.progress = progress
        self.users = {normalize_guid(u.guid) for u in project.users}
        self.codes = {normalize_guid(c.guid) for c, _ in iter_codes(project.codes)}
        self.guids: set[str] = set()
        self.notes: dict[str, tuple[RefiNote, str | None]] = {}
        self._user_refs: dict[str, str] = {}  # a coding's user GUID as given → normalised
        self._code_refs: dict[str, str] = {}

    def unique(self, guid: str, what: str) -> str:
        g = normalize_guid(guid)
        if g in self.guids:
            raise RefiError(f"{what}: GUID {g} is used twice")
        self.guids.add(g)
        return g

    def user_ref(self, guid: str | None, what: str) -> str | None:
        if guid is None:
            return None
        g = normalize_guid(guid)
        if g not in self.users:
            raise RefiError(f"{what}: user {g} is not among the project's users")
        return g

    def note(self, note: RefiNote, user: str | None = None) -> str:
        g = normalize_guid(note.guid)
        self.notes.setdefault(g, (note, user))
        return g

    def write(self, out: IO[bytes], origin: str, created: datetime | str | None) -> None:
        """The whole ``project.qde`` into ``out``, each source as soon as it is made."""
        p = self.project
        root = self._root(origin, created)
        if p.users:
            users = _sub(root, "Users")
            for u in p.users:
                _sub(users, "User", guid=self.unique(u.guid, f"user '{u.name}'"), name=u.name)
        if p.codes:
            seen: set[str] = set()
            _code_elements(_sub(_sub(root, "CodeBook"), "Codes"), p.codes, seen)
            for g in seen:
                self.unique(g, "code")
        project_notes = [self.note(n, self.user_ref(n.user_guid, f"note {n.guid}"))
                         for n in p.notes]
        source_guids = {normalize_guid(s.guid) for s in p.sources}
        if p.cases:
            cases = _sub(root, "Cases")
            for case in p.cases:
                el = _sub(cases, "Case", guid=self.unique(case.guid, f"case '{case.name}'"),
                          name=case.name)
                if case.description.strip():
                    _text_el(el, "Description", case.description)
                for sg in case.source_guids:
                    if normalize_guid(sg) not in source_guids:
                        raise RefiError(f"case '{case.name}': source {sg} is not in the project")
                    _sub(el, "SourceRef", targetGUID=normalize_guid(sg))
        if p.sources:
            # What comes before the sources, then each source, then what comes after: one
            # document with lxml's layout (``<`` in text and attributes is always escaped,
            # so the empty place holder ``<Sources/>`` is where the sources go).
            LX.SubElement(root, "Sources")
            out.write(_serialize(root).split(b"<Sources/>", 1)[0] + b"<Sources>\n")
            for done, s in enumerate(p.sources, 1):
                out.write(self.source(s).encode("utf-8"))
                if self.progress:
                    self.progress(done, len(p.sources))
            root = self._root(origin, created)
            LX.SubElement(root, "Sources")
        if self.notes:
            notes = _sub(root, "Notes")
            for g, (note, user) in self.notes.items():
                self.unique(g, "note")
                el = _sub(notes, "Note", guid=g, name=note.name or None, creatingUser=user)
                _text_el(el, "PlainTextContent", note.text)
        for g in project_notes:
            _sub(root, "NoteRef", targetGUID=g)
        document = _serialize(root)
        out.write(b"  </Sources>" + document.split(b"<Sources/>", 1)[1] if p.sources
                  else document)

    def _root(self, origin: str, created: datetime | str | None) -> Any:
        root = LX.Element("Project", {"name": _clean(self.project.name),
                                      "origin": _clean(origin)}, nsmap={None: PROJECT_NS})
        if created is not None:
            root.set("creationDateTime", _datetime(created))
        return root

    def source(self, s: RefiSource) -> str:
        """Check ``s``; its ``<TextSource>`` element, indented as in the document."""
        guid = self.unique(s.guid, f"source '{s.name}'")
        el = _sub(LX.Element("Sources"), "TextSource", guid=guid, name=s.name or None,
                  plainTextPath=f"{INTERNAL}{guid}.txt")
        tag = LX.tostring(el, encoding="unicode")
        if not s.selections:
            return f"    {tag}\n"
        lines = [f"    {tag[:-2]}>\n"]
        add = lines.append
        users, codes, used = self._user_refs, self._code_refs, self.guids
        length = len(s.text)
        for sel in sorted(s.selections, key=lambda x: (x.start, x.end, normalize_guid(x.guid))):
            if not 0 <= sel.start <= sel.end <= length:
                raise RefiError(f"selection {sel.guid} of source '{s.name}': offsets "
                                f"{sel.start}-{sel.end} are outside its text ({length} "
                                "characters)")
            sguid = self.unique(sel.guid, f"selection {sel.guid} of source '{s.name}'")
            opening = (f'      <PlainTextSelection guid="{sguid}" startPosition="{sel.start}" '
                       f'endPosition="{sel.end}"')
            if not sel.codings and not sel.notes:
                add(opening + "/>\n")
                continue
            add(opening + ">\n")
            keyed = []
            for c in sel.codings:
                user = users.get(c.user_guid) or self._user(c.user_guid, sel, s)
                code = codes.get(c.code_guid) or self._code(c.code_guid, sel, s)
                keyed.append((user, code, c.note))
            keyed.sort(key=lambda k: (k[0], k[1]))
            written: set[tuple[str, str]] = set()
            for user, code, note in keyed:
                if (code, user) in written:
                    continue
                written.add((code, user))
                cguid = stable_guid("coding", sguid, code, user)  # canonical already
                if cguid in used:
                    raise RefiError(f"selection {sel.guid} of source '{s.name}': GUID {cguid} "
                                    "is used twice")
                used.add(cguid)
                add(f'        <Coding guid="{cguid}" creatingUser="{user}">\n'
                    f'          <CodeRef targetGUID="{code}"/>\n')
                if note.strip():
                    ref = self.note(RefiNote(guid=stable_guid("coding-note", cguid), text=note),
                                    user)
                    add(f'          <NoteRef targetGUID="{ref}"/>\n')
                add("        </Coding>\n")
            for n in sel.notes:
                ref = self.note(n, self.user_ref(n.user_guid, f"selection {sel.guid} of "
                                                              f"source '{s.name}'"))
                add(f'        <NoteRef targetGUID="{ref}"/>\n')
            add("      </PlainTextSelection>\n")
        add("    </TextSource>\n")
        return "".join(lines)

    def _user(self, guid: str, sel: RefiSelection, s: RefiSource) -> str:
        user = self.user_ref(guid, f"selection {sel.guid} of source '{s.name}'")
        assert user is not None
        self._user_refs[guid] = user
        return user

    def _code(self, guid: str, sel: RefiSelection, s: RefiSource) -> str:
        code = normalize_guid(guid)
        if code not in self.codes:
            raise RefiError(f"selection {sel.guid} of source '{s.name}': code {code} is not "
                            "in the codebook")
        self._code_refs[guid] = code
        return code


def source_entries(project: RefiProject) -> dict[str, bytes]:
    """The ``sources/<guid>.txt`` archive entries of ``project`` (UTF-8, no BOM)."""
    return {f"sources/{normalize_guid(s.guid)}.txt": s.text.encode("utf-8", "replace")
            for s in project.sources}


def _entry(name: str) -> zipfile.ZipInfo:
    info = zipfile.ZipInfo(name, date_time=ZIP_EPOCH)
    info.compress_type = zipfile.ZIP_DEFLATED
    # an entry's own level (the archive's applies only to entries named by a string); the
    # attribute's name up to Python 3.12, an alias of ``compress_level`` since 3.13
    info._compresslevel = ZIP_LEVEL  # type: ignore[attr-defined]
    info.create_system = 3  # unix; the default depends on the platform
    info.external_attr = 0o644 << 16
    return info


def _write_archive(out: IO[bytes], project: RefiProject, origin: str,
                   created: datetime | str | None,
                   progress: Callable[[int, int], None] | None) -> None:
    """The ``.qdpx`` archive into ``out`` (seekable), ``project.qde`` written as it is made."""
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        with zf.open(_entry("project.qde"), "w", force_zip64=_may_be_large(project)) as entry:
            _ProjectWriter(project, progress).write(entry, origin, created)
        for name, data in sorted(source_entries(project).items()):
            zf.writestr(_entry(name), data)


def _may_be_large(project: RefiProject) -> bool:
    """Whether ``project.qde`` could pass the 4 GiB a plain zip entry holds (its entry then
    needs ZIP64 from the start): a generous bound of its size, from what it holds."""
    size = sum(len(n.text) for n in project.notes)
    for s in project.sources:
        for sel in s.selections:
            size += 512 * (1 + len(sel.codings) + len(sel.notes))
            size += sum(len(c.note) for c in sel.codings) + sum(len(n.text) for n in sel.notes)
    return 6 * size > zipfile.ZIP64_LIMIT  # every character escaped at worst (``&quot;``)


def dump_qdpx(project: RefiProject, origin: str = "qcoder",
              created: datetime | str | None = None,
              progress: Callable[[int, int], None] | None = None) -> bytes:
    """The bytes of a ``.qdpx`` archive for ``project`` (see :func:`write_qdpx`);
    ``progress(done, total)`` is called after each source."""
    buf = io.BytesIO()
    _write_archive(buf, project, origin, created, progress)
    return buf.getvalue()


def write_qdpx(project: RefiProject, path: str | Path, origin: str = "qcoder",
               created: datetime | str | None = None,
               progress: Callable[[int, int], None] | None = None) -> None:
    """Write a ``.qdpx`` project (REFI-QDA Project 1.0) that passes strict validation.

    Sources are stored as ``sources/<guid>.txt``; selections are sorted by offsets,
    codings by user and code; each coding holds one ``<CodeRef>`` and names its user;
    memos become ``<Note>``s. ``created`` (if given) becomes ``creationDateTime``.
    Raises :class:`RefiError` if the model is inconsistent (unknown code or user, offsets
    outside the text, a GUID used twice), and then leaves ``path`` as it was.
    ``progress(done, total)``: after each source.
    """
    try:
        with atomic_file(path) as fh:
            _write_archive(fh, project, origin, created, progress)
    except ExportError as exc:
        raise RefiError(str(exc)) from None


def _write_bytes(path: str | Path, data: bytes) -> None:
    try:
        write_bytes(path, data)
    except ExportError as exc:
        raise RefiError(str(exc)) from None


# ------------------------------------------------------------- codebook conversion


def codes_from_codebook(codebook: Any, scope: str = "") -> list[RefiCode]:
    """REFI codes for a qcoder codebook: name = label, description = definition.

    GUIDs are :func:`code_guid` of the code id (and ``scope``), so they are stable.
    """
    codes = codebook.codes

    def build(code_id: str) -> RefiCode:
        code = codes[code_id]
        return RefiCode(guid=code_guid(code.id, scope), name=code.label or code.id,
                        description=code.definition or "", color=_color(code.color),
                        codable=True, children=[build(c) for c in code.children])

    return [build(c.id) for c in codes.values() if c.parent is None]


def _slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    slug = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    if len(slug) > 48:
        slug = slug[:48].rsplit("-", 1)[0] if "-" in slug[:48] else slug[:48]
    return slug or "code"


def code_ids(codes: list[RefiCode]) -> dict[str, str]:
    """Codebook ids for REFI codes: GUID -> unique slug of the name (``a-z0-9-``).

    A name already taken gets its parent's id as prefix, then a number.
    """
    ids: dict[str, str] = {}
    used: set[str] = set()
    for code, parent in iter_codes(codes):
        slug = _slug(code.name)
        candidate = slug
        if candidate in used and parent is not None:
            candidate = f"{ids[parent.guid]}-{slug}"
        n = 2
        base = candidate
        while candidate in used:
            candidate = f"{base}-{n}"
            n += 1
        used.add(candidate)
        ids[code.guid] = candidate
    return ids


def codebook_dict_from_codes(codes: list[RefiCode], name: str,
                             description: str = "") -> dict[str, Any]:
    """The YAML codebook structure (as in ``qcoder/codebook.py``) for REFI codes.

    Ids come from :func:`code_ids`; use the same mapping to attach imported codings.
    """
    ids = code_ids(codes)

    def one(code: RefiCode) -> dict[str, Any]:
        out: dict[str, Any] = {"id": ids[code.guid], "label": code.name.strip() or ids[code.guid]}
        if code.description.strip():
            out["definition"] = code.description.strip()
        color = _color(code.color)
        if color:
            out["color"] = color
        if code.children:
            out["codes"] = [one(c) for c in code.children]
        return out

    data: dict[str, Any] = {"name": name, "version": 1}
    if description:
        data["description"] = description
    data["codes"] = [one(c) for c in codes]
    return data
