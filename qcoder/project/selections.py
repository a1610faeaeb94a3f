"""Front-matter ``selections:``: exact quotes of a document that become excerpts of their own.

Paragraphs are the excerpts the corpus knows by itself; a span coded in another tool that
is not a whole paragraph is listed in the document's front matter as the exact text it
covers. Each item is a string, or ``{text: ..., occurrence: N}`` when the quote is the N-th
(1-based) occurrence of that text and an earlier one is not selected. A plain item is
searched forward from the previous match of the same text (from the start of the body for
the first one), so repeated quotes listed in order find successive occurrences.

:func:`append_to_file` adds quotes to a text document's list (``qcoder import qdpx
--add-selections``): new items go after the existing ones, so these keep their identities.
"""

from __future__ import annotations

import codecs
import hashlib
import json
import re
from dataclasses import dataclass
from typing import Any

import yaml

from ..errors import CorpusError

FIELD = "selections"
# Characters YAML will not read raw inside a quoted string (or reads as line breaks).
_YAML_RAW = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff]")
_CLOSE = re.compile(r"(---|\.\.\.)[ \t]*")
_KEY = re.compile(rf"{FIELD}[ \t]*:(?P<rest>.*)")


@dataclass(frozen=True)
class Quote:
    """One listed selection: its exact text and, if needed, which occurrence it is."""

    text: str
    occurrence: int | None = None


def parse_quotes(value: Any, where: str) -> list[Quote]:
    """Check the front-matter value; ``where`` is ``FILE:LINE`` for error messages."""
    if value is None:
        return []
    if not isinstance(value, list):
        raise CorpusError(f"{where}: '{FIELD}' must be a list of quoted strings, "
                          "one '- \"exact text\"' line each")
    quotes: list[Quote] = []
    for i, item in enumerate(value, 1):
        if isinstance(item, dict) and set(item) <= {"text", "occurrence"}:
            text, occurrence = item.get("text"), item.get("occurrence")
            if not isinstance(occurrence, int) or isinstance(occurrence, bool) \
                    or occurrence < 1:
                raise CorpusError(f"{where}: item {i} of '{FIELD}' needs 'occurrence' as a "
                                  "whole number from 1")
        else:
            text, occurrence = item, None
        if not isinstance(text, str) or not text:
            raise CorpusError(f"{where}: item {i} of '{FIELD}' is not a non-empty quoted "
                              "string; write the exact text in double quotes")
        quotes.append(Quote(text, occurrence))
    return quotes


def nth(body: str, text: str, occurrence: int) -> int:
    """Start of the ``occurrence``-th (1-based, overlaps allowed) match of ``text``, or -1."""
    pos = -1
    for _ in range(occurrence):
        pos = body.find(text, pos + 1)
        if pos < 0:
            return -1
    return pos


def locate(body: str, quotes: list[Quote]) -> list[tuple[int, int] | None]:
    """The ``(start, end)`` code-point span of each quote in ``body``; ``None``: not found."""
    last: dict[str, int] = {}
    spans: list[tuple[int, int] | None] = []
    for quote in quotes:
        if quote.occurrence is None:
            pos = body.find(quote.text, last.get(quote.text, -1) + 1)
        else:
            pos = nth(body, quote.text, quote.occurrence)
        if pos < 0:
            spans.append(None)
            continue
        last[quote.text] = pos
        spans.append((pos, pos + len(quote.text)))
    return spans


def quotes_for(body: str, spans: list[tuple[int, int]]) -> list[Quote]:
    """The quotes that :func:`locate` finds at exactly ``spans`` (sorted by start)."""
    quotes: list[Quote] = []
    last: dict[str, int] = {}
    for start, end in sorted(set(spans)):
        text = body[start:end]
        if body.find(text, last.get(text, -1) + 1) == start:
            quotes.append(Quote(text))
        else:
            count, pos = 0, -1
            while pos != start:
                pos = body.find(text, pos + 1)
                count += 1
            quotes.append(Quote(text, count))
        last[text] = start
    return quotes


def selection_identity(case_id: str, stem: str, text: str, occurrence: int) -> str:
    """Content identity of a quote excerpt: its text and how many earlier items repeat it.

    Distinct from a paragraph's identity even for the same text.
    """
    normal = " ".join(text.split())
    digest = hashlib.sha1(f"{case_id}/{stem}\0selection\0{normal}\0{occurrence}".encode())
    return digest.hexdigest()[:24]


def yaml_json(value: Any) -> str:
    """``value`` as JSON, which YAML reads back unchanged (raw specials escaped)."""
    return _YAML_RAW.sub(lambda m: f"\\u{ord(m[0]):04x}", json.dumps(value, ensure_ascii=False))


def quote_lines(quotes: list[Quote], indent: str = "  ") -> list[str]:
    """The ``- item`` lines of a block list of ``quotes``."""
    return [f"{indent}- {yaml_json(q.text)}" if q.occurrence is None else
            f"{indent}- {yaml_json({'text': q.text, 'occurrence': q.occurrence})}"
            for q in quotes]


def quotes_to_append(body: str, spans: list[tuple[int, int]]) -> list[Quote]:
    """Quotes that find ``spans`` when appended after any other items: a text that occurs
    once is written plain, a repeated one with its occurrence."""
    quotes = []
    for start, end in sorted(set(spans)):
        text = body[start:end]
        if nth(body, text, 2) < 0:
            quotes.append(Quote(text))
            continue
        count, pos = 0, -1
        while pos != start:
            pos = body.find(text, pos + 1)
            count += 1
        quotes.append(Quote(text, count))
    return quotes


def append_quotes(text: str, quotes: list[Quote]) -> str:
    """``text`` (a text document, LF newlines) with ``quotes`` appended to the ``selections:``
    of its front matter, which is created if absent; other lines stay as they are."""
    lines = text.split("\n")
    if lines[0] != "---" or len(lines) < 2:
        return "\n".join(["---", f"{FIELD}:", *quote_lines(quotes), "---", text])
    close = next((i for i in range(1, len(lines)) if _CLOSE.fullmatch(lines[i])), len(lines))
    key = next((i for i in range(1, close) if _KEY.fullmatch(lines[i])), None)
    if key is None:
        lines[close:close] = [f"{FIELD}:", *quote_lines(quotes)]
        return "\n".join(lines)
    end = key + 1
    while end < close and (not lines[end].strip() or lines[end][0] in " \t-"):
        end += 1
    rest = _KEY.fullmatch(lines[key])["rest"].strip()  # type: ignore[index]
    if rest and not rest.startswith("#"):  # an inline value ([], a flow list): make a block
        try:
            old = parse_quotes(yaml.safe_load("\n".join(lines[key:end]))[FIELD], FIELD)
        except (yaml.YAMLError, TypeError, KeyError) as exc:
            raise CorpusError(f"'{FIELD}' is not a list qcoder can extend ({exc})") from None
        lines[key:end] = [f"{FIELD}:", *quote_lines([*old, *quotes])]
        return "\n".join(lines)
    last = max((i for i in range(key + 1, end) if lines[i].strip()), default=key)
    item = next((ln for ln in lines[key + 1:end] if ln.lstrip().startswith("-")), "  -")
    lines[last + 1:last + 1] = quote_lines(quotes, item[:len(item) - len(item.lstrip())])
    return "\n".join(lines)


def append_to_file(raw: bytes, quotes: list[Quote]) -> bytes:
    """The bytes of a UTF-8 text document with ``quotes`` appended (see
    :func:`append_quotes`), keeping its byte-order mark and its kind of line breaks."""
    text = raw.decode("utf-8-sig")
    newline = "\r\n" if "\r\n" in text else "\r" if "\r" in text else "\n"
    text = append_quotes(text.replace("\r\n", "\n").replace("\r", "\n"), quotes)
    bom = codecs.BOM_UTF8 if raw.startswith(codecs.BOM_UTF8) else b""
    return bom + text.replace("\n", newline).encode("utf-8")
