"""Codes from REFI-QDA files in the YAML codebook: ids, matching, new and extended codebooks."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ...errors import CodebookError, QcoderError
from ...project.codebook import Code, Codebook, dump_yaml, lint_text, version_value
from .qdpx import RefiCode, code_guid, code_ids, iter_codes

MAX_LISTED = 5
# Fields of a qcoder code that REFI-QDA cannot carry; they come back from the project note.
_EXTRAS = ("include", "exclude", "examples", "key", "exclusive")


def slug(name: str, allowed: str = "a-z0-9-", fallback: str = "code", size: int = 48) -> str:
    """Lowercase ASCII ``name`` with runs of other characters turned into '-'."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    out = re.sub(f"[^{allowed}]+", "-", ascii_name.lower()).strip("-_")
    return out[:size].rstrip("-_") or fallback


def unique(candidate: str, used: set[str]) -> str:
    """``candidate``, or ``candidate-2``, ``-3``... whichever is not in ``used`` (added)."""
    value, n = candidate, 2
    while value in used:
        value = f"{candidate}-{n}"
        n += 1
    used.add(value)
    return value


@dataclass
class CodePlan:
    """How the file's codes land in the project: GUID -> code id, and codebook changes."""

    ids: dict[str, str] = field(default_factory=dict)
    added: list[str] = field(default_factory=list)
    text: str | None = None  # new YAML text for ``path`` (None: the codebook stays as it is)
    path: Path | None = None
    original: bytes | None = None  # what ``text`` replaces (None: a new file)
    codebook: Codebook | None = None  # the codebook after the change
    warnings: list[str] = field(default_factory=list)


def note_ids(codes: list[RefiCode], book: Codebook | None) -> dict[str, str]:
    """GUID -> id for the codes a qcoder export derived from the ids of ``book``."""
    if book is None:
        return {}
    guids = {c.guid for c, _ in iter_codes(codes)}
    return {code_guid(c.id): c.id for c in book if code_guid(c.id) in guids}


def _assign_ids(codes: list[RefiCode], known: dict[str, str], used: set[str],
                wanted: set[str] | None = None) -> dict[str, str]:
    """Ids for ``wanted`` codes (default: all): the known one, else a unique slug."""
    slugs = code_ids(codes)
    out: dict[str, str] = {}
    used.update(known.values())
    for code, _ in iter_codes(codes):
        if wanted is not None and code.guid not in wanted:
            continue
        out[code.guid] = known.get(code.guid) or unique(slugs[code.guid], used)
    return out


def _code_dict(code: RefiCode, ids: dict[str, str], extras: Codebook | None,
               wanted: set[str] | None, taken_keys: set[str]) -> dict[str, Any]:
    cid = ids[code.guid]
    out: dict[str, Any] = {"id": cid, "label": " ".join(code.name.split()) or cid}
    if code.description.strip():
        out["definition"] = code.description.strip()
    children = [c for c in code.children if wanted is None or c.guid in wanted]
    source: Code | None = extras.codes.get(cid) if extras is not None else None
    if source is not None:
        if not out.get("definition") and source.definition:
            out["definition"] = source.definition
        for name in _EXTRAS:
            value = getattr(source, name)
            if name == "examples":
                value = list(value)
            if name == "key" and value in taken_keys:
                continue
            if name == "exclusive" and not children:
                continue
            if value:
                out[name] = value
                if name == "key":
                    taken_keys.add(value)
    if code.color:
        out["color"] = code.color
    if children:
        out["codes"] = [_code_dict(c, ids, extras, wanted, taken_keys) for c in children]
    return out


def new_codebook(codes: list[RefiCode], name: str, path: Path,
                 extras: Codebook | None = None) -> CodePlan:
    """A codebook for a project that has none: every code, ids from ``extras`` or names."""
    if not codes:
        raise QcoderError(f"{path}: the file holds no codes and the project has no codebook; "
                          "add a codebook to codebooks/ first")
    ids = _assign_ids(codes, note_ids(codes, extras), set())
    data: dict[str, Any] = {"name": (extras.name if extras else "") or name,
                            "version": version_value((extras.version if extras else "") or 1)}
    if extras is not None and extras.description:
        data["description"] = extras.description
    data["codes"] = [_code_dict(c, ids, extras, None, set()) for c in codes]
    text = dump_yaml(data)
    plan = CodePlan(ids=ids, added=list(ids.values()), text=text, path=path)
    plan.codebook = _checked(text, path)
    return plan


def _checked(text: str, path: Path) -> Codebook:
    book, problems = lint_text(text, path)
    blocking = [p for p in problems if p.blocking]
    if book is None or blocking:
        raise CodebookError(str(blocking[0] if blocking else problems[0]))
    return book


def _norm(label: str) -> str:
    return " ".join(label.split()).casefold()


def match_codes(codes: list[RefiCode], book: Codebook) -> tuple[dict[str, str], list[RefiCode]]:
    """Map the file's codes onto ``book``: by GUID (qcoder exports derive it from the id),
    else by the path of labels from the root. Returns the map and the codes left over."""
    by_guid = {code_guid(c.id): c.id for c in book}
    by_path: dict[tuple[str, ...], list[str]] = {}
    for c in book:
        by_path.setdefault(tuple(_norm(x) for x in book.path_labels(c.id)), []).append(c.id)
    paths: dict[str, tuple[str, ...]] = {}
    ids: dict[str, str] = {}
    taken: set[str] = set()
    missing: list[RefiCode] = []
    for code, parent in iter_codes(codes):
        path = (*(paths[parent.guid] if parent else ()), _norm(code.name))
        paths[code.guid] = path
        found = by_guid.get(code.guid)
        if found is None:
            found = next((i for i in by_path.get(path, []) if i not in taken), None)
        if found is None:
            missing.append(code)
        else:
            ids[code.guid] = found
            taken.add(found)
    return ids, missing


def describe(codes: list[RefiCode], listed: list[RefiCode]) -> str:
    """``'Parent > Child', ...`` for the first few of ``listed``."""
    parents = {c.guid: p for c, p in iter_codes(codes)}

    def path(code: RefiCode) -> str:
        names = [code.name]
        while (parent := parents.get(code.guid)) is not None:
            names.append(parent.name)
            code = parent
        return " > ".join(reversed(names))

    more = f" and {len(listed) - MAX_LISTED} more" if len(listed) > MAX_LISTED else ""
    return ", ".join(f"'{path(c)}'" for c in listed[:MAX_LISTED]) + more


def extend_codebook(codes: list[RefiCode], book: Codebook, path: Path, label: str,
                    add: bool, extras: Codebook | None = None) -> CodePlan:
    """Map the file's codes onto the project's codebook; missing codes are refused, or
    (``add``) appended at the end of its YAML, which keeps its comments and layout."""
    ids, missing = match_codes(codes, book)
    plan = CodePlan(ids=ids, path=path, codebook=book)
    if not missing:
        return plan
    wanted = {c.guid for c in missing}
    parents = {c.guid: p for c, p in iter_codes(codes)}
    roots = [c for c in missing if parents[c.guid] is None or parents[c.guid].guid not in wanted]
    if not add:
        below = len(missing) - len(roots)
        raise QcoderError(
            f"{path}: the codebook lacks {len(missing)} codes of {label}: "
            f"{describe(codes, roots)}{f' (with {below} codes below them)' if below else ''}; "
            f"add them by hand (see them as YAML with 'qcoder import qdc {label} --output "
            "codes-to-merge.yaml') or re-run with --add-codes to append them")
    new_ids = _assign_ids(codes, note_ids(codes, extras), set(book.codes), wanted)
    for code in roots:
        parent = parents[code.guid]
        if parent is not None:
            plan.warnings.append(f"{path}: code '{code.name}' (under '{parent.name}' in "
                                 f"{label}) was added at the top level; move it under "
                                 f"'{ids[parent.guid]}' by hand if it belongs there")
    keys = set(book.by_key())
    items = [_code_dict(c, new_ids, extras, wanted, keys) for c in roots]
    plan.original = path.read_bytes()
    text = _append(plan.original.decode("utf-8"), items, path)
    plan.codebook = _checked(text, path)
    if len(plan.codebook) != len(book) + len(new_ids):
        raise QcoderError(f"{path}: could not append the codes safely; add them by hand")
    plan.ids.update(new_ids)
    plan.added = list(new_ids.values())
    plan.text = text
    return plan


def _append(text: str, items: list[dict[str, Any]], path: Path) -> str:
    """``text`` with ``items`` added to the end of its top-level ``codes:`` list."""
    root = yaml.compose(text, Loader=yaml.SafeLoader)
    fields = root.value if isinstance(root, yaml.MappingNode) else []
    if not fields or fields[-1][0].value != "codes":
        raise QcoderError(f"{path}: 'codes:' is not the last field of the codebook, so new "
                          "codes cannot be appended; move it to the end, or add them by hand")
    seq = fields[-1][1]
    if not isinstance(seq, yaml.SequenceNode) or seq.flow_style or not seq.value:
        raise QcoderError(f"{path}: 'codes:' is not a block list ('- id: ...' lines); add "
                          "the codes by hand")
    first = seq.value[0].start_mark
    line = text.splitlines()[first.line]
    indent = line.rfind("-", 0, first.column)
    block = yaml.safe_dump(items, sort_keys=False, allow_unicode=True, width=100)
    lines = [(" " * indent + x) if x.strip() else x for x in block.splitlines()]
    return (text if text.endswith("\n") else text + "\n") + "\n".join(lines) + "\n"
