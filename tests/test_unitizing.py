"""Krippendorff's alpha-U for unitizing, against published values.

Sources:
- Krippendorff, K. (1995). On the reliability of unitizing continuous data. Sociological
  Methodology 25, 47-76: the example of p. 57 (four pairs of coders, categories A-D, on a
  continuum of 24), with the values as DKPro Agreement's tests state them
  (dkpro/dkpro-statistics, Krippendorff1995Test.java: observed disagreement to 1e-5,
  expected disagreement to 0.005 and alpha to 0.02, because the article's expected
  disagreement carries a small error, as that test notes).
- DKPro Agreement, UnitizingAgreementTest.java: a continuum of 10 with one coder's long unit
  against three short ones (D_o .9100, D_e .5351, alpha -.7003, to 1e-4), a single unit
  (alpha 0) and the distance between sections.
"""

from __future__ import annotations

import pytest

from qcoder.reliability.unitizing import _distance, merge, sections, unitizing_alpha

# Krippendorff (1995: 57), units as (begin, length) per coder and category.
EXAMPLE = {
    "A": {"bertha": [(2, 8), (14, 6)], "bill": [(4, 4), (15, 2)]},
    "B": {"john": [(0, 18)],
          "jill": [(0, 2), (2, 1), (3, 1), (4, 1), (5, 1), (6, 3), (9, 1)]},
    "C": {"gerret": [(2, 6), (10, 2), (14, 4), (20, 2)],
          "gill": [(0, 2), (4, 4), (10, 4), (16, 2), (20, 2)]},
    "D": {"heather": [(0, 2), (2, 8), (10, 4), (14, 6), (20, 4)],
          "hill": [(0, 4), (4, 4), (8, 7), (15, 2), (17, 7)]},
}


def example(category: str, stretch: float) -> tuple[dict[str, list[tuple[int, int]]], int]:
    """The example on a continuum stretched by ``stretch`` (as DKPro's createExample)."""
    units = {coder: [(int(b * stretch), int(b * stretch) + int(n * stretch)) for b, n in spans]
             for coder, spans in EXAMPLE[category].items()}
    return units, int(24 * stretch)


@pytest.mark.parametrize(("category", "observed"), [
    ("A", 0.03125), ("B", 2.26736), ("C", 0.02777), ("D", 0.38715)])
def test_observed_disagreement_of_krippendorff_1995(category: str, observed: float) -> None:
    result = unitizing_alpha(*example(category, 1))
    assert result.observed == pytest.approx(observed, abs=1e-5)


@pytest.mark.parametrize(("category", "expected", "alpha"), [
    ("A", 0.06990, 0.553), ("B", 1.17731, -0.926), ("C", 0.08642, 0.679),
    ("D", 0.41445, 0.066)])
def test_alpha_of_krippendorff_1995(category: str, expected: float, alpha: float) -> None:
    result = unitizing_alpha(*example(category, 1_200_000 // 24))
    assert result.expected == pytest.approx(expected, abs=0.005)
    assert result.alpha == pytest.approx(alpha, abs=0.02)


@pytest.mark.parametrize(("stretch", "expected", "alpha"), [
    (12 / 24, 0.05494, 0.494), (120 / 24, 0.08234, 0.663), (1200 / 24, 0.08600, 0.677),
    (12000 / 24, 0.08638, 0.678), (120000 / 24, 0.08642, 0.679)])
def test_longer_continua_approach_the_continuous_value(stretch: float, expected: float,
                                                       alpha: float) -> None:
    result = unitizing_alpha(*example("C", stretch))
    assert result.observed == pytest.approx(0.02777, abs=1e-5)
    assert result.expected == pytest.approx(expected, abs=0.005)
    assert result.alpha == pytest.approx(alpha, abs=0.02)


def test_dkpro_example_of_one_long_unit_against_three_short_ones() -> None:
    result = unitizing_alpha({"r0": [(1, 9)], "r1": [(2, 3), (4, 5), (6, 7)]}, 10)
    assert result.observed == pytest.approx(0.9100, abs=1e-4)
    assert result.expected == pytest.approx(0.5351, abs=1e-4)
    assert result.alpha == pytest.approx(-0.7003, abs=1e-4)


def test_a_single_unit_gives_zero_and_no_unit_gives_none() -> None:
    assert unitizing_alpha({"a": [(0, 1)], "b": [], "c": []}, 20).alpha == 0.0
    assert unitizing_alpha({"a": [], "b": [], "c": []}, 20).alpha is None
    assert unitizing_alpha({"a": [(0, 5)]}, 20).alpha is None


@pytest.mark.parametrize(("g", "h", "distance"), [
    ((0, 1, False), (0, 2, False), 0), ((1, 9, True), (0, 2, False), 0),
    ((1, 9, True), (2, 3, True), 37), ((1, 9, True), (3, 4, False), 0),
    ((1, 9, True), (4, 5, True), 25), ((1, 9, True), (6, 7, True), 29),
    ((1, 9, True), (7, 11, False), 0), ((9, 11, False), (7, 11, False), 0),
    ((3, 5, True), (2, 8, False), 4)])
def test_distance_between_sections(g: tuple, h: tuple, distance: int) -> None:
    """DKPro's measureDistance cases, as (start, end, is_unit); the last: a unit inside
    the other coder's gap counts its length squared (Krippendorff 2004)."""
    assert _distance(g, h) == distance


def test_overlapping_spans_of_one_coder_are_one_unit_and_gaps_stop_at_documents() -> None:
    assert merge([(5, 9), (0, 3), (2, 4), (4, 5)]) == [(0, 4), (4, 5), (5, 9)]
    assert sections([(2, 4)], 10, breaks=[6]) == [(0, 2, False), (2, 4, True),
                                                   (4, 6, False), (6, 10, False)]


def test_agreement_unitizing_per_code_case_and_document(cli) -> None:  # noqa: ANN001
    import json

    cli.ok("import")
    rows = ["excerpt,code,coder"]
    for coder in ("ann", "bob"):
        rows += [f"alpha/interview-1#2,linkage-visa,{coder}", f"alpha/interview-1#1,,{coder}",
                 f"alpha/notes#1,,{coder}"]
    rows += ["alpha/interview-1#4,linkage-visa,ann", "alpha/interview-1#4,,bob"]
    path = cli.db.parent / "spans.csv"
    path.write_text("\n".join(rows) + "\n", encoding="utf-8")
    cli.ok("codings", "import", str(path))
    report = json.loads(cli.ok("agreement", "--unitizing", "--json").stdout)
    assert report["statistic"] == "alpha-U" and "Krippendorff" in report["method"]
    assert report["coders"] == ["ann", "bob"] and report["documents_compared"] == 2
    visa = next(c for c in report["codes"] if c["code"] == "linkage-visa")
    assert visa["units"] == 3 and visa["documents"] == 2 and 0 < visa["alpha"] < 1
    parent = next(c for c in report["codes"] if c["code"] == "linkage")
    assert parent["units"] == visa["units"] and parent["alpha"] == visa["alpha"]
    assert [c["case"] for c in report["cases"]] == ["alpha"]
    assert [d["document"] for d in report["documents"]] == ["alpha/interview-1", "alpha/notes"]
    notes = report["documents"][1]["codes"]
    assert all(c["alpha"] is None and c["units"] == 0 for c in notes)
    text = cli.ok("agreement", "--unitizing").stdout
    assert "alpha-U" in text and "linkage-visa" in text
    cli.fails("agreement", "--unitizing", "--bootstrap", "10")
