"""The alphas of Krippendorff, Mathet, Bouvry & Widlöcher (2016), "On the reliability of
unitizing textual continua: further developments", Quality & Quantity 50(6), 2347-2364:
u-alpha, |u-alpha, cu-alpha and (k)u-alpha.

No value printed in the paper was reachable; the tests check the definitions four ways:
- Reduction to Krippendorff's alpha for predefined units: when every unit and gap is one
  character long, the coincidences of intersecting lengths are alpha's coincidences and the
  self-pairing corrections (l^2 per unit, l per gap) are alpha's n - 1, so u-alpha must equal
  the published values of Krippendorff, K. (2011), "Computing Krippendorff's
  Alpha-Reliability", ASC Departmental Papers 43: section A (binary, two observers) .095 and
  section B (nominal, two observers) .692; and (k)u-alpha the alpha of k against the rest.
- Two public implementations of the 2016 paper, which cite it: zeljkobekcic/
  KrippendorffUnitizedAlpha (README: u-alpha 0.5671992508994135 for its three coders on a
  continuum of 55; its test, test/test_krippendorff_unitized_alpha.py, 0.56 ± 0.01), and
  lindanna/unitized_alpha (README output of the example in unitized_alpha.py, three coders,
  values 1 and 2, a continuum of 20: u-alpha .474, |u-alpha .433, cu-alpha .779 covering
  38.33 % of the continuum, (k)u-alpha .769 for 1 covering 95.45 % and .787 for 2 covering
  59.52 %). These are the tools' values, not the paper's.
- Small cases worked by hand below from the definitions (arithmetic in the comments).
- Invariants: perfect agreement gives 1; for one code, u-alpha is |u-alpha.
"""

from __future__ import annotations

import krippendorff
import numpy as np
import pytest

from qcoder.reliability.unitizing_family import (
    coincidences,
    family,
    partition,
    unitizing_family,
)


def one_character_units(values: list) -> dict[str, list[tuple[int, int]]]:
    """Each position a unit of one character valued by its entry (0 or None: a gap)."""
    out: dict[str, list[tuple[int, int]]] = {}
    for i, v in enumerate(values):
        if v not in (0, None):
            out.setdefault(str(v), []).append((i, i + 1))
    return out


def test_binary_data_of_krippendorff_2011_gives_095() -> None:
    # Section A: observer A 0100000010, observer B 1110010000. On a continuum of 10, every 1
    # a unit of one character (B's first three touch and stay three units). l.. = 20,
    # l_11 = 2 (position 2), l_10 = l_01 = 4, l_00 = 10; S = 6 (units, 1^2 each) + 14
    # (gap characters) = 20; D_o = 8, D_e = 2 * 20 * 6 * 14 / (20^2 - 20) = 3360 / 380;
    # alpha = 1 - 8 * 380 / 3360 = 2/21 = .095.
    a = [0, 1, 0, 0, 0, 0, 0, 0, 1, 0]
    b = [1, 1, 1, 0, 0, 1, 0, 0, 0, 0]
    result = unitizing_family({"A": one_character_units(a), "B": one_character_units(b)}, 10)
    assert round(result.u_alpha.alpha, 3) == 0.095
    assert result.u_alpha.alpha == pytest.approx(2 / 21)
    assert result.binary_alpha.alpha == pytest.approx(2 / 21)  # one code: the same number
    assert result.u_alpha.observed == pytest.approx(8 / 20)
    assert result.cu_alpha.alpha is None  # one code: no value to disagree on


def test_nominal_data_of_krippendorff_2011_gives_692() -> None:
    # Section B: Ben a a b b d c c c e d d a, Gerry b a b b b c c c e d d d; every
    # character a unit of its value, no gap: u-alpha and cu-alpha are alpha, 155/224.
    ben = list("aabbdcccedda")
    gerry = list("babbbccceddd")
    result = unitizing_family({"ben": one_character_units(ben),
                               "gerry": one_character_units(gerry)}, 12)
    assert round(result.u_alpha.alpha, 3) == 0.692
    assert result.u_alpha.alpha == pytest.approx(155 / 224)
    assert result.cu_alpha.alpha == pytest.approx(155 / 224)
    assert result.cu_alpha.coverage == pytest.approx(100.0)
    assert result.binary_alpha.alpha is None  # no gap at all: nothing to tell apart
    for k in "abcde":  # (k)u-alpha: the alpha of k against every other value
        dichotomised = np.array([[v == k for v in ben], [v == k for v in gerry]], dtype=int)
        reference = krippendorff.alpha(reliability_data=dichotomised,
                                       level_of_measurement="nominal")
        assert result.by_value[k].alpha == pytest.approx(reference)
    assert result.by_value["c"].alpha == 1.0


def test_u_alpha_of_zeljkobekcic_krippendorff_unitized_alpha() -> None:
    # Its README's sections, one value "keyphrase" and the empty one; its spans leave a
    # character out between sections, which pairs with nothing (a hole in the continuum).
    gap = None
    data = {
        "coder1": [(0, 2, gap), (3, 14, "k"), (15, 21, gap), (22, 52, "k"), (53, 55, gap)],
        "coder2": [(0, 2, gap), (3, 9, "k"), (10, 21, gap), (22, 52, "k"), (53, 55, gap)],
        "coder3": [(0, 21, gap), (22, 45, "k"), (46, 55, gap)],
    }
    result = family(coincidences([data[c] for c in sorted(data)]))
    assert result.u_alpha.alpha == pytest.approx(0.5671992508994135, abs=1e-12)


def test_family_of_lindanna_unitized_alpha() -> None:
    spans = [("Alex", "1", 2, 5), ("Alex", "1", 9, 11), ("Alex", "2", 12, 20),
             ("Paul", "1", 2, 5), ("Paul", "2", 7, 15), ("Susan", "1", 2, 5),
             ("Susan", "2", 10, 15)]
    units: dict[str, dict[str, list[tuple[int, int]]]] = {}
    for coder, value, start, end in spans:
        units.setdefault(coder, {}).setdefault(value, []).append((start, end))
    result = unitizing_family(units, 20)
    assert round(result.u_alpha.alpha, 3) == 0.474
    assert round(result.binary_alpha.alpha, 3) == 0.433
    assert round(result.cu_alpha.alpha, 3) == 0.779
    assert round(result.cu_alpha.coverage, 2) == 38.33
    assert round(result.by_value["1"].alpha, 3) == 0.769
    assert round(result.by_value["1"].coverage, 2) == 95.45
    assert round(result.by_value["2"].alpha, 3) == 0.787
    assert round(result.by_value["2"].coverage, 2) == 59.52


def test_one_code_of_unequal_length_worked_by_hand() -> None:
    # L = 10; A codes [2, 6), B codes [3, 6). Intersections: gaps [0, 2) and [6, 10) (6),
    # A's unit in B's gap [2, 3) (1), units [3, 6) (3); both orders, m - 1 = 1:
    # l_00 = 12, l_x0 = l_0x = 1, l_xx = 6, l.. = 20, l_x. = 7, l_0. = 13.
    # S = 4^2 + 3^2 (units) + 2 + 4 + 3 + 4 (gaps) = 38.
    # e_x0 = 20 * 7 * 13 / (400 - 38) = 1820/362; D_o = 2, D_e = 3640/362;
    # u-alpha = 1 - 2 * 362 / 3640 = 729/910 = .8011.
    result = unitizing_family({"A": {"x": [(2, 6)]}, "B": {"x": [(3, 6)]}}, 10)
    assert result.u_alpha.alpha == pytest.approx(729 / 910)
    assert result.binary_alpha.alpha == result.u_alpha.alpha
    assert result.u_alpha.expected == pytest.approx(3640 / 362 / 20)


def test_two_codes_worked_by_hand() -> None:
    # L = 10; A: x [0, 4), y [4, 8); B: x [0, 3), y [3, 8); both leave [8, 10).
    # l_xx = 6, l_xy = l_yx = 1, l_yy = 8, l_00 = 4; l.. = 20.
    # u-alpha: S_x = 4^2 + 3^2 = 25, S_y = 4^2 + 5^2 = 41, S_0 = 2 + 2; denominator
    #   400 - 70 = 330; e_00 = 20 (16 - 4) / 330, e_xx = 20 (49 - 25) / 330,
    #   e_yy = 20 (81 - 41) / 330; D_e = 20 - 1520/330 = 5080/330; D_o = 2;
    #   u-alpha = 1 - 660/5080 = 221/254.
    # |u-alpha: the gaps agree exactly: 1.
    # cu-alpha: l*_x = 7, l*_y = 9, l*.. = 16; T (each unit's length inside the other
    #   coder's units, squared) x: 16 + 9, y: 16 + 25; denominator 16 - 66/16 = 11.875;
    #   e*_xy = e*_yx = 63 / 11.875; cu-alpha = 1 - 2 * 11.875 / 126 = 409/504, on
    #   16 of 20 coincidences (80 %).
    # (k)u-alpha of x: l*_x = 7, l*_xx = 6; e*_x. = 87 / 11.875, e*_xx = 24 / 11.875;
    #   1 - (1/7) / (63/87) = 354/441.
    units = {"A": {"x": [(0, 4)], "y": [(4, 8)]}, "B": {"x": [(0, 3)], "y": [(3, 8)]}}
    result = unitizing_family(units, 10)
    assert result.u_alpha.alpha == pytest.approx(221 / 254)
    assert result.binary_alpha.alpha == pytest.approx(1.0)
    assert result.cu_alpha.alpha == pytest.approx(409 / 504)
    assert result.cu_alpha.coverage == pytest.approx(80.0)
    assert result.by_value["x"].alpha == pytest.approx(354 / 441)
    assert result.by_value["x"].coverage == pytest.approx(100.0)


def test_perfect_agreement_is_one_and_no_variation_is_undefined() -> None:
    same = {"x": [(0, 3), (10, 14)], "y": [(5, 9)]}
    result = unitizing_family({"a": same, "b": same, "c": same}, 20)
    assert (result.u_alpha.alpha, result.binary_alpha.alpha, result.cu_alpha.alpha) == (
        pytest.approx(1.0), pytest.approx(1.0), pytest.approx(1.0))
    assert all(v.alpha == pytest.approx(1.0) for v in result.by_value.values())
    assert unitizing_family({"a": {}, "b": {}}, 20).u_alpha.alpha is None
    assert unitizing_family({"a": same}, 20).u_alpha.alpha is None
    assert unitizing_family({"a": {"x": [(0, 5)]}, "b": {"y": [(10, 15)]}}, 20
                            ).cu_alpha.alpha is None  # no units intersect


def test_a_coders_sections_partition_the_continuum() -> None:
    # A selection inside a coded paragraph counts where it lies; the paragraph resumes.
    assert partition({"a": [(0, 10)], "b": [(3, 5)]}, 12) == (
        [(0, 3, "a"), (3, 5, "b"), (5, 10, "a"), (10, 12, None)], 2)
    # Overlapping spans of one value are one unit; touching ones stay two.
    assert partition({"a": [(0, 3), (3, 6), (1, 2)]}, 8) == (
        [(0, 3, "a"), (3, 6, "a"), (6, 8, None)], 0)
    sections, _ = partition({"a": [(0, 6)], "b": [(4, 9)]}, 12)
    assert sections == [(0, 4, "a"), (4, 9, "b"), (9, 12, None)]
    assert sum(b - a for a, b, _ in sections) == 12


def test_coincidences_are_exact_and_count_every_character_m_times() -> None:
    units = {"a": {"x": [(1, 4)]}, "b": {"x": [(2, 7)]}, "c": {"y": [(0, 9)]}}
    made = [partition(units[c], 10)[0] for c in sorted(units)]
    co = coincidences(made)
    assert sum(co.pairs.values()) == 3 * 10 * (3 - 1)  # l.. (m - 1) = m L (m - 1)
    # a's x [1, 4) and b's x [2, 7) lie in c's y [0, 9): 3 + 5 characters; a and b share
    # [2, 4) of x: 2, in each order.
    assert co.pairs[("x", "y")] == 3 + 5 and co.pairs[("x", "x")] == 2 * 2
    assert co.self_pairs["x"] == 3**2 + 5**2 and co.self_pairs["y"] == 9**2


def test_one_character_units_give_the_1995_cu_alpha_of_a_code() -> None:
    # Units of one character are predefined units: both the 1995 alpha-U of a code and the
    # 2016 u-alpha are then Krippendorff's alpha of the binary variable, for any number of
    # coders; with longer units they part (the 2016 coefficient weighs intersections).
    import random

    from qcoder.reliability.unitizing import unitizing_alpha

    rng = random.Random(7)
    compared = parted = 0
    for _ in range(120):
        length, coders, size = rng.randint(3, 30), rng.randint(2, 4), rng.choice([1, 3])
        units = {f"c{i}": [(p, p + size) for p in range(0, length - size + 1, size)
                           if rng.random() < 0.4] for i in range(coders)}
        old = unitizing_alpha(units, length).alpha
        new = unitizing_family({c: {"x": s} for c, s in units.items()}, length).u_alpha.alpha
        if old is None or new is None:
            continue
        if size == 1:
            assert new == pytest.approx(old)
            compared += 1
        else:
            parted += abs(new - old) > 1e-9
    assert compared > 20 and parted > 5
