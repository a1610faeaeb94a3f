"""One roll-up rule: ``agreement``, ``disagreements`` and ``consensus`` see the same
disagreements on a codebook with parents, children, a grandchild and an exclusive group."""

from __future__ import annotations

import json
import random

import pytest
from conftest import Cli

from qcoder.store.database import Store

PLAIN = ["framing", "framing-security", "framing-development", "framing-remittances",
         "linkage", "linkage-visa"]
GROUP = ["ptype-operational", "ptype-dialogue", "ptype-capacity"]


@pytest.fixture
def coded(cli: Cli, store: Store, tmp_path) -> Cli:
    """Two coders on every excerpt: random codes (at most one per exclusive group), plus
    excerpts where they differ only below a parent, so the rule matters."""
    refs = sorted(store.excerpt_ids_by_ref())
    rng = random.Random(13)
    rows = []
    for ref in refs:
        for coder in ("ann", "bob"):
            codes = [c for c in PLAIN if rng.random() < 0.3]
            if rng.random() < 0.5:
                codes.append(rng.choice(GROUP))
            rows += [(ref, c, coder) for c in codes] or [(ref, "", coder)]
    # only the parents differ once rolled up: ann codes the children, bob nothing
    rows += [(refs[0], "linkage-visa", "ann"), (refs[0], "framing-remittances", "ann")]
    rows = list(dict.fromkeys(rows))
    path = tmp_path / "codings.csv"
    path.write_text("excerpt,code,coder,memo\n"
                    + "".join(f"{r},{c},{k},\n" for r, c, k in rows), encoding="utf-8")
    cli.ok("codings", "import", str(path))
    return cli


PARENTS = {"framing": ["framing-security", "framing-development", "framing-remittances"],
           "framing-development": ["framing-remittances"], "linkage": ["linkage-visa"]}


def queue_of(cli: Cli, *args: str) -> list[tuple[str, str]]:
    found = json.loads(cli.ok("consensus", *args, "--limit", "100000", "--json").stdout)
    return [(d["excerpt"], d["code"]) for d in found["disagreements"]]


def test_agreement_disagreements_and_consensus_count_the_same_excerpts(coded: Cli) -> None:
    report = json.loads(coded.ok("agreement", "--json").stdout)
    results = {r["id"]: r for r in report["codes"] + report["groups"]}
    assert set(results) == {*PLAIN, *GROUP, "ptype"}
    for code, result in results.items():
        # two coders: % agree is the share of pairable excerpts on which they agree
        differ = round(result["units"] * (100 - result["percent_agreement"]) / 100)
        listed = json.loads(coded.ok("disagreements", "--code", code, "--json").stdout)
        disputed = {d["excerpt"] for d in listed["excerpts"]}
        assert listed["total"] == differ == len(disputed), code
        queue = queue_of(coded, "--code", code)
        if code in PARENTS:
            # a parent's disagreements are settled on it or on the codes below it
            assert {c for _, c in queue} <= {code, *PARENTS[code]}, code
            assert disputed <= {e for e, _ in queue}, code
        else:
            assert {e for e, _ in queue} == disputed, code
    # the parents differ where only their children were coded
    first = sorted(json.loads(coded.ok("disagreements", "--json").stdout)["excerpts"],
                   key=lambda d: d["excerpt"])
    assert any({"linkage", "framing"} <= set(d["codes"]) for d in first)


def test_the_queue_asks_about_a_parent_only_where_a_coder_applied_it(
        coded: Cli, store: Store) -> None:
    everything = json.loads(coded.ok("disagreements", "--limit", "100000", "--json").stdout)
    queue = queue_of(coded)
    assert len(queue) == len(set(queue))
    # the same excerpts are in dispute, and every disagreement of theirs is in the queue,
    # but a parent only where a coder applied the parent itself
    assert {e for e, _ in queue} == {d["excerpt"] for d in everything["excerpts"]}
    pairs = {(d["excerpt"], c) for d in everything["excerpts"] for c in d["codes"]}
    assert set(queue) <= pairs
    refs = store.excerpt_ids_by_ref()
    for excerpt, code in sorted(pairs - set(queue)):
        assert code in PARENTS, (excerpt, code)
        assert all(code not in store.codes_of(refs[excerpt], coder) for coder in ("ann", "bob"))
        assert {(excerpt, c) for c in PARENTS[code]} & set(queue), (excerpt, code)
    assert pairs - set(queue)  # the fixture has parents differing through children only
    asked = [(e, c) for e, c in queue if c in PARENTS]
    assert asked  # a parent applied itself still asks
    for excerpt, code in asked:
        assert any(code in store.codes_of(refs[excerpt], coder) for coder in ("ann", "bob"))


def test_deciding_the_queue_settles_every_disagreement(coded: Cli, store: Store) -> None:
    from qcoder.consensus import Consensus

    lead = Consensus(store, store.codebook(), "lead")
    lead.carry_agreed()
    queue = lead.queue()
    for pending in queue:
        lead.decide(pending.excerpt_id, pending.code_id, "pick", "ann")
    progress = lead.progress()
    assert (progress.disagreements, progress.settled, progress.open) == (len(queue),
                                                                         len(queue), 0)
    assert progress.finished and lead.queue() == []
    status = json.loads(coded.ok("consensus", "--json").stdout)
    assert status["total"] == 0


def test_auto_agreed_carries_a_parent_one_coder_applied_and_the_other_through_a_child(
        cli: Cli, store: Store, tmp_path) -> None:
    """ann applies a parent, bob only its child: under the roll-up rule they agree on the
    parent, so consensus gets it at once and only the child waits for a decision. Where
    both coded a parent only through different children, the decisions on the children
    settle it (nothing is carried for the parent itself)."""
    refs = sorted(store.excerpt_ids_by_ref())
    one, two = refs[0], refs[1]
    rows = [(one, "linkage", "ann"), (one, "linkage-visa", "bob"),
            (two, "framing-security", "ann"), (two, "framing-development", "bob")]
    path = tmp_path / "codings.csv"
    path.write_text("excerpt,code,coder\n" + "".join(f"{e},{c},{k}\n" for e, c, k in rows),
                    encoding="utf-8")
    cli.ok("codings", "import", str(path))
    agreement = json.loads(cli.ok("agreement", "--json").stdout)
    linkage = next(r for r in agreement["codes"] if r["id"] == "linkage")
    assert linkage["percent_agreement"] == 100  # agreed on the parent, rolled up
    cli.ok("consensus", "--auto-agreed", coder="lead")
    ids = store.excerpt_ids_by_ref()
    assert set(store.codes_of(ids[one], "consensus")) == {"linkage"}
    assert set(store.codes_of(ids[two], "consensus")) == set()
    assert sorted(queue_of(cli)) == [(one, "linkage-visa"), (two, "framing-development"),
                                     (two, "framing-security")]
    cli.ok("consensus", "--excerpt", one, "--code", "linkage-visa", "--drop", "--reason",
           "no visa offered", coder="lead")
    assert set(store.codes_of(ids[one], "consensus")) == {"linkage"}  # the parent stays
