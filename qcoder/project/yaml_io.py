"""The one YAML reader for every qcoder file (codebook, front matter, case.yaml, qcoder.yaml,
keymap): plain data only, every refusal one line ``FILE:LINE: what; how to fix``.

YAML can say more than qcoder files need, and some of it is hostile: an alias (``*name``)
repeats a node, so nine levels of nine aliases expand to 387 million values (a "billion
laughs" bomb), and an alias inside its own anchor (``&e [*e]``) never ends. qcoder files
never need aliases, so they are refused, as are tags other than the plain data types
(``!!python/...``, ``!!binary``, ``!custom``). Keys given twice are reported (YAML would keep
the last silently), invalid dates say where they are, and a file that is not UTF-8 names the
line of its first bad byte.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from ..errors import QcoderError, located

try:  # the C parser is an order of magnitude faster; fall back where libyaml is absent
    from yaml import CSafeLoader as _Base
except ImportError:  # pragma: no cover - depends on the PyYAML build
    from yaml import SafeLoader as _Base  # type: ignore[assignment]

#: Deepest nesting of lists and mappings accepted (a codebook 40 codes deep needs 81).
MAX_DEPTH = 200

_PLAIN_TAGS = {f"tag:yaml.org,2002:{name}" for name in
               ("str", "int", "float", "bool", "null", "seq", "map", "timestamp")} | {"!"}


class YamlError(QcoderError):
    """A YAML file qcoder does not read; ``line`` is 1-based in the whole file."""

    def __init__(self, path: object, line: int, what: str) -> None:
        super().__init__(located(path, line, what))
        self.path, self.line, self.what = path, line, what


class _Loader(_Base):  # type: ignore[misc,valid-type]
    """The safe loader, with dates that fail as a YAML error rather than a ValueError."""


def _timestamp(loader: _Loader, node: yaml.ScalarNode) -> Any:
    try:
        return yaml.SafeLoader.construct_yaml_timestamp(loader, node)  # type: ignore[arg-type]
    except (ValueError, OverflowError):
        raise yaml.constructor.ConstructorError(
            None, None, f"'{node.value}' is not a valid date; write a real date "
            f"(YYYY-MM-DD) or quote it to keep it as text", node.start_mark) from None


_Loader.add_constructor("tag:yaml.org,2002:timestamp", _timestamp)


def decode(raw: bytes, path: object) -> str:
    """UTF-8 text (a byte-order mark dropped); a bad byte is reported by line and column."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        column = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError(path, line, f"not UTF-8 (byte 0x{raw[exc.start]:02x} at column "
                                    f"{column}); save the file as UTF-8") from None


def read_text(path: Path) -> str:
    """A YAML file's text, decoded as :func:`decode` does."""
    return decode(path.read_bytes(), path)


def _error_line(exc: yaml.YAMLError, text: str) -> int:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return mark.line + 1
    position = getattr(exc, "position", None)  # a ReaderError (unacceptable character)
    if isinstance(position, int):
        return text.count("\n", 0, position) + 1
    return 1


def _what(exc: yaml.YAMLError) -> str:
    if isinstance(exc, yaml.reader.ReaderError):
        return (f"character #x{exc.character:04x} is not allowed in YAML; remove it or write it "
                "as an escape in a double-quoted string") if isinstance(exc.character, int) \
            else "a character is not allowed in YAML; remove it"
    problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
    return f"invalid YAML: {problem}; check indentation and quoting near this line"


def compose(text: str, path: object, first_line: int = 1) -> yaml.Node | None:
    """The node tree of ``text`` (``first_line``: where it starts in the file), after one pass
    over its events refuses aliases, unknown tags and nesting past :data:`MAX_DEPTH`."""
    offset = first_line - 1
    try:
        depth = 0
        for event in yaml.parse(text, Loader=_Loader):
            line = event.start_mark.line + 1 + offset
            if isinstance(event, yaml.AliasEvent):
                raise YamlError(path, line, f"YAML alias '*{event.anchor}' is not accepted in "
                                            "qcoder files; write the value out in full")
            tag = getattr(event, "tag", None)
            if tag is not None and tag not in _PLAIN_TAGS:
                shown = tag.replace("tag:yaml.org,2002:", "!!")
                raise YamlError(path, line, f"YAML tag '{shown}' is not accepted (qcoder reads "
                                            "plain text, numbers, lists and mappings); "
                                            "remove it")
            if isinstance(event, yaml.CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise YamlError(path, line, f"nested more than {MAX_DEPTH} levels deep; "
                                                "flatten the structure")
            elif isinstance(event, yaml.CollectionEndEvent):
                depth -= 1
        return yaml.compose(text, Loader=_Loader)
    except yaml.YAMLError as exc:
        raise YamlError(path, _error_line(exc, text) + offset, _what(exc)) from None
    except (RecursionError, MemoryError):
        raise YamlError(path, first_line, "too large or too deeply nested to read; "
                                          "simplify the file") from None


def duplicate_keys(node: yaml.Node | None, first_line: int = 1
                   ) -> list[tuple[int, str, int]]:
    """Each key given twice in one mapping, anywhere in ``node``: (line, key, first line)."""
    found: list[tuple[int, str, int]] = []
    offset = first_line - 1
    stack = [node] if node is not None else []
    while stack:
        current = stack.pop()
        if isinstance(current, yaml.MappingNode):
            seen: dict[str, int] = {}
            for key, value in current.value:
                line = key.start_mark.line + 1 + offset
                if isinstance(key, yaml.ScalarNode):
                    if key.value in seen:
                        found.append((line, key.value, seen[key.value]))
                    else:
                        seen[key.value] = line
                stack.append(value)
        elif isinstance(current, yaml.SequenceNode):
            stack.extend(current.value)
    return sorted(found)


def duplicate_message(key: str, first: int) -> str:
    return f"duplicate key '{key}' (first at line {first}); keep one of them"


def construct(node: yaml.Node, path: object, first_line: int = 1) -> Any:
    """The Python value of a node from :func:`compose` (dates as ``datetime.date``)."""
    loader = _Loader("")
    try:
        return loader.construct_object(node, deep=True)
    except yaml.YAMLError as exc:
        line = _error_line(exc, "") + first_line - 1
        raise YamlError(path, line, str(getattr(exc, "problem", exc))) from None
    finally:
        loader.dispose()


def load(text: str, path: object, first_line: int = 1) -> Any:
    """Plain data from YAML text: :func:`compose`, duplicate keys refused, :func:`construct`."""
    node = compose(text, path, first_line)
    if node is None:
        return None
    for line, key, first in duplicate_keys(node, first_line):
        raise YamlError(path, line, duplicate_message(key, first))
    return construct(node, path, first_line)

