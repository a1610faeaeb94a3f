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
- Krippendorff, K. (2004). Content Analysis (2nd ed.), p. 254: two coders, categories c and
  k on a continuum of 300, cu-alpha .7286 and 1.000, and .8591 over both (Cu-alpha), as
  DKPro Agreement's unitizing Krippendorff2004Test states them (to 1e-4, 5e-4).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli
from test_agreement_cli import write_project

from qcoder.reliability.unitizing import (
    _distance,
    group_unitizing_alpha,
    merge,
    sections,
    unitizing_alpha,
)

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


# Krippendorff (2004: 254): two coders, categories c and k, on the continuum [150, 450),
# units as (begin, length), as DKPro Agreement's unitizing Krippendorff2004Test states them:
# cu-alpha of c .7286 (D_o .0144, D_e .0532), of k 1.000 (D_o 0, D_e .0490), and the alpha
# of the variable over both categories (Cu-alpha) .8591.
K2004 = {"c": {"i": [(225, 70), (370, 30)], "j": [(220, 80), (355, 20), (400, 20)]},
         "k": {"i": [(180, 60), (300, 50)], "j": [(180, 60), (300, 50)]}}
K2004_BEGIN, K2004_LENGTH = 150, 300


def k2004(category: str) -> dict[str, list[tuple[int, int]]]:
    return {coder: [(b - K2004_BEGIN, b - K2004_BEGIN + n) for b, n in units]
            for coder, units in K2004[category].items()}


def test_cu_alpha_per_category_of_krippendorff_2004() -> None:
    c = unitizing_alpha(k2004("c"), K2004_LENGTH)
    assert (c.observed, c.expected) == (pytest.approx(0.0144, abs=1e-4),
                                        pytest.approx(0.0532, abs=1e-4))
    assert c.alpha == pytest.approx(0.7286, abs=1e-4)
    k = unitizing_alpha(k2004("k"), K2004_LENGTH)
    assert (k.observed, k.expected) == (0.0, pytest.approx(0.0490, abs=1e-4))
    assert k.alpha == pytest.approx(1.0)


def test_group_cu_alpha_of_krippendorff_2004_is_8591() -> None:
    result = group_unitizing_alpha({c: k2004(c) for c in K2004}, K2004_LENGTH)
    assert result.alpha == pytest.approx(0.8591, abs=5e-4)
    assert result.units == 9 and result.coders == 2
    # a code nobody used adds nothing; no unit at all leaves it undefined
    with_empty = group_unitizing_alpha({**{c: k2004(c) for c in K2004},
                                        "x": {"i": [], "j": []}}, K2004_LENGTH)
    assert with_empty.alpha == result.alpha
    assert group_unitizing_alpha({"x": {"i": [], "j": []}}, K2004_LENGTH).alpha is None


def test_agreement_unitizing_states_cu_alpha_per_group_of_krippendorff_2004(
        tmp_path: Path) -> None:
    # The example as a document of 300 characters, every unit a span coded from CSV.
    book = ("name: Unitizing\nversion: 1\ncodes:\n  - id: kind\n    label: Kind\n"
            "    exclusive: true\n    codes:\n      - {id: kind-c, label: C}\n"
            "      - {id: kind-k, label: K}\n")
    root = write_project(tmp_path / "p", book, {})
    folder = root / "cases" / "k"
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text("name: Case k\n", encoding="utf-8")
    text = "".join(f"x{n:03d}|" for n in range(60))
    (folder / "continuum.txt").write_text(text, encoding="utf-8")
    rows = ["excerpt,code,coder,start,end"]
    for category, by_coder in K2004.items():
        for coder, units in by_coder.items():
            rows += [f"k/continuum#1,kind-{category},{coder},{b - K2004_BEGIN},"
                     f"{b - K2004_BEGIN + n}" for b, n in units]
    (tmp_path / "spans.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    cli = Cli(root, tmp_path / "p.db")
    cli.ok("import")
    cli.ok("codings", "import", str(tmp_path / "spans.csv"))
    report = json.loads(cli.ok("agreement", "--unitizing", "--json").stdout)
    assert report["statistics"]["groups"].startswith("Cu-alpha")
    assert "characters" in report["continuum"]
    codes = {r["code"]: r for r in report["codes"]}
    # the group is no code row (cu-alpha) but its own (Cu-alpha), overall and in every part
    assert set(codes) == {"kind-c", "kind-k"}
    parts = [*report["cases"], *report["documents"]]
    assert all({r["code"] for r in p["codes"]} == {"kind-c", "kind-k"} for p in parts)
    assert all([r["statistic"] for r in p["groups"]] == ["Cu-alpha"] for p in parts)
    assert codes["kind-c"]["length"] == K2004_LENGTH
    assert codes["kind-c"]["alpha"] == pytest.approx(0.7286, abs=1e-4)
    assert codes["kind-k"]["alpha"] == pytest.approx(1.0)
    (group,) = report["groups"]
    assert (group["group"], group["statistic"], group["codes"]) == (
        "kind", "Cu-alpha", ["kind-c", "kind-k"])
    assert group["alpha"] == pytest.approx(0.8591, abs=5e-4)
    assert report["documents"][0]["groups"][0]["alpha"] == group["alpha"]
    assert report["cases"][0]["groups"][0]["alpha"] == group["alpha"]
    out = cli.ok("agreement", "--unitizing").stdout
    assert "Cu-alpha" in out and "cu-alpha" in out and "0.859" in out and "0.729" in out
    per_code, rest = out.split("Cu-alpha per exclusive group (over its codes)")
    assert not any(line.startswith("kind ") for line in per_code.splitlines()), out
    parts = [line for line in rest.split("alpha-U per case")[1].splitlines() if "│ kind " in line
             and "(2016)" not in line]
    assert len(parts) == 2 and all("│ Cu-alpha " in line for line in parts), out


def test_agreement_unitizing_states_the_2016_alphas_of_krippendorff_2011_examples(
        tmp_path: Path) -> None:
    # Krippendorff (2011), sections A and B (published alpha .095 and .692), each value a
    # span of one character: the 2016 u-alpha reduces to alpha for such units (see
    # tests/test_unitizing_family.py), per document through the CLI.
    book = ("name: Unitizing\nversion: 1\ncodes:\n  - id: x\n    label: X\n"
            "  - id: g\n    label: G\n    exclusive: true\n    codes:\n"
            + "".join(f"      - {{id: g-{v}, label: {v.upper()}}}\n" for v in "abcde"))
    root = write_project(tmp_path / "p", book, {})
    folder = root / "cases" / "k"
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text("name: Case k\n", encoding="utf-8")
    (folder / "binary.txt").write_text("0123456789", encoding="utf-8")
    (folder / "nominal.txt").write_text("abcdefghijkl", encoding="utf-8")
    rows = ["excerpt,code,coder,start,end"]
    binary = {"ben": "0100000010", "gerry": "1110010000"}
    nominal = {"ben": "aabbdcccedda", "gerry": "babbbccceddd"}
    for coder in ("ben", "gerry"):
        rows += [f"k/binary#1,x,{coder},{i},{i + 1}"
                 for i, v in enumerate(binary[coder]) if v == "1"]
        rows += [f"k/nominal#1,g-{v},{coder},{i},{i + 1}" for i, v in enumerate(nominal[coder])]
    (tmp_path / "spans.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    cli = Cli(root, tmp_path / "p.db")
    cli.ok("import")
    cli.ok("codings", "import", str(tmp_path / "spans.csv"))
    report = json.loads(cli.ok("agreement", "--unitizing", "--json").stdout)
    assert "2016" in report["method_2016"] and "Mathet" in report["method_2016"]
    assert set(report["statistics_2016"]) == {"u_alpha", "binary_u_alpha", "cu_alpha",
                                              "codes"}
    docs = {d["document"]: d for d in report["documents"]}
    x = next(r for r in docs["k/binary"]["codes"] if r["code"] == "x")
    assert x["alpha_2016"]["u_alpha"]["statistic"] == "u-alpha"
    assert round(x["alpha_2016"]["u_alpha"]["alpha"], 3) == 0.095
    assert x["alpha_2016"]["binary_u_alpha"]["alpha"] == x["alpha_2016"]["u_alpha"]["alpha"]
    (group,) = docs["k/nominal"]["groups"]
    family = group["alpha_2016"]
    assert round(family["u_alpha"]["alpha"], 3) == 0.692
    assert round(family["cu_alpha"]["alpha"], 3) == 0.692
    assert family["cu_alpha"]["coverage"] == 100.0 and family["overlap"] == 0
    assert family["binary_u_alpha"]["alpha"] is None  # no gap in the document
    assert [k["code"] for k in family["codes"]] == [f"g-{v}" for v in "abcde"]
    assert next(k for k in family["codes"] if k["code"] == "g-c")["alpha"] == 1.0
    assert family["codes"][0]["statistic"] == "(k)u-alpha"
    out = cli.ok("agreement", "--unitizing").stdout
    assert "Krippendorff et al. (2016) per exclusive group" in out
    assert "u-alpha (2016)" in out and "0.692" in out and "0.095" in out
    assert "(k)u-alpha" in out and "|u-alpha" in out
