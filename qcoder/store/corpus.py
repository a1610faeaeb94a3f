"""Queries on what is imported from the project: codes, cases, documents and excerpts."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ..errors import QcoderError
from ..project.codebook import Code, Codebook
from ..project.corpus import Case, format_ref, parse_ref
from .codebook_changes import (
    FIELDS,
    changed_fields,
    code_fields,
    exclusive_conflicts,
    stored_codes,
)
from .connection import chunks, set_meta
from .excerpt_sync import sync_document_excerpts
from .search import BulkIndex

if TYPE_CHECKING:
    from .connection import Connection


@dataclass
class ExcerptRow:
    """An excerpt as the store knows it, with its reference."""

    id: int
    ref: str
    case_id: str
    stem: str
    n: int
    text: str
    start: int
    end: int
    speaker: str | None
    section: str | None
    document_id: int
    active: bool = True
    page: int | None = None
    media_start: int | None = None
    media_end: int | None = None


@dataclass
class SyncReport:
    """What an import of the codebook and cases changed."""

    cases: int = 0
    documents: int = 0
    excerpts: int = 0
    codes: int = 0
    documents_added: int = 0
    documents_updated: int = 0
    documents_removed: int = 0
    excerpts_added: int = 0
    excerpts_orphaned: int = 0
    codings_orphaned: int = 0
    codes_added: int = 0
    codes_removed: int = 0
    codes_orphaned: dict[str, int] = field(default_factory=dict)
    codes_changed: dict[str, list[str]] = field(default_factory=dict)  # id -> fields
    codebook_changed: list[str] = field(default_factory=list)  # name, version, description
    exclusive_conflicts: int = 0  # (excerpt, coder) pairs with two codes of a new group
    exclusive_conflict_examples: list[str] = field(default_factory=list)
    orphaned_refs: list[str] = field(default_factory=list)
    excerpts_ambiguous: int = 0  # orphaned: their text repeats and the context cannot tell
    ambiguous_refs: list[str] = field(default_factory=list)
    seed_files: list[tuple[str, int]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


EXCERPT_SELECT = """
SELECT e.id, d.case_id, d.stem, e.n, e.text, e.start, e."end", e.speaker, e.section,
       e.document_id, e.active, e.page, e.media_start, e.media_end
FROM excerpts e JOIN documents d ON d.id = e.document_id
"""


def _excerpt(row: tuple) -> ExcerptRow:
    return ExcerptRow(id=row[0], ref=format_ref(row[1], row[2], row[3]), case_id=row[1],
                      stem=row[2], n=row[3], text=row[4], start=row[5], end=row[6],
                      speaker=row[7], section=row[8], document_id=row[9], active=bool(row[10]),
                      page=row[11], media_start=row[12], media_end=row[13])


# -- writing: the import of codebook and cases ------------------------------------------------
def sync_codebook(conn: sqlite3.Connection, codebook: Codebook, allow_orphans: bool,
                  report: SyncReport) -> None:
    """Store the codebook's codes; refuse to drop a code that has codings."""
    known = {r[0]: bool(r[1]) for r in conn.execute("SELECT id, active FROM codes")}
    counts = dict(conn.execute("SELECT code_id, COUNT(*) FROM codings GROUP BY code_id"))
    gone = sorted(c for c in known if c not in codebook.codes and known[c])
    orphaned = {c: counts[c] for c in gone if counts.get(c)}
    if orphaned and not allow_orphans:
        listed = ", ".join(f"{c} ({n} codings)" for c, n in orphaned.items())
        raise QcoderError(
            f"{codebook.path}: the codebook no longer has codes that have codings: {listed};"
            " put them back (or rename them back), or re-run with --allow-orphans to keep "
            "those codings as orphaned")
    for code_id in gone:
        if code_id in orphaned:
            conn.execute("UPDATE codes SET active = 0 WHERE id = ?", (code_id,))
        elif not counts.get(code_id):
            conn.execute("DELETE FROM codes WHERE id = ?", (code_id,))
    report.codes_orphaned = orphaned
    report.codes_removed = len(gone) - len(orphaned)
    report.codes_added = sum(1 for c in codebook.codes if c not in known)
    before = stored_codes(conn)
    after = code_fields(codebook)
    report.codes_changed = changed_fields(before, after)
    conn.executemany(
        """INSERT INTO codes (id, parent_id, label, definition, include, exclude, examples,
               key, exclusive, color, position, depth, active)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)
           ON CONFLICT(id) DO UPDATE SET parent_id = excluded.parent_id,
               label = excluded.label, definition = excluded.definition,
               include = excluded.include, exclude = excluded.exclude,
               examples = excluded.examples, key = excluded.key,
               exclusive = excluded.exclusive, color = excluded.color,
               position = excluded.position, depth = excluded.depth, active = 1""",
        [(c.id, c.parent, c.label, c.definition, c.include, c.exclude,
          json.dumps(list(c.examples), ensure_ascii=False), c.key, int(c.exclusive),
          c.color, i, c.depth) for i, c in enumerate(codebook.codes.values())])
    for key, value in (("name", codebook.name), ("version", str(codebook.version)),
                       ("description", codebook.description)):
        old = conn.execute("SELECT value FROM meta WHERE key = ?",
                           (f"codebook_{key}",)).fetchone()
        if known and (old[0] if old else "") != value:
            report.codebook_changed.append(key)
        set_meta(conn, f"codebook_{key}", value)
    report.codes = len(codebook.codes)
    # A group made exclusive (or given other children) may already be broken by codings.
    touched = {g.id for g in codebook.exclusive_groups()
               if g.id not in before or not before[g.id][FIELDS.index("exclusive")]
               or any(before.get(child, (None,))[0] != g.id for child in g.children)}
    report.exclusive_conflicts, found = exclusive_conflicts(conn, touched)
    report.exclusive_conflict_examples = [str(c) for c in found]


def sync_corpus(conn: sqlite3.Connection, cases: list[Case], report: SyncReport,
                progress: Callable[[int, int], None] | None = None) -> None:
    """Store cases, documents and excerpts; excerpts that vanished become orphaned.
    ``progress(done, total)`` is called after each document."""
    case_ids = [c.id for c in cases]
    conn.executemany(
        """INSERT INTO cases (id, name, description, attributes, position, active)
           VALUES (?, ?, ?, ?, ?, 1) ON CONFLICT(id) DO UPDATE SET name = excluded.name,
           description = excluded.description, attributes = excluded.attributes,
           position = excluded.position, active = 1""",
        [(c.id, c.name, c.description, json.dumps(c.attributes, ensure_ascii=False), i)
         for i, c in enumerate(cases)])
    conn.execute(f"UPDATE cases SET active = 0 WHERE id NOT IN "
                 f"({','.join('?' * len(case_ids))})", case_ids)
    known = {(r[1], r[2]): (r[0], r[3], r[4]) for r in conn.execute(
        "SELECT id, case_id, stem, sha, active FROM documents")}
    seen: set[int] = set()
    index = BulkIndex(conn)
    total = sum(len(case.documents) for case in cases)
    done = 0
    for case in cases:
        for doc in case.documents:
            done += 1
            if progress:
                progress(done, total)
            key = (doc.case_id, doc.stem)
            if key in known and known[key][1] == doc.sha and known[key][2]:
                seen.add(known[key][0])
                continue
            if key in known:
                index.forget(known[key][0])
            doc_id = _upsert_document(conn, doc, known.get(key))
            index.add(doc_id)
            seen.add(doc_id)
            if key in known:
                report.documents_updated += 1
            else:
                report.documents_added += 1
            _sync_excerpts(conn, doc_id, doc, report, fresh=key not in known)
    for doc_id, _, active in known.values():
        if doc_id not in seen and active:
            report.documents_removed += 1
            _orphan(conn, "document_id = ?", (doc_id,), report)
            conn.execute("UPDATE documents SET active = 0 WHERE id = ?", (doc_id,))
    index.finish()
    report.cases = len(cases)
    report.documents = conn.execute(
        "SELECT COUNT(*) FROM documents WHERE active = 1").fetchone()[0]
    report.excerpts = conn.execute(
        "SELECT COUNT(*) FROM excerpts WHERE active = 1").fetchone()[0]


def _upsert_document(conn: sqlite3.Connection, doc: Any, known: tuple | None) -> int:
    values = (doc.case_id, doc.stem, str(doc.path.name), doc.title, doc.kind, doc.date,
              json.dumps(doc.attributes, ensure_ascii=False), doc.text, doc.sha)
    if known is None:
        cur = conn.execute("""INSERT INTO documents (case_id, stem, path, title, kind, date,
            attributes, text, sha, active) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 1)""", values)
        return int(cur.lastrowid)
    conn.execute("""UPDATE documents SET case_id = ?, stem = ?, path = ?, title = ?, kind = ?,
        date = ?, attributes = ?, text = ?, sha = ?, active = 1 WHERE id = ?""",
                 (*values, known[0]))
    return int(known[0])


def _sync_excerpts(conn: sqlite3.Connection, doc_id: int, doc: Any, report: SyncReport,
                   fresh: bool = False) -> None:
    """Store a new or changed document's excerpts (``fresh``: it has none stored yet)."""
    if not fresh:
        done = sync_document_excerpts(conn, doc_id, doc)
        report.excerpts_added += done.added
        report.excerpts_orphaned += done.orphaned
        report.codings_orphaned += done.codings_orphaned
        report.orphaned_refs += done.orphaned_refs
        report.excerpts_ambiguous += done.ambiguous
        report.ambiguous_refs += done.ambiguous_refs
        return
    # An identity names its case and document, so a fresh document's excerpts cannot
    # conflict; the plain insert skips the upsert's foreign-key work (a third faster).
    conn.executemany("""INSERT INTO excerpts (identity, document_id, n, start, "end",
        speaker, section, text, page, media_start, media_end, active)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)""",
                     [(e.identity, doc_id, e.n, e.start, e.end, e.speaker, e.section, e.text,
                       e.page, e.media_start, e.media_end) for e in doc.excerpts])
    report.excerpts_added += len(doc.excerpts)


def _orphan(conn: sqlite3.Connection, where: str, params: tuple, report: SyncReport) -> None:
    ids = [r[0] for r in conn.execute(
        f"SELECT identity FROM excerpts WHERE active = 1 AND {where}", params)]
    conn.execute(f"UPDATE excerpts SET active = 0 WHERE {where}", params)
    _count_orphans(conn, ids, report)


def _count_orphans(conn: sqlite3.Connection, identities: list[str],
                   report: SyncReport) -> None:
    report.excerpts_orphaned += len(identities)
    for chunk in chunks(identities, 500):
        marks = ",".join("?" * len(chunk))
        rows = conn.execute(f"""SELECT d.case_id, d.stem, e.n, COUNT(c.id)
            FROM excerpts e JOIN documents d ON d.id = e.document_id
            JOIN codings c ON c.excerpt_id = e.id WHERE e.identity IN ({marks})
            GROUP BY e.id""", chunk).fetchall()
        for case_id, stem, n, count in rows:
            report.codings_orphaned += count
            report.orphaned_refs.append(format_ref(case_id, stem, n))


def excerpt_is_active(conn: sqlite3.Connection, excerpt_id: int) -> bool:
    """True when the excerpt exists and is not orphaned (inside a transaction)."""
    return conn.execute("SELECT 1 FROM excerpts WHERE id = ? AND active = 1",
                        (excerpt_id,)).fetchone() is not None


# -- reading: methods of the Store ------------------------------------------------------------
class CorpusReads:
    """The Store's reads of codes, cases, documents and excerpts."""

    def active_code_ids(self: Connection) -> set[str]:
        return {r[0] for r in self.query("SELECT id FROM codes WHERE active = 1")}

    def sync_codebook(self, conn: sqlite3.Connection, codebook: Codebook,
                      allow_orphans: bool, report: SyncReport) -> None:
        sync_codebook(conn, codebook, allow_orphans, report)

    def sync_corpus(self, conn: sqlite3.Connection, cases: list[Case],
                    report: SyncReport,
                    progress: Callable[[int, int], None] | None = None) -> None:
        sync_corpus(conn, cases, report, progress)

    def codebook(self: Connection) -> Codebook:
        """The stored codebook (active codes, in codebook order)."""
        rows = self.query("""SELECT id, parent_id, label, definition, include, exclude,
            examples, key, exclusive, color, depth FROM codes WHERE active = 1
            ORDER BY position""")
        children: dict[str | None, list[str]] = {}
        for r in rows:
            children.setdefault(r[1], []).append(r[0])
        codes = {
            r[0]: Code(id=r[0], parent=r[1], label=r[2], definition=r[3], include=r[4],
                       exclude=r[5], examples=tuple(json.loads(r[6] or "[]")), key=r[7],
                       exclusive=bool(r[8]), color=r[9], depth=r[10],
                       children=tuple(children.get(r[0], ())))
            for r in rows
        }
        return Codebook(name=self.meta("codebook_name", "") or "",
                        version=self.meta("codebook_version", "") or "",
                        description=self.meta("codebook_description", "") or "", codes=codes)

    def has_documents(self: Connection) -> bool:
        """False for a database that has never imported the project."""
        return bool(self.scalar("SELECT COUNT(*) FROM documents"))

    def cases(self: Connection) -> list[dict[str, Any]]:
        rows = self.query("""SELECT id, name, description, attributes FROM cases
            WHERE active = 1 ORDER BY position, id""")
        return [{"id": r[0], "name": r[1], "description": r[2],
                 "attributes": json.loads(r[3] or "{}")} for r in rows]

    def documents(self: Connection, case_id: str | None = None) -> list[dict[str, Any]]:
        sql = """SELECT d.id, d.case_id, d.stem, d.title, d.kind, d.date, d.attributes,
                 (SELECT COUNT(*) FROM excerpts e WHERE e.document_id = d.id AND e.active = 1
                  AND e.selection IS NULL),
                 (SELECT COUNT(*) FROM excerpts e WHERE e.document_id = d.id AND e.active = 1
                  AND e.selection IS NOT NULL)
                 FROM documents d JOIN cases c ON c.id = d.case_id WHERE d.active = 1"""
        params: tuple = ()
        if case_id is not None:
            sql += " AND d.case_id = ?"
            params = (case_id,)
        rows = self.query(sql + " ORDER BY c.position, d.case_id, d.stem", params)
        return [{"id": r[0], "case_id": r[1], "stem": r[2], "title": r[3], "kind": r[4],
                 "date": r[5], "attributes": json.loads(r[6] or "{}"), "excerpts": r[7],
                 "spans": r[8]}
                for r in rows]

    def document_text(self: Connection, document_id: int) -> str:
        return self.scalar("SELECT text FROM documents WHERE id = ?", (document_id,)) or ""

    def excerpt(self: Connection, excerpt_id: int) -> ExcerptRow | None:
        rows = self.query(EXCERPT_SELECT + " WHERE e.id = ?", (excerpt_id,))
        return _excerpt(rows[0]) if rows else None

    def excerpts(self: Connection, document_id: int | None = None, active: bool = True,
                 case_id: str | None = None) -> list[ExcerptRow]:
        where, params = ["e.active = ?"], [int(active)]
        if document_id is not None:
            where.append("e.document_id = ?")
            params.append(document_id)
        if case_id is not None:
            where.append("d.case_id = ?")
            params.append(case_id)
        rows = self.query(EXCERPT_SELECT + " WHERE " + " AND ".join(where)
                          + " ORDER BY d.case_id, d.stem, e.n", params)
        return [_excerpt(r) for r in rows]

    def excerpt_ids_by_ref(self: Connection) -> dict[str, int]:
        """Every active excerpt's reference mapped to its id."""
        return {format_ref(r[0], r[1], r[2]): r[3] for r in self.query(
            """SELECT d.case_id, d.stem, e.n, e.id FROM excerpts e
               JOIN documents d ON d.id = e.document_id WHERE e.active = 1""")}

    def excerpt_by_ref(self: Connection, ref: str) -> ExcerptRow | None:
        parts = parse_ref(ref)
        if parts is None:
            return None
        rows = self.query(EXCERPT_SELECT + " WHERE d.case_id = ? AND d.stem = ? AND e.n = ? "
                          "AND e.active = 1", parts)
        return _excerpt(rows[0]) if rows else None
