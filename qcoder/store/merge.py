"""The statements of ``qcoder merge``: another copy's work brought in, in SQL.

The other database is attached and only read; everything runs in the caller's transaction.
See :mod:`qcoder.exchange.merge` for the rules. Codings and memos go through the one bulk
writer (:func:`.bulk.write_codings` with :attr:`.MemoPolicy.APPEND`).
"""

from __future__ import annotations

import re
import sqlite3
import tempfile
from collections.abc import Callable, Iterator
from contextlib import closing, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..errors import StoreError
from ..project.corpus import format_ref
from . import bulk
from .connection import now
from .events import next_action_id
from .migrations import LATEST

if TYPE_CHECKING:
    from .database import Store

SOURCE = "merge_src"
SAMPLE = 20
CACHE_KIB = 128 * 1024  # page cache while merging: bounds memory, keeps indexes hot
# Incoming events at least this many, and at least REBUILD_RATIO times the events here: the
# events table's indexes are dropped and built again around the insert, which then costs
# less than keeping its indexes up to date row by row (measured with
# benchmarks/bench_merge.py: 500,000 events into an empty history, 2.5 s CPU row by row, 2.0 s
# rebuilt; into 500,000 events, 3.7 s row by row, 4.0 s rebuilt).
REBUILD_MIN = 50_000
REBUILD_RATIO = 2
_CREATE_INDEX = re.compile(r"^(\s*CREATE\s+(?:UNIQUE\s+)?INDEX\s+(?:IF\s+NOT\s+EXISTS\s+)?)",
                           re.IGNORECASE)
REQUIRED_TABLES = ("meta", "migrations", "cases", "documents", "excerpts", "codes", "coders",
                   "codings", "reviews", "memos", "events")


@dataclass
class MergeSummary:
    """What a merge added (or, in a dry run, would add) to this database.

    ``memos`` counts memos that came in for codings or excerpts both copies have (a new
    coding brings its memo along); ``memos_kept_both`` those where both texts were kept.
    ``orphaned`` counts added codings whose excerpt or code is not active here;
    ``conflicts`` excerpts where a coder now has two codes of one exclusive group.
    """

    source: str
    dry_run: bool = False
    schema: int = LATEST
    codings: int = 0
    reviews: int = 0
    memos: int = 0
    memos_kept_both: int = 0
    events: int = 0
    adjudications: int = 0
    coders: list[str] = field(default_factory=list)
    orphaned: int = 0
    orphaned_excerpts: list[str] = field(default_factory=list)
    orphaned_codes: list[str] = field(default_factory=list)
    conflicts: int = 0
    conflict_examples: list[str] = field(default_factory=list)
    codebook: dict[str, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        return any((self.codings, self.reviews, self.memos, self.memos_kept_both, self.events,
                    self.adjudications, self.coders))

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@contextmanager
def attached(store: Store, source: Path) -> Iterator[None]:
    """Attach ``source``, with a larger page cache and no per-row foreign-key checks while
    merging: the merge itself brings in every parent row (coder, code, excerpt) first."""
    conn = store.conn
    cache = conn.execute("PRAGMA cache_size").fetchone()[0]
    checks = conn.execute("PRAGMA foreign_keys").fetchone()[0]
    try:
        conn.execute(f"ATTACH DATABASE ? AS {SOURCE}", (str(source),))
    except sqlite3.Error as exc:
        raise StoreError(f"{source}: cannot be opened ({exc}); nothing was merged") from None
    conn.execute(f"PRAGMA main.cache_size = {-CACHE_KIB}")
    conn.execute("PRAGMA foreign_keys = OFF")
    try:
        yield
    finally:
        conn.execute(f"PRAGMA foreign_keys = {int(checks)}")
        conn.execute(f"PRAGMA main.cache_size = {cache}")
        conn.execute(f"DETACH DATABASE {SOURCE}")


def inspect(store: Store, path: Path) -> tuple[int, dict[str, str]]:
    """Refuse what cannot be merged; return the schema version and meta of ``path``."""
    if not path.is_file():
        raise StoreError(f"{path}: no such database file; give the path of a copy made with "
                         "'qcoder export coder'")
    if path.resolve() == store.path.resolve() or path.samefile(store.path):
        raise StoreError(f"{path}: this is the project's own database; give another copy")
    refuse = f"{path}: not a qcoder database"
    try:
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as conn:
            tables = {r[0] for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table'")}
            lacking = [t for t in REQUIRED_TABLES if t not in tables]
            if lacking:
                raise StoreError(f"{refuse} (no table {', '.join(lacking)}); give a copy made "
                                 "with 'qcoder export coder'")
            schema = conn.execute("SELECT MAX(version) FROM migrations").fetchone()[0] or 0
            if schema < 1:
                raise StoreError(f"{refuse} (no schema version); give a copy made with "
                                 "'qcoder export coder'")
            if schema > LATEST:
                raise StoreError(f"{path}: written by a newer qcoder (schema {schema}, this "
                                 f"qcoder knows {LATEST}); upgrade qcoder, then merge")
            meta = dict(conn.execute("SELECT key, value FROM meta"))
    except sqlite3.DatabaseError as exc:
        if "malformed" in str(exc):
            raise StoreError(f"{path}: damaged database ({exc}); nothing was merged. Ask for "
                             "a fresh copy") from None
        raise StoreError(f"{refuse} ({exc}); give a copy made with 'qcoder export coder'"
                         ) from None
    return schema, meta


@contextmanager
def readable(path: Path, schema: int) -> Iterator[Path]:
    """``path`` itself, or for an older schema an upgraded temporary copy (``path`` unchanged)."""
    if schema == LATEST:
        yield path
        return
    with tempfile.TemporaryDirectory(prefix="qcoder-merge-") as folder:
        copy = Path(folder) / path.name
        with closing(sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True)) as src, \
                closing(sqlite3.connect(copy)) as dst:
            src.backup(dst)
        from .database import Store

        Store(copy).close()
        yield copy


# -- the merge -----------------------------------------------------------------------------
TEMP_TABLES = ("merge_coders", "merge_excerpts", "merge_missing", "merge_events",
               "merge_actions", "merge_exclusive")


#: the steps of :func:`merge`, for its ``progress`` callback
MERGE_STEPS = 8


def merge(conn: sqlite3.Connection, summary: MergeSummary,
          progress: Callable[[int, int], None] | None = None) -> None:
    """Merge the attached database into main; ``progress(done, MERGE_STEPS)`` after each
    step (coders, excerpts and codes, codings, reviews, memos, events, adjudications,
    report)."""
    def step(done: int) -> None:
        if progress:
            progress(done, MERGE_STEPS)

    for table in TEMP_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS temp.{table}")
    before = conn.execute("SELECT COALESCE(MAX(id), 0) FROM main.codings").fetchone()[0]
    summary.coders = _merge_coders(conn)
    step(1)
    _map_excerpts(conn)
    _add_missing_codes(conn)
    step(2)
    label = summary.source
    written = bulk.write_codings(conn, f"""
        SELECT x.dst AS excerpt_id, c.code_id, c.coder, c.created, c.memo,
               c.codebook_version, c.definition_hash
        FROM {SOURCE}.codings c JOIN temp.merge_excerpts x ON x.src = c.excerpt_id
        WHERE true ORDER BY c.id""", policy=bulk.MemoPolicy.APPEND, label=label, stamped=True)
    summary.codings = written.added
    summary.memos += written.memos_filled
    summary.memos_kept_both += written.memos_appended
    step(3)
    summary.reviews = bulk.write_reviews(conn, f"""
        SELECT x.dst, r.coder, r.reviewed_at FROM {SOURCE}.reviews r
        JOIN temp.merge_excerpts x ON x.src = r.excerpt_id WHERE true""")
    step(4)
    excerpt_memos = f"""SELECT x.dst AS excerpt_id, m.coder, m.text, m.updated
        FROM {SOURCE}.memos m JOIN temp.merge_excerpts x ON x.src = m.excerpt_id WHERE true"""
    filled, both = bulk.append_memos(conn, excerpt_memos, (), label)
    summary.memos_kept_both += both
    summary.memos += filled + conn.execute(f"""
        INSERT INTO main.memos (excerpt_id, coder, text, updated) {excerpt_memos}
        ON CONFLICT(excerpt_id, coder) DO NOTHING""").rowcount
    step(5)
    summary.events = _merge_events(conn)
    step(6)
    summary.adjudications = _merge_adjudications(conn)
    step(7)
    _report_orphans(conn, summary, before)
    _report_conflicts(conn, summary, before)
    step(8)
    for table in TEMP_TABLES:
        conn.execute(f"DROP TABLE IF EXISTS temp.{table}")


def _merge_coders(conn: sqlite3.Connection) -> list[str]:
    """Every coder the other's rows name comes in; returns those new here."""
    conn.execute(f"""CREATE TEMP TABLE merge_coders AS
        SELECT name, MIN(created) AS created,
               name NOT IN (SELECT name FROM main.coders) AS new FROM (
            SELECT name, created FROM {SOURCE}.coders
            UNION ALL SELECT DISTINCT coder, :now FROM {SOURCE}.codings
            UNION ALL SELECT DISTINCT coder, :now FROM {SOURCE}.reviews
            UNION ALL SELECT DISTINCT coder, :now FROM {SOURCE}.memos)
        GROUP BY name""", {"now": now()})
    new = [r[0] for r in conn.execute("SELECT name FROM temp.merge_coders WHERE new "
                                      "ORDER BY name")]
    conn.execute("INSERT INTO main.coders (name, created) SELECT name, created "
                 "FROM temp.merge_coders WHERE true ON CONFLICT(name) DO NOTHING")
    return new


def _map_excerpts(conn: sqlite3.Connection) -> None:
    """Map the other's excerpt ids to ours by identity; bring in, inactive, the excerpts (and
    their documents and cases) that carry work but that this project lacks."""
    conn.execute("CREATE TEMP TABLE merge_excerpts (src INTEGER PRIMARY KEY, dst INTEGER)")
    conn.execute(f"""INSERT INTO temp.merge_excerpts SELECT o.id, m.id FROM {SOURCE}.excerpts o
        LEFT JOIN main.excerpts m ON m.identity = o.identity""")
    conn.execute(f"""CREATE TEMP TABLE merge_missing AS SELECT src FROM temp.merge_excerpts x
        WHERE x.dst IS NULL AND (
            EXISTS (SELECT 1 FROM {SOURCE}.codings c WHERE c.excerpt_id = x.src)
            OR EXISTS (SELECT 1 FROM {SOURCE}.reviews r WHERE r.excerpt_id = x.src)
            OR EXISTS (SELECT 1 FROM {SOURCE}.memos m WHERE m.excerpt_id = x.src)
            OR EXISTS (SELECT 1 FROM {SOURCE}.events e WHERE e.excerpt_id = x.src)
            OR EXISTS (SELECT 1 FROM {SOURCE}.adjudications a WHERE a.excerpt_id = x.src))""")
    if not conn.execute("SELECT 1 FROM temp.merge_missing LIMIT 1").fetchone():
        return
    needed = f"""SELECT e.document_id FROM {SOURCE}.excerpts e
        JOIN temp.merge_missing x ON x.src = e.id"""
    conn.execute(f"""INSERT INTO main.cases (id, name, description, attributes, position, active)
        SELECT c.id, c.name, c.description, c.attributes, c.position, 0 FROM {SOURCE}.cases c
        WHERE c.id IN (SELECT d.case_id FROM {SOURCE}.documents d WHERE d.id IN ({needed}))
          AND c.id NOT IN (SELECT id FROM main.cases)""")
    conn.execute(f"""INSERT INTO main.documents (case_id, stem, path, title, kind, date,
            attributes, text, sha, active)
        SELECT d.case_id, d.stem, d.path, d.title, d.kind, d.date, d.attributes, d.text, d.sha, 0
        FROM {SOURCE}.documents d WHERE d.id IN ({needed}) AND NOT EXISTS (
            SELECT 1 FROM main.documents m WHERE m.case_id = d.case_id AND m.stem = d.stem)""")
    conn.execute(f"""INSERT INTO main.excerpts (identity, document_id, n, start, "end", speaker,
            section, text, active)
        SELECT e.identity, m.id, e.n, e.start, e."end", e.speaker, e.section, e.text, 0
        FROM temp.merge_missing x JOIN {SOURCE}.excerpts e ON e.id = x.src
        JOIN {SOURCE}.documents d ON d.id = e.document_id
        JOIN main.documents m ON m.case_id = d.case_id AND m.stem = d.stem
        WHERE e.selection IS NULL""")
    _bring_selections(conn)
    conn.execute(f"""UPDATE temp.merge_excerpts AS x SET dst = m.id
        FROM {SOURCE}.excerpts o JOIN main.excerpts m ON m.identity = o.identity
        WHERE x.dst IS NULL AND o.id = x.src""")


def _bring_selections(conn: sqlite3.Connection) -> None:
    """Selections the other copy made that this project lacks come in with the next free
    number of their document here; active where this document has their quote at their
    offsets, else orphaned."""
    rows = conn.execute(f"""SELECT e.identity, m.id, e.start, e."end", e.speaker, e.section,
            e.text, e.page, e.media_start, e.media_end,
            m.active AND substr(m.text, e.start + 1, e."end" - e.start) = e.text
        FROM temp.merge_missing x JOIN {SOURCE}.excerpts e ON e.id = x.src
        JOIN {SOURCE}.documents d ON d.id = e.document_id
        JOIN main.documents m ON m.case_id = d.case_id AND m.stem = d.stem
        WHERE e.selection IS NOT NULL ORDER BY m.id, e.selection""").fetchall()
    for identity, doc_id, start, end, *context, active in rows:
        k = conn.execute("SELECT COALESCE(MAX(selection), 0) + 1 FROM main.excerpts "
                         "WHERE document_id = ?", (doc_id,)).fetchone()[0]
        conn.execute("""INSERT INTO main.excerpts (identity, document_id, n, start, "end",
            speaker, section, text, page, media_start, media_end, active, selection)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                     (identity, doc_id, -k, start, end, *context, int(bool(active)), k))


def _add_missing_codes(conn: sqlite3.Connection) -> None:
    """Codes of the other's codings that this codebook lacks come in inactive (orphaned)."""
    used = f"""SELECT DISTINCT code_id FROM {SOURCE}.codings
        UNION SELECT code_id FROM {SOURCE}.adjudications"""
    conn.execute(f"""INSERT INTO main.codes (id, parent_id, label, definition, include, exclude,
            examples, key, exclusive, color, position, depth, active)
        SELECT u.code_id, c.parent_id, COALESCE(c.label, u.code_id),
               COALESCE(c.definition, ''), COALESCE(c.include, ''), COALESCE(c.exclude, ''),
               COALESCE(c.examples, '[]'), NULL, COALESCE(c.exclusive, 0), c.color,
               COALESCE(c.position, 0), COALESCE(c.depth, 0), 0
        FROM ({used}) u LEFT JOIN {SOURCE}.codes c ON c.id = u.code_id
        WHERE u.code_id NOT IN (SELECT id FROM main.codes)""")


def _merge_events(conn: sqlite3.Connection) -> int:
    """Events whose uid is new here come in. An action with an event already here keeps our
    id for it; the other actions move, in their order, to ids after our latest."""
    conn.execute("CREATE TEMP TABLE merge_events (id INTEGER PRIMARY KEY, action_id INTEGER, "
                 "shared INTEGER)")
    conn.execute(f"""INSERT INTO temp.merge_events SELECT o.id, o.action_id, m.action_id
        FROM {SOURCE}.events o LEFT JOIN main.events m ON m.uid = o.uid""")
    conn.execute("CREATE TEMP TABLE merge_actions (src INTEGER PRIMARY KEY, dst INTEGER)")
    conn.execute("""INSERT INTO temp.merge_actions SELECT action_id, MIN(shared)
        FROM temp.merge_events WHERE shared IS NOT NULL GROUP BY action_id""")
    first = conn.execute("""SELECT MIN(action_id) FROM temp.merge_events WHERE shared IS NULL
        AND action_id NOT IN (SELECT src FROM temp.merge_actions)""").fetchone()[0]
    if first is not None:
        conn.execute("""INSERT OR IGNORE INTO temp.merge_actions SELECT action_id, action_id + ?
            FROM temp.merge_events WHERE shared IS NULL""", (next_action_id(conn) - first,))
    insert = f"""
        INSERT INTO main.events (action_id, coder, at, kind, excerpt_id, code_id, before, after,
                                 state, uid)
        SELECT a.dst, e.coder, e.at, e.kind, x.dst, e.code_id, e.before, e.after,
               CASE e.state WHEN 'undone' THEN 'dropped' ELSE e.state END, e.uid
        FROM temp.merge_events t JOIN {SOURCE}.events e ON e.id = t.id
        JOIN temp.merge_actions a ON a.src = t.action_id
        LEFT JOIN temp.merge_excerpts x ON x.src = e.excerpt_id
        WHERE t.shared IS NULL ORDER BY t.id"""
    new = conn.execute("SELECT COUNT(*) FROM temp.merge_events WHERE shared IS NULL"
                       ).fetchone()[0]
    rebuild = new >= REBUILD_MIN and new >= REBUILD_RATIO * conn.execute(
        "SELECT COUNT(*) FROM main.events").fetchone()[0]
    with indexes_rebuilt(conn, "events") if rebuild else nullcontext():
        return conn.execute(insert).rowcount


@contextmanager
def indexes_rebuilt(conn: sqlite3.Connection, table: str) -> Iterator[None]:
    """Drop the indexes of ``main.table`` for the caller's inserts, then create them again as
    they were (unique ones check every row then); in the caller's transaction, so that an
    error or a kill leaves the table and its indexes as they were."""
    indexes = conn.execute("SELECT name, sql FROM main.sqlite_master WHERE type = 'index' "
                           "AND tbl_name = ? AND sql IS NOT NULL ORDER BY name",
                           (table,)).fetchall()
    for name, _ in indexes:
        conn.execute(f'DROP INDEX main."{name}"')
    yield
    for _, sql in indexes:
        conn.execute(_CREATE_INDEX.sub(r"\1main.", sql, count=1))



def _merge_adjudications(conn: sqlite3.Connection) -> int:
    """Decisions this log lacks (matched by everything they record) come in."""
    return conn.execute(f"""
        INSERT INTO main.adjudications (excerpt_id, code_id, decision, source_coder, reason,
                                        decided_by, at, action_id)
        SELECT x.dst, o.code_id, o.decision, o.source_coder, o.reason, o.decided_by, o.at,
               a.dst
        FROM {SOURCE}.adjudications o JOIN temp.merge_excerpts x ON x.src = o.excerpt_id
        LEFT JOIN temp.merge_actions a ON a.src = o.action_id
        WHERE NOT EXISTS (SELECT 1 FROM main.adjudications m
            WHERE m.excerpt_id = x.dst AND m.code_id = o.code_id AND m.decision = o.decision
              AND m.source_coder IS o.source_coder AND m.reason = o.reason
              AND m.decided_by = o.decided_by AND m.at = o.at)
        ORDER BY o.id""").rowcount


# -- reporting ------------------------------------------------------------------------------
def _report_orphans(conn: sqlite3.Connection, summary: MergeSummary, before: int) -> None:
    if not conn.execute("""SELECT EXISTS (SELECT 1 FROM main.excerpts WHERE active = 0)
                           OR EXISTS (SELECT 1 FROM main.codes WHERE active = 0)""").fetchone()[0]:
        return  # nothing can be orphaned: skip scanning the new codings
    new = f"""FROM main.codings c JOIN main.excerpts e ON e.id = c.excerpt_id
        JOIN main.codes k ON k.id = c.code_id JOIN main.documents d ON d.id = e.document_id
        WHERE c.id > {int(before)}"""
    summary.orphaned = conn.execute(
        f"SELECT COUNT(*) {new} AND (e.active = 0 OR k.active = 0)").fetchone()[0]
    if not summary.orphaned:
        return
    summary.orphaned_excerpts = [format_ref(*r) for r in conn.execute(
        f"""SELECT DISTINCT d.case_id, d.stem, e.n {new} AND e.active = 0
            ORDER BY d.case_id, d.stem, e.n LIMIT {SAMPLE}""")]
    summary.orphaned_codes = [r[0] for r in conn.execute(
        f"SELECT DISTINCT c.code_id {new} AND k.active = 0 ORDER BY c.code_id")]


def _report_conflicts(conn: sqlite3.Connection, summary: MergeSummary, before: int) -> None:
    """Excerpts where a coder now has two children of one exclusive group: only a coder
    known here before the merge can meet a code of their own from the other copy."""
    conn.execute("CREATE TEMP TABLE merge_exclusive (code_id TEXT PRIMARY KEY, group_id TEXT)")
    conn.execute("""INSERT INTO temp.merge_exclusive SELECT k.id, g.id FROM main.codes k
        JOIN main.codes g ON g.id = k.parent_id AND g.exclusive = 1""")
    rows = conn.execute(f"""
        SELECT DISTINCT d.case_id, d.stem, e.n, n.coder, x.group_id
        FROM main.codings n JOIN temp.merge_exclusive x ON x.code_id = n.code_id
        JOIN main.excerpts e ON e.id = n.excerpt_id JOIN main.documents d ON d.id = e.document_id
        WHERE n.id > {int(before)}
          AND n.coder NOT IN (SELECT name FROM temp.merge_coders WHERE new)
          AND EXISTS (SELECT 1 FROM main.codings c JOIN temp.merge_exclusive y
                      ON y.code_id = c.code_id AND y.group_id = x.group_id
                      WHERE c.coder = n.coder AND c.excerpt_id = n.excerpt_id
                        AND c.code_id != n.code_id)
        ORDER BY d.case_id, d.stem, e.n, n.coder""").fetchall()
    summary.conflicts = len(rows)
    summary.conflict_examples = [f"{format_ref(r[0], r[1], r[2])}: {r[3]} has two codes of "
                                 f"exclusive group '{r[4]}'" for r in rows[:SAMPLE]]




def mark_copy(dst: sqlite3.Connection, coder: str, source: str, at: str) -> None:
    """In a fresh copy of the database (autocommit): ``coder`` is known, and the copy
    records who it is for, where it comes from and when it was made."""
    dst.execute("BEGIN")
    dst.execute("INSERT OR IGNORE INTO coders (name, created) VALUES (?, ?)", (coder, at))
    dst.executemany("INSERT INTO meta VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET "
                    "value = excluded.value",
                    [("copy_coder", coder), ("copy_source", source), ("copy_created", at)])
    dst.execute("COMMIT")
    dst.execute("PRAGMA journal_mode = DELETE")
