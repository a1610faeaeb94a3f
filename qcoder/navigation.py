"""Moving through the corpus as one coder: corpus order, next unreviewed, filters, search.

Blind by construction: every query here reads only the given coder's reviews, codings and
memos, never another coder's. Corpus order is the order of ``qcoder status``: case position,
case id, document stem, excerpt number. Nothing here loads the whole corpus: pages of lines
are read on demand and a filter keeps only the ids it matched (8 bytes each), so memory
stays flat however many excerpts a project has.
"""

from __future__ import annotations

from array import array
from dataclasses import dataclass
from typing import Literal

from .project.codebook import Codebook
from .project.corpus import format_ref
from .store.database import CONSENSUS, Store

FilterKind = Literal["all", "unreviewed", "code", "memo", "search"]

CORPUS_ORDER = "ORDER BY c.position, d.case_id, d.stem, e.n"
CORPUS_JOIN = ("JOIN documents d ON d.id = e.document_id AND d.active = 1 "
               "JOIN cases c ON c.id = d.case_id")

# One row per excerpt line, with this coder's state only (:coder is always bound).
LINE_SELECT = """
SELECT e.id, d.case_id, d.stem, e.n, e.speaker, substr(e.text, 1, 240),
       EXISTS (SELECT 1 FROM reviews r WHERE r.excerpt_id = e.id AND r.coder = :coder),
       (SELECT COUNT(*) FROM codings k WHERE k.excerpt_id = e.id AND k.coder = :coder),
       EXISTS (SELECT 1 FROM memos m WHERE m.excerpt_id = e.id AND m.coder = :coder)
         OR EXISTS (SELECT 1 FROM codings k WHERE k.excerpt_id = e.id AND k.coder = :coder
                    AND k.memo IS NOT NULL)
FROM excerpts e JOIN documents d ON d.id = e.document_id
"""

UNREVIEWED_IN_DOCUMENT = """
SELECT e.id FROM excerpts e
WHERE e.document_id = ? AND e.active = 1 AND e.n > ? AND e.n < ?
  AND NOT EXISTS (SELECT 1 FROM reviews r WHERE r.excerpt_id = e.id AND r.coder = ?)
ORDER BY e.n LIMIT 1
"""


@dataclass(frozen=True)
class Filter:
    """What the navigator lists: every excerpt, or those matching one condition."""

    kind: FilterKind = "all"
    value: str = ""

    @property
    def active(self) -> bool:
        return self.kind != "all"

    def describe(self, codebook: Codebook | None = None, short: bool = False) -> str:
        """A phrase for the UI, e.g. ``coded with Security framing`` (``short``: the label)."""
        if self.kind == "unreviewed":
            return "not reviewed" if short else "not yet reviewed"
        if self.kind == "memo":
            return "with a memo"
        if self.kind == "code":
            label = (codebook[self.value].label if codebook is not None
                     and self.value in codebook else self.value)
            return label if short else f"coded with {label}"
        if self.kind == "search":
            return f"“{self.value}”" if short else f"text contains “{self.value}”"
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
    return dict(store.query("""SELECT e.document_id, COUNT(*) FROM reviews r JOIN excerpts e
        ON e.id = r.excerpt_id AND e.active = 1 WHERE r.coder = ? GROUP BY e.document_id""",
                            (coder,)))


def coder_progress(store: Store) -> dict[str, int]:
    """Excerpts reviewed per coder (progress only, never codes), consensus left out."""
    return dict(store.query("""SELECT r.coder, COUNT(*) FROM reviews r JOIN excerpts e
        ON e.id = r.excerpt_id AND e.active = 1 WHERE r.coder != ? GROUP BY r.coder
        ORDER BY r.coder""", (CONSENSUS,)))


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
        totals = dict(self.store.query(
            "SELECT document_id, COUNT(*) FROM excerpts WHERE active = 1 GROUP BY document_id"))
        rows = self.store.query("""SELECT d.id, d.case_id, d.stem, d.title, d.kind
            FROM documents d JOIN cases c ON c.id = d.case_id WHERE d.active = 1
            ORDER BY c.position, d.case_id, d.stem""")
        self.documents = [DocumentEntry(id=r[0], case_id=r[1], stem=r[2], title=r[3], kind=r[4],
                                        total=totals.get(r[0], 0)) for r in rows]
        self._position = {d.id: i for i, d in enumerate(self.documents)}
        self.case_names = {c["id"]: c["name"] for c in self.store.cases()}
        self.progress_known = False
        if progress:
            self.refresh_progress()

    def read_progress(self) -> dict[int, int]:
        return read_progress(self.store, self.coder)

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
        doc.reviewed, doc.total = self.store.query(
            """SELECT COUNT(r.coder), COUNT(*) FROM excerpts e LEFT JOIN reviews r
               ON r.excerpt_id = e.id AND r.coder = ? WHERE e.document_id = ? AND e.active = 1""",
            (self.coder, document_id))[0]
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
        rows = self.store.query("SELECT document_id, n FROM excerpts WHERE id = ? AND active = 1",
                                (excerpt_id,))
        return (rows[0][0], rows[0][1]) if rows else None

    def index_in_document(self, excerpt_id: int) -> int:
        """0-based position of an excerpt among its document's active excerpts."""
        where = self.locate(excerpt_id)
        if where is None:
            return 0
        return int(self.store.scalar("SELECT COUNT(*) FROM excerpts WHERE document_id = ? AND "
                                     "active = 1 AND n < ?", where))

    def _unreviewed_in(self, document_id: int, after_n: int = 0,
                       before_n: int = 2**62) -> int | None:
        return self.store.scalar(UNREVIEWED_IN_DOCUMENT,
                                 (document_id, after_n, before_n, self.coder))

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
        return self._unreviewed_in(document_id) or self.store.scalar(
            "SELECT id FROM excerpts WHERE document_id = ? AND active = 1 ORDER BY n LIMIT 1",
            (document_id,))

    def step(self, excerpt_id: int, delta: int) -> int | None:
        """The excerpt before (-1) or after (+1) in corpus order, across documents."""
        where = self.locate(excerpt_id)
        if where is None:
            return None
        doc_id, n = where
        op, order = (">", "ASC") if delta > 0 else ("<", "DESC")
        found = self.store.scalar(f"SELECT id FROM excerpts WHERE document_id = ? AND active = 1"
                                  f" AND n {op} ? ORDER BY n {order} LIMIT 1", (doc_id, n))
        if found is not None:
            return found
        i = self._position[doc_id] + (1 if delta > 0 else -1)
        while 0 <= i < len(self.documents):
            found = self.store.scalar(f"SELECT id FROM excerpts WHERE document_id = ? AND "
                                      f"active = 1 ORDER BY n {order} LIMIT 1",
                                      (self.documents[i].id,))
            if found is not None:
                return found
            i += 1 if delta > 0 else -1
        return None

    def neighbours(self, excerpt_id: int) -> tuple[int | None, int | None]:
        """The excerpts just before and after, within the same document (context)."""
        where = self.locate(excerpt_id)
        if where is None:
            return None, None
        before = self.store.scalar("SELECT id FROM excerpts WHERE document_id = ? AND active = 1"
                                   " AND n < ? ORDER BY n DESC LIMIT 1", where)
        after = self.store.scalar("SELECT id FROM excerpts WHERE document_id = ? AND active = 1"
                                  " AND n > ? ORDER BY n LIMIT 1", where)
        return before, after

    # -- lines for the navigator --------------------------------------------------------------
    def document_lines(self, document_id: int, offset: int, limit: int) -> list[ExcerptLine]:
        """A page of a document's excerpt lines, in order."""
        rows = self.store.query(LINE_SELECT + " WHERE e.document_id = :doc AND e.active = 1 "
                                "ORDER BY e.n LIMIT :limit OFFSET :offset",
                                {"coder": self.coder, "doc": document_id, "limit": limit,
                                 "offset": offset})
        return [_line(r) for r in rows]

    def lines(self, ids: list[int]) -> list[ExcerptLine]:
        """The lines of these excerpts, in the order given."""
        if not ids:
            return []
        params: dict[str, object] = {"coder": self.coder}
        params.update({f"i{k}": v for k, v in enumerate(ids)})
        marks = ",".join(f":i{k}" for k in range(len(ids)))
        rows = self.store.query(LINE_SELECT + f" WHERE e.id IN ({marks})", params)
        by_id = {r[0]: _line(r) for r in rows}
        return [by_id[i] for i in ids if i in by_id]

    def matching(self, flt: Filter) -> array:
        """Ids of the active excerpts a filter keeps, in corpus order (compact int array)."""
        where, params = self._condition(flt)
        cur = self.store.conn.execute(
            f"SELECT e.id FROM excerpts e {CORPUS_JOIN} WHERE e.active = 1 AND {where} "
            f"{CORPUS_ORDER}", params)
        out = array("q")
        while rows := cur.fetchmany(10_000):
            out.extend(r[0] for r in rows)
        return out

    def _condition(self, flt: Filter) -> tuple[str, dict[str, object]]:
        params: dict[str, object] = {"coder": self.coder}
        if flt.kind == "unreviewed":
            return ("NOT EXISTS (SELECT 1 FROM reviews r WHERE r.excerpt_id = e.id AND "
                    "r.coder = :coder)", params)
        if flt.kind == "memo":
            return ("(EXISTS (SELECT 1 FROM memos m WHERE m.excerpt_id = e.id AND m.coder = "
                    ":coder) OR EXISTS (SELECT 1 FROM codings k WHERE k.excerpt_id = e.id AND "
                    "k.coder = :coder AND k.memo IS NOT NULL))", params)
        if flt.kind == "code":
            codes = [flt.value]
            if flt.value in self.codebook:
                codes += self.codebook.descendants(flt.value)
            params.update({f"c{k}": c for k, c in enumerate(codes)})
            marks = ",".join(f":c{k}" for k in range(len(codes)))
            return (f"EXISTS (SELECT 1 FROM codings k WHERE k.excerpt_id = e.id AND "
                    f"k.coder = :coder AND k.code_id IN ({marks}))", params)
        if flt.kind == "search":
            needle = " ".join(flt.value.split()).casefold()
            if not needle:
                return "1", params
            self.store.conn.create_function("qcoder_contains", 2, _contains, deterministic=True)
            params["needle"] = needle
            return "qcoder_contains(e.text, :needle)", params
        return "1", params


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
            marks = ",".join("?" * len(chunk))
            done = {r[0] for r in self.navigation.store.query(
                f"SELECT excerpt_id FROM reviews WHERE coder = ? AND excerpt_id IN ({marks})",
                (self.navigation.coder, *chunk))}
            for index, excerpt_id in zip(order[start:start + 500], chunk, strict=True):
                if excerpt_id not in done:
                    return index
        return None
