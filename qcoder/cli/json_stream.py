"""Long JSON output written piece by piece, byte for byte as :func:`.base.emit_json` writes it
(``json.dumps(indent=2, ensure_ascii=False)``, C1 and bidi controls escaped).

The standard encoder is pure Python once it indents: for 100,000 records it spends seconds
on calls per value. Here a command gives each record's text already indented (strings
encoded by the C encoder, each distinct list of strings encoded once), and the document is
written in chunks as the records come.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from itertools import islice
from json.encoder import encode_basestring
from typing import Any

import click

from ..safe_text import json_safe

CHUNK = 2000  # records per write


def string(text: str) -> str:
    """A JSON string literal as :func:`.base.emit_json` writes it (non-ASCII kept, C1 and
    bidi controls escaped)."""
    encoded = encode_basestring(text)  # the C encoder's, as json.dumps(ensure_ascii=False)
    # every character json_safe escapes (DEL, C1, bidi, line separators) is unprintable
    return encoded if encoded.isprintable() else json_safe(encoded)


def value(data: Any, level: int) -> str:
    """Any value as ``json.dumps(indent=2)`` writes it nested ``level`` deep."""
    text = json_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str))
    return text.replace("\n", "\n" + "  " * level) if level else text


class StringLists(dict[tuple[str, ...], str]):
    """``lists[items]``: a list of strings nested ``level`` deep, each distinct list
    encoded once."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self._items = _Lines(level + 1)
        self._close = "\n" + "  " * level + "]"

    def __missing__(self, items: tuple[str, ...]) -> str:
        text = ("[" + ",".join(map(self._items.__getitem__, items)) + self._close
                if items else "[]")
        self[items] = text
        return text


class _Lines(dict[str, str]):
    """``lines[text]``: a new line, indented ``level`` deep, holding the string ``text``."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self._pad = "\n" + "  " * level

    def __missing__(self, text: str) -> str:
        line = self[text] = self._pad + string(text)
        return line


class Members(dict[tuple[str, tuple[str, ...]], str]):
    """``members[(key, items)]``: a member ``"key": [items]`` of an object nested ``level``
    deep, on its own line, each distinct one encoded once."""

    def __init__(self, level: int) -> None:
        super().__init__()
        self._pad = "\n" + "  " * (level + 1)
        self._lists = StringLists(level + 1)

    def __missing__(self, member: tuple[str, tuple[str, ...]]) -> str:
        text = f"{self._pad}{string(member[0])}: {self._lists[member[1]]}"
        self[member] = text
        return text


def emit_with_list(head: Mapping[str, Any], key: str, records: Iterable[str]) -> None:
    """Print ``{**head, key: [records]}``; each record is its JSON text nested two deep
    (as :func:`value` with level 2 gives it), its strings made by :func:`string`."""
    items = iter(records)
    emit_with_batches(head, key, (SEPARATOR.join(chunk)
                                  for chunk in iter(lambda: list(islice(items, CHUNK)), [])))


#: What separates two records of the list in :func:`emit_with_list`.
SEPARATOR = ",\n    "


def emit_with_batches(head: Mapping[str, Any], key: str, batches: Iterable[str]) -> None:
    """:func:`emit_with_list` for records that come already joined by ``SEPARATOR``, a
    batch of one or more in each string (no empty one), each batch written as it comes."""
    opening = value(dict(head), 0)
    opening = (opening[:-2] + ",\n" if head else "{\n") + f"  {string(key)}: ["
    first = True
    for batch in batches:
        click.echo((opening + "\n    " if first else SEPARATOR) + batch, nl=False)
        first = False
    click.echo(opening + "]\n}" if first else "\n  ]\n}")
