"""Reliability statistics, checked against published values and hand-worked examples."""

from __future__ import annotations

import json
from collections.abc import Sequence

import krippendorff
import numpy as np
import pytest

from qcoder.reliability import agreement
from qcoder.reliability.agreement import (
    AgreementData,
    CodeAgreement,
    GroupAgreement,
    cohen_kappa,
    disagreements,
    flag,
    report,
)

# --- helpers ------------------------------------------------------------------------------


def binary_data(rows: dict[str, Sequence[int | None]], code: str = "x") -> AgreementData:
    """One binary code: rows[coder][unit] is 1 (applied), 0 (reviewed without) or None."""
    reviews = [(u, c) for c, row in rows.items() for u, v in enumerate(row) if v is not None]
    codings = [(u, code, c) for c, row in rows.items() for u, v in enumerate(row) if v]
    return AgreementData.from_rows(reviews, codings, {u: "k" for u, _ in reviews})


def nominal_data(rows: dict[str, Sequence[object]]) -> AgreementData:
    """Nominal values coded as children "v<value>" of one exclusive group; None = not reviewed."""
    reviews = [(u, c) for c, row in rows.items() for u, v in enumerate(row) if v is not None]
    codings = [
        (u, f"v{v}", c) for c, row in rows.items() for u, v in enumerate(row) if v is not None
    ]
    return AgreementData.from_rows(reviews, codings, {u: "k" for u, _ in reviews})


def children(values: Sequence[object]) -> list[str]:
    return [f"v{v}" for v in values]


# --- published values ---------------------------------------------------------------------

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
# Communication, University of Pennsylvania, Departmental Papers (ASC) 43.
# https://repository.upenn.edu/asc_papers/43


def test_binary_two_coders_ten_units_alpha_095() -> None:
    # Krippendorff (2011), section A "Binary or dichotomous data, two observers, no missing
    # data": observer A 0100000010, observer B 1110010000; published alpha = 0.095.
    data = binary_data({"A": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0], "B": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]})
    result = report(data, ["x"]).codes[0]
    assert round(result.alpha, 3) == 0.095
    assert result.alpha == pytest.approx(1 - 19 * 8 / (20**2 - 14**2 - 6**2))  # = 2/21
    assert result.units == 10 and result.coders == 2
    assert result.percent_agreement == pytest.approx(60.0)  # 6 of 10 pairs agree
    # Hand-worked kappa from the 2x2 table (0,0)=5 (0,1)=3 (1,0)=1 (1,1)=1:
    # p_o = .6, p_e = .8 * .6 + .2 * .4 = .56, kappa = .04 / .44.
    assert result.kappa == pytest.approx(0.04 / 0.44)
    assert result.flag == "unreliable"


def test_nominal_two_coders_alpha_692() -> None:
    # Krippendorff (2011), section B "Nominal data, two observers, no missing data": Ben
    # a a b b d c c c e d d a, Gerry b a b b b c c c e d d d; published alpha = 0.692.
    ben = ["a", "a", "b", "b", "d", "c", "c", "c", "e", "d", "d", "a"]
    gerry = ["b", "a", "b", "b", "b", "c", "c", "c", "e", "d", "d", "d"]
    data = nominal_data({"ben": ben, "gerry": gerry})
    result = report(data, [], {"g": children("abcde")}).groups[0]
    assert isinstance(result, GroupAgreement)
    assert round(result.alpha, 3) == 0.692
    assert result.alpha == pytest.approx(155 / 224)
    assert result.units == 12
    assert result.percent_agreement == pytest.approx(100 * 9 / 12)


def test_nominal_four_coders_missing_data_alpha_743() -> None:
    # Krippendorff (2011), section C "Nominal data, any number of observers, missing data":
    # 4 observers x 12 units, published nominal alpha = 0.743. (Also in the krippendorff
    # package's docstring.) Unit 12 has one value only, so 11 units are pairable.
    rows = {
        "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
        "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
        "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
        "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
    }
    result = report(nominal_data(rows), [], {"g": children(range(1, 6))}).groups[0]
    assert round(result.alpha, 3) == 0.743
    assert result.units == 11 and result.coders == 4
    assert result.kappa is None  # four coders
    assert result.flag == "tentative"


def test_cohen_kappa_textbook_example() -> None:
    # Wikipedia, "Cohen's kappa", worked example: 50 grant proposals, readers A and B; both
    # Yes 20, A Yes/B No 5, A No/B Yes 10, both No 15. p_o = .70, p_e = .50, kappa = 0.4.
    # (Also at howcodex.com/statistics/cohen_kappa_coefficient.htm.)
    assert cohen_kappa(np.array([[20, 5], [10, 15]])) == pytest.approx(0.4)
    a = [1] * 20 + [1] * 5 + [0] * 10 + [0] * 15
    b = [1] * 20 + [0] * 5 + [1] * 10 + [0] * 15
    result = report(binary_data({"A": a, "B": b}, code="yes"), ["yes"]).codes[0]
    assert result.kappa == pytest.approx(0.4)
    assert result.percent_agreement == pytest.approx(70.0)


def test_cohen_kappa_undefined_without_variation() -> None:
    assert cohen_kappa(np.array([[5, 0], [0, 0]])) is None
    assert cohen_kappa(np.zeros((2, 2), dtype=int)) is None


# --- bootstrap (Hayes & Krippendorff 2007) --------------------------------------------------

# Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard reliability
# measure for coding data. Communication Methods and Measures, 1(1), 77-89: bootstrap the
# sampling distribution of alpha, report its 95% interval and q, the probability of failing to
# reach a minimum alpha.


@pytest.fixture
def noisy() -> AgreementData:
    rng = np.random.default_rng(3)
    truth = rng.random(200) < 0.3
    rows = {c: np.where(rng.random(200) < 0.1, ~truth, truth).astype(int).tolist() for c in "ABC"}
    return binary_data(rows)


def test_bootstrap_interval_contains_estimate_and_is_reproducible(noisy: AgreementData) -> None:
    first = report(noisy, ["x"], bootstrap=1000, seed=42).codes[0]
    again = report(noisy, ["x"], bootstrap=1000, seed=42).codes[0]
    low, high = first.ci
    assert low <= first.alpha <= high
    assert first.ci == again.ci and first.q == again.q
    assert set(first.q) == {"0.667", "0.800"}
    assert all(0.0 <= p <= 1.0 for p in first.q.values())
    assert first.q["0.667"] <= first.q["0.800"]  # alpha < .667 implies alpha < .800


def test_bootstrap_of_a_code_does_not_depend_on_what_else_is_asked(noisy: AgreementData) -> None:
    alone = report(noisy, ["x"], bootstrap=200, seed=7).codes[0]
    with_others = report(noisy, ["y", "x"], {"g": ["x"]}, bootstrap=200, seed=7).codes[1]
    assert alone.ci == with_others.ci and alone.q == with_others.q


def test_bootstrap_everywhere_and_none_without_it(noisy: AgreementData) -> None:
    with_boot = report(noisy, ["x"], bootstrap=100, seed=1)
    assert with_boot.cases[0].codes[0].ci is not None
    assert with_boot.pairwise[0].codes[0].q is not None
    plain = report(noisy, ["x"])
    assert plain.codes[0].ci is None and plain.codes[0].q is None


def test_unit_bootstrap_matches_a_naive_unit_resampling(noisy: AgreementData) -> None:
    # The pattern multinomial must resample units: compare with a plain loop over resamples.
    rng = np.random.default_rng(0)
    values = np.array([[1 if noisy.applied[0, k, u] else 0 for k in range(3)] for u in range(200)])
    naive = []
    for _ in range(300):
        sample = values[rng.integers(0, 200, 200)].T
        naive.append(krippendorff.alpha(sample, level_of_measurement="nominal"))
    low, high = report(noisy, ["x"], bootstrap=2000, seed=5, bootstrap_method="units").codes[0].ci
    assert abs(low - np.percentile(naive, 2.5)) < 0.04
    assert abs(high - np.percentile(naive, 97.5)) < 0.04


# --- the pattern kernel agrees with the krippendorff package -------------------------------


def test_kernel_matches_package_on_random_data_with_missing_values() -> None:
    rng = np.random.default_rng(11)
    for n_values in (2, 3, 6):
        data = rng.integers(0, n_values, size=(4, 60)).astype(float)
        data[rng.random(data.shape) < 0.3] = np.nan
        expected = krippendorff.alpha(
            data, value_domain=list(range(n_values)), level_of_measurement="nominal"
        )
        rows = {
            c: [None if np.isnan(v) else int(v) for v in row]
            for c, row in zip("ABCD", data, strict=True)
        }
        nominal = nominal_data(rows)
        result = report(nominal, [], {"g": children(range(n_values))})
        # overall uses the package, the per-case result the kernel: both must agree
        assert result.groups[0].alpha == pytest.approx(expected, abs=1e-12)
        assert result.cases[0].groups[0].alpha == pytest.approx(expected, abs=1e-12)


@pytest.mark.parametrize(("n_coders", "n_values"), [(5, 13), (30, 13)])
def test_many_values_or_many_coders_take_the_general_paths(n_coders: int, n_values: int) -> None:
    # 14 ** 5 states need np.unique; 14 ** 30 would overflow int64 state numbers.
    rng = np.random.default_rng(n_coders)
    data = rng.integers(0, n_values, size=(n_coders, 80)).astype(float)
    data[rng.random(data.shape) < 0.4] = np.nan
    expected = krippendorff.alpha(
        data, value_domain=list(range(n_values)), level_of_measurement="nominal"
    )
    rows = {
        f"c{k:02d}": [None if np.isnan(v) else int(v) for v in row] for k, row in enumerate(data)
    }
    result = report(nominal_data(rows), [], {"g": children(range(n_values))})
    assert result.groups[0].alpha == pytest.approx(expected, abs=1e-12)
    assert result.cases[0].groups[0].alpha == pytest.approx(expected, abs=1e-12)


def test_excerpts_of_unknown_case_count_overall_only() -> None:
    data = AgreementData.from_rows(REVIEWS, CODINGS, {1: "c1", 2: "c1"})
    result = report(data, ["x"])
    assert result.codes[0].units == 4
    assert [(c.id, c.codes[0].units) for c in result.cases] == [("c1", 2)]


def test_package_is_always_called_with_nominal_level(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = krippendorff.alpha

    def spy(**kwargs: object) -> float:
        calls.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(agreement.krippendorff, "alpha", spy)
    report(binary_data({"A": [0, 1, 1, 0], "B": [0, 1, 0, 0]}), ["x"])
    assert calls and all(c["level_of_measurement"] == "nominal" for c in calls)
    assert all("value_domain" in c for c in calls)


# --- structure on a hand-made dataset -------------------------------------------------------
#
# Coders ann, bob, cat; cases c1 (excerpts 1, 2, 3) and c2 (excerpts 4, 5); code x, code y,
# exclusive group g with children g1, g2 ("none" when reviewed without either).
#
#   excerpt  case  reviewed by     x (ann bob cat)   g (ann bob cat)
#   1        c1    ann bob cat     1   1   0         g1  g1  g2
#   2        c1    ann bob         1   0   -         none none -
#   3        c1    ann             1   -   -         g1  -   -     (not pairable)
#   4        c2    bob cat         -   0   0         -   g2  g2    (y by bob and cat)
#   5        c2    ann cat         0   -   1         g1  -   g1
#
# x over excerpts 1, 2, 4, 5: coincidences o00 = 2, o01 = o10 = 3, o11 = 1; n0 = 5, n1 = 4,
# n = 9; alpha = 1 - 8 * 6 / (81 - 25 - 16) = -0.2. Coder pairs: 3 + 1 + 1 + 1 = 6, agreeing
# 1 + 0 + 1 + 0 = 2: 33.3%.
# g over the same excerpts (values g1, g2, none): o00 = 3, o01 = o10 = 1, o11 = 2, o22 = 2;
# n = (4, 3, 2), alpha = 1 - 8 * 2 / (81 - 16 - 9 - 4) = 9/13; pairs agreeing 4 of 6.

REVIEWS = [
    (1, "ann"), (1, "bob"), (1, "cat"), (2, "ann"), (2, "bob"),
    (3, "ann"), (4, "bob"), (4, "cat"), (5, "ann"), (5, "cat"),
]  # fmt: skip
CODINGS = [
    (1, "x", "ann"), (1, "g1", "ann"), (1, "x", "bob"), (1, "g1", "bob"), (1, "g2", "cat"),
    (2, "x", "ann"), (3, "x", "ann"), (3, "g1", "ann"),
    (4, "y", "bob"), (4, "g2", "bob"), (4, "y", "cat"), (4, "g2", "cat"),
    (5, "g1", "ann"), (5, "x", "cat"), (5, "g1", "cat"),
]  # fmt: skip
CASES = {1: "c1", 2: "c1", 3: "c1", 4: "c2", 5: "c2"}
GROUPS = {"g": ["g1", "g2"]}


@pytest.fixture
def small() -> AgreementData:
    return AgreementData.from_rows(REVIEWS, CODINGS, CASES)


def test_overall_codes_and_groups(small: AgreementData) -> None:
    result = report(small, ["x", "y", "never"], GROUPS)
    x, y, never = result.codes
    assert (x.id, x.units, x.coders, x.kappa) == ("x", 4, 3, None)
    assert x.alpha == pytest.approx(-0.2)
    assert x.percent_agreement == pytest.approx(100 * 2 / 6)
    assert x.flag == "too few units"
    assert y.alpha == pytest.approx(1.0)  # only excerpt 4 has y, and both coders agree
    assert never.alpha is None and never.percent_agreement == pytest.approx(100.0)
    (g,) = result.groups
    assert g.id == "g" and g.units == 4
    assert g.alpha == pytest.approx(9 / 13)
    assert g.percent_agreement == pytest.approx(100 * 4 / 6)


def test_per_case(small: AgreementData) -> None:
    c1, c2 = report(small, ["x"], GROUPS).cases
    assert (c1.id, c2.id) == ("c1", "c2")
    # c1, x: excerpts 1 and 2 (3 is not pairable): o01 = o10 = 2, o11 = 1; n = (2, 3)
    assert c1.codes[0].units == 2
    assert c1.codes[0].alpha == pytest.approx(1 - 4 * 4 / (25 - 4 - 9))
    # c1, g: o00 = 1, o01 = o10 = 1, o22 = 2; n = (2, 1, 2)
    assert c1.groups[0].alpha == pytest.approx(1 - 4 * 2 / (25 - 4 - 1 - 4))
    # c2, x: excerpt 4 (0, 0) and 5 (0, 1): n = (3, 1); g: perfect agreement
    assert c2.codes[0].alpha == pytest.approx(0.0)
    assert c2.groups[0].alpha == pytest.approx(1.0)


def test_pairwise(small: AgreementData) -> None:
    pairs = {p.coders: p for p in report(small, ["x", "y"], GROUPS).pairwise}
    assert list(pairs) == [("ann", "bob"), ("ann", "cat"), ("bob", "cat")]
    ann_bob, ann_cat, bob_cat = pairs.values()
    # ann/bob share excerpts 1 and 2: x = (1, 1), (1, 0)
    assert ann_bob.units == 2
    x = ann_bob.codes[0]
    assert (x.alpha, x.kappa, x.coders) == (pytest.approx(0.0), pytest.approx(0.0), 2)
    assert ann_bob.codes[1].alpha is None  # y: no variation between ann and bob
    assert ann_bob.flags == {"reliable": 0, "tentative": 0, "unreliable": 0, "undefined": 0,
                             "too few units": 2}  # two shared excerpts: too few for x and y
    # ann/cat share 1 and 5: x = (1, 0), (0, 1): alpha = 1 - 3 * 4 / 8, kappa = -1
    assert ann_cat.codes[0].alpha == pytest.approx(-0.5)
    assert ann_cat.codes[0].kappa == pytest.approx(-1.0)
    # bob/cat share 1 and 4: g = (g1, g2), (g2, g2): o01 = o10 = 1, o11 = 2; n = (1, 3)
    assert bob_cat.groups[0].alpha == pytest.approx(1 - 3 * 2 / (16 - 1 - 9))


def test_coder_selection_and_case_restriction(small: AgreementData) -> None:
    result = report(small, ["x"], coders=["ann", "bob"])
    assert result.codes[0].units == 2 and result.codes[0].coders == 2
    assert [p.coders for p in result.pairwise] == [("ann", "bob")]
    only_c2 = report(small, ["x"], case="c2")
    assert [c.id for c in only_c2.cases] == ["c2"]
    assert only_c2.codes[0].alpha == pytest.approx(0.0)
    assert report(small, ["x"], case="nowhere").codes[0].units == 0
    with pytest.raises(ValueError, match="zed"):
        report(small, ["x"], coders=["ann", "zed"])


def test_consensus_coder_is_left_out_by_default() -> None:
    reviews = [*REVIEWS, (1, "consensus"), (2, "consensus")]
    codings = [*CODINGS, (1, "x", "consensus")]
    data = AgreementData.from_rows(reviews, codings, CASES)
    assert report(data, ["x"]).codes[0].coders == 3
    assert report(data, ["x"], coders=["ann", "consensus"]).codes[0].units == 2


def test_rollup_counts_a_parent_when_a_descendant_is_applied(small: AgreementData) -> None:
    # parent p <- x, y: excerpt 4 becomes (bob 1, cat 1), everything else as x
    plain = report(small, ["p"]).codes[0]
    assert plain.alpha is None  # nobody applied p itself
    rolled = report(small, ["p"], rollup={"p": ["x", "y"]}).codes[0]
    # units 1 (1,1,0), 2 (1,0), 4 (1,1), 5 (0,1): o00 = 0, o01 = o10 = 3, o11 = 3; n = (3, 6)
    assert rolled.alpha == pytest.approx(1 - 8 * 6 / (81 - 9 - 36))


def test_two_children_of_an_exclusive_group_count_as_missing() -> None:
    reviews = [(1, "A"), (1, "B"), (2, "A"), (2, "B")]
    codings = [(1, "g1", "A"), (1, "g2", "A"), (1, "g1", "B"), (2, "g1", "A"), (2, "g1", "B")]
    result = report(AgreementData.from_rows(reviews, codings, {}), [], GROUPS).groups[0]
    assert result.units == 1  # A is missing on excerpt 1, which is no longer pairable


def test_a_coding_counts_as_a_review() -> None:
    data = AgreementData.from_rows([(1, "A")], [(1, "x", "A"), (1, "x", "B")], {1: "c"})
    assert data.reviewed.all()
    assert report(data, ["x"]).codes[0].units == 1


def test_flags_and_undefined_alpha() -> None:
    assert flag(0.9, 10) == "reliable" and flag(0.8, 10) == "reliable"
    assert flag(0.7, 10) == "tentative" and flag(0.5, 10) == "unreliable"
    assert flag(0.95, 9) == "too few units" and flag(None, 10) == "undefined"
    silent = binary_data({"A": [0] * 12, "B": [0] * 12})
    result = report(silent, ["x"], bootstrap=50, seed=1).codes[0]
    assert (result.alpha, result.flag, result.ci, result.q) == (None, "undefined", None, None)
    assert result.percent_agreement == pytest.approx(100.0)


def test_empty_data() -> None:
    empty = AgreementData.from_rows([], [], {})
    result = report(empty, ["x"], GROUPS)
    assert result.codes[0].units == 0 and result.codes[0].alpha is None
    assert result.cases == [] and result.pairwise == []
    assert disagreements(empty, ["x"]) == []


def test_to_dict_is_json_ready(small: AgreementData) -> None:
    result = report(small, ["x"], GROUPS, bootstrap=20, seed=1).to_dict()
    assert set(result) == {"codes", "groups", "cases", "pairwise"}
    assert set(result["codes"][0]) == {
        "id", "alpha", "percent_agreement", "units", "coders", "kappa", "ci", "q", "flag",
        "undefined_resamples", "interval_flag", "flag_note", "kappa_se", "kappa_ci", "pi",
        "fleiss", "fleiss_units", "ac1", "bp", "specific",
    }  # fmt: skip
    assert set(result["cases"][0]) == {"id", "flags", "codes", "groups"}
    assert set(result["pairwise"][0]) == {"coders", "units", "flag", "min_units", "flags",
                                          "codes", "groups"}
    json.dumps(result, allow_nan=False)
    assert isinstance(report(small, ["x"]).codes[0], CodeAgreement)


# --- disagreements ------------------------------------------------------------------------


def test_disagreements_list_what_each_coder_applied(small: AgreementData) -> None:
    found = disagreements(small, ["x"])
    assert [(d.excerpt_id, d.case_id) for d in found] == [(1, "c1"), (2, "c1"), (5, "c2")]
    first = found[0]
    assert (first.code_id, first.applied_by, first.omitted_by) == ("x", ("ann", "bob"), ("cat",))
    assert first.applied == {"ann": ("g1", "x"), "bob": ("g1", "x"), "cat": ("g2",)}
    assert found[1].applied == {"ann": ("x",), "bob": ()}
    json.dumps([d.to_dict() for d in found])


def test_disagreements_honour_coders_case_and_order(small: AgreementData) -> None:
    assert [d.excerpt_id for d in disagreements(small, ["x"], ["ann", "bob"])] == [2]
    assert [d.excerpt_id for d in disagreements(small, ["x"], case="c2")] == [5]
    both = disagreements(small, ["y", "x"], ["bob", "cat"])
    assert [(d.excerpt_id, d.code_id) for d in both] == [(1, "x")]
    # g1: only excerpt 1 (ann, bob g1; cat g2); on 5 ann and cat both applied g1
    assert [d.excerpt_id for d in disagreements(small, ["g1"])] == [1]


def test_two_codes_of_one_group_are_counted_and_left_out_of_the_group(small) -> None:
    # bob applies both g1 and g2 on excerpt 1: missing for the group there, counted.
    clash = AgreementData.from_rows(REVIEWS, [*CODINGS, (1, "g2", "bob")], CASES)
    before, after = report(small, [], GROUPS), report(clash, [], GROUPS)
    assert before.groups[0].conflicts == 0
    assert after.groups[0].conflicts == 1
    assert after.groups[0].units == before.groups[0].units  # 1 is still pairable (ann, cat)
    assert [c.groups[0].conflicts for c in after.cases] == [1, 0]
    pairs = {p.coders: p.groups[0].conflicts for p in after.pairwise}
    assert pairs == {("ann", "bob"): 1, ("ann", "cat"): 0, ("bob", "cat"): 1}
    # the group's alpha is that of the data with bob's value on 1 missing (g1 0, g2 1, none 2)
    nan = np.nan
    values = [[0, 2, 0, nan, 0],  # ann
              [nan, 2, nan, 1, nan],  # bob: excerpt 1 missing
              [1, nan, nan, 1, 0]]  # cat
    expected = krippendorff.alpha(values, value_domain=[0, 1, 2], level_of_measurement="nominal")
    assert after.groups[0].alpha == pytest.approx(expected, abs=1e-12)
    assert after.to_dict()["groups"][0]["conflicts"] == 1


def test_bootstrap_draws_as_many_pairs_as_hayes_and_krippendorff_2007() -> None:
    # Hayes & Krippendorff (2007), Table 1: 40 units, 5 observers, values 0-3, "." missing;
    # the bootstrap draws "a random sample of 239 pairs of judgments from the available pairs".
    from qcoder.reliability.bootstrap import draws_per_resample

    table = """1 1 2 . 2|1 1 0 1 .|2 3 3 3 .|. 0 0 . 0|0 0 0 . 0|0 0 0 . 0|1 0 2 . 1|1 . 2 0 .|
    2 2 2 . 2|2 1 1 1 .|. 1 0 0 .|0 0 0 0 .|1 2 2 2 .|3 3 2 2 3|1 1 1 . 1|1 1 1 . 1|2 1 2 . 2|
    1 2 3 3 .|1 1 0 1 .|0 0 0 . 0|0 0 1 1 .|0 0 . 0 0|2 3 3 3 .|0 0 0 0 .|1 2 . 2 2|0 1 1 1 .|
    0 0 0 1 0|1 2 1 2 .|1 1 2 2 .|1 1 2 . 2|1 1 0 . 0|2 1 2 1 .|2 2 . 2 2|3 2 2 2 .|2 2 2 . 2|
    2 2 3 . 2|2 2 2 . 2|2 2 . 1 2|2 2 2 2 .|1 1 1 . 1"""
    units = [u.split() for u in table.replace("\n", "").split("|")]
    assert len(units) == 40
    patterns = np.array([[u.count(str(v)) for v in range(4)] for u in units])
    assert draws_per_resample(patterns, np.ones(40, dtype=np.int64)) == 239
