"""The YAML codebook: loading, linting (with file lines) and the code tree."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from ..errors import CodebookError, did_you_mean, located
from . import yaml_io

ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
TOP_FIELDS = ("name", "version", "description", "codes")
CODE_FIELDS = (
    "id", "label", "definition", "include", "exclude", "examples",
    "key", "exclusive", "color", "codes",
)
COLOR_PATTERN = re.compile(r"^#[0-9a-fA-F]{6}$")


@dataclass(frozen=True)
class Code:
    """One code of the codebook; ``children`` and ``parent`` are code ids."""

    id: str
    label: str
    definition: str = ""
    include: str = ""
    exclude: str = ""
    examples: tuple[str, ...] = ()
    key: str | None = None
    exclusive: bool = False
    color: str | None = None
    parent: str | None = None
    children: tuple[str, ...] = ()
    depth: int = 0
    line: int = 0


def definition_hash(code: Code) -> str:
    """A short hash of what a code means: its definition, include and exclude rules."""
    text = "\x1f".join((code.definition, code.include, code.exclude))
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


def codebook_stamps(codebook: Codebook) -> dict[str, tuple[str, str]]:
    """Code id → (codebook version, definition hash): what a coding of that code made now
    records (see :func:`definition_hash`)."""
    version = str(codebook.version) or "unknown"
    return {c.id: (version, definition_hash(c)) for c in codebook}


@dataclass
class Codebook:
    """A codebook: codes in document (pre-)order, keyed by id."""

    name: str
    version: str
    codes: dict[str, Code] = field(default_factory=dict)
    description: str = ""
    path: Path | None = None

    def __contains__(self, code_id: object) -> bool:
        return code_id in self.codes

    def __getitem__(self, code_id: str) -> Code:
        return self.codes[code_id]

    def __iter__(self) -> Iterator[Code]:
        return iter(self.codes.values())

    def __len__(self) -> int:
        return len(self.codes)

    def roots(self) -> list[Code]:
        return [c for c in self.codes.values() if c.parent is None]

    def children(self, code_id: str) -> list[Code]:
        return [self.codes[c] for c in self.codes[code_id].children]

    def descendants(self, code_id: str) -> list[str]:
        """Ids of every code below ``code_id``, in document order."""
        out: list[str] = []
        stack = list(reversed(self.codes[code_id].children))
        while stack:
            cid = stack.pop()
            out.append(cid)
            stack.extend(reversed(self.codes[cid].children))
        return out

    def ancestors(self, code_id: str) -> list[str]:
        """Ids from the root down to the parent of ``code_id``."""
        out: list[str] = []
        parent = self.codes[code_id].parent
        while parent is not None:
            out.append(parent)
            parent = self.codes[parent].parent
        return out[::-1]

    def path_labels(self, code_id: str) -> list[str]:
        """Labels from the root to the code, e.g. ``["Discursive framing", "Security"]``."""
        return [self.codes[c].label for c in [*self.ancestors(code_id), code_id]]

    def group_of(self, code_id: str) -> str | None:
        """The exclusive group (parent id) this code belongs to, if any."""
        parent = self.codes[code_id].parent
        if parent is not None and self.codes[parent].exclusive:
            return parent
        return None

    def exclusive_groups(self) -> list[Code]:
        return [c for c in self.codes.values() if c.exclusive]

    def by_key(self) -> dict[str, Code]:
        return {c.key: c for c in self.codes.values() if c.key}

    def leaves(self) -> list[Code]:
        return [c for c in self.codes.values() if not c.children]


@dataclass(frozen=True)
class Problem:
    """One finding of the linter; ``blocking`` problems stop an import."""

    path: str
    line: int
    message: str
    blocking: bool = True

    def __str__(self) -> str:
        return located(self.path, self.line, self.message)


class _Linter:
    """Walks the composed YAML tree so every problem knows its line."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.problems: list[Problem] = []
        self.codes: dict[str, Code] = {}
        self.keys: dict[str, int] = {}

    def problem(self, node: yaml.Node | None, message: str, blocking: bool = True) -> None:
        line = node.start_mark.line + 1 if node is not None else 1
        self.problems.append(Problem(self.path, line, message, blocking))

    def check_fields(self, node: yaml.MappingNode, allowed: tuple[str, ...], what: str) -> None:
        for key_node, _ in node.value:
            name = key_node.value
            if name not in allowed:
                fix = did_you_mean(str(name), allowed, f"allowed: {', '.join(allowed)}")
                self.problem(key_node, f"unknown field '{name}' in {what}; {fix}")

    def walk_codes(self, node: yaml.Node, parent: str | None, depth: int) -> list[str]:
        if not isinstance(node, yaml.SequenceNode):
            self.problem(node, "'codes' must be a list of codes (each starting with '- id:')")
            return []
        ids: list[str] = []
        for item in node.value:
            code_id = self.walk_code(item, parent, depth)
            if code_id:
                ids.append(code_id)
        return ids

    def walk_code(self, node: yaml.Node, parent: str | None, depth: int) -> str | None:
        if not isinstance(node, yaml.MappingNode):
            self.problem(node, "a code must be a mapping with at least 'id' and 'label'")
            return None
        self.check_fields(node, CODE_FIELDS, "a code")
        fields = {k.value: v for k, v in node.value}
        values = {k: _plain(v) for k, v in fields.items() if k != "codes"}
        code_id = values.get("id")
        if code_id is None:
            self.problem(node, "code without 'id'; add 'id: some-id' (lowercase, digits, '-')")
            return None
        code_id = str(code_id)
        if not ID_PATTERN.match(code_id):
            self.problem(fields["id"], f"invalid id '{code_id}': use lowercase letters, "
                         "digits and '-', starting with a letter or digit")
        if code_id in self.codes:
            first = self.codes[code_id].line
            self.problem(fields["id"], f"duplicate id '{code_id}' (first defined at line "
                         f"{first}); give each code its own id")
            if "codes" in fields:  # its children may repeat ids too: report each
                self.walk_codes(fields["codes"], code_id, depth + 1)
            return None
        label = str(values.get("label") or "").strip()
        if not label:
            self.problem(node, f"code '{code_id}' has no label; add 'label: ...'")
        definition = str(values.get("definition") or "").strip()
        if not definition:
            self.problem(node, f"code '{code_id}' has no definition; add 'definition: ...' "
                         "so coders know when it applies", blocking=False)
        key = values.get("key")
        if key is not None:
            key = str(key)
            if len(key) != 1 or not key.isprintable() or key.isspace():
                self.problem(fields["key"], f"key '{key}' of code '{code_id}' must be one "
                             "printable character")
            elif key in self.keys:
                self.problem(fields["key"], f"duplicate key '{key}' (also used at line "
                             f"{self.keys[key]}); give each code its own key")
            else:
                self.keys[key] = fields["key"].start_mark.line + 1
        color = values.get("color")
        if color is not None and not COLOR_PATTERN.match(str(color)):
            self.problem(fields["color"], f"color '{color}' must look like '#1f77b4'")
        exclusive = values.get("exclusive", False)
        if not isinstance(exclusive, bool):
            self.problem(fields["exclusive"], "exclusive must be true or false")
            exclusive = False
        examples = values.get("examples")
        if examples is None:
            examples = ()
        elif isinstance(examples, str):
            examples = (examples,)
        elif not isinstance(examples, list):
            self.problem(fields["examples"], "examples must be a list of strings")
            examples = ()
        line = node.start_mark.line + 1
        # Register before the children so a child repeating its parent's id is caught.
        self.codes[code_id] = Code(id=code_id, label=label, line=line, parent=parent,
                                   depth=depth)
        children: list[str] = []
        if "codes" in fields:
            children = self.walk_codes(fields["codes"], code_id, depth + 1)
        if exclusive and not children:
            self.problem(fields.get("exclusive", node), f"exclusive group '{code_id}' has no "
                         "child codes; add children under 'codes:' or remove 'exclusive'")
        self.codes[code_id] = Code(
            id=code_id, label=label or code_id, definition=definition,
            include=str(values.get("include") or "").strip(),
            exclude=str(values.get("exclude") or "").strip(),
            examples=tuple(str(e) for e in examples), key=key, exclusive=bool(exclusive),
            color=str(color) if color else None, parent=parent, children=tuple(children),
            depth=depth, line=line,
        )
        return code_id

    def _reorder(self) -> dict[str, Code]:
        """Children are registered after their parent; rebuild a strict pre-order."""
        ordered: dict[str, Code] = {}

        def visit(cid: str) -> None:
            ordered[cid] = self.codes[cid]
            for child in self.codes[cid].children:
                visit(child)

        for code in list(self.codes.values()):
            if code.parent is None:
                visit(code.id)
        return ordered


def version_value(version: object) -> int | str:
    """A codebook version as YAML should write it: ``1`` stays a number, ``2024-a`` text."""
    text = str(version).strip()
    return int(text) if re.fullmatch(r"[1-9][0-9]{0,17}|0", text) else text


def _plain(node: yaml.Node) -> Any:
    """The Python value of a composed node (plain data only; see ``yaml_io``)."""
    return yaml_io.construct(node, "<codebook>")


def lint_text(text: str, path: str | Path = "<codebook>") -> tuple[Codebook | None, list[Problem]]:
    """Parse and check codebook YAML text; return the codebook (if usable) and problems."""
    spath = str(path)
    try:
        root = yaml_io.compose(text, spath)
    except yaml_io.YamlError as exc:
        return None, [Problem(spath, exc.line, exc.what)]
    linter = _Linter(spath)
    for line, key, first in yaml_io.duplicate_keys(root):
        linter.problems.append(Problem(spath, line, yaml_io.duplicate_message(key, first)))
    try:
        return _lint_tree(root, linter, path)
    except yaml_io.YamlError as exc:  # a value that cannot be read (an invalid date)
        return None, [*linter.problems, Problem(spath, exc.line, exc.what)]


def _lint_tree(root: yaml.Node | None, linter: _Linter, path: str | Path
               ) -> tuple[Codebook | None, list[Problem]]:
    if not isinstance(root, yaml.MappingNode):
        linter.problem(root, "a codebook must be a mapping with 'name', 'version' and 'codes'")
        return None, linter.problems
    linter.check_fields(root, TOP_FIELDS, "the codebook")
    fields = {k.value: v for k, v in root.value}
    name = str(_plain(fields["name"])) if "name" in fields else ""
    if not name.strip():
        linter.problem(root, "codebook has no name; add 'name: ...' at the top")
    version = str(_plain(fields["version"])) if "version" in fields else "1"
    if "codes" not in fields:
        linter.problem(root, "codebook has no 'codes:' list; add at least one code")
    else:
        linter.walk_codes(fields["codes"], None, 0)
        if not linter.codes:
            linter.problem(fields["codes"], "codebook has no codes; add at least one code")
    description = str(_plain(fields["description"])) if "description" in fields else ""
    if any(p.blocking for p in linter.problems):
        return None, linter.problems
    codebook = Codebook(name=name.strip(), version=version, codes=linter._reorder(),
                        description=description, path=Path(path))
    return codebook, linter.problems


def lint_codebook(path: str | Path) -> tuple[Codebook | None, list[Problem]]:
    """Read and check a codebook file (see :func:`lint_text`)."""
    p = Path(path)
    try:
        text = yaml_io.read_text(p)
    except yaml_io.YamlError as exc:
        return None, [Problem(str(p), exc.line, exc.what)]
    except FileNotFoundError:
        return None, [Problem(str(p), 0, "codebook file not found; check the path or "
                              "'codebook:' in qcoder.yaml")]
    except (OSError, UnicodeDecodeError) as exc:
        return None, [Problem(str(p), 0, f"cannot read codebook ({exc}); save it as UTF-8")]
    return lint_text(text, p)


def load_codebook(path: str | Path) -> Codebook:
    """Load a codebook; raise :class:`CodebookError` on the first blocking problem."""
    codebook, problems = lint_codebook(path)
    blocking = [p for p in problems if p.blocking]
    if codebook is None or blocking:
        first = blocking[0] if blocking else problems[0]
        more = f" (and {len(blocking) - 1} more; run 'qcoder codebook check')" if len(
            blocking) > 1 else ""
        raise CodebookError(f"{first}{more}")
    return codebook


def codebook_from_dict(data: dict[str, Any], path: str | Path = "<codebook>") -> Codebook:
    """Build a codebook from already-parsed data (validated like a file)."""
    return _strict(*lint_text(dump_yaml(data), path))


def _strict(codebook: Codebook | None, problems: list[Problem]) -> Codebook:
    blocking = [p for p in problems if p.blocking]
    if codebook is None or blocking:
        raise CodebookError(str(blocking[0] if blocking else problems[0]))
    return codebook


def codebook_to_dict(codebook: Codebook) -> dict[str, Any]:
    """The YAML structure of a codebook (inverse of loading)."""

    def one(code: Code) -> dict[str, Any]:
        out: dict[str, Any] = {"id": code.id, "label": code.label}
        for name in ("definition", "include", "exclude"):
            if getattr(code, name):
                out[name] = getattr(code, name)
        if code.examples:
            out["examples"] = list(code.examples)
        if code.key:
            out["key"] = code.key
        if code.color:
            out["color"] = code.color
        if code.exclusive:
            out["exclusive"] = True
        if code.children:
            out["codes"] = [one(codebook.codes[c]) for c in code.children]
        return out

    data: dict[str, Any] = {"name": codebook.name, "version": version_value(codebook.version)}
    if codebook.description:
        data["description"] = codebook.description
    data["codes"] = [one(c) for c in codebook.roots()]
    return data


def dump_yaml(data: dict[str, Any]) -> str:
    """Write codebook data as readable YAML (keys in the documented order)."""
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)
