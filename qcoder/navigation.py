"""Moving through the corpus as one coder: corpus order, next unreviewed, filters, search.

Blind by construction: every query here reads only the given coder's reviews, codings and
memos, never another coder's. Corpus order is the order of ``qcoder status``: case position,
case id, document stem, excerpt number. Nothing here loads the whole corpus: pages of lines
are read on demand and a filter keeps only the ids it matched (8 bytes each), so memory
stays flat however many excerpts a project has.
"""

from __future__ import annotations

import re
from array import array
from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from .project.codebook import Codebook
from .project.corpus import format_ref
from .store import navigation as q
from .store.database import Store

FilterKind = Literal["all", "unreviewed", "code", "memo", "search", "words"]


@dataclass(frozen=True)
class Filter:
    """What the navigator lists: every excerpt, or those matching one condition."""

    kind: FilterKind = "all"
    value: str = ""

    @property
    def active(self) -> bool:
        return self.kind != "all"

    def describe(self, codebook: Codebook | None = None, short: bool = False) -> str:
        """A phrase for the UI, e.g. ``coded with Security framing (or a span in it)``
        (``short``: the label)."""
        if self.kind == "unreviewed":
            return "not reviewed" if short else "not yet reviewed"
        if self.kind == "memo":
            return "with a memo"
        if self.kind == "code":
            label = (codebook[self.value].label if codebook is not None
                     and self.value in codebook else self.value)
            # a paragraph is kept for a span inside it coded so, too: the row says it
            return f"{label} (or a span)" if short else f"coded with {label} (or a span in it)"
        if self.kind == "search":
            return f"“{self.value}”" if short else f"text contains “{self.value}”"
        if self.kind == "words":
            return f"words {self.value}" if short else f"matching the words {self.value}"
        return "all excerpts"


@dataclass
class DocumentEntry:
    """A document in corpus order with this coder's progress (reviewed of total)."""

    id: int
    case_id: str
    stem: str
    title: str
    kind: str
    total: int
    reviewed: int = 0

    @property
    def done(self) -> bool:
        return self.reviewed >= self.total


@dataclass(frozen=True)
class ExcerptLine:
    """One line of the navigator's excerpt list: the start of the text and this coder's state."""

    id: int
    ref: str
    n: int
    speaker: str | None
    text: str
    reviewed: bool
    codes: int
    memo: bool


def read_progress(store: Store, coder: str) -> dict[int, int]:
    """Excerpts ``coder`` reviewed, per document id (documents without reviews left out)."""
    return q.reviewed_per_document(store, coder)


def coder_progress(store: Store) -> dict[str, int]:
    """Excerpts reviewed per coder (progress only, never codes), consensus left out."""
    return q.reviewed_per_coder(store)


def _line(row: tuple) -> ExcerptLine:
    return ExcerptLine(id=row[0], ref=format_ref(row[1], row[2], row[3]), n=row[3],
                       speaker=row[4], text=row[5], reviewed=bool(row[6]), codes=row[7],
                       memo=bool(row[8]))


class Navigation:
    """The corpus as one coder moves through it; documents are read once, excerpts on demand.

    Per-document progress is cached for speed and refreshed by :meth:`refresh_progress` and
    :meth:`refresh_document`; a stale cache never hides an unreviewed excerpt from
    :meth:`next_unreviewed`, which re-checks the whole corpus before saying none is left.
    """

    def __init__(self, store: Store, coder: str, codebook: Codebook | None = None,
                 progress: bool = True) -> None:
        self.store = store
        self.coder = coder
        self.codebook = codebook if codebook is not None else store.codebook()
        self.documents: list[DocumentEntry] = []
        self._position: dict[int, int] = {}
        #: False until this coder's per-document progress has been read (it is the slow part
        #: of opening a big project, so the workbench reads it after its first screen).
        self.progress_known = False
        self.reload(progress)

    # -- documents and progress -------------------------------------------------------------
    def reload(self, progress: bool = True) -> None:
        """Read the documents (in corpus order) and, unless told not to, this coder's progress."""
        totals = q.excerpts_per_document(self.store)
        rows = q.documents_in_order(self.store)
        self.documents = [DocumentEntry(id=r[0], case_id=r[1], stem=r[2], title=r[3], kind=r[4],
                                        total=totals.get(r[0], 0)) for r in rows]
        self._position = {d.id: i for i, d in enumerate(self.documents)}
        self.case_names = {c["id"]: c["name"] for c in self.store.cases()}
        self.progress_known = False
        if progress:
            self.refresh_progress()

    def read_progress(self) -> dict[int, int]:
        return read_progress(self.store, self.coder)

    def outside_writes(self) -> int:
        """Moves when anything but this navigation's own store commits (its own changes
        reach the progress through :meth:`refresh_document`)."""
        return q.outside_writes(self.store)

    def set_progress(self, reviewed: dict[int, int]) -> list[int]:
        """Take per-document review counts (from :meth:`read_progress`); return the ids of
        the documents whose count changed."""
        changed = []
        for doc in self.documents:
            count = reviewed.get(doc.id, 0)
            if count != doc.reviewed or not self.progress_known:
                changed.append(doc.id)
            doc.reviewed = count
        self.progress_known = True
        return changed

    def refresh_progress(self) -> None:
        self.set_progress(self.read_progress())

    def refresh_document(self, document_id: int) -> DocumentEntry:
        """Re-count one document's progress (after an action on one of its excerpts)."""
        doc = self.document(document_id)
        doc.reviewed, doc.total = q.document_progress(self.store, self.coder, document_id)
        return doc

    def document(self, document_id: int) -> DocumentEntry:
        return self.documents[self._position[document_id]]

    def knows(self, document_id: int) -> bool:
        """False for a document imported after these documents were read."""
        return document_id in self._position

    def cases(self) -> list[tuple[str, str, int, int]]:
        """(case id, name, reviewed, total) per case, in corpus order."""
        out: dict[str, list[int]] = {}
        for doc in self.documents:
            counts = out.setdefault(doc.case_id, [0, 0])
            counts[0] += doc.reviewed
            counts[1] += doc.total
        return [(case_id, self.case_names.get(case_id, case_id), r, t)
                for case_id, (r, t) in out.items()]

    def totals(self) -> tuple[int, int]:
        """(reviewed, total) excerpts for this coder over the whole corpus."""
        return (sum(d.reviewed for d in self.documents), sum(d.total for d in self.documents))

    def coder_progress(self) -> dict[str, int]:
        return coder_progress(self.store)

    # -- moving -----------------------------------------------------------------------------
    def locate(self, excerpt_id: int) -> tuple[int, int] | None:
        """(document id, n) of an active excerpt, or None."""
        return q.locate(self.store, excerpt_id)

    def index_in_document(self, excerpt_id: int) -> int:
        """0-based position of an excerpt among its document's active excerpts."""
        where = self.locate(excerpt_id)
        if where is None:
            return 0
        return q.count_before(self.store, *where)

    def _unreviewed_in(self, document_id: int, after_n: int = 0,
                       before_n: int = 2**62) -> int | None:
        return q.unreviewed_in(self.store, self.coder, document_id, after_n, before_n)

    def next_unreviewed(self, after: int | None = None) -> int | None:
        """The first excerpt this coder has not reviewed after ``after`` in corpus order,
        wrapping round to the start; None when every excerpt is reviewed."""
        if not self.documents:
            return None
        where = self.locate(after) if after is not None else None
        start, n = (self._position[where[0]], where[1]) if where else (0, 0)
        found = self._unreviewed_in(self.documents[start].id, n)
        if found is not None:
            return found
        count = len(self.documents)
        for step in range(1, count):
            doc = self.documents[(start + step) % count]
            if doc.done and self.progress_known:
                continue
            found = self._unreviewed_in(doc.id)
            if found is not None:
                return found
            doc.reviewed = doc.total
        found = self._unreviewed_in(self.documents[start].id, 0, n) if n else None
        if found is not None:
            return found
        # The cache said done for the rest; make sure before claiming nothing is left.
        self.refresh_progress()
        first = next((d for d in self.documents if not d.done), None)
        return self._unreviewed_in(first.id) if first is not None else None

    def first_unreviewed(self) -> int | None:
        """Where a coder starts: the first excerpt in corpus order not yet reviewed."""
        return self.next_unreviewed(None)

    def open_document(self, document_id: int) -> int | None:
        """Where to land in a document: its first unreviewed excerpt, else its first."""
        return self._unreviewed_in(document_id) or q.first_in(self.store, document_id)

    def step(self, excerpt_id: int, delta: int) -> int | None:
        """The excerpt before (-1) or after (+1) in corpus order, across documents."""
        where = self.locate(excerpt_id)
        if where is None:
            return None
        doc_id, n = where
        found = q.adjacent(self.store, doc_id, n, forward=delta > 0)
        if found is not None:
            return found
        i = self._position[doc_id] + (1 if delta > 0 else -1)
        while 0 <= i < len(self.documents):
            found = q.first_in(self.store, self.documents[i].id, last=delta < 0)
            if found is not None:
                return found
            i += 1 if delta > 0 else -1
        return None

    def neighbours(self, excerpt_id: int) -> tuple[int | None, int | None]:
        """The excerpts just before and after, within the same document (context)."""
        where = self.locate(excerpt_id)
        if where is None:
            return None, None
        before = q.adjacent(self.store, *where, forward=False)
        after = q.adjacent(self.store, *where, forward=True)
        return before, after

    # -- lines for the navigator --------------------------------------------------------------
    def document_lines(self, document_id: int, offset: int, limit: int) -> list[ExcerptLine]:
        """A page of a document's excerpt lines, in order."""
        return [_line(r) for r in q.document_lines(self.store, self.coder, document_id,
                                                   offset, limit)]

    def lines(self, ids: list[int]) -> list[ExcerptLine]:
        """The lines of these excerpts, in the order given."""
        if not ids:
            return []
        by_id = {r[0]: _line(r) for r in q.lines(self.store, self.coder, ids)}
        return [by_id[i] for i in ids if i in by_id]

    def matching(self, flt: Filter) -> array:
        """Ids of the active excerpts a filter keeps, in corpus order (compact int array)."""
        codes: list[str] = []
        if flt.kind == "code":
            codes = [flt.value]
            if flt.value in self.codebook:
                codes += self.codebook.descendants(flt.value)
        if flt.kind == "words":
            from .search import matching_ids

            return array("q", matching_ids(self.store, flt.value))
        needle = " ".join(flt.value.split()).casefold() if flt.kind == "search" else ""
        return q.matching(self.store, self.coder, flt.kind, codes, needle, _contains,
                          text_hint(needle))


#: The non-ASCII characters whose case folding holds an ASCII one (ß → ss, K → k, ﬁ → fi,
#: İ → i̇ …): a text holding none of them folds its ASCII letters as LIKE compares them
#: (tests check this against the running Python's Unicode tables).
FOLDING_TO_ASCII = "\u00df\u0130\u0149\u017f\u01f0\u1e96\u1e97\u1e98\u1e99\u1e9a\u1e9e\u212a" \
    "\ufb00\ufb01\ufb02\ufb03\ufb04\ufb05\ufb06"


#: What ``str.split`` takes for whitespace among ASCII characters.
ASCII_SPACE = "[ \t\n\v\f\r\x1c-\x1f]+"


def text_hint(needle: str) -> tuple[str, str, Callable[[str], bool] | None] | None:
    """What SQL can decide of ``_contains(text, needle)`` with little help: a LIKE pattern
    (ASCII case-insensitive) of the needle's printable ASCII words in order, that every text
    it keeps matches; the characters that make a text's case folding differ from LIKE's
    (those folding to ASCII); and the exact check of an ASCII text LIKE kept (None: LIKE is
    exact, a needle of one word). None when no word of the needle is printable ASCII (a
    control character such as NUL would end a LIKE pattern there)."""
    words = needle.split()
    plain = [re.sub(r"([%_\\])", r"\\\1", w) for w in words
             if w.isascii() and w.isprintable()]
    if not plain:
        return None
    check = None
    if len(words) > 1:
        pattern = re.compile(ASCII_SPACE.join(re.escape(w) for w in words),
                             re.IGNORECASE | re.ASCII)
        check = lambda text: pattern.search(text) is not None  # noqa: E731
    return "%" + "%".join(plain) + "%", FOLDING_TO_ASCII, check


def _contains(text: str | None, needle: str) -> bool:
    """Case-insensitive (Unicode) containment, whitespace runs counted as one space."""
    return bool(text) and needle in " ".join(text.split()).casefold()


class DocumentLines:
    """The navigator's list for one document: every active excerpt, read a page at a time."""

    show_ref = False

    def __init__(self, navigation: Navigation, document_id: int) -> None:
        self.navigation = navigation
        self.document_id = document_id

    def __len__(self) -> int:
        return self.navigation.document(self.document_id).total

    def lines(self, offset: int, limit: int) -> list[ExcerptLine]:
        return self.navigation.document_lines(self.document_id, offset, limit)

    def index_of(self, excerpt_id: int) -> int | None:
        where = self.navigation.locate(excerpt_id)
        if where is None or where[0] != self.document_id:
            return None
        return self.navigation.index_in_document(excerpt_id)


class FilteredLines:
    """The navigator's list under a filter: matching excerpts across the corpus."""

    show_ref = True

    def __init__(self, navigation: Navigation, flt: Filter, ids: array) -> None:
        self.navigation = navigation
        self.filter = flt
        self.ids = ids

    def __len__(self) -> int:
        return len(self.ids)

    def lines(self, offset: int, limit: int) -> list[ExcerptLine]:
        return self.navigation.lines(list(self.ids[offset:offset + limit]))

    def index_of(self, excerpt_id: int) -> int | None:
        try:
            return self.ids.index(excerpt_id)
        except ValueError:
            return None

    def next_unreviewed(self, after_index: int) -> int | None:
        """Index of the next listed excerpt this coder has not reviewed (wrapping round)."""
        count = len(self.ids)
        order = [*range(after_index + 1, count), *range(0, after_index + 1)]
        for start in range(0, len(order), 500):
            chunk = [self.ids[i] for i in order[start:start + 500]]
            done = q.reviewed_among(self.navigation.store, self.navigation.coder, chunk)
            for index, excerpt_id in zip(order[start:start + 500], chunk, strict=True):
                if excerpt_id not in done:
                    return index
        return None
