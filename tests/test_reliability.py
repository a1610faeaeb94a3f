"""Agreement data from the store: active excerpts and codes only, coders and case, and
``AgreementData.from_arrays`` equal to ``from_rows``."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from conftest import CODEBOOK, Cli
from test_agreement import CASES, CODINGS, REVIEWS

from qcoder.errors import QcoderError
from qcoder.reliability.agreement import AgreementData, disagreement_pairs, disagreements, report
from qcoder.reliability.data import load_agreement_data, project_agreement, select_codes
from qcoder.store.database import Store


def same(a: AgreementData, b: AgreementData) -> None:
    assert a.coders == b.coders and a.code_ids == b.code_ids and a.case_ids == b.case_ids
    for name in ("excerpt_ids", "case_index", "reviewed", "applied"):
        assert np.array_equal(getattr(a, name), getattr(b, name)), name


def arrays(reviews, codings, cases) -> AgreementData:
    by_coder: dict[str, list[int]] = {}
    for e, coder in reviews:
        by_coder.setdefault(coder, []).append(e)
    by_pair: dict[tuple[str, str], list[int]] = {}
    for e, code, coder in codings:
        by_pair.setdefault((code, coder), []).append(e)
    by_case: dict[str, list[int]] = {}
    for e, case in cases.items():
        by_case.setdefault(case, []).append(e)
    return AgreementData.from_arrays(
        {k: np.array(v) for k, v in by_coder.items()},
        {k: np.array(v) for k, v in by_pair.items()},
        {k: np.array(v) for k, v in by_case.items()})


def test_from_arrays_equals_from_rows() -> None:
    same(arrays(REVIEWS, CODINGS, CASES), AgreementData.from_rows(REVIEWS, CODINGS, CASES))
    # an excerpt of no known case, a case without reviewed excerpts, sparse large ids
    cases = {1: "c1", 2: "c1", 3: "c1", 4: "c2", 9: "c9"}
    shifted = [(e * 10**9, c) for e, c in REVIEWS]
    coded = [(e * 10**9, k, c) for e, k, c in CODINGS]
    far = {e * 10**9: c for e, c in cases.items()}
    same(arrays(shifted, coded, far), AgreementData.from_rows(shifted, coded, far))
    same(arrays([], [], {}), AgreementData.from_rows([], [], {}))


@pytest.mark.parametrize("coders", [None, ["ann", "bob"], ["bob", "cat"]])
def test_disagreement_pairs_are_the_disagreements(coders: list[str] | None) -> None:
    data = AgreementData.from_rows(REVIEWS, CODINGS, CASES)
    codes = ["y", "x", "g1", "g2"]
    excerpts, positions = disagreement_pairs(data, codes, coders)
    pairs = list(zip(excerpts.tolist(), [codes[p] for p in positions.tolist()], strict=True))
    found = disagreements(data, codes, coders)
    assert sorted(pairs) == sorted((d.excerpt_id, d.code_id) for d in found)
    assert pairs == sorted(pairs, key=lambda p: codes.index(p[1]))  # by code, then excerpt
    assert disagreement_pairs(data, codes, coders, case="c2")[0].tolist() == [
        d.excerpt_id for d in disagreements(data, codes, coders, case="c2")
        if d.code_id == "x"] + [d.excerpt_id for d in disagreements(
            data, codes, coders, case="c2") if d.code_id.startswith("g")]


@pytest.fixture
def coded(cli: Cli, store: Store, coding_for) -> dict[str, int]:
    refs = store.excerpt_ids_by_ref()
    ann, bob = coding_for("ann"), coding_for("bob")
    for ref in ("alpha/interview-1#2", "alpha/notes#2", "beta/declaration#1"):
        ann.apply(refs[ref], "linkage-visa")
        bob.mark_reviewed(refs[ref])
    bob.apply(refs["alpha/notes#2"], "linkage-visa")
    ann.apply(refs["beta/declaration#1"], "ptype-dialogue")
    bob.apply(refs["beta/declaration#1"], "ptype-operational")
    return refs


def test_loads_reviews_and_codings_by_case(store: Store, coded: dict[str, int]) -> None:
    data = load_agreement_data(store)
    assert data.coders == ("ann", "bob")
    assert data.case_ids == ("alpha", "beta")
    assert sorted(data.excerpt_ids.tolist()) == sorted(
        coded[r] for r in ("alpha/interview-1#2", "alpha/notes#2", "beta/declaration#1"))
    assert data.reviewed.all()
    beta = load_agreement_data(store, case="beta")
    assert beta.excerpt_ids.tolist() == [coded["beta/declaration#1"]]
    assert set(beta.code_ids) == {"linkage-visa", "ptype-dialogue", "ptype-operational"}
    only = load_agreement_data(store, coders=["bob", "cat"])
    assert only.coders == ("bob", "cat") and not only.reviewed[1].any()


def test_orphaned_excerpts_and_codes_are_left_out(cli: Cli, project: Path, store: Store,
                                                  coded: dict[str, int]) -> None:
    notes = project / "cases" / "alpha" / "notes.md"
    notes.write_text(notes.read_text(encoding="utf-8").replace(
        "Most of the money went to border equipment.", "Money went elsewhere."),
        encoding="utf-8")
    book = project / "codebooks" / "tiny.yaml"
    visa = CODEBOOK.index("  - id: linkage")
    book.write_text(CODEBOOK[:visa] + CODEBOOK[CODEBOOK.index("  - id: ptype"):],
                    encoding="utf-8")
    cli.ok("import", "--allow-orphans")
    data = load_agreement_data(store)
    assert coded["alpha/notes#2"] not in data.excerpt_ids.tolist()
    assert "linkage-visa" not in data.code_ids
    # the reviews stay: reviewed without a code that is still in the codebook
    assert data.excerpt_ids.tolist() == [coded["alpha/interview-1#2"],
                                         coded["beta/declaration#1"]]


def test_codes_groups_and_rollup_follow_the_codebook(store: Store) -> None:
    book = store.codebook()
    code_ids, groups, rollup = select_codes(book)
    assert "ptype" not in code_ids and groups == {
        "ptype": ("ptype-operational", "ptype-dialogue", "ptype-capacity")}
    assert rollup["framing"] == ("framing-security", "framing-development",
                                 "framing-remittances")
    assert select_codes(book, ["linkage", "ptype"])[:2] == (("linkage",), groups)
    with pytest.raises(QcoderError, match="did you mean 'linkage'"):
        select_codes(book, ["linkag"])


def test_a_parent_counts_when_a_code_below_it_is_applied(store: Store, coded) -> None:
    result = project_agreement(store, codes=["linkage"]).report.codes[0]
    rows = load_agreement_data(store)
    direct = report(rows, ["linkage-visa"]).codes[0]
    assert (result.alpha, result.units) == (direct.alpha, direct.units)
