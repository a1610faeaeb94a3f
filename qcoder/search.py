"""Full-text search over the corpus, as keyword-in-context lines.

The query language is SQLite FTS5's: words (all must occur), ``"a phrase"``, ``prefix*``,
``NEAR(a b, 5)``, ``AND``/``OR``/``NOT`` and parentheses. Case and diacritics do not matter.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import groupby
from operator import itemgetter
from typing import Any

from .errors import QcoderError, did_you_mean
from .project.corpus import format_ref
from .safe_text import one_line
from .store import search as sql
from .store.database import Store

SYNTAX = ('words (all must occur), "a phrase", prefix*, NEAR(word1 word2, 5), AND, OR, NOT, '
          "parentheses")
CONTEXT = 40  # characters of context each side of a hit


@dataclass(frozen=True)
class Span:
    """A hit in an excerpt's text: code-point offsets, end exclusive."""

    start: int
    end: int


@dataclass
class Hit:
    """An excerpt that matches, with where in its text."""

    excerpt_id: int
    ref: str
    case_id: str
    speaker: str | None
    text: str
    spans: list[Span] = field(default_factory=list)

    def kwic(self, span: Span | None = None, width: int = CONTEXT) -> tuple[str, str, str]:
        """(left context, the hit, right context) around ``span`` (default the first), each
        on one line (whitespace runs as one space), cut at a word to about ``width``
        characters, with an ellipsis where cut."""
        span = span or (self.spans[0] if self.spans else Span(0, 0))
        before, after = self.text[:span.start], self.text[span.end:]
        left = _tail(before, width) + (" " if before[-1:].isspace() else "")
        right = (" " if after[:1].isspace() else "") + _head(after, width)
        return left.lstrip(), " ".join(self.text[span.start:span.end].split()), right.rstrip()

    def to_dict(self) -> dict[str, Any]:
        return {"excerpt": self.ref, "case": self.case_id, "speaker": self.speaker,
                "hits": [{"start": s.start, "end": s.end,
                          **dict(zip(("left", "hit", "right"), self.kwic(s), strict=True))}
                         for s in self.spans]}


@dataclass
class SearchResult:
    """The hits of one query (up to a limit) and how many excerpts match in each case."""

    query: str
    hits: list[Hit]
    per_case: list[tuple[str, int]]

    @property
    def total(self) -> int:
        return sum(n for _, n in self.per_case)

    def to_dict(self) -> dict[str, Any]:
        return {"query": self.query, "excerpts": self.total, "shown": len(self.hits),
                "hits": sum(len(h.spans) for h in self.hits),
                "cases": [{"id": c, "excerpts": n} for c, n in self.per_case],
                "results": [h.to_dict() for h in self.hits],
                "method": {"index": "SQLite FTS5", "tokenizer": "unicode61, case and "
                           "diacritics folded, no stemming", "syntax": SYNTAX,
                           "unit": "excerpt (active excerpts only)"}}


def _tail(text: str, width: int) -> str:
    words = " ".join(text.split())
    if len(words) <= width:
        return words
    cut = words[-width:]
    if words[-width - 1] != " " and " " in cut:
        cut = cut.split(" ", 1)[1]
    return "…" + cut


def _head(text: str, width: int) -> str:
    words = " ".join(text.split())
    if len(words) <= width:
        return words
    cut = words[:width]
    if words[width] != " " and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut + "…"


def unmark(marked: str) -> tuple[str, list[Span]]:
    """The text without the index's hit markers, and the marked spans."""
    out: list[str] = []
    spans: list[Span] = []
    pos, start = 0, None
    for ch in marked:
        if ch == sql.HIT_OPEN:
            start = pos
        elif ch == sql.HIT_CLOSE and start is not None:
            spans.append(Span(start, pos))
            start = None
        else:
            out.append(ch)
            pos += 1
    return "".join(out), spans


def _bad_query(query: str, exc: sqlite3.OperationalError) -> QcoderError:
    reason = str(exc).removeprefix("fts5: ")
    return QcoderError(f"search '{one_line(query)}': {reason}; the syntax is {SYNTAX}")


def _known(kind: str, value: str, known: Sequence[str]) -> None:
    if value not in known:
        fix = did_you_mean(value, known, f"see 'qcoder status' for the {kind}s")
        raise QcoderError(f"unknown {kind} '{value}'; {fix}")


def search(store: Store, query: str, case_ids: Sequence[str] = (),
           code_ids: Sequence[str] = (), coders: Sequence[str] = (),
           limit: int | None = 50, by_rank: bool = False) -> SearchResult:
    """Excerpts whose text matches ``query``, in corpus order (or best first with
    ``by_rank``); ``code_ids`` keeps those coded with a code or any code below it (by
    ``coders``, default anyone). The counts per case are made in SQL; only the ``limit``
    excerpts shown are read and marked."""
    if not query.strip():
        raise QcoderError(f"search: give words to look for; the syntax is {SYNTAX}")
    if limit is not None and limit < 1:
        raise QcoderError(f"--limit {limit}: give 1 or more")
    for case_id in case_ids:
        _known("case", case_id, [c["id"] for c in store.cases()])
    for coder in coders:
        _known("coder", coder, store.coders())
    book = store.codebook()
    codes: list[str] = []
    for code_id in code_ids:
        _known("code", code_id, list(book.codes))
        codes += [code_id, *book.descendants(code_id)]
    documents = {d[0]: (k, d[1], d[2]) for k, d in enumerate(sql.active_documents(store))}
    wanted = set(case_ids)
    try:
        counted = sql.document_counts(store, query, codes, coders, ranges=not by_rank)
        counted = sorted((c for c in counted if c[0] in documents
                          and (not wanted or documents[c[0]][1] in wanted)),
                         key=lambda c: documents[c[0]][0])  # corpus order
        page = _page(store, query, counted, documents, case_ids, codes, coders, limit,
                     by_rank)
        texts = sql.marked(store, query, [f[0] for f in page])
    except sqlite3.OperationalError as exc:
        raise _bad_query(query, exc) from None
    per_case: Counter[str] = Counter()  # cases in corpus order
    for document_id, count, _, _ in counted:
        per_case[documents[document_id][1]] += count
    hits = []
    for excerpt_id, document_id, n in page:
        _, case_id, stem = documents[document_id]
        speaker, marked = texts[excerpt_id]
        text, spans = unmark(marked)
        hits.append(Hit(excerpt_id, format_ref(case_id, stem, n), case_id, speaker, text,
                        spans))
    return SearchResult(query, hits, list(per_case.items()))


def _page(store: Store, query: str, counted: list[tuple[int, int, int, int]],
          documents: dict[int, tuple[int, str, str]], case_ids: Sequence[str],
          codes: Sequence[str], coders: Sequence[str], limit: int | None,
          by_rank: bool) -> list[tuple]:
    """The (excerpt id, document id, n) shown: the best ``limit`` matches, or the first in
    corpus order, read from the documents that hold them only."""
    if by_rank:
        return sql.best_matches(store, query, limit, case_ids, codes, coders)
    chosen: list[tuple[int, int, int, int]] = []
    enough = 0
    for document in counted:
        if limit is not None and enough >= limit:
            break
        chosen.append(document)
        enough += document[1]
    if not chosen:
        return []
    found = sql.matches_in(store, query, [c[0] for c in chosen], min(c[2] for c in chosen),
                           max(c[3] for c in chosen), codes, coders)
    found.sort(key=lambda f: (documents[f[1]][0], f[2]))
    return found if limit is None else found[:limit]


def matching_ids(store: Store, query: str) -> list[int]:
    """Ids of the active excerpts matching ``query``, in corpus order (the workbench's
    word filter)."""
    try:
        found = sql.matches(store, query)
    except sqlite3.OperationalError as exc:
        raise _bad_query(query, exc) from None
    by_document = {document_id: [f[0] for f in rows]
                   for document_id, rows in groupby(found, key=itemgetter(1))}
    return [excerpt_id for d in sql.active_documents(store)
            for excerpt_id in by_document.get(d[0], ())]


def contained_spans(text: str, needle: str) -> list[Span]:
    """Where ``needle`` occurs in ``text``, ignoring case (the workbench's text filter)."""
    if not needle:
        return []
    found, folded, target = [], text.casefold(), needle.casefold()
    if len(folded) != len(text):  # casefold changed lengths (e.g. ß): offsets would drift
        folded, target = text.lower(), needle.lower()
    start = folded.find(target)
    while start >= 0 and len(folded) == len(text):
        found.append(Span(start, start + len(target)))
        start = folded.find(target, start + len(target))
    return found


def hit_spans(store: Store, excerpt_id: int, query: str) -> list[Span]:
    """Where ``query`` matches in one excerpt's text (none when it does not match)."""
    try:
        found = sql.marked(store, query, [excerpt_id])
    except sqlite3.OperationalError:
        return []
    return unmark(found[excerpt_id][1])[1] if excerpt_id in found else []
