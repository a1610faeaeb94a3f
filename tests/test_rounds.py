"""Reliability rounds: the drawn sample, strata, assignment, closing, and bad input."""

from __future__ import annotations

import json
import math
import sqlite3
from pathlib import Path

import pytest
from conftest import CODEBOOK, Cli

from qcoder.store.database import Store

CASE_SIZES = {"north": 23, "south": 11, "west": 2}


def make_sized_project(root: Path, sizes: dict[str, int] = CASE_SIZES,
                       extra: dict[str, int] | None = None) -> Path:
    """A project whose cases have one document of ``sizes[case]`` paragraphs each."""
    (root / "codebooks").mkdir(parents=True)
    (root / "codebooks" / "tiny.yaml").write_text(CODEBOOK, encoding="utf-8")
    for case_id, n in {**(extra or {}), **sizes}.items():
        folder = root / "cases" / case_id
        folder.mkdir(parents=True)
        (folder / "case.yaml").write_text(f"name: {case_id.title()}\n", encoding="utf-8")
        paragraphs = [f"Paragraph {i} of {case_id}: what was said there." for i in range(n)]
        (folder / "talk.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return root


@pytest.fixture
def sized(tmp_path: Path) -> Cli:
    project = make_sized_project(tmp_path / "sized")
    runner = Cli(project, tmp_path / "sized.db")
    runner.ok("import")
    return runner


def round_json(cli: Cli, name: str) -> dict:
    return json.loads(cli.ok("round", "show", name, "--json").stdout)


def rows(db: Path, sql: str) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


def test_same_seed_draws_the_same_excerpts_in_two_fresh_databases(tmp_path: Path) -> None:
    one = Cli(make_sized_project(tmp_path / "one"), tmp_path / "one.db")
    one.ok("import")
    # The second database numbers its excerpts differently: a case imported first and then
    # removed takes the first ids, so a draw by row id would differ.
    two_root = make_sized_project(tmp_path / "two", extra={"aaa-first": 17})
    two = Cli(two_root, tmp_path / "two.db")
    two.ok("import")
    for path in (two_root / "cases" / "aaa-first").iterdir():
        path.unlink()
    (two_root / "cases" / "aaa-first").rmdir()
    two.ok("import")
    assert rows(one.db, "SELECT MIN(id) FROM excerpts") != rows(
        two.db, "SELECT MIN(id) FROM excerpts WHERE active = 1")
    for runner in (one, two):
        runner.ok("round", "start", "pilot", "--sample", "30", "--coders", "ann,bob",
                  "--seed", "42")
        runner.ok("round", "start", "other", "--sample", "30", "--coders", "ann,bob",
                  "--seed", "43")
    first, second = round_json(one, "pilot"), round_json(two, "pilot")
    assert first["excerpts"] == second["excerpts"]
    assert first["round"]["seed"] == second["round"]["seed"] == 42
    # another seed draws another sample (of the same sizes)
    other = round_json(one, "other")
    assert other["excerpts"] != first["excerpts"]
    assert other["round"]["strata"] == first["round"]["strata"]


@pytest.mark.parametrize("percent", [5, 20, 50, 100])
def test_each_case_gives_its_share_rounded_half_up_at_least_one(sized: Cli,
                                                                 percent: int) -> None:
    sized.ok("round", "start", "r", "--sample", str(percent), "--coders", "ann,bob",
             "--seed", "3")
    data = round_json(sized, "r")
    drawn: dict[str, int] = {}
    for row in data["excerpts"]:
        case_id = row["excerpt"].split("/")[0]
        drawn[case_id] = drawn.get(case_id, 0) + 1
        assert row["stratum"] == case_id
    expected = {c: max(1, math.floor(percent * n / 100 + 0.5)) for c, n in CASE_SIZES.items()}
    assert drawn == expected
    sizes = {s["stratum"]: (s["excerpts"], s["of"]) for s in data["round"]["strata"]["sizes"]}
    assert sizes == {c: (expected[c], CASE_SIZES[c]) for c in CASE_SIZES}
    assert data["round"]["excerpts"] == sum(expected.values())
    assert data["round"]["pool"] == sum(CASE_SIZES.values())
    assert len({r["excerpt"] for r in data["excerpts"]}) == data["round"]["excerpts"]


def test_unstratified_and_by_document_samples(sized: Cli) -> None:
    sized.ok("round", "start", "flat", "--sample", "25", "--by", "none", "--coders", "ann")
    flat = round_json(sized, "flat")
    total = sum(CASE_SIZES.values())
    assert flat["round"]["excerpts"] == math.floor(0.25 * total + 0.5)
    assert flat["round"]["strata"]["by"] == "none"
    sized.ok("round", "start", "docs", "--sample", "25", "--by", "document", "--coders", "ann")
    docs = round_json(sized, "docs")
    assert {s["stratum"] for s in docs["round"]["strata"]["sizes"]} == {
        f"{c}/talk" for c in CASE_SIZES}


def test_start_registers_new_coders_and_shows_progress(sized: Cli) -> None:
    from qcoder.coding import Coding

    sized.ok("round", "start", "pilot", "--sample", "20", "--coders", "ann,bob", "--seed", "1")
    data = round_json(sized, "pilot")
    assert [c["coder"] for c in data["coders"]] == ["ann", "bob"]
    assert all(c["reviewed"] == 0 for c in data["coders"])
    with Store(sized.db) as store:
        assert {"ann", "bob"} <= set(store.coders())
        first = store.excerpt_by_ref(data["excerpts"][0]["excerpt"])
        outside = next(e for e in store.excerpts()
                       if e.ref not in {r["excerpt"] for r in data["excerpts"]})
        coding = Coding(store, store.codebook(), "ann")
        coding.apply(first.id, "framing-security")
        coding.mark_reviewed(outside.id)
    data = round_json(sized, "pilot")
    progress = {c["coder"]: c["reviewed"] for c in data["coders"]}
    assert progress == {"ann": 1, "bob": 0}
    listed = json.loads(sized.ok("round", "list", "--json").stdout)["rounds"]
    assert [(r["name"], r["status"], r["excerpts"]) for r in listed] == [
        ("pilot", "open", data["round"]["excerpts"])]


def test_close_freezes_the_round(sized: Cli) -> None:
    from qcoder.coding import Coding

    sized.ok("round", "start", "pilot", "--sample", "20", "--coders", "ann", "--seed", "1")
    refs = [r["excerpt"] for r in round_json(sized, "pilot")["excerpts"]]
    with Store(sized.db) as store:
        coding = Coding(store, store.codebook(), "ann")
        coding.apply(store.excerpt_by_ref(refs[0]).id, "framing-security")
    sized.ok("round", "close", "pilot")
    with Store(sized.db) as store:
        coding = Coding(store, store.codebook(), "ann")
        coding.apply(store.excerpt_by_ref(refs[1]).id, "framing-security")
    data = round_json(sized, "pilot")
    assert data["round"]["status"] == "closed" and data["round"]["closed"]
    assert data["coders"][0]["reviewed"] == 1
    failed = sized.fails("round", "close", "pilot")
    assert "closed" in failed.output and len(failed.output.strip().splitlines()) == 1


def test_documents_round_assigns_whole_documents(sized: Cli) -> None:
    sized.ok("round", "start", "split-ann", "--documents", "north/talk,west/talk",
             "--coders", "ann")
    data = round_json(sized, "split-ann")
    assert data["round"]["kind"] == "documents"
    assert len(data["excerpts"]) == CASE_SIZES["north"] + CASE_SIZES["west"]
    assert {r["excerpt"].split("#")[0] for r in data["excerpts"]} == {"north/talk", "west/talk"}


def test_from_unreviewed_draws_only_excerpts_nobody_reviewed(sized: Cli) -> None:
    from qcoder.coding import Coding

    with Store(sized.db) as store:
        coding = Coding(store, store.codebook(), "lead")
        reviewed = {e.ref for e in store.excerpts(case_id="north")[:10]}
        for ref in reviewed:
            coding.mark_reviewed(store.excerpt_by_ref(ref).id)
    sized.ok("round", "start", "fresh", "--sample", "50", "--coders", "ann",
             "--from-unreviewed", "--seed", "5")
    drawn = {r["excerpt"] for r in round_json(sized, "fresh")["excerpts"]}
    assert drawn and not drawn & reviewed
    north = [r for r in drawn if r.startswith("north/")]
    assert len(north) == math.floor(0.5 * CASE_SIZES["north"] + 0.5)  # 12 of 13 unreviewed
    # 60 % of north is 14, more than its 13 unreviewed excerpts
    failed = sized.fails("round", "start", "more", "--sample", "60", "--coders", "ann",
                         "--from-unreviewed")
    assert "north" in failed.output and "unreviewed" in failed.output


def nothing_written(db: Path, before: dict[str, list[tuple]]) -> None:
    for table, content in before.items():
        assert rows(db, f"SELECT * FROM {table} ORDER BY 1") == content, table


@pytest.mark.parametrize(("args", "words"), [
    (["--sample", "20", "--coders", "ann,b b"], "invalid coder name"),
    (["--sample", "20", "--coders", "Ann"], "did you mean 'ann'"),
    (["--sample", "20", "--coders", "annn"], "did you mean 'ann'"),
    (["--sample", "20", "--coders", "consensus"], "consensus"),
    (["--sample", "0", "--coders", "zoe"], "above 0 and at most 100"),
    (["--sample", "100.5", "--coders", "zoe"], "above 0 and at most 100"),
    (["--sample", "-3", "--coders", "zoe"], "above 0 and at most 100"),
    (["--sample", "20", "--coders", "zoe", "--documents", "north/talk"], "either"),
    (["--documents", "north/tlak", "--coders", "zoe"], "did you mean 'north/talk'"),
    (["--sample", "20", "--coders", "zoe", "--from-unreviewed", "--by", "none"],
     "unreviewed"),
])
def test_bad_input_is_one_line_and_writes_nothing(sized: Cli, args: list[str],
                                                  words: str) -> None:
    from qcoder.coding import Coding

    with Store(sized.db) as store:
        coding = Coding(store, store.codebook(), "ann")
        for e in store.excerpts():  # everything reviewed: --from-unreviewed has no pool
            coding.mark_reviewed(e.id)
    sized.ok("round", "start", "taken", "--sample", "10", "--coders", "ann")
    tables = ("rounds", "round_coders", "round_excerpts", "coders")
    before = {t: rows(sized.db, f"SELECT * FROM {t} ORDER BY 1") for t in tables}
    result = sized.fails("round", "start", "new", *args)
    assert words in result.output
    assert len(result.output.strip().splitlines()) == 1
    nothing_written(sized.db, before)
    taken = sized.fails("round", "start", "taken", "--sample", "10", "--coders", "zoe")
    assert "exists" in taken.output
    nothing_written(sized.db, before)


def test_unknown_round_names_the_near_one(sized: Cli) -> None:
    sized.ok("round", "start", "pilot", "--sample", "10", "--coders", "ann")
    assert "did you mean 'pilot'" in sized.fails("round", "show", "pilt").output
    assert "did you mean 'pilot'" in sized.fails("round", "close", "Pilot").output


def test_round_queue_count_is_kept_until_a_review_is_written_here_or_elsewhere(
        sized: Cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The top bar's "round NAME: n/N" counts the coder's reviews once, and again only
    after a write: one of this workbench's, or another process's commit."""
    from qcoder.coding import Coding
    from qcoder.round_queue import RoundQueue
    from qcoder.rounds import start_round
    from qcoder.store import rounds as sql

    counted = []
    count = sql.reviewed_in_round
    monkeypatch.setattr(sql, "reviewed_in_round",
                        lambda *args: counted.append(args) or count(*args))
    with Store(sized.db) as store:
        drawn = start_round(store, "pilot", 50, ["ann"], seed=3)
        queue = RoundQueue(store, "ann")
        labels = [queue.label() for _ in range(3)]
        assert labels == [f"round pilot: 0/{drawn.size}"] * 3 and len(counted) == 1
        first = queue.next_unreviewed()
        assert first == drawn.excerpt_ids[0]
        Coding(store, store.codebook(), "ann").mark_reviewed(first)
        assert queue.label() == f"round pilot: 1/{drawn.size}" and len(counted) == 2
        assert queue.next_unreviewed(first) == drawn.excerpt_ids[1]
        with Store(sized.db) as other:  # another coder's workbench on the same excerpt
            Coding(other, other.codebook(), "ann").mark_reviewed(drawn.excerpt_ids[1])
        assert queue.label() == f"round pilot: 2/{drawn.size}" and len(counted) == 3
        assert queue.next_unreviewed(first) == drawn.excerpt_ids[2]


def test_round_queue_steps_read_the_queue_by_position(sized: Cli) -> None:
    """"Next unreviewed" in a round reads its excerpts from a position on, by the index of
    the queue's order, without sorting the round."""
    from qcoder.rounds import start_round
    from qcoder.store import rounds as sql

    with Store(sized.db) as store:
        drawn = start_round(store, "pilot", 50, ["ann"], seed=3)
        statements: list[str] = []
        store.conn.set_trace_callback(statements.append)
        found = sql.next_unreviewed_in_round(store.conn, drawn.id, "ann", 3)
        store.conn.set_trace_callback(None)
        assert found == drawn.excerpt_ids[4]
        plan = " ".join(r[-1] for r in store.conn.execute(
            f"EXPLAIN QUERY PLAN {statements[-1]}"))
    assert "round_excerpts_position" in plan and "TEMP B-TREE" not in plan, plan
