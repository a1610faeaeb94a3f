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


def test_agreement_disagreements_and_consensus_count_the_same_excerpts(coded: Cli) -> None:
    report = json.loads(coded.ok("agreement", "--json").stdout)
    results = {r["id"]: r for r in report["codes"] + report["groups"]}
    assert set(results) == {*PLAIN, *GROUP, "ptype"}
    for code, result in results.items():
        # two coders: % agree is the share of pairable excerpts on which they agree
        differ = round(result["units"] * (100 - result["percent_agreement"]) / 100)
        listed = json.loads(coded.ok("disagreements", "--code", code, "--json").stdout)
        queue = json.loads(coded.ok("consensus", "--code", code, "--limit", "1000",
                                    "--json").stdout)
        in_queue = {d["excerpt"] for d in queue["disagreements"]}
        assert listed["total"] == differ == len(in_queue), code
        assert {d["excerpt"] for d in listed["excerpts"]} == in_queue, code
    # the parents differ where only their children were coded
    first = sorted(json.loads(coded.ok("disagreements", "--json").stdout)["excerpts"],
                   key=lambda d: d["excerpt"])
    assert any({"linkage", "framing"} <= set(d["codes"]) for d in first)
