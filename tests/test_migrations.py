"""Numbered migrations: a database made by the first schema opens, migrated, data intact."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from qcoder.store.database import Store
from qcoder.store.migrations import LATEST, MIGRATIONS, migrate

DATA_TABLES = ("cases", "documents", "excerpts", "codes", "coders", "codings", "reviews",
               "memos", "events", "meta")


def first_schema_db(path: Path, upto: int = 1) -> dict[str, dict[str, list]]:
    """Create a database with schema 1, fill it, migrate it to schema ``upto`` and return
    its rows as schema 1 had them."""
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn, upto=1) == [1]
    conn.execute("BEGIN")
    conn.execute("INSERT INTO meta VALUES ('codebook_name', 'Old book')")
    conn.execute("INSERT INTO cases (id, name) VALUES ('alpha', 'Alpha')")
    conn.execute("INSERT INTO documents (id, case_id, stem, text, sha) "
                 "VALUES (1, 'alpha', 'talk', 'Hello.\n\nBye.', 'abc')")
    conn.executemany('INSERT INTO excerpts (id, identity, document_id, n, start, "end", text) '
                     "VALUES (?, ?, 1, ?, ?, ?, ?)",
                     [(1, "id-1", 1, 0, 6, "Hello."), (2, "id-2", 2, 8, 12, "Bye.")])
    conn.execute("INSERT INTO codes (id, label) VALUES ('greeting', 'Greeting')")
    conn.execute("INSERT INTO coders VALUES ('ann', '2024-01-01T00:00:00')")
    conn.execute("INSERT INTO codings (excerpt_id, code_id, coder, created, memo) "
                 "VALUES (1, 'greeting', 'ann', '2024-01-01T00:00:01', 'hi')")
    conn.executemany("INSERT INTO reviews VALUES (?, 'ann', '2024-01-01T00:00:02')", [(1,), (2,)])
    conn.execute("INSERT INTO memos VALUES (2, 'ann', 'a farewell', '2024-01-01T00:00:03')")
    conn.execute("INSERT INTO events (action_id, coder, at, kind, excerpt_id, code_id) "
                 "VALUES (1, 'ann', '2024-01-01T00:00:01', 'add', 1, 'greeting')")
    conn.execute("COMMIT")
    rows = {t: select_all(conn, t, columns(conn, t)) for t in DATA_TABLES}
    migrate(conn, upto=upto)
    conn.close()
    return rows


def columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [r[1] for r in conn.execute(f"PRAGMA table_info({table})")]


def select_all(conn: sqlite3.Connection, table: str, names: list[str]) -> dict[str, list]:
    """The rows of ``table`` restricted to the columns ``names`` (later migrations may add)."""
    listed = ", ".join(f'"{n}"' for n in names)
    return {"columns": names,
            "rows": conn.execute(f"SELECT {listed} FROM {table} ORDER BY 1, 2").fetchall()}


def test_first_schema_database_is_migrated_with_data_intact(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    rows = first_schema_db(path)
    with Store(path) as store:
        versions = store.query("SELECT version, name FROM migrations ORDER BY version")
        assert versions == [(v, name) for v, name, _ in MIGRATIONS]
        for table, expected in rows.items():
            assert set(expected["columns"]) <= set(columns(store.conn, table))
            assert select_all(store.conn, table, expected["columns"]) == expected
        assert store.codes_of(1, "ann") == {"greeting": "hi"}
        assert store.memo_of(2, "ann") == "a farewell"
        tables = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type='table'")}
        assert "adjudications" in tables


def test_migrated_database_is_usable(tmp_path: Path) -> None:
    from qcoder.coding import Coding
    from qcoder.project.codebook import Code, Codebook

    path = tmp_path / "old.db"
    first_schema_db(path)
    with Store(path) as store:
        book = Codebook(name="Old book", version="1",
                        codes={"greeting": Code(id="greeting", label="Greeting")})
        Coding(store, book, "bob").apply(2, "greeting")
        assert store.codes_of(2, "bob") == {"greeting": None}


def test_migrations_run_once(tmp_path: Path) -> None:
    path = tmp_path / "db.sqlite"
    Store(path).close()
    conn = sqlite3.connect(path, isolation_level=None)
    assert migrate(conn) == []
    recorded = conn.execute("SELECT version FROM migrations ORDER BY version").fetchall()
    assert recorded == [(v,) for v, _, _ in MIGRATIONS]
    assert recorded[-1] == (LATEST,)
    conn.close()


def test_versions_are_numbered_in_order() -> None:
    versions = [v for v, _, _ in MIGRATIONS]
    assert versions == list(range(1, len(versions) + 1))


def test_coding_history_lookups_use_indexes(tmp_path: Path) -> None:
    """Numbering an action and finding what to undo or redo must not scan the history."""
    store = Store(tmp_path / "plan.db")
    queries = [
        ("SELECT COALESCE(MAX(action_id), 0) + 1 FROM events", (), "events_action"),
        ("SELECT MAX(action_id) FROM events WHERE coder = ? AND state = 'done'", ("a",),
         "events_coder_state (coder=? AND state=?)"),
        ("SELECT id FROM events WHERE coder = ? AND kind = 'undo' ORDER BY id DESC LIMIT 1",
         ("a",), "events_coder_kind (coder=? AND kind=?)"),
    ]
    for sql, params, index in queries:
        plan = " ".join(row[-1] for row in store.conn.execute(f"EXPLAIN QUERY PLAN {sql}",
                                                              params))
        assert index in plan and "TEMP B-TREE" not in plan, (sql, plan)
    store.close()


def test_rounds_migration_on_a_schema_6_database(tmp_path: Path) -> None:
    """A database from before rounds opens with empty round tables and its data intact."""
    path = tmp_path / "six.db"
    rows = first_schema_db(path, upto=6)
    with Store(path) as store:
        for table in ("rounds", "round_coders", "round_excerpts", "round_reviews",
                      "round_codings"):
            assert store.scalar(f"SELECT COUNT(*) FROM {table}") == 0
        assert select_all(store.conn, "codings", rows["codings"]["columns"]) == rows["codings"]


def test_excerpts_gain_empty_page_and_media_times(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    first_schema_db(path, upto=7)
    with Store(path) as store:
        row = store.excerpt(1)
        assert row is not None and row.text == "Hello."
        assert (row.page, row.media_start, row.media_end) == (None, None, None)


def test_stale_definition_count_reads_only_the_stamped_codings_index(tmp_path: Path) -> None:
    """``qcoder status`` counts codings under an earlier definition without reading every
    coding: the query is answered from the partial index of stamped codings."""
    from qcoder.store.codings import DEFINITION_STAMPS, definition_stamps

    with Store(tmp_path / "s.db") as store:
        plan = " ".join(row[-1] for row in store.conn.execute(
            f"EXPLAIN QUERY PLAN {DEFINITION_STAMPS}"))
        assert "COVERING INDEX codings_stamp" in plan
        assert definition_stamps(store.conn) == []


def test_selection_excerpts_migration_on_a_schema_13_database(tmp_path: Path) -> None:
    """Paragraphs of an older database are no selections; a span coded after the upgrade
    is one, numbered apart from them (``#s1``)."""
    from qcoder.coding import Coding

    path = tmp_path / "thirteen.db"
    rows = first_schema_db(path, upto=13)
    with Store(path) as store:
        assert store.scalar("SELECT COUNT(*) FROM excerpts WHERE selection IS NOT NULL") == 0
        assert select_all(store.conn, "excerpts", rows["excerpts"]["columns"]) == \
            rows["excerpts"]
        outcome = Coding(store, store.codebook(), "ann").toggle_span(1, 0, 5, "greeting")
        row = store.excerpt(outcome.excerpt_id)  # type: ignore[arg-type]
        assert row is not None and (row.ref, row.text) == ("alpha/talk#s1", "Hello")


def test_round_queue_index_migration_on_a_schema_15_database(tmp_path: Path) -> None:
    """A database with a round from before the queue index gains it, its round intact."""
    path = tmp_path / "fifteen.db"
    first_schema_db(path, upto=15)
    conn = sqlite3.connect(path, isolation_level=None)
    conn.execute("INSERT INTO rounds (id, name, kind, started) VALUES (1, 'pilot', 'sample', "
                 "'2026-01-01T00:00:00')")
    conn.execute("INSERT INTO round_excerpts (round_id, excerpt_id, position) VALUES (1, 1, 0)")
    conn.close()
    with Store(path) as store:
        indexes = {r[0] for r in store.query(
            "SELECT name FROM sqlite_master WHERE tbl_name = 'round_excerpts'")}
        assert "round_excerpts_position" in indexes
        assert store.query("SELECT round_id, excerpt_id, position FROM round_excerpts") == \
            [(1, 1, 0)]


def test_covered_indexes_dropped_and_their_lookups_still_indexed(tmp_path: Path) -> None:
    """A schema 16 database loses ``codings_code`` and ``events_coder``, and what read them
    (a code's codings, an action's events, a coder's history) still searches an index."""
    path = tmp_path / "sixteen.db"
    first_schema_db(path, upto=16)
    with Store(path) as store:
        indexes = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = "
                                             "'index'")}
        assert {"codings_code", "events_coder"}.isdisjoint(indexes)
        assert {"codings_code_coder", "events_action", "events_coder_kind"} <= indexes
        lookups = [
            ("SELECT COUNT(*) FROM codings WHERE code_id = ?", ("greeting",),
             "codings_code_coder (code_id=?)"),
            ("SELECT kind FROM events WHERE action_id = ? AND coder = ? ORDER BY id DESC",
             (1, "ann"), "events_action (action_id=?)"),
            ("SELECT kind FROM events WHERE coder = ? ORDER BY id", ("ann",),
             "events_coder_kind (coder=?)"),
        ]
        for sql, params, index in lookups:
            plan = " ".join(r[-1] for r in store.query(f"EXPLAIN QUERY PLAN {sql}", params))
            assert "SEARCH" in plan and index in plan, (sql, plan)
        assert store.query("SELECT code_id, coder FROM codings") == [("greeting", "ann")]
