"""Agreement on a round: its excerpts and coders only, frozen at close; rounds compared."""

from __future__ import annotations

import json
import random
import sqlite3
from pathlib import Path

import pytest
from conftest import Cli
from test_rounds import make_sized_project, round_json

from qcoder.store.database import Store

CODES = ("framing-security", "framing-development", "linkage-visa")


def code_everything(db: Path, coders: tuple[str, ...], seed: int = 11) -> None:
    """Each coder reviews every excerpt and applies each code with chance 1/3 (seeded)."""
    from qcoder.coding import Coding

    rng = random.Random(seed)
    with Store(db) as store:
        book = store.codebook()
        for coder in coders:
            coding = Coding(store, book, coder)
            for e in store.excerpts():
                applied = [c for c in CODES if rng.random() < 1 / 3]
                for code in applied:
                    coding.apply(e.id, code)
                if not applied:
                    coding.mark_reviewed(e.id)


@pytest.fixture
def coded(tmp_path: Path) -> Cli:
    runner = Cli(make_sized_project(tmp_path / "p"), tmp_path / "p.db")
    runner.ok("import")
    runner.ok("round", "start", "pilot", "--sample", "60", "--coders", "ann,bob",
              "--seed", "9")
    code_everything(runner.db, ("ann", "bob", "cem"))
    return runner


def alphas(data: dict) -> dict[str, float | None]:
    return {r["id"]: r["alpha"] for r in [*data["codes"], *data["groups"]]}


def restricted_copy(cli: Cli, refs: list[str], tmp_path: Path) -> Cli:
    """A copy of the database with every review and coding outside ``refs`` deleted."""
    copy = tmp_path / "restricted.db"
    source = sqlite3.connect(cli.db)
    conn = sqlite3.connect(copy)
    source.backup(conn)  # a file copy could miss what is still in the write-ahead log
    source.close()
    with Store(cli.db) as store:
        keep = [store.excerpt_by_ref(r).id for r in refs]
    marks = ",".join("?" * len(keep))
    conn.execute(f"DELETE FROM codings WHERE excerpt_id NOT IN ({marks})", keep)
    conn.execute(f"DELETE FROM reviews WHERE excerpt_id NOT IN ({marks})", keep)
    conn.commit()
    conn.close()
    return Cli(cli.project, copy)


def test_round_agreement_equals_agreement_of_its_coders_on_its_excerpts(
        coded: Cli, tmp_path: Path) -> None:
    on_round = json.loads(coded.ok("agreement", "--round", "pilot", "--json").stdout)
    refs = [r["excerpt"] for r in round_json(coded, "pilot")["excerpts"]]
    restricted = restricted_copy(coded, refs, tmp_path)
    by_hand = json.loads(restricted.ok("agreement", "--coders", "ann,bob", "--json").stdout)
    assert alphas(on_round) == alphas(by_hand)
    assert on_round["excerpts"] == by_hand["excerpts"] == len(refs)
    everything = json.loads(coded.ok("agreement", "--coders", "ann,bob", "--json").stdout)
    assert everything["excerpts"] > on_round["excerpts"]
    assert on_round["coders"] == ["ann", "bob"]  # cem coded too, but not in the round
    info = on_round["round"]
    assert (info["name"], info["seed"], info["coders"]) == ("pilot", 9, ["ann", "bob"])
    assert info["excerpts"] == len(refs)
    assert info["share"] == round(100 * len(refs) / info["pool"], 1)
    assert {s["stratum"] for s in info["strata"]["sizes"]} == {"north", "south", "west"}
    assert info["started"] and info["closed"] is None


def test_a_closed_round_keeps_its_agreement(coded: Cli) -> None:
    from qcoder.coding import Coding

    coded.ok("round", "close", "pilot")
    frozen = json.loads(coded.ok("agreement", "--round", "pilot", "--json").stdout)
    refs = [r["excerpt"] for r in round_json(coded, "pilot")["excerpts"]]
    with Store(coded.db) as store:
        coding = Coding(store, store.codebook(), "bob")
        for ref in refs:  # bob changes his mind everywhere after the close
            eid = store.excerpt_by_ref(ref).id
            coding.clear(eid)
            coding.apply(eid, "linkage-visa")
    later = json.loads(coded.ok("agreement", "--round", "pilot", "--json").stdout)
    assert alphas(later) == alphas(frozen)
    assert later["round"]["closed"] == frozen["round"]["closed"]


def test_round_compare_puts_both_rounds_side_by_side(coded: Cli) -> None:
    coded.ok("round", "start", "second", "--sample", "40", "--coders", "ann,cem",
             "--seed", "2")
    data = json.loads(coded.ok("round", "compare", "pilot", "second", "--json").stdout)
    first = alphas(json.loads(coded.ok("agreement", "--round", "pilot", "--json").stdout))
    second = alphas(json.loads(coded.ok("agreement", "--round", "second", "--json").stdout))
    assert [r["name"] for r in data["rounds"]] == ["pilot", "second"]
    for row in data["codes"]:
        assert row["alpha"] == [first[row["id"]], second[row["id"]]]
        if None not in row["alpha"]:
            assert row["change"] == pytest.approx(row["alpha"][1] - row["alpha"][0])
    assert {r["id"] for r in data["codes"]} == set(first)
    text = coded.ok("round", "compare", "pilot", "second").output
    assert "alpha pilot" in text and "alpha second" in text


def test_round_agreement_refuses_coders_and_unknown_rounds(coded: Cli) -> None:
    assert "drop --coders" in coded.fails("agreement", "--round", "pilot", "--coders",
                                          "ann,cem").output
    assert "did you mean 'pilot'" in coded.fails("agreement", "--round", "pilots").output


def test_round_agreement_shows_the_statistics_asked_for(coded: Cli) -> None:
    default = coded.ok("agreement", "--round", "pilot").output
    header = next(line for line in default.splitlines() if line.split()[:2] == ["id", "label"])
    assert "kappa" in header and "Fleiss" not in header and "AC1" not in header
    asked = coded.ok("agreement", "--round", "pilot", "--stats", "alpha,fleiss,ac1").output
    header = next(line for line in asked.splitlines() if "Fleiss" in line)
    assert "AC1" in header and "kappa" not in header
    data = json.loads(coded.ok("agreement", "--round", "pilot", "--json").stdout)
    by_id = {r["id"]: r for r in data["codes"]}
    fleiss = f"{by_id['linkage-visa']['fleiss']:.3f}"
    assert any(line.split()[0] == "linkage-visa" and fleiss in line.split()
               for line in asked.splitlines() if line.strip())
    assert "unknown statistic 'tau'" in coded.fails("agreement", "--round", "pilot",
                                                    "--stats", "tau").output
