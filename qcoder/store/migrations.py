"""Numbered schema migrations, applied in order and recorded in the ``migrations`` table.

Never edit a released migration: add a new one. Each is tested on a database made by the
schema before it (tests/test_migrations.py).
"""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import Callable
from datetime import UTC, datetime

from ..errors import StoreError

Migration = tuple[int, str, Callable[[sqlite3.Connection], None]]


def _run(conn: sqlite3.Connection, script: str) -> None:
    """Run statements one by one: ``executescript`` would commit the open transaction."""
    for statement in script.split(";"):
        if statement.strip():
            conn.execute(statement)


def _initial(conn: sqlite3.Connection) -> None:
    _run(conn, """
    CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT);
    CREATE TABLE cases (
        id TEXT PRIMARY KEY, name TEXT NOT NULL, description TEXT NOT NULL DEFAULT '',
        attributes TEXT NOT NULL DEFAULT '{}', position INTEGER NOT NULL DEFAULT 0,
        active INTEGER NOT NULL DEFAULT 1);
    CREATE TABLE documents (
        id INTEGER PRIMARY KEY, case_id TEXT NOT NULL REFERENCES cases(id),
        stem TEXT NOT NULL, path TEXT NOT NULL DEFAULT '', title TEXT NOT NULL DEFAULT '',
        kind TEXT NOT NULL DEFAULT '', date TEXT NOT NULL DEFAULT '',
        attributes TEXT NOT NULL DEFAULT '{}', text TEXT NOT NULL, sha TEXT NOT NULL DEFAULT '',
        active INTEGER NOT NULL DEFAULT 1, UNIQUE (case_id, stem));
    CREATE TABLE excerpts (
        id INTEGER PRIMARY KEY, identity TEXT NOT NULL UNIQUE,
        document_id INTEGER NOT NULL REFERENCES documents(id), n INTEGER NOT NULL,
        start INTEGER NOT NULL, "end" INTEGER NOT NULL, speaker TEXT, section TEXT,
        text TEXT NOT NULL, active INTEGER NOT NULL DEFAULT 1);
    CREATE UNIQUE INDEX excerpts_position ON excerpts (document_id, n) WHERE active = 1;
    CREATE TABLE codes (
        id TEXT PRIMARY KEY, parent_id TEXT, label TEXT NOT NULL,
        definition TEXT NOT NULL DEFAULT '', include TEXT NOT NULL DEFAULT '',
        exclude TEXT NOT NULL DEFAULT '', examples TEXT NOT NULL DEFAULT '[]', key TEXT,
        exclusive INTEGER NOT NULL DEFAULT 0, color TEXT, position INTEGER NOT NULL DEFAULT 0,
        depth INTEGER NOT NULL DEFAULT 0, active INTEGER NOT NULL DEFAULT 1);
    CREATE TABLE coders (name TEXT PRIMARY KEY, created TEXT NOT NULL);
    CREATE TABLE codings (
        id INTEGER PRIMARY KEY, excerpt_id INTEGER NOT NULL REFERENCES excerpts(id),
        code_id TEXT NOT NULL REFERENCES codes(id), coder TEXT NOT NULL REFERENCES coders(name),
        created TEXT NOT NULL, memo TEXT, UNIQUE (excerpt_id, code_id, coder));
    CREATE INDEX codings_coder ON codings (coder, excerpt_id);
    CREATE INDEX codings_code ON codings (code_id, excerpt_id);
    CREATE TABLE reviews (
        excerpt_id INTEGER NOT NULL REFERENCES excerpts(id),
        coder TEXT NOT NULL REFERENCES coders(name), reviewed_at TEXT NOT NULL,
        PRIMARY KEY (excerpt_id, coder));
    CREATE INDEX reviews_coder ON reviews (coder, excerpt_id);
    CREATE TABLE memos (
        excerpt_id INTEGER NOT NULL REFERENCES excerpts(id),
        coder TEXT NOT NULL REFERENCES coders(name), text TEXT NOT NULL,
        updated TEXT NOT NULL, PRIMARY KEY (excerpt_id, coder));
    CREATE TABLE events (
        id INTEGER PRIMARY KEY, action_id INTEGER NOT NULL, coder TEXT NOT NULL,
        at TEXT NOT NULL, kind TEXT NOT NULL, excerpt_id INTEGER, code_id TEXT,
        before TEXT, after TEXT, state TEXT NOT NULL DEFAULT 'done');
    CREATE INDEX events_coder ON events (coder, action_id);
    CREATE TABLE imports (
        sha TEXT NOT NULL, kind TEXT NOT NULL, path TEXT NOT NULL, at TEXT NOT NULL,
        rows INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (sha, kind));
    """)


def _adjudication(conn: sqlite3.Connection) -> None:
    """Consensus decisions and their reasons (the adjudication log)."""
    _run(conn, """
    CREATE TABLE adjudications (
        id INTEGER PRIMARY KEY, excerpt_id INTEGER NOT NULL REFERENCES excerpts(id),
        code_id TEXT NOT NULL, decision TEXT NOT NULL, source_coder TEXT,
        reason TEXT NOT NULL DEFAULT '', decided_by TEXT NOT NULL, at TEXT NOT NULL,
        action_id INTEGER);
    CREATE INDEX adjudications_excerpt ON adjudications (excerpt_id, code_id);
    CREATE INDEX events_excerpt ON events (excerpt_id);
    """)


# Names the deterministic uids of events written before migration 3.
_LEGACY_EVENTS = uuid.UUID("5f0c1d4e-8a52-4c57-9a43-2b6f3d1e7c90")


def _legacy_uid(*fields: object) -> str:
    """The same event row gets the same uid in every copy of one database."""
    return uuid.uuid5(_LEGACY_EVENTS, "\x1f".join(repr(f) for f in fields)).hex


def new_uid() -> str:
    """A fresh random event uid (32 hex digits)."""
    return uuid.uuid4().hex


def _event_uid(conn: sqlite3.Connection) -> None:
    """A stable identity for each event, so copies of a database can be merged without
    duplicating their shared history. Older rows get a uid derived from their content; a
    trigger gives one to any insert that does not bring its own."""
    conn.create_function("qcoder_legacy_uid", 9, _legacy_uid, deterministic=True)
    conn.execute("ALTER TABLE events ADD COLUMN uid TEXT")
    conn.execute("UPDATE events SET uid = qcoder_legacy_uid(id, action_id, coder, at, kind, "
                 "excerpt_id, code_id, before, after)")
    conn.execute("CREATE UNIQUE INDEX events_uid ON events (uid)")
    conn.execute("""CREATE TRIGGER events_uid_default AFTER INSERT ON events
        WHEN NEW.uid IS NULL BEGIN
            UPDATE events SET uid = lower(hex(randomblob(16))) WHERE id = NEW.id;
        END""")


def _codings_by_code_and_coder(conn: sqlite3.Connection) -> None:
    """Cross-case tables read each (code, coder)'s excerpts straight from this index."""
    conn.execute("CREATE INDEX codings_code_coder ON codings (code_id, coder, excerpt_id)")


def _excerpt_document_index(conn: sqlite3.Connection) -> None:
    """Excerpts by document: a re-import looks up and retires a document's excerpts (a scan
    of the whole table per document without it), and progress counts read it alone."""
    conn.execute("CREATE INDEX excerpts_document ON excerpts (document_id, active)")


def _event_history_indexes(conn: sqlite3.Connection) -> None:
    """Numbering a new action, finding the one to undo and the one to redo read these
    indexes; without them each key press scans the whole, ever-growing history."""
    conn.execute("CREATE INDEX events_action ON events (action_id)")
    conn.execute("CREATE INDEX events_coder_state ON events (coder, state, action_id)")
    conn.execute("CREATE INDEX events_coder_kind ON events (coder, kind)")


ROUNDS_SCHEMA = """
CREATE TABLE rounds (
    id INTEGER PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,
    percent REAL, strata TEXT NOT NULL DEFAULT 'none', seed INTEGER,
    from_unreviewed INTEGER NOT NULL DEFAULT 0, pool INTEGER NOT NULL DEFAULT 0,
    strata_sizes TEXT NOT NULL DEFAULT '{}',
    codebook_version TEXT NOT NULL DEFAULT '', started_by TEXT NOT NULL DEFAULT '',
    started TEXT NOT NULL, closed TEXT);
CREATE TABLE round_coders (
    round_id INTEGER NOT NULL REFERENCES rounds(id), coder TEXT NOT NULL REFERENCES coders(name),
    PRIMARY KEY (round_id, coder));
CREATE TABLE round_excerpts (
    round_id INTEGER NOT NULL REFERENCES rounds(id),
    excerpt_id INTEGER NOT NULL REFERENCES excerpts(id), stratum TEXT NOT NULL DEFAULT '',
    position INTEGER NOT NULL, PRIMARY KEY (round_id, excerpt_id));
CREATE INDEX round_excerpts_excerpt ON round_excerpts (excerpt_id);
CREATE TABLE round_reviews (
    round_id INTEGER NOT NULL REFERENCES rounds(id), excerpt_id INTEGER NOT NULL,
    coder TEXT NOT NULL, reviewed_at TEXT NOT NULL, PRIMARY KEY (round_id, excerpt_id, coder));
CREATE TABLE round_codings (
    round_id INTEGER NOT NULL REFERENCES rounds(id), excerpt_id INTEGER NOT NULL,
    code_id TEXT NOT NULL, coder TEXT NOT NULL, created TEXT NOT NULL,
    PRIMARY KEY (round_id, excerpt_id, code_id, coder));
"""


def _rounds(conn: sqlite3.Connection) -> None:
    """Reliability rounds: who codes which drawn excerpts, and what they had at close."""
    _run(conn, ROUNDS_SCHEMA)


def _excerpt_page_and_media(conn: sqlite3.Connection) -> None:
    """Where an excerpt sits in its source: the PDF page it starts on, a transcript turn's
    start and end times (milliseconds). Empty for the formats that have none."""
    for column in ("page", "media_start", "media_end"):
        conn.execute(f"ALTER TABLE excerpts ADD COLUMN {column} INTEGER")


_PAUSED = "WHEN NOT EXISTS (SELECT 1 FROM meta WHERE key = 'search_index_deferred')"


def _excerpt_search(conn: sqlite3.Connection) -> None:
    """Full-text search over excerpt text (FTS5), kept in step by triggers (which an import
    paused with a meta key; migration 15 replaced them)."""
    for statement in (
        """CREATE VIRTUAL TABLE excerpt_text USING fts5(text, content='excerpts',
           content_rowid='id', tokenize='unicode61 remove_diacritics 2')""",
        f"""CREATE TRIGGER excerpt_text_insert AFTER INSERT ON excerpts {_PAUSED} BEGIN
           INSERT INTO excerpt_text (rowid, text) VALUES (new.id, new.text); END""",
        f"""CREATE TRIGGER excerpt_text_delete AFTER DELETE ON excerpts {_PAUSED} BEGIN
           INSERT INTO excerpt_text (excerpt_text, rowid, text) VALUES ('delete', old.id,
           old.text); END""",
        f"""CREATE TRIGGER excerpt_text_update AFTER UPDATE OF text ON excerpts {_PAUSED}
           BEGIN INSERT INTO excerpt_text (excerpt_text, rowid, text) VALUES ('delete',
           old.id, old.text); INSERT INTO excerpt_text (rowid, text) VALUES (new.id,
           new.text); END""",
        "INSERT INTO excerpt_text (excerpt_text) VALUES ('rebuild')",
    ):
        conn.execute(statement)


def _suggestions(conn: sqlite3.Connection) -> None:
    """Suggestions from searches and language models, apart from codings."""
    from .suggestions import SCHEMA

    _run(conn, SCHEMA)


def _coding_stamps(conn: sqlite3.Connection) -> None:
    """Each coding records the codebook version and a hash of its code's definition, include
    and exclude rules when it was made; older codings get version 'unknown'."""
    conn.execute("ALTER TABLE codings ADD COLUMN codebook_version TEXT NOT NULL "
                 "DEFAULT 'unknown'")
    conn.execute("ALTER TABLE codings ADD COLUMN definition_hash TEXT NOT NULL DEFAULT ''")


def _coding_stamps_index(conn: sqlite3.Connection) -> None:
    """``qcoder status`` counts codings made under an earlier definition from this index of
    the stamped codings only, instead of reading every coding."""
    conn.execute("CREATE INDEX codings_stamp ON codings (code_id, definition_hash, "
                 "codebook_version) WHERE definition_hash != ''")


def _coder_display_names(conn: sqlite3.Connection) -> None:
    """A coder's name as another tool wrote it ("Enric Llagostera"), beside the id qcoder
    uses ("Enric_Llagostera"); empty when they are the same."""
    conn.execute("ALTER TABLE coders ADD COLUMN display_name TEXT NOT NULL DEFAULT ''")


def _selection_excerpts(conn: sqlite3.Connection) -> None:
    """Spans coded in qcoder: an excerpt row with ``selection`` = its number in the document
    (``n`` = minus that number, so it never takes a paragraph's); NULL for paragraphs and
    front-matter selections."""
    conn.execute("ALTER TABLE excerpts ADD COLUMN selection INTEGER")
    conn.execute("CREATE UNIQUE INDEX excerpts_selection ON excerpts (document_id, selection) "
                 "WHERE selection IS NOT NULL")


def _search_triggers(conn: sqlite3.Connection) -> None:
    """The search index's triggers no longer look up a meta key on every excerpt written
    (that check cost as much as indexing): an import drops them in its transaction instead.
    A writer keeps more new entries in memory before writing them out."""
    from .search import configure, create_triggers, drop_triggers

    drop_triggers(conn)
    create_triggers(conn)
    configure(conn)
    conn.execute("DELETE FROM meta WHERE key = 'search_index_deferred'")



def _round_queue_index(conn: sqlite3.Connection) -> None:
    """A round's queue in its order without sorting the round: the workbench's "next
    unreviewed" reads its excerpts from a position on."""
    conn.execute("CREATE INDEX round_excerpts_position ON round_excerpts (round_id, position)")


def _drop_covered_indexes(conn: sqlite3.Connection) -> None:
    """Two indexes that others cover go: ``codings_code`` (a code's codings are read from
    ``codings_code_coder``) and ``events_coder`` (an action's events from ``events_action``,
    a coder's from ``events_coder_kind``). Each index costs every coding or event written:
    a merge of 500,000 codings spent 0.6 s of its 2.5 s on ``codings_code`` alone."""
    conn.execute("DROP INDEX IF EXISTS codings_code")
    conn.execute("DROP INDEX IF EXISTS events_coder")


MIGRATIONS: list[Migration] = [
    (1, "initial schema", _initial),
    (2, "adjudication log", _adjudication),
    (3, "event uids", _event_uid),
    (4, "codings index by code and coder", _codings_by_code_and_coder),
    (5, "excerpts by document", _excerpt_document_index),
    (6, "event history indexes", _event_history_indexes),
    (7, "reliability rounds", _rounds),
    (8, "excerpt page and media times", _excerpt_page_and_media),
    (9, "full-text search over excerpts", _excerpt_search),
    (10, "suggestions", _suggestions),
    (11, "codebook version and definition stamped on codings", _coding_stamps),
    (12, "index of stamped codings", _coding_stamps_index),
    (13, "coder display names", _coder_display_names),
    (14, "selection excerpts", _selection_excerpts),
    (15, "search index triggers without a pause check", _search_triggers),
    (16, "round queue index by position", _round_queue_index),
    (17, "indexes that others cover dropped", _drop_covered_indexes),
]
LATEST = MIGRATIONS[-1][0]


def applied_versions(conn: sqlite3.Connection) -> set[int]:
    """Versions recorded in the database (empty for a new database)."""
    has_table = conn.execute(
        "SELECT 1 FROM sqlite_master WHERE type='table' AND name='migrations'").fetchone()
    if not has_table:
        return set()
    return {row[0] for row in conn.execute("SELECT version FROM migrations")}


def migrate(conn: sqlite3.Connection, upto: int = LATEST) -> list[int]:
    """Apply every pending migration up to ``upto``, each in its own transaction."""
    conn.execute("CREATE TABLE IF NOT EXISTS migrations "
                 "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)")
    done = applied_versions(conn)
    newer = [v for v in done if v > LATEST]
    if newer:
        raise StoreError(f"this database was written by a newer qcoder (schema {max(newer)}, "
                         f"this qcoder knows {LATEST}); upgrade qcoder to open it")
    applied = []
    for version, name, step in MIGRATIONS:
        if version in done or version > upto:
            continue
        conn.execute("BEGIN IMMEDIATE")
        try:
            if version in applied_versions(conn):  # another process was faster
                conn.execute("ROLLBACK")
                continue
            step(conn)
            conn.execute("INSERT INTO migrations VALUES (?, ?, ?)",
                         (version, name, datetime.now(UTC).isoformat(timespec="seconds")))
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        applied.append(version)
    return applied
