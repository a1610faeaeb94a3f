"""Blindness while a round is open: the coder's copy, disagreements, compare, consensus."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from conftest import Cli
from test_rounds import make_sized_project, round_json
from test_rounds_agreement import code_everything

from qcoder.store.database import Store


@pytest.fixture
def open_round(tmp_path: Path) -> Cli:
    runner = Cli(make_sized_project(tmp_path / "p"), tmp_path / "p.db")
    runner.ok("import")
    code_everything(runner.db, ("ann", "bob", "cem"))
    runner.ok("round", "start", "pilot", "--sample", "30", "--coders", "ann,dora",
              "--seed", "4")
    code_everything(runner.db, ("dora",), seed=5)
    with Store(runner.db) as store:  # memos and a consensus decision on every excerpt
        for e in store.excerpts():
            for coder in ("bob", "dora"):
                store.conn.execute("INSERT INTO memos VALUES (?, ?, 'a thought', 'now')",
                                   (e.id, coder))
            store.conn.execute("INSERT INTO adjudications (excerpt_id, code_id, decision, "
                               "decided_by, at) VALUES (?, 'linkage-visa', 'keep', 'lead', "
                               "'now')", (e.id,))
    runner.ok("consensus", "--coders", "ann,bob", "--auto-agreed", coder="lead")
    return runner


def ids_of(cli: Cli, name: str) -> set[int]:
    refs = {r["excerpt"] for r in round_json(cli, name)["excerpts"]}
    with Store(cli.db) as store:
        return {store.excerpt_by_ref(r).id for r in refs}


def test_the_copy_of_a_round_coder_holds_no_other_coders_rows_on_round_excerpts(
        open_round: Cli, tmp_path: Path) -> None:
    out = tmp_path / "ann.db"
    open_round.ok("export", "coder", "ann", str(out))
    round_ids = ids_of(open_round, "pilot")
    conn = sqlite3.connect(out)
    marks = ",".join("?" * len(round_ids))
    params = sorted(round_ids)
    for table in ("codings", "reviews", "memos", "events"):
        others = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE coder != 'ann' AND "
                              f"excerpt_id IN ({marks})", params).fetchone()[0]
        assert others == 0, table
        outside = conn.execute(f"SELECT COUNT(*) FROM {table} WHERE coder != 'ann' AND "
                               f"excerpt_id NOT IN ({marks})", params).fetchone()[0]
        assert outside > 0, table  # the rest of the corpus is all there
    mine = conn.execute(f"SELECT COUNT(*) FROM reviews WHERE coder = 'ann' AND excerpt_id IN "
                        f"({marks})", params).fetchone()[0]
    assert mine == len(round_ids)
    assert conn.execute(f"SELECT COUNT(*) FROM adjudications WHERE excerpt_id IN ({marks})",
                        params).fetchone()[0] == 0
    assert conn.execute(f"SELECT COUNT(*) FROM adjudications WHERE excerpt_id NOT IN ({marks})",
                        params).fetchone()[0] > 0
    assert conn.execute("SELECT COUNT(*) FROM codings WHERE coder = 'consensus'").fetchone()[0]
    conn.close()


def test_a_copy_for_someone_outside_the_round_is_whole(open_round: Cli,
                                                       tmp_path: Path) -> None:
    out = tmp_path / "bob.db"
    open_round.ok("export", "coder", "bob", str(out))
    conn = sqlite3.connect(out)
    original = sqlite3.connect(open_round.db)
    for table in ("codings", "reviews", "memos", "adjudications"):
        assert (conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()
                == original.execute(f"SELECT COUNT(*) FROM {table}").fetchone())
    conn.close()
    original.close()


@pytest.mark.parametrize("args", [
    ["disagreements"], ["disagreements", "--coders", "bob,cem"], ["compare"],
    ["compare", "--coder", "bob"], ["consensus", "--coders", "ann,bob"]])
def test_commands_refuse_a_coder_of_an_open_round(open_round: Cli, args: list[str]) -> None:
    failed = open_round.fails(*args, coder="dora")
    assert "open round 'pilot'" in failed.output
    assert len(failed.output.strip().splitlines()) == 1
    open_round.ok(*args, coder="lead")  # the lead may look


def test_a_round_coder_may_count_their_own_codings_and_everyone_after_close(
        open_round: Cli) -> None:
    open_round.ok("compare", "--coder", "dora", coder="dora")
    open_round.ok("round", "close", "pilot")
    open_round.ok("disagreements", coder="dora")
    open_round.ok("compare", coder="dora")


def test_the_copy_of_a_round_coder_shows_no_span_another_coder_made_on_round_excerpts(
        open_round: Cli, tmp_path: Path) -> None:
    from qcoder.coding import Coding

    round_ids = sorted(ids_of(open_round, "pilot"))
    quote = "what was said"
    with Store(open_round.db) as store:
        outside = next(e.id for e in store.excerpts() if e.id not in round_ids)
        rows = {i: store.excerpt(i) for i in (round_ids[0], round_ids[1], outside)}
        coding = {c: Coding(store, store.codebook(), c) for c in ("ann", "bob")}

        def span(coder: str, excerpt_id: int) -> int:
            row = rows[excerpt_id]
            start = row.start + row.text.index(quote)  # type: ignore[union-attr]
            made = coding[coder].toggle_span(row.document_id, start,  # type: ignore[union-attr]
                                             start + len(quote), "linkage-visa")
            assert made.excerpt_id is not None
            return made.excerpt_id

        bobs = span("bob", round_ids[0])  # only bob's, in the round: hidden from ann
        shared = span("ann", round_ids[1])
        assert span("bob", round_ids[1]) == shared  # ann's too: kept, bob's coding left out
        bobs_outside = span("bob", outside)  # not in the round: the copy is whole there
    out = tmp_path / "ann.db"
    open_round.ok("export", "coder", "ann", str(out))
    conn = sqlite3.connect(out)
    original = sqlite3.connect(open_round.db)
    try:
        spans = dict(conn.execute("SELECT id, text FROM excerpts WHERE selection IS NOT NULL"))
        assert sorted(spans) == sorted([shared, bobs_outside]) and bobs not in spans
        assert conn.execute("SELECT coder FROM codings WHERE excerpt_id = ?",
                            (shared,)).fetchall() == [("ann",)]
        assert conn.execute("SELECT coder FROM codings WHERE excerpt_id = ?",
                            (bobs_outside,)).fetchall() == [("bob",)]
        assert conn.execute("SELECT COUNT(*) FROM events WHERE excerpt_id = ?",
                            (bobs,)).fetchone() == (0,)
        # paragraphs and front-matter selections (shared material) are all there
        paragraphs = "SELECT id, text FROM excerpts WHERE selection IS NULL ORDER BY id"
        assert conn.execute(paragraphs).fetchall() == original.execute(paragraphs).fetchall()
        conn.execute("INSERT INTO excerpt_text (excerpt_text) VALUES ('integrity-check')")
    finally:
        conn.close()
        original.close()
