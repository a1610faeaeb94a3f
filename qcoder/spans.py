"""Selecting a span of an excerpt by words and sentences, and this coder's spans in it.

Offsets here are code points of the excerpt's text (0-based, end exclusive); add the
excerpt's ``start`` for the document's. A *word* is a run of letters and digits (with
inner apostrophes and hyphens); a *sentence* runs to ``.``, ``!``, ``?`` or ``…`` and the
closing quotes or brackets after it, or to the end of the text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .store import selections as sql
from .store.database import ExcerptRow, Store

WORD = re.compile(r"\w+(?:['’-]\w+)*")
SENTENCE = re.compile(r"\S.*?(?:[.!?…]+[\"”’)\]]*(?=\s|$)|$)", re.S)
Unit = tuple[int, int]


def words(text: str) -> list[Unit]:
    return [m.span() for m in WORD.finditer(text)]


def sentences(text: str) -> list[Unit]:
    out = []
    for m in SENTENCE.finditer(text):
        start, end = m.span()
        end = start + len(text[start:end].rstrip())
        if end > start:
            out.append((start, end))
    return out


def units(text: str, unit: str) -> list[Unit]:
    """The words (``unit`` = ``word``) or sentences of ``text``."""
    return words(text) if unit == "word" else sentences(text)


@dataclass(frozen=True)
class Selection:
    """A span of an excerpt's text being selected: ``start`` is where it is anchored."""

    start: int
    end: int

    def quote(self, text: str) -> str:
        return text[self.start:self.end]


def first(text: str) -> Selection | None:
    """The first sentence of ``text`` (None: nothing to select)."""
    found = sentences(text)
    return Selection(*found[0]) if found else None


def move(text: str, sel: Selection, unit: str, delta: int) -> Selection:
    """Select another word or sentence. Forwards (``delta`` > 0): the first one after
    ``sel``. Backwards: the one around ``sel`` (a sentence around a selected word), else
    the last one before it, else the last one inside it (from a sentence back to its last
    word). Stays at the text's ends."""
    found = [u for u in units(text, unit) if u != (sel.start, sel.end)]
    if delta > 0:
        after = [u for u in found if u[0] >= sel.end]
        return Selection(*after[0]) if after else sel
    around = [u for u in found if u[0] <= sel.start and u[1] >= sel.end]
    before = [u for u in found if u[1] <= sel.start]
    inside = [u for u in found if u[0] >= sel.start and u[1] <= sel.end]
    for choice in (around, before, inside):
        if choice:
            return Selection(*choice[-1])
    return sel


def extend(text: str, sel: Selection, unit: str, delta: int) -> Selection:
    """Move the end of ``sel`` to the end of the next (``delta`` > 0) or previous word or
    sentence; it never passes its start (the selection keeps at least one unit)."""
    ends = sorted({u[1] for u in units(text, unit)} | {u[1] for u in sentences(text)})
    if delta > 0:
        later = [e for e in ends if e > sel.end]
        return Selection(sel.start, later[0]) if later else sel
    earlier = [e for e in ends if sel.start < e < sel.end]
    return Selection(sel.start, earlier[-1]) if earlier else sel


@dataclass(frozen=True)
class SpanLine:
    """One of this coder's spans inside an excerpt: its excerpt, ref, local offsets, codes."""

    id: int
    ref: str
    start: int
    end: int
    text: str
    codes: tuple[str, ...]


def spans_in(store: Store, coder: str, row: ExcerptRow) -> list[SpanLine]:
    """``coder``'s selection excerpts that start inside the excerpt ``row``, with their
    codes, in order (blind: only this coder's codings are read)."""
    if row.n < 0:
        return []
    found = [r for r in sql.of_document(store.conn, row.document_id, coder)
             if row.start <= r[2] < row.end]
    codes = sql.codes_by_excerpt(store.conn, [r[0] for r in found], coder)
    return [SpanLine(r[0], f"{row.case_id}/{row.stem}#s{-r[1]}", r[2] - row.start,
                     min(r[3], row.end) - row.start, r[4], tuple(codes[r[0]]))
            for r in found]


def host_of(store: Store, excerpt_id: int) -> int:
    """The paragraph a selection excerpt starts in (any other excerpt: itself)."""
    return sql.host_id(store.conn, excerpt_id) or excerpt_id


def codes_on_span(store: Store, coder: str, document_id: int, start: int, end: int
                  ) -> set[str]:
    """``coder``'s codes on the excerpt with exactly these document offsets (none: none)."""
    found = sql.excerpt_at(store.conn, document_id, start, end)
    return set(store.codes_of(found, coder)) if found is not None else set()
