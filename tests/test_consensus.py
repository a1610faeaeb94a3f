"""Consensus: deciding disagreements (keep, drop, pick), the adjudication log, undo and redo,
carrying agreed codings, and the ``consensus`` / ``adjudications`` commands."""

from __future__ import annotations

import json

import pytest
from conftest import Cli

from qcoder.consensus import Consensus
from qcoder.errors import QcoderError
from qcoder.store.database import Store

X1 = "alpha/interview-1#2"  # ann: security + operational; bob: security + dialogue
X2 = "alpha/interview-1#4"  # ann: visa; bob: reviewed, no code
X3 = "beta/declaration#1"  # both: development + dialogue
X4 = "alpha/notes#1"  # both: reviewed, no code
X5 = "alpha/notes#2"  # ann only: visa


@pytest.fixture
def ids(store: Store, coding_for) -> dict[str, int]:
    refs = store.excerpt_ids_by_ref()
    ann, bob = coding_for("ann"), coding_for("bob")
    ann.apply(refs[X1], "framing-security")
    ann.apply(refs[X1], "ptype-operational", memo="joint patrols")
    bob.apply(refs[X1], "framing-security")
    bob.apply(refs[X1], "ptype-dialogue", memo="talks come first")
    ann.apply(refs[X2], "linkage-visa", memo="visa as carrot")
    bob.mark_reviewed(refs[X2])
    for coder in (ann, bob):
        coder.apply(refs[X3], "framing-development")
        coder.apply(refs[X3], "ptype-dialogue")
        coder.mark_reviewed(refs[X4])
    ann.apply(refs[X5], "linkage-visa")
    return refs


@pytest.fixture
def lead(store: Store, ids: dict[str, int]) -> Consensus:
    return Consensus(store, store.codebook(), "lead")


def consensus_codes(store: Store, excerpt_id: int) -> dict[str, str | None]:
    return store.codes_of(excerpt_id, "consensus")


def log(store: Store) -> list[tuple]:
    return store.query("SELECT excerpt_id, code_id, decision, source_coder, reason, decided_by "
                       "FROM adjudications ORDER BY id")


# -- the queue ---------------------------------------------------------------------------
def test_queue_holds_every_disagreement_worst_code_first(lead: Consensus, ids) -> None:
    queue = lead.queue()
    # linkage: ann applied it on X2 only through linkage-visa (the roll-up rule), bob did
    # not: deciding linkage-visa settles linkage too, so linkage is not asked about
    assert {(p.excerpt_id, p.code_id) for p in queue} == {
        (ids[X1], "ptype-operational"), (ids[X1], "ptype-dialogue"), (ids[X2], "linkage-visa")}
    alphas = [p.alpha for p in queue]
    assert all(a is not None for a in alphas)
    assert alphas == sorted(alphas)
    item = lead.item(next(p for p in queue if p.code_id == "ptype-dialogue"))
    assert (item.ref, item.code_id) == (X1, "ptype-dialogue")
    assert item.text.startswith("Official: It began with talks")
    ann, bob = item.versions
    assert (ann.coder, ann.applied, set(ann.codes)) == (
        "ann", False, {"framing-security", "ptype-operational"})
    assert (bob.coder, bob.applied, bob.memo) == ("bob", True, "talks come first")
    assert item.consensus == {}


def test_queue_filters_by_case_and_code(lead: Consensus, ids) -> None:
    assert [p.code_id for p in lead.queue(code="linkage-visa")] == ["linkage-visa"]
    assert [p.code_id for p in lead.queue(code="linkage")] == ["linkage-visa"]  # and below
    assert {p.code_id for p in lead.queue(code="ptype")} == {"ptype-operational",
                                                              "ptype-dialogue"}
    assert lead.queue(case="beta") == []
    with pytest.raises(QcoderError, match="unknown case"):
        lead.queue(case="gamma")


# -- decisions ---------------------------------------------------------------------------
def test_keep_applies_the_code_and_logs_who_what_why(store: Store, lead: Consensus,
                                                      ids) -> None:
    out = lead.decide(ids[X2], "linkage-visa", "keep", reason="visa offers are explicit")
    assert out.added == ["linkage-visa"]
    assert consensus_codes(store, ids[X2]) == {"linkage-visa": None}
    assert store.is_reviewed(ids[X2], "consensus")
    assert log(store) == [(ids[X2], "linkage-visa", "keep", None, "visa offers are explicit",
                           "lead")]
    row = store.query("SELECT at, action_id FROM adjudications")[0]
    assert row[0] and row[1] == out.action_id
    assert store.adjudication_log()[0]["excerpt"] == X2
    assert (ids[X2], "linkage-visa") not in {(p.excerpt_id, p.code_id) for p in lead.queue()}


def test_keeping_a_group_code_replaces_consensus_other_code(store: Store, lead: Consensus,
                                                             ids) -> None:
    lead.decide(ids[X1], "ptype-dialogue", "keep", reason="first try")
    out = lead.decide(ids[X1], "ptype-operational", "keep", reason="patrols dominate")
    assert (out.added, out.removed) == (["ptype-operational"], ["ptype-dialogue"])
    assert consensus_codes(store, ids[X1]) == {"ptype-operational": None}


def test_pick_takes_a_coders_decision_with_its_memo(store: Store, lead: Consensus,
                                                     ids) -> None:
    lead.decide(ids[X1], "ptype-dialogue", "pick", "bob", "bob read the minutes")
    assert consensus_codes(store, ids[X1]) == {"ptype-dialogue": "talks come first"}
    lead.decide(ids[X2], "linkage-visa", "pick", "ann", "ann is right")
    assert consensus_codes(store, ids[X2]) == {"linkage-visa": "visa as carrot"}
    lead.decide(ids[X2], "linkage-visa", "pick", "bob", "on second thought")
    assert consensus_codes(store, ids[X2]) == {}
    assert [r[2:4] for r in log(store)] == [("pick", "bob"), ("pick", "ann"), ("pick", "bob")]


def test_drop_removes_the_code(store: Store, lead: Consensus, ids) -> None:
    lead.decide(ids[X2], "linkage-visa", "keep", reason="a")
    lead.decide(ids[X2], "linkage-visa", "drop", reason="b")
    assert consensus_codes(store, ids[X2]) == {}
    assert store.is_reviewed(ids[X2], "consensus")


def test_undo_and_redo_a_decision_with_its_log_row(store: Store, lead: Consensus,
                                                   ids) -> None:
    lead.decide(ids[X1], "ptype-dialogue", "keep", reason="talks")
    lead.decide(ids[X1], "ptype-operational", "pick", "ann", "patrols")
    assert len(log(store)) == 2
    undone = lead.undo()
    assert undone.added == ["ptype-dialogue"] and undone.removed == ["ptype-operational"]
    assert consensus_codes(store, ids[X1]) == {"ptype-dialogue": None}
    assert [r[1] for r in log(store)] == ["ptype-dialogue"]
    assert (ids[X1], "ptype-operational") in {(p.excerpt_id, p.code_id) for p in lead.queue()}
    lead.redo()
    assert consensus_codes(store, ids[X1]) == {"ptype-operational": "joint patrols"}
    assert [r[1:4] for r in log(store)] == [("ptype-dialogue", "keep", None),
                                            ("ptype-operational", "pick", "ann")]
    assert store.query("SELECT action_id FROM adjudications ORDER BY id")[1][0] is not None
    lead.undo()
    lead.undo()
    assert consensus_codes(store, ids[X1]) == {} and log(store) == []
    assert not store.is_reviewed(ids[X1], "consensus")
    # the coders' own codings are untouched
    assert set(store.codes_of(ids[X1], "ann")) == {"framing-security", "ptype-operational"}


@pytest.mark.parametrize(("args", "message"), [
    (("ptype-dialogue", "pick", "cat"), "pick needs one of the coders"),
    (("ptype-dialogue", "pick", None), "pick needs one of the coders"),
    (("ptype-dialogue", "keep", "ann"), "takes no coder"),
    (("ptype-dialogue", "merge", None), "unknown decision"),
    (("ptype", "keep", None), "not a code that can be applied"),
])
def test_bad_decisions_are_refused(store: Store, lead: Consensus, ids, args, message) -> None:
    with pytest.raises(QcoderError, match=message):
        lead.decide(ids[X1], *args)
    assert log(store) == []


def test_pick_needs_a_coder_who_reviewed_the_excerpt(lead: Consensus, ids) -> None:
    with pytest.raises(QcoderError, match="bob has not reviewed"):
        lead.decide(ids[X5], "linkage-visa", "pick", "bob")


def test_who_decides_must_be_a_person(store: Store, ids) -> None:
    with pytest.raises(QcoderError, match="cannot decide"):
        Consensus(store, store.codebook(), "consensus")
    looker = Consensus(store, store.codebook(), None)
    assert looker.queue()
    with pytest.raises(QcoderError, match="--coder"):
        looker.decide(ids[X2], "linkage-visa", "keep")


# -- agreed codings ----------------------------------------------------------------------
def test_carry_agreed_in_one_undoable_action(store: Store, lead: Consensus, ids) -> None:
    carried = lead.carry_agreed()
    assert carried.codings == 3 and carried.excerpts == 3
    assert consensus_codes(store, ids[X1]) == {"framing-security": None}
    assert set(consensus_codes(store, ids[X3])) == {"framing-development", "ptype-dialogue"}
    assert consensus_codes(store, ids[X4]) == {} and store.is_reviewed(ids[X4], "consensus")
    assert not store.is_reviewed(ids[X2], "consensus")  # still in dispute
    assert not store.is_reviewed(ids[X5], "consensus")  # one coder only
    assert log(store) == []  # not a decision
    assert lead.carry_agreed().action_id is None  # nothing new to carry
    undone = lead.undo()
    assert undone.action_id == carried.action_id
    assert store.query("SELECT COUNT(*) FROM codings WHERE coder = 'consensus'")[0][0] == 0
    assert not store.is_reviewed(ids[X4], "consensus")


def test_carry_never_overrides_a_decision(store: Store, lead: Consensus, ids) -> None:
    lead.decide(ids[X1], "ptype-operational", "keep", reason="patrols")
    lead.carry_agreed()
    assert set(consensus_codes(store, ids[X1])) == {"ptype-operational", "framing-security"}
    assert {p.code_id for p in lead.queue()} == {"ptype-dialogue", "linkage-visa"}


# -- the command line --------------------------------------------------------------------
def test_consensus_commands(cli: Cli, store: Store, ids) -> None:
    listed = json.loads(cli.ok("consensus", "--json").stdout)
    assert listed["total"] == 3 and listed["coders"] == ["ann", "bob"]  # linkage below
    assert {d["excerpt"] for d in listed["disagreements"]} == {X1, X2}
    text = cli.ok("consensus").output
    assert "3 disagreements left" in text and "talks come first" in text
    cli.fails("consensus", "--auto-agreed")  # who decides?
    carried = json.loads(cli.ok("consensus", "--auto-agreed", "--json", coder="lead").stdout)
    assert carried["codings"] == 3
    out = cli.ok("consensus", "--excerpt", X1, "--code", "ptype-dialogue", "--pick", "bob",
                 "--reason", "minutes show talks", coder="lead").output
    assert "pick bob" in out and "ptype-dialogue" in out
    assert "reason" in cli.fails("consensus", "--excerpt", X2, "--code", "linkage-visa",
                                 "--keep", coder="lead").output
    assert "one action" in cli.fails("consensus", "--undo", "--redo", coder="lead").output
    assert "one action" in cli.fails("consensus", "--excerpt", X2, "--code", "linkage-visa",
                                     "--keep", "--drop", "--reason", "x", coder="lead").output
    assert "unknown excerpt" in cli.fails("consensus", "--excerpt", "alpha/nope#1", "--code",
                                          "linkage-visa", "--drop", "--reason", "x",
                                          coder="lead").output
    entries = json.loads(cli.ok("adjudications", "--json").stdout)
    assert entries["total"] == 2  # the carry of the agreed codings is one entry
    carry, entry = entries["adjudications"]
    assert (carry["decision"], carry["codings"], carry["decided_by"]) == (
        "carry-agreed", carried["codings"], "lead")
    assert carry["excerpts"] == carried["excerpts"]
    assert (entry["excerpt"], entry["code"], entry["decision"], entry["source_coder"],
            entry["decided_by"], entry["reason"]) == (X1, "ptype-dialogue", "pick", "bob",
                                                      "lead", "minutes show talks")
    assert "minutes show talks" in cli.ok("adjudications").output
    assert "undone" in cli.ok("consensus", "--undo", coder="lead").output
    assert json.loads(cli.ok("adjudications", "--json").stdout)["total"] == 1
    assert "undone" in cli.ok("consensus", "--undo", coder="lead").output  # the carry
    assert json.loads(cli.ok("adjudications", "--json").stdout)["total"] == 0
    # consensus stays out of agreement unless asked for
    assert json.loads(cli.ok("agreement", "--json").stdout)["coders"] == ["ann", "bob"]


def test_an_undone_decision_leaves_no_empty_consensus_coder_in_status(cli: Cli, store: Store,
                                                                       ids) -> None:
    cli.ok("consensus", "--excerpt", X2, "--code", "linkage-visa", "--keep", "--reason",
           "the memo says so", coder="lead")
    assert "consensus" in cli.ok("status").output
    cli.ok("consensus", "--undo", coder="lead")
    data = json.loads(cli.ok("status", "--json").stdout)
    assert [c["coder"] for c in data["by_coder"]] == ["ann", "bob"] and data["coders"] == 2
    header = next(line for line in cli.ok("status").output.splitlines()
                  if line.startswith("case"))
    assert "consensus" not in header and "ann" in header and "bob" in header
