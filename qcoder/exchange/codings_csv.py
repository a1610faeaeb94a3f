"""Codings as CSV: atomic import (``excerpt,code,coder[,memo]``, a span by ``start,end`` or
``quote``) and streamed export."""

from __future__ import annotations

import codecs
import csv
import hashlib
import json
import os
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from ..coding import CODER_PATTERN
from ..errors import InputError, did_you_mean, located
from ..project.codebook import Codebook, codebook_stamps
from ..project.corpus import parse_ref
from ..store import selections as spans_db
from ..store import sync
from ..store.database import Store, log_import, now
from ..store.excerpt_sync import QuoteIndex

REQUIRED = ("excerpt", "code", "coder")
EXPORT_COLUMNS = ("excerpt", "code", "coder", "memo", "excerpt_memo", "case", "document",
                  "start", "end", "page", "media_start", "media_end", "time")
ORPHAN_COLUMNS = ("quote", "orphaned")  # with --include-orphans: where a coding really was
YES = ("yes", "true", "1")
# What an export writes may come back: the informational columns are read and ignored.
KNOWN_COLUMNS = tuple(dict.fromkeys((*EXPORT_COLUMNS, *ORPHAN_COLUMNS)))
SPAN_COLUMNS = ("start", "end")  # code points of the document's plain text, end exclusive
BATCH = 20_000
#: What a header may hold, said by every header error.
INFORMATIONAL = tuple(c for c in KNOWN_COLUMNS
                      if c not in (*REQUIRED, "memo", *SPAN_COLUMNS, "quote"))
HEADER_HELP = (f"{','.join(REQUIRED)} (required) and memo, start,end (a span's offsets) or "
               f"quote (a span's text), {','.join(INFORMATIONAL)} (optional)")


@dataclass
class CsvImport:
    """What a codings CSV brought in."""

    path: str
    rows: int = 0
    codings_added: int = 0
    reviews_added: int = 0
    coders: tuple[str, ...] = ()
    skipped: bool = False
    relocated: int = 0  # rows whose quote is now at another number (moved by content)
    orphans_left_out: int = 0  # orphaned rows whose quote no single excerpt has now

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def file_sha(path: Path) -> str:
    digest = hashlib.sha1()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _open_csv(path: Path) -> TextIO:
    try:
        return path.open(encoding="utf-8-sig", newline="")
    except FileNotFoundError:
        raise InputError(f"{path}: file not found; check the path") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror})") from None


def _unknown_code(path: Path, line: int, code: str, codebook: Codebook) -> InputError:
    fix = did_you_mean(code, codebook.codes, "see the ids in the codebook")
    return InputError(located(path, line, f"unknown code '{code}'; {fix}"))


def _rows(path: Path, fh: TextIO) -> Iterator[tuple[int, dict[str, str]]]:
    reader = csv.reader(fh)
    try:
        header = next(reader)
    except StopIteration:
        raise InputError(located(path, 1, f"empty file; the columns are {HEADER_HELP}"))\
            from None
    except csv.Error as exc:
        raise InputError(located(path, 1, f"not a CSV file ({exc})")) from None
    except UnicodeDecodeError:
        raise _not_utf8(path) from None
    columns = [h.strip().lower() for h in header]
    for name in REQUIRED:
        if name not in columns:
            raise InputError(located(path, 1, f"missing column '{name}'; the columns are "
                                     f"{HEADER_HELP}"))
    for name in columns:
        if name not in KNOWN_COLUMNS:
            raise InputError(located(path, 1, f"unknown column '{name}'; the columns are "
                                     f"{HEADER_HELP}; remove or rename it"))
    if ("start" in columns) != ("end" in columns):
        raise InputError(located(path, 1, "a span needs both columns 'start' and 'end'; add "
                                 "the missing one"))
    index = {name: columns.index(name) for name in (*REQUIRED, "memo", "time", *SPAN_COLUMNS,
                                                     *ORPHAN_COLUMNS) if name in columns}
    previous = reader.line_num
    try:
        for record in reader:
            line, previous = previous + 1, reader.line_num
            if not any(field.strip() for field in record):
                continue
            if any(cell.strip() for cell in record[len(header):]):
                raise InputError(located(path, line, f"{len(record)} cells but the header has "
                                         f"{len(header)}; quote a cell that holds a comma, "
                                         "or name the extra column in the header"))
            yield line, {name: (record[i].strip() if i < len(record) else "")
                         for name, i in index.items()}
    except csv.Error as exc:
        raise InputError(located(path, previous + 1, f"malformed CSV ({exc}); check quoting"))\
            from None
    except UnicodeDecodeError:
        raise _not_utf8(path) from None


def _not_utf8(path: Path) -> InputError:
    """The error for a CSV that is not UTF-8, at the line of its first undecodable byte."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    line = 1
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError as exc:
                line += chunk[:max(exc.start, 0)].count(b"\n")
                break
            line += chunk.count(b"\n")
    return InputError(located(path, line, "not UTF-8 text; save the file as CSV UTF-8"))


def import_codings(store: Store, codebook: Codebook, path: str | Path,
                   conn: sqlite3.Connection | None = None,
                   progress: Callable[[int, int], None] | None = None) -> CsvImport:
    """Import a codings CSV: all rows are checked first; one bad row rejects the file.
    ``progress(done, total)`` is called per batch of rows, in bytes of the file read.

    An empty ``code`` means "reviewed, no code applies". Existing codings are kept
    (the same coding twice is one coding; a memo fills an empty one, never overwrites).
    """
    path = Path(path)
    if conn is None:
        with store.transaction() as own:
            return import_codings(store, codebook, path, own, progress)
    refs = store.excerpt_ids_by_ref()
    quotes = QuoteIndex(conn)
    usable = {c.id for c in codebook if not c.exclusive}
    result = CsvImport(path=str(path))
    sync.open_staging(conn)
    coders: set[str] = set()
    memos: dict[tuple[int, str, str], tuple[int, str]] = {}
    batch: list[tuple] = []
    with _open_csv(path) as fh:
        size = os.fstat(fh.fileno()).st_size
        for line, row in _rows(path, fh):
            ref, code, coder = row["excerpt"], row["code"], row["coder"]
            excerpt_id = refs.get(ref)
            orphaned = row.get("orphaned", "").lower() in YES
            span = None if orphaned else _span(path, line, row, conn)
            if span is not None:
                excerpt_id = _by_span(conn, span, excerpt_id, row.get("quote", ""))
                if excerpt_id is None:  # the quote is elsewhere now: find it by its text
                    excerpt_id = _by_quote(path, line, row, refs.get(ref), quotes, result,
                                           conn)
            elif row.get("quote") or orphaned:
                excerpt_id = _by_quote(path, line, row, excerpt_id, quotes, result, conn)
                if excerpt_id is None:
                    result.orphans_left_out += 1
                    continue
            if excerpt_id is None:
                raise InputError(located(path, line, f"unknown excerpt '{ref}'; references look"
                                         " like case-id/document#n (run 'qcoder import' first)"))
            if code and code not in usable:
                if code in codebook.codes:
                    raise InputError(located(path, line, f"'{code}' is an exclusive group; "
                                             "use one of its codes"))
                raise _unknown_code(path, line, code, codebook)
            if not CODER_PATTERN.match(coder):
                raise InputError(located(path, line, f"invalid coder '{coder}'; use letters, "
                                         "digits and . _ @ + - (at most 40 characters)"))
            created = row.get("time") or None
            if created is not None:
                created = _check_time(path, line, created)
            memo = row.get("memo") or None
            if memo is not None and code:
                first = memos.setdefault((excerpt_id, code, coder), (line, memo))
                if first[1] != memo:
                    raise InputError(located(path, line, f"a second memo for the coding of line "
                                             f"{first[0]} ({ref}, {code}, {coder}); put both "
                                             "texts in one row's memo"))
            coders.add(coder)
            batch.append((line, excerpt_id, code, coder, memo, created))
            result.rows += 1
            if len(batch) >= BATCH:
                sync.stage(conn, batch)
                batch.clear()
                if progress:
                    progress(min(fh.buffer.tell(), size), size)
    sync.stage(conn, batch)
    if progress:
        progress(size, size)
    _check_exclusive(conn, path, codebook)
    stamp = now()
    result.codings_added, result.reviews_added = sync.write_staged(
        conn, sorted(coders), stamp, codebook_stamps(codebook))
    result.coders = tuple(sorted(coders))
    if result.rows:  # a file with no rows changed nothing: no audit event
        log_import(conn, result.coders, stamp, result.to_dict())
    return result


@dataclass(frozen=True)
class Span:
    """A row's span: its document and code-point offsets."""

    document_id: int
    start: int
    end: int
    text: str  # the document's plain text


def _span(path: Path, line: int, row: dict[str, str], conn: sqlite3.Connection
          ) -> Span | None:
    """The span of a row's ``start,end`` cells (None: both empty), checked against its
    document."""
    cells = row.get("start", ""), row.get("end", "")
    if not any(cells):
        return None
    ref = row["excerpt"]
    if not all(cells):
        raise InputError(located(path, line, "a span needs both 'start' and 'end'; fill "
                                 "both or leave both empty (the whole excerpt)"))
    try:
        start, end = int(cells[0]), int(cells[1])
    except ValueError:
        raise InputError(located(path, line, f"start '{cells[0]}' and end '{cells[1]}' must "
                                 "be whole numbers (code points, 0-based, end exclusive)"))\
            from None
    parts = parse_ref(ref)
    doc = spans_db.document_of(conn, parts[0], parts[1]) if parts else None
    if doc is None:
        raise InputError(located(path, line, f"unknown excerpt '{ref}'; references look like "
                                 "case-id/document#n (run 'qcoder import' first)"))
    if not 0 <= start < end <= len(doc[1]):
        raise InputError(located(path, line, f"span {start}–{end} is not inside "
                                 f"{parts[0]}/{parts[1]} (0–{len(doc[1])}, start before end);"
                                 " correct the offsets"))
    return Span(doc[0], start, end, doc[1])


def _by_span(conn: sqlite3.Connection, span: Span, excerpt_id: int | None,
             quote: str) -> int | None:
    """The excerpt of a row with a span: the one with those offsets, else a new selection
    excerpt. None when the row's quote is not the text at those offsets."""
    if quote and span.text[span.start:span.end] != quote:
        return None
    return spans_db.create(conn, span.document_id, span.start, span.end)


def _by_quote(path: Path, line: int, row: dict[str, str], excerpt_id: int | None,
              quotes: QuoteIndex, result: CsvImport,
              conn: sqlite3.Connection | None = None) -> int | None:
    """The excerpt of a row that carries its quote: the one at its reference if it still has
    that text, else the only excerpt of its document that has it; a quote that is part of
    the excerpt at its reference (its one occurrence there) is that span, a selection
    excerpt. An orphaned row is never put on an excerpt by its number alone (None: no
    excerpt has its quote now)."""
    ref, quote = row["excerpt"], row.get("quote", "")
    orphaned = row.get("orphaned", "").lower() in YES
    parts = parse_ref(ref)
    if parts is None:
        raise InputError(located(path, line, f"invalid excerpt '{ref}'; references look like "
                                 "case-id/document#n"))
    if not quote:
        return None if orphaned else excerpt_id
    if excerpt_id is not None and not orphaned and quotes.has_text(excerpt_id, quote):
        return excerpt_id
    found = quotes.find(parts[0], parts[1], quote)
    if len(found) == 1:
        if found[0] != excerpt_id:
            result.relocated += 1
        return found[0]
    if orphaned:
        return None
    inner = _inside(path, line, excerpt_id, quote, conn) if conn is not None else None
    if inner is not None:
        return inner
    raise InputError(located(path, line, f"the quote is not in excerpt '{ref}' (nor is it "
                             "the whole text of one of its document's excerpts); correct the "
                             "quote or the reference"))


def _inside(path: Path, line: int, excerpt_id: int | None, quote: str,
            conn: sqlite3.Connection) -> int | None:
    """The selection excerpt of ``quote`` inside the excerpt ``excerpt_id`` (None: not in
    it); a quote found twice there is refused."""
    row = spans_db.excerpt_span(conn, excerpt_id) if excerpt_id is not None else None
    if row is None:
        return None
    document_id, start, text = row
    pos = text.find(quote)
    if pos < 0:
        return None
    if text.find(quote, pos + 1) >= 0:
        raise InputError(located(path, line, "the quote occurs more than once in the excerpt;"
                                 " give the span as start,end columns instead"))
    return spans_db.create(conn, document_id, start + pos, start + pos + len(quote))


def _check_time(path: Path, line: int, value: str) -> str:
    """A ``time`` cell (as exported) kept as the coding's time, so a round trip keeps it."""
    try:
        datetime.fromisoformat(value)
    except ValueError:
        raise InputError(located(path, line, f"invalid time '{value}'; use ISO 8601 such as "
                                 "2024-05-01T09:30:00+00:00, or leave it empty")) from None
    return value


def _check_exclusive(conn: sqlite3.Connection, path: Path, codebook: Codebook) -> None:
    """Two children of one exclusive group for one coder and excerpt reject the file."""
    groups = {c.id: c.children for c in codebook.exclusive_groups()}
    if not groups:
        return
    member = {child: group for group, children in groups.items() for child in children}
    row = sync.staged_exclusive_conflict(conn, member)
    if row is None:
        return
    line, code, other, other_line, group = row
    where = f"line {other_line}" if other_line else "the database already"
    raise InputError(located(path, line, f"'{code}' and '{other}' ({where}) are both in the "
                             f"exclusive group '{group}' for one coder and excerpt; keep one"))


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO,
              columns: Sequence[str] = EXPORT_COLUMNS) -> int:
    """Write codings (as from ``Store.iter_codings``) as CSV; returns the number of rows."""
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    count = 0
    for row in rows:
        writer.writerow([row[c] for c in columns])
        count += 1
    return count


def write_json(rows: Iterable[dict[str, Any]], out: TextIO, totals: dict[str, Any],
               columns: Sequence[str] = EXPORT_COLUMNS) -> int:
    """Write ``{"codings": [...], "total": N, **totals}``, streamed row by row."""
    out.write('{"codings": [')
    count = 0
    for row in rows:
        out.write(("," if count else "") + "\n  " + json.dumps(
            {c: row[c] for c in columns}, ensure_ascii=False))
        count += 1
    out.write("\n], " + json.dumps({"total": count, **totals}, ensure_ascii=False)[1:] + "\n")
    return count
