"""Front-matter ``selections:``: exact quotes of a document that become excerpts of their own.

Paragraphs are the excerpts the corpus knows by itself; a span coded in another tool that
is not a whole paragraph is listed in the document's front matter as the exact text it
covers. Each item is a string, or ``{text: ..., occurrence: N}`` when the quote is the N-th
(1-based) occurrence of that text and an earlier one is not selected. A plain item is
searched forward from the previous match of the same text (from the start of the body for
the first one), so repeated quotes listed in order find successive occurrences.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

from .errors import CorpusError

FIELD = "selections"


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
