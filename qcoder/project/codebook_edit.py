"""Adding a code to the codebook file from the workbench, and taking it out again (undo).

The file is the codebook: it is edited in place, its comments and layout kept. ruamel.yaml
reads it as a round-trip tree (after qcoder's own reader has accepted it: no aliases, no
tags), the code is appended to its parent's ``codes:`` (or to the top level), and the text
written back must be the old text with only the new block inserted; when ruamel cannot keep
every other line as it was, nothing is written and the user is told to add it by hand.
"""

from __future__ import annotations

import difflib
import io
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import CodebookError, located
from .codebook import Problem, lint_text
from .yaml_io import read_text

# Layouts tried in turn (mapping indent, sequence indent, dash offset): the one that writes
# the untouched file back byte for byte is the file's own.
_LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (2, 4, 0), (4, 4, 0), (3, 5, 2))


@dataclass(frozen=True)
class NewCode:
    """A code as the workbench asks for it; ``parent`` None: a top-level code."""

    id: str
    label: str
    definition: str
    parent: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "definition": self.definition,
                "parent": self.parent}


def _yaml(layout: tuple[int, int, int]) -> Any:
    from ruamel.yaml import YAML

    yaml = YAML()  # round-trip: comments, order and quoting kept
    yaml.preserve_quotes = True
    yaml.width = 4096  # never fold a long line the file has
    yaml.indent(mapping=layout[0], sequence=layout[1], offset=layout[2])
    return yaml


def _dump(yaml: Any, data: Any) -> str:
    out = io.StringIO()
    yaml.dump(data, out)
    return out.getvalue()


def _tree(text: str, path: Path) -> tuple[Any, Any]:
    """The round-trip tree and the YAML writer that gives ``text`` back unchanged."""
    for layout in _LAYOUTS:
        yaml = _yaml(layout)
        data = yaml.load(text)
        if _dump(yaml, data) == text:
            return yaml, data
    raise CodebookError(located(path, None, "its layout cannot be kept by an automatic edit; "
                                "add the code by hand and save (the workbench reloads it)"))


def _find(codes: Any, code_id: str) -> Any:
    for item in codes or ():
        if item.get("id") == code_id:
            return item
        found = _find(item.get("codes"), code_id)
        if found is not None:
            return found
    return None


def _only_inserted(old: str, new: str, path: Path) -> int:
    """The 1-based line where ``new`` inserts one block into ``old``; refused otherwise."""
    before, after = old.splitlines(keepends=True), new.splitlines(keepends=True)
    ops = [op for op in difflib.SequenceMatcher(a=before, b=after, autojunk=False)
           .get_opcodes() if op[0] != "equal"]
    if len(ops) != 1 or ops[0][0] != "insert":
        raise CodebookError(located(path, None, "adding the code would rewrite other lines "
                                    "of the file; add it by hand and save"))
    return ops[0][3] + 1


def _check(text: str, path: Path) -> None:
    """The file as it stands must lint (qcoder's reader first: no alias, no tag)."""
    book, problems = lint_text(text, path)
    blocking = [p for p in problems if p.blocking]
    if book is None or blocking:
        raise CodebookError(f"{blocking[0] if blocking else problems[0]}; fix the file "
                            "first ('qcoder codebook check')")


def with_code(text: str, path: Path, code: NewCode) -> tuple[str, int]:
    """``text`` with ``code`` appended under its parent, and the new block's first line.

    Raises :class:`CodebookError` with the linter's ``FILE:LINE`` problem when the code is
    not a good one (the checks of ``qcoder codebook check``: id, label, definition, a
    duplicate id) or the parent does not exist.
    """
    _check(text, path)
    from ruamel.yaml.comments import CommentedMap, CommentedSeq

    yaml, data = _tree(text, path)
    if code.parent is None:
        siblings = data["codes"]
    else:
        parent = _find(data["codes"], code.parent)
        if parent is None:
            raise CodebookError(located(path, None, f"no code '{code.parent}' to put the new "
                                        "code under; leave the parent empty for a top-level "
                                        "code"))
        if parent.get("codes") is None:
            parent["codes"] = CommentedSeq()
        siblings = parent["codes"]
    entry = CommentedMap()
    entry["id"] = code.id
    entry["label"] = code.label
    entry["definition"] = code.definition
    siblings.append(entry)
    new = _dump(yaml, data)
    line = _only_inserted(text, new, path)
    _new_problems(text, new, path)
    return new, line


def _new_problems(old: str, new: str, path: Path) -> None:
    """Refuse with the first problem the new text has that the old one did not."""
    seen = {p.message for p in lint_text(old, path)[1]}
    fresh: list[Problem] = [p for p in lint_text(new, path)[1] if p.message not in seen]
    if fresh:
        raise CodebookError(str(fresh[0]))


def without_code(text: str, path: Path, code_id: str) -> str:
    """``text`` with the code ``code_id`` (one without children) taken out; unchanged when
    the file no longer has it."""
    _check(text, path)
    yaml, data = _tree(text, path)

    def drop(codes: Any, owner: Any) -> bool:
        for index, item in enumerate(codes or ()):
            if item.get("id") == code_id:
                if item.get("codes"):
                    raise CodebookError(located(path, None, f"code '{code_id}' has codes "
                                                "under it now; remove it by hand"))
                del codes[index]
                if not codes and owner is not None:
                    del owner["codes"]  # the parent had no children before either
                return True
            if drop(item.get("codes"), item):
                return True
        return False

    return _dump(yaml, data) if drop(data["codes"], None) else text


def read(path: Path) -> str:
    return read_text(path)


def write(path: Path, text: str, expected: str) -> None:
    """Replace the file with ``text`` whole (a temporary file renamed over it, permissions
    kept), unless it changed since it was read as ``expected``."""
    if read_text(path) != expected:
        raise CodebookError(located(path, None, "changed while the code was being added; "
                                    "try again"))
    mode = path.stat().st_mode & 0o7777
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as fh:
            fh.write(text)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
