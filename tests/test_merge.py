"""Merging coders' databases (qcoder.exchange.merge) and the copies they take away."""

from __future__ import annotations

import json
import shutil
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import closing
from pathlib import Path

import pytest
from conftest import CODEBOOK, Cli

from qcoder.coding import Coding
from qcoder.errors import StoreError
from qcoder.exchange.merge import MEMO_MARKER, copy_for_coder, merge_database, merge_memo
from qcoder.importer import import_project
from qcoder.project.folder import open_project
from qcoder.store.database import Store
from qcoder.store.migrations import LATEST, migrate

CODINGS_SQL = """SELECT d.case_id || '/' || d.stem || '#' || e.n, c.code_id, c.coder, c.memo
    FROM codings c JOIN excerpts e ON e.id = c.excerpt_id
    JOIN documents d ON d.id = e.document_id"""


# -- helpers --------------------------------------------------------------------------------
def rows(path: Path, sql: str) -> set[tuple]:
    """Rows of a query on a database file, read with a connection of its own."""
    with closing(sqlite3.connect(path)) as conn:
        return set(conn.execute(sql).fetchall())


def codings(path: Path) -> set[tuple]:
    """(reference, code, coder, memo) of every coding: independent of row ids."""
    return rows(path, CODINGS_SQL)


def reviews(path: Path) -> set[tuple]:
    return rows(path, """SELECT d.case_id || '/' || d.stem || '#' || e.n, r.coder FROM reviews r
        JOIN excerpts e ON e.id = r.excerpt_id JOIN documents d ON d.id = e.document_id""")


def dump(path: Path) -> list[str]:
    """The whole database as SQL text, to see that nothing changed."""
    with closing(sqlite3.connect(path)) as conn:
        return list(conn.iterdump())


def imported(root: Path, db: Path) -> Store:
    store = Store(db)
    import_project(open_project(root, db), store)
    return store


def apply(path: Path, coder: str, ref: str, code: str, memo: str | None = None) -> None:
    with Store(path) as store:
        excerpt = store.excerpt_by_ref(ref)
        assert excerpt is not None, ref
        Coding(store, store.codebook(), coder).apply(excerpt.id, code, memo)


def excerpt_memo(path: Path, coder: str, ref: str, text: str) -> None:
    with Store(path) as store:
        Coding(store, store.codebook(), coder).set_excerpt_memo(store.excerpt_by_ref(ref).id,
                                                                text)


@pytest.fixture
def lead(project: Path) -> Iterator[Store]:
    """The lead's database of the tiny project, imported."""
    store = imported(project, project / "qcoder.db")
    yield store
    store.close()


def copy_of(lead: Store, coder: str) -> Path:
    return copy_for_coder(lead, coder, lead.path.parent / f"{coder}.db")


# -- two coders, identity, re-merge, dry run -----------------------------------------------
def test_two_coders_copies_merge_into_the_lead(lead: Store, project: Path) -> None:
    amira, bob = copy_of(lead, "amira"), copy_of(lead, "bob")
    apply(amira, "amira", "alpha/interview-1#2", "ptype-operational", memo="returns first")
    apply(amira, "amira", "beta/declaration#3", "linkage-visa")
    apply(bob, "bob", "alpha/interview-1#2", "ptype-dialogue")
    apply(bob, "bob", "alpha/notes#2", "framing-security")
    excerpt_memo(bob, "bob", "alpha/notes#2", "equipment, not people")
    before, reviewed = codings(lead.path), reviews(lead.path)
    cli = Cli(project, lead.path)
    summaries = [json.loads(cli.ok("merge", str(p), "--json").output) for p in (amira, bob)]

    merged = codings(lead.path)
    assert merged == before | codings(amira) | codings(bob)
    assert reviews(lead.path) == reviewed | reviews(amira) | reviews(bob)
    assert [s["codings"] for s in summaries] == [len(codings(p) - before) for p in (amira, bob)]
    assert summaries[1]["memos"] == 1
    assert lead.memo_of(lead.excerpt_by_ref("alpha/notes#2").id, "bob") == "equipment, not people"
    assert {"amira", "bob"} <= set(lead.coders())
    # Both coders' different decisions on the same excerpt stay (that is what agreement needs).
    on_excerpt = {(c[1], c[2]) for c in merged if c[0] == "alpha/interview-1#2"}
    assert {("ptype-operational", "amira"), ("ptype-dialogue", "bob")} <= on_excerpt
    assert all(s["orphaned"] == 0 and s["conflicts"] == 0 for s in summaries)


def test_excerpts_are_matched_by_content_not_row_id(lead: Store, project: Path,
                                                    tmp_path: Path) -> None:
    other_root = tmp_path / "elsewhere"
    shutil.copytree(project, other_root, ignore=shutil.ignore_patterns("*.db*"))
    (other_root / "cases" / "alpha" / "aaa-first.txt").write_text(
        "An earlier document.\n\nWith two paragraphs.\n", encoding="utf-8")
    other_db = other_root / "other.db"
    imported(other_root, other_db).close()
    apply(other_db, "carla", "beta/declaration#2", "ptype-operational")
    apply(other_db, "carla", "alpha/notes#3", "framing-remittances")
    ids = "SELECT e.id FROM excerpts e JOIN documents d ON d.id = e.document_id " \
          "WHERE d.stem = 'notes' AND e.n = 3"
    assert rows(other_db, ids) != rows(lead.path, ids)  # the row ids really differ

    summary = merge_database(lead, other_db)
    carla = {c for c in codings(lead.path) if c[2] == "carla"}
    assert carla == {("beta/declaration#2", "ptype-operational", "carla", None),
                     ("alpha/notes#3", "framing-remittances", "carla", None)}
    assert summary.orphaned == 0


def test_merging_again_changes_nothing_and_dry_run_writes_nothing(lead: Store,
                                                                   project: Path) -> None:
    amira = copy_of(lead, "amira")
    apply(amira, "amira", "alpha/notes#1", "linkage-visa", memo="a memo")
    excerpt_memo(amira, "amira", "alpha/notes#1", "an excerpt memo")
    cli = Cli(project, lead.path)
    untouched = dump(lead.path)
    dry = json.loads(cli.ok("merge", str(amira), "--dry-run", "--json").output)
    assert dump(lead.path) == untouched
    text = cli.ok("merge", str(amira), "--dry-run").output
    assert "would add" in text and dump(lead.path) == untouched

    real = json.loads(cli.ok("merge", str(amira), "--json").output)
    assert {**dry, "dry_run": False} == real
    assert real["codings"] == 1 and real["memos"] == 1 and real["events"] > 0
    once = dump(lead.path)
    again = json.loads(cli.ok("merge", str(amira), "--json").output)
    assert dump(lead.path) == once
    assert not any(again[k] for k in ("codings", "reviews", "memos", "memos_kept_both",
                                      "events", "adjudications"))
    assert "nothing to merge" in cli.ok("merge", str(amira)).output


# -- orphans --------------------------------------------------------------------------------
def test_codings_on_excerpts_or_codes_this_project_lacks_are_kept_as_orphaned(
        lead: Store, project: Path, tmp_path: Path) -> None:
    other_root = tmp_path / "partner"
    shutil.copytree(project, other_root, ignore=shutil.ignore_patterns("*.db*"))
    notes = other_root / "cases" / "alpha" / "notes.md"
    notes.write_text(notes.read_text(encoding="utf-8").replace(
        "A second paragraph under funding.", "A rewritten paragraph under funding."),
        encoding="utf-8")
    (other_root / "cases" / "gamma").mkdir()
    (other_root / "cases" / "gamma" / "case.yaml").write_text("name: Gamma\n", encoding="utf-8")
    (other_root / "cases" / "gamma" / "talk.txt").write_text("Only in the partner copy.\n",
                                                              encoding="utf-8")
    book = other_root / "codebooks" / "tiny.yaml"
    book.write_text(CODEBOOK.replace("version: 1", "version: 2") + "  - id: trust\n"
                    "    label: Trust\n    definition: Confidence between partners.\n",
                    encoding="utf-8")
    other_db = other_root / "partner.db"
    imported(other_root, other_db).close()
    apply(other_db, "dana", "alpha/notes#3", "framing-security")     # changed paragraph
    apply(other_db, "dana", "gamma/talk#1", "linkage-visa")          # case the lead lacks
    apply(other_db, "dana", "alpha/notes#1", "trust")                 # code the lead lacks
    apply(other_db, "dana", "alpha/notes#2", "framing-security")     # fine

    cli = Cli(project, lead.path)
    assert "kept as orphaned" in cli.ok("merge", str(other_db), "--dry-run").output
    summary = json.loads(cli.ok("merge", str(other_db), "--json").output)
    assert summary["codings"] == 4 and summary["orphaned"] == 3
    assert set(summary["orphaned_excerpts"]) == {"alpha/notes#3", "gamma/talk#1"}
    assert summary["orphaned_codes"] == ["trust"]
    assert any("version 2" in w for w in summary["warnings"])
    assert codings(lead.path) >= {c for c in codings(other_db) if c[2] == "dana"}
    assert lead.counts()["orphaned_codings"] == 3
    assert lead.counts()["excerpts"] == 10 and lead.counts()["cases"] == 2  # nothing active added
    kept = [r for r in lead.iter_codings(coder="dana", include_orphans=True) if r["orphaned"]]
    assert {r["excerpt"] for r in kept} == {"alpha/notes#3", "gamma/talk#1"}
    once = dump(lead.path)
    merge_database(lead, other_db)
    assert dump(lead.path) == once

    # When the lead's project gains the rewritten paragraph, its coding is no longer orphaned.
    shutil.copy(notes, project / "cases" / "alpha" / "notes.md")
    import_project(open_project(project, lead.path), lead)
    assert lead.counts()["orphaned_codings"] == 2
    assert ("alpha/notes#3", "framing-security", "dana", None) in codings(lead.path)


# -- one coder on two copies: union and memos -----------------------------------------------
def test_same_coder_on_two_copies_unions_codings_and_keeps_both_memos(lead: Store) -> None:
    laptop = copy_of(lead, "amira")
    apply(lead.path, "amira", "alpha/notes#1", "linkage-visa", memo="seen in the office")
    apply(laptop, "amira", "alpha/notes#1", "linkage-visa", memo="seen on the train")
    apply(lead.path, "amira", "alpha/notes#2", "framing-security")
    apply(laptop, "amira", "alpha/notes#2", "framing-development", memo="only on the laptop")
    apply(laptop, "amira", "alpha/notes#3", "framing-security")
    excerpt_memo(lead.path, "amira", "alpha/notes#3", "office note")
    excerpt_memo(laptop, "amira", "alpha/notes#3", "train note")
    ours = codings(lead.path)

    summary = merge_database(lead, laptop)
    merged = {c[:3]: c[3] for c in codings(lead.path)}
    assert set(merged) == {c[:3] for c in ours | codings(laptop)}
    both = merged[("alpha/notes#1", "linkage-visa", "amira")]
    assert both == "seen in the office" + MEMO_MARKER.format("amira.db") + "seen on the train"
    assert merged[("alpha/notes#2", "framing-development", "amira")] == "only on the laptop"
    memo = lead.memo_of(lead.excerpt_by_ref("alpha/notes#3").id, "amira")
    assert memo.startswith("office note") and memo.endswith("train note")
    assert summary.memos_kept_both == 2

    # Merging back the other way, then again, repeats no memo text.
    lead.close()
    with Store(laptop) as back:
        merge_database(back, lead.path)
        merge_database(back, lead.path)
        text = back.scalar("SELECT memo FROM codings WHERE code_id = 'linkage-visa'")
    assert text.count("seen in the office") == 1 and text.count("seen on the train") == 1


def test_exclusive_group_conflicts_are_kept_and_reported(lead: Store) -> None:
    laptop = copy_of(lead, "amira")
    apply(lead.path, "amira", "beta/declaration#1", "ptype-dialogue")
    apply(laptop, "amira", "beta/declaration#1", "ptype-capacity")
    summary = merge_database(lead, laptop)
    on_excerpt = {c[1] for c in codings(lead.path) if c[0] == "beta/declaration#1"}
    assert on_excerpt == {"ptype-dialogue", "ptype-capacity"}
    assert summary.conflicts == 1
    assert "beta/declaration#1" in summary.conflict_examples[0]


@pytest.mark.parametrize(("mine", "theirs", "expected"), [
    (None, "b", "b"),
    ("a", None, "a"),
    ("a", "a", "a"),
    ("a", "b", "a" + MEMO_MARKER.format("x.db") + "b"),
    ("a" + MEMO_MARKER.format("y.db") + "b", "b", "a" + MEMO_MARKER.format("y.db") + "b"),
    ("b", "a" + MEMO_MARKER.format("y.db") + "b", "b" + MEMO_MARKER.format("x.db") + "a"),
])
def test_memo_rule(mine: str | None, theirs: str | None, expected: str) -> None:
    assert merge_memo(mine, theirs, "x.db") == expected


# -- undo history ---------------------------------------------------------------------------
def test_events_are_merged_once_with_shared_history_not_duplicated(lead: Store) -> None:
    apply(lead.path, "amira", "alpha/interview-1#1", "framing-security")
    laptop = copy_of(lead, "amira")
    apply(laptop, "amira", "alpha/interview-1#4", "linkage-visa")
    with Store(laptop) as store:
        coding = Coding(store, store.codebook(), "amira")
        coding.apply(store.excerpt_by_ref("alpha/notes#1").id, "framing-security")
        coding.undo()
    apply(lead.path, "amira", "alpha/interview-1#3", "linkage-visa")
    uid_sql = "SELECT uid, kind, coder FROM events"
    ours, theirs = rows(lead.path, uid_sql), rows(laptop, uid_sql)

    summary = merge_database(lead, laptop)
    merged = rows(lead.path, uid_sql)
    assert merged == ours | theirs
    assert summary.events == len(theirs - ours) > 0
    assert lead.scalar("SELECT COUNT(*) FROM events") == len(merged)
    assert lead.scalar("SELECT COUNT(*) FROM events WHERE state = 'undone'") == 0

    # The coder's undo now steps back through the merged actions, latest first.
    coding = Coding(lead, lead.codebook(), "amira")
    assert coding.undo().removed == ["linkage-visa"]
    assert ("alpha/interview-1#4", "linkage-visa", "amira", None) not in codings(lead.path)
    assert ("alpha/interview-1#3", "linkage-visa", "amira", None) in codings(lead.path)


def events_schema(path: Path) -> set[tuple]:
    return rows(path, "SELECT name, sql FROM sqlite_master WHERE tbl_name = 'events'")


def test_a_long_history_merged_through_rebuilt_indexes_equals_one_merged_row_by_row(
        lead: Store, project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A history much longer than ours comes in with the events indexes dropped and built
    again: the same events as row by row, the same indexes after, none lost in a dry run."""
    apply(lead.path, "amira", "alpha/interview-1#1", "framing-security")
    laptop = copy_of(lead, "amira")
    with Store(laptop) as store:
        coding = Coding(store, store.codebook(), "amira")
        for excerpt in store.excerpts():
            coding.toggle(excerpt.id, "linkage-visa")
        coding.undo()
    by_row = lead.path.parent / "by-row.db"
    with closing(sqlite3.connect(by_row)) as dst:
        lead.conn.backup(dst)
    schema = events_schema(lead.path)
    history = "SELECT action_id, coder, kind, excerpt_id, code_id, before, after, state, uid " \
              "FROM events"
    with Store(by_row) as store:
        plain = merge_database(store, laptop)
    monkeypatch.setattr("qcoder.store.merge.REBUILD_MIN", 1)
    untouched = dump(lead.path)
    merge_database(lead, laptop, dry_run=True)
    assert dump(lead.path) == untouched
    rebuilt = merge_database(lead, laptop)
    assert rebuilt.events == plain.events > lead.scalar("SELECT COUNT(*) FROM events") / 2
    assert rows(lead.path, history) == rows(by_row, history)
    assert events_schema(lead.path) == schema
    assert lead.scalar("PRAGMA integrity_check") == "ok"
    plan = " ".join(r[3] for r in lead.query(
        "EXPLAIN QUERY PLAN SELECT id FROM events WHERE uid = 'x'"))
    assert "events_uid" in plan


def schema2_db(root: Path, path: Path) -> None:
    """A database of the project written by a qcoder before migration 3, with history."""
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        migrate(conn, upto=2)
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO cases (id, name) VALUES ('alpha', 'Alpha partnership')")
        conn.execute("INSERT INTO documents (id, case_id, stem, text, sha) "
                     "VALUES (1, 'alpha', 'notes', 'x', 'old')")
        identity = rows(root / "qcoder.db", "SELECT e.identity FROM excerpts e JOIN documents d "
                        "ON d.id = e.document_id WHERE d.stem = 'notes' AND e.n = 2").pop()[0]
        conn.execute('INSERT INTO excerpts (id, identity, document_id, n, start, "end", text) '
                     "VALUES (7, ?, 1, 2, 0, 1, 'x')", (identity,))
        conn.execute("INSERT INTO codes (id, label) VALUES ('linkage-visa', 'Visa')")
        conn.execute("INSERT INTO coders VALUES ('old', '2024-01-01T00:00:00')")
        conn.execute("INSERT INTO codings (excerpt_id, code_id, coder, created) "
                     "VALUES (7, 'linkage-visa', 'old', '2024-01-01T00:00:01')")
        conn.executemany("INSERT INTO events (action_id, coder, at, kind, excerpt_id, code_id) "
                         "VALUES (?, 'old', ?, ?, 7, ?)",
                         [(1, "2024-01-01T00:00:01", "add", "linkage-visa"),
                          (1, "2024-01-01T00:00:01", "review", None)])
        conn.execute("INSERT INTO adjudications (excerpt_id, code_id, decision, decided_by, at,"
                     " action_id) VALUES (7, 'linkage-visa', 'keep', 'old', '2024-01-02', 1)")
        conn.execute("COMMIT")


def test_migration_3_gives_old_events_the_same_uid_in_every_copy(lead: Store,
                                                                 tmp_path: Path) -> None:
    first, second = tmp_path / "first.db", tmp_path / "second.db"
    schema2_db(lead.path.parent, first)
    shutil.copy(first, second)
    for path in (first, second):
        Store(path).close()
    uids = rows(first, "SELECT id, uid FROM events")
    assert uids == rows(second, "SELECT id, uid FROM events")
    assert len({u for _, u in uids}) == len(uids) and all(uids)
    with Store(first) as store:
        store.conn.execute("INSERT INTO events (action_id, coder, at, kind) "
                           "VALUES (9, 'x', 'now', 'import')")
        assert store.scalar("SELECT uid FROM events WHERE action_id = 9")


def test_older_schema_copy_is_merged_and_left_unchanged(lead: Store, tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    schema2_db(lead.path.parent, old)
    untouched = old.read_bytes()
    summary = merge_database(lead, old)
    assert old.read_bytes() == untouched
    assert summary.schema == 2 and any("schema 2" in w for w in summary.warnings)
    assert ("alpha/notes#2", "linkage-visa", "old", None) in codings(lead.path)
    assert (summary.codings, summary.events, summary.adjudications) == (1, 2, 1)
    once = dump(lead.path)
    merge_database(lead, old)
    assert dump(lead.path) == once


# -- adjudications --------------------------------------------------------------------------
def adjudicate(path: Path, ref: str, code: str, decision: str, by: str, at: str) -> None:
    with Store(path) as store, store.transaction() as conn:
        conn.execute("INSERT INTO adjudications (excerpt_id, code_id, decision, source_coder, "
                     "reason, decided_by, at) VALUES (?, ?, ?, 'amira', 'discussed', ?, ?)",
                     (store.excerpt_by_ref(ref).id, code, decision, by, at))


def test_adjudications_are_merged_and_different_decisions_both_stay(lead: Store) -> None:
    adjudicate(lead.path, "alpha/notes#1", "linkage-visa", "keep", "lead", "2024-05-01T10:00")
    partner = copy_of(lead, "partner")
    adjudicate(partner, "alpha/notes#1", "linkage-visa", "drop", "partner", "2024-05-02T10:00")
    adjudicate(partner, "beta/declaration#2", "ptype-operational", "keep", "partner",
               "2024-05-02T11:00")
    apply(partner, "consensus", "beta/declaration#2", "ptype-operational")
    sql = """SELECT d.case_id || '/' || d.stem || '#' || e.n, a.code_id, a.decision,
        a.decided_by, a.at FROM adjudications a JOIN excerpts e ON e.id = a.excerpt_id
        JOIN documents d ON d.id = e.document_id"""
    summary = merge_database(lead, partner)
    assert rows(lead.path, sql) == rows(partner, sql)
    assert len(rows(lead.path, sql)) == 3 and summary.adjudications == 2
    assert ("beta/declaration#2", "ptype-operational", "consensus", None) in codings(lead.path)
    merge_database(lead, partner)
    assert lead.scalar("SELECT COUNT(*) FROM adjudications") == 3


# -- refusals -------------------------------------------------------------------------------
def non_qcoder(path: Path) -> None:
    with closing(sqlite3.connect(path)) as conn:
        conn.execute("CREATE TABLE songs (title TEXT)")


def newer(path: Path) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        migrate(conn)
        conn.execute("INSERT INTO migrations VALUES (?, 'future', 'later')", (LATEST + 1,))


def unversioned(path: Path) -> None:
    with closing(sqlite3.connect(path, isolation_level=None)) as conn:
        migrate(conn)
        conn.execute("DELETE FROM migrations")


def garbage(path: Path) -> None:
    path.write_bytes(b"this is not a database at all\n" * 200)


def damaged(path: Path) -> None:
    shutil.copy(path.parent / "qcoder.db", path)
    data = bytearray(path.read_bytes())
    page = 4096
    for start in range(page * 2, len(data), page):  # scribble over every page after the 2nd
        data[start + 8:start + 200] = b"\xff" * 192
    path.write_bytes(bytes(data))


@pytest.mark.parametrize(("make", "reason"), [
    (garbage, "not a qcoder database"),
    (non_qcoder, "not a qcoder database"),
    (unversioned, "not a qcoder database"),
    (newer, "newer qcoder"),
    (damaged, "damaged"),
])
def test_unusable_other_database_is_refused_with_nothing_written(lead: Store, project: Path,
                                                                  make, reason: str) -> None:
    lead.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    other = project / "other.db"
    make(other)
    untouched = dump(lead.path)
    result = Cli(project, lead.path).fails("merge", str(other))
    assert reason in result.output and "other.db" in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert dump(lead.path) == untouched


def test_missing_file_and_own_database_are_refused(lead: Store, project: Path) -> None:
    cli = Cli(project, lead.path)
    assert "no such database file" in cli.fails("merge", str(project / "nope.db")).output
    assert "own database" in cli.fails("merge", str(lead.path)).output
    with pytest.raises(StoreError):
        merge_database(lead, lead.path)


def test_merge_that_cannot_get_the_write_lock_gives_up_cleanly(lead: Store) -> None:
    amira = copy_of(lead, "amira")
    apply(amira, "amira", "alpha/notes#1", "linkage-visa")
    untouched = codings(lead.path)
    with closing(sqlite3.connect(lead.path, isolation_level=None)) as blocker, \
            Store(lead.path, timeout=0.2) as impatient:
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="locked"):
            merge_database(impatient, amira)
        blocker.execute("ROLLBACK")
        assert impatient.scalar("PRAGMA foreign_keys") == 1
        assert [r[1] for r in impatient.query("PRAGMA database_list")] == ["main"]
        assert codings(lead.path) == untouched
        assert merge_database(impatient, amira).codings == 1


# -- a concurrent writer --------------------------------------------------------------------
WRITER = """
import json, sys
from pathlib import Path
from qcoder.coding import Coding
from qcoder.store.database import Store
db, started, stop = sys.argv[1:]
store = Store(db)
coding = Coding(store, store.codebook(), "writer")
codes = ["framing-security", "framing-development", "linkage-visa", "framing-remittances"]
coded, toggles = set(), 0
while not Path(stop).exists():
    for excerpt in store.excerpts():
        for code in codes:
            outcome = coding.toggle(excerpt.id, code)
            coded |= {(excerpt.id, c) for c in outcome.added}
            coded -= {(excerpt.id, c) for c in outcome.removed}
            toggles += 1
            Path(started).touch()
print(json.dumps({"toggles": toggles, "coded": sorted(coded)}))
"""


def test_merge_under_a_concurrent_writer_loses_nothing(lead: Store, tmp_path: Path) -> None:
    copies = [copy_of(lead, f"coder{i}") for i in range(6)]
    for i, path in enumerate(copies):
        with Store(path) as store:
            coding = Coding(store, store.codebook(), f"coder{i}")
            for excerpt in store.excerpts():
                coding.apply(excerpt.id, "ptype-capacity" if i % 2 else "linkage-visa")
                coding.set_excerpt_memo(excerpt.id, f"note by coder{i}")
    started, stop = tmp_path / "started", tmp_path / "stop"
    writer = subprocess.Popen([sys.executable, "-c", WRITER, str(lead.path), str(started),
                               str(stop)], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        deadline = time.monotonic() + 60
        while not started.exists() and time.monotonic() < deadline:
            time.sleep(0.01)
        assert started.exists(), "the writer did not start"
        summaries = [merge_database(lead, path) for path in copies]
    finally:
        stop.touch()
        out, errors = writer.communicate(timeout=120)
    assert writer.returncode == 0, errors
    done = json.loads(out)

    merged = codings(lead.path)
    for path, summary in zip(copies, summaries, strict=True):
        theirs = {c for c in codings(path) if c[2].startswith("coder")}
        assert theirs <= merged and summary.codings == len(theirs)
    assert done["toggles"] > 0
    writer_codings = {(r[0], r[1]) for r in lead.query(
        "SELECT excerpt_id, code_id FROM codings WHERE coder = 'writer'")}
    assert writer_codings == {tuple(c) for c in done["coded"]}
    memos = lead.scalar("SELECT COUNT(*) FROM memos WHERE coder LIKE 'coder%'")
    assert memos == 6 * lead.counts()["excerpts"]


# -- a copy to take away --------------------------------------------------------------------
def test_export_coder_copy_is_complete_usable_and_never_overwritten(lead: Store,
                                                                    project: Path) -> None:
    apply(lead.path, "amira", "alpha/notes#1", "linkage-visa")
    cli = Cli(project, lead.path)
    out = project / "take-away.db"
    assert "qcoder merge" in cli.ok("export", "coder", "bob", str(out)).output
    assert codings(out) == codings(lead.path)
    assert rows(out, "SELECT value FROM meta WHERE key = 'copy_coder'") == {("bob",)}
    assert ("bob",) in rows(out, "SELECT name FROM coders")
    assert not list(project.glob(".take-away.db*"))

    away = Cli(project, out)
    status = json.loads(away.ok("status", "--json").output)
    assert status["excerpts"] == lead.counts()["excerpts"]
    before = out.read_bytes()
    assert "already exists" in cli.fails("export", "coder", "bob", str(out)).output
    assert out.read_bytes() == before
    assert "invalid coder" in cli.fails("export", "coder", "no spaces", str(project / "x.db")
                                        ).output
