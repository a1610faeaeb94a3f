"""The coefficient family through ``qcoder agreement``: codings imported from CSV into a small
project, the published values coming back out of the command line."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import Cli
from test_agreement_cli import codings_csv, write_project

HERE = Path(__file__).parent


def group_codebook(name: str, values: int) -> str:
    children = "\n".join(f"      - {{id: c{v}, label: Category {v}}}" for v in range(1, values + 1))
    return (f"name: {name}\nversion: 1\ncodes:\n  - id: category\n    label: Category\n"
            f"    exclusive: true\n    codes:\n{children}\n")


BINARY = "name: Binary\nversion: 1\ncodes:\n  - id: present\n    label: Present\n"


def project(tmp_path: Path, codebook: str, rows: list[tuple[str, str, str]], units: int) -> Cli:
    cli = Cli(write_project(tmp_path / "p", codebook, {"k": units}), tmp_path / "p.db")
    cli.ok("import")
    cli.ok("codings", "import", str(codings_csv(tmp_path / "codings.csv", rows)))
    return cli


def from_table(table: list[list[int]], code: str | None = None) -> list[tuple[str, str, str]]:
    """Two coders A (rows) and B (columns): cell (i, j) holds units A coded i and B coded j.
    Group categories are c1, c2, ...; for a binary code, 0 = reviewed without it."""
    rows, unit = [], 0
    for i, line in enumerate(table):
        for j, count in enumerate(line):
            for _ in range(count):
                unit += 1
                for coder, value in (("A", i), ("B", j)):
                    name = (code if value else "") if code else f"c{value + 1}"
                    rows.append((f"k/units#{unit}", name, coder))
    return rows


def agreement(cli: Cli, *args: str) -> dict:
    return json.loads(cli.ok("agreement", "--json", *args).stdout)


def test_fleiss_kappa_of_fleiss_1971_psychiatric_diagnoses_is_430(tmp_path: Path) -> None:
    # Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. Psychological
    # Bulletin, 76, 378-382, Table 1: 30 patients, 6 diagnoses each (depression, personality
    # disorder, schizophrenia, neurosis, other), counts per category; kappa = .430 (p. 380).
    counts = [[int(v or 0) for v in line.split(",")]
              for line in (HERE / "data" / "fleiss1971.csv").read_text().split()]
    rows = []
    for unit, per_category in enumerate(counts, 1):
        given = [c for c, n in enumerate(per_category, 1) for _ in range(n)]
        rows += [(f"k/units#{unit}", f"c{c}", f"R{r}") for r, c in enumerate(given, 1)]
    cli = project(tmp_path, group_codebook("Fleiss 1971", 5), rows, len(counts))
    group = agreement(cli, "--stats", "fleiss")["groups"][0]
    assert (group["fleiss"], group["fleiss_units"]) == (pytest.approx(0.430, abs=5e-4), 30)
    out = cli.ok("agreement", "--stats", "alpha,fleiss").output
    assert "Fleiss" in out and "0.430" in out and "Fleiss' kappa (1971)" in out


def test_cohen_kappa_standard_error_and_interval(tmp_path: Path) -> None:
    # Fleiss, Levin & Paik (2003) large-sample SE, as printed by the statpsych R package
    # (Bonett), ci.kappa(.05, 31, 12, 4, 58): Cohen kappa 0.6756757, SE 0.07344761,
    # 95% interval 0.5317210 to 0.8196303 (f00 = 31, f01 = 12, f10 = 4, f11 = 58).
    cli = project(tmp_path, BINARY, from_table([[31, 12], [4, 58]], "present"), 105)
    code = agreement(cli)["codes"][0]
    assert code["kappa"] == pytest.approx(0.6756757, abs=1e-7)
    assert code["kappa_se"] == pytest.approx(0.07344761, abs=1e-8)
    assert code["kappa_ci"] == pytest.approx([0.5317210, 0.8196303], abs=1e-7)
    out = cli.ok("agreement").output
    assert "SE" in out and "0.073" in out and "0.53–0.82" in out
    pair = agreement(cli)["pairwise"][0]["codes"][0]
    assert pair["kappa_se"] == pytest.approx(0.07344761, abs=1e-8)


def test_gwet_2014_abstractors_kappa_pi_ac1_and_brennan_prediger(tmp_path: Path) -> None:
    # Gwet, K. L. (2014). Handbook of Inter-Rater Reliability (4th ed.), the 3 x 3 table of
    # 100 pregnancies classified by two abstractors (dataset cont3x3abstractors of Gwet's
    # irrCAC package); values as Gwet's irrCAC prints them: Cohen's kappa 0.7964094 (SE
    # 0.05891072), Scott's pi 0.796, Gwet's AC1 0.849, Brennan-Prediger 0.835.
    table = [[13, 0, 0], [0, 20, 7], [0, 4, 56]]
    cli = project(tmp_path, group_codebook("Gwet 2014", 3), from_table(table), 100)
    group = agreement(cli)["groups"][0]
    assert group["kappa"] == pytest.approx(0.7964094, abs=1e-7)
    assert group["kappa_se"] == pytest.approx(0.05891072, abs=1e-8)
    assert round(group["pi"], 3) == 0.796
    assert round(group["ac1"], 3) == 0.849
    assert round(group["bp"], 3) == 0.835
    out = cli.ok("agreement", "--stats", "alpha,kappa,pi,ac1,bp").output
    for header in ("kappa CI", "pi", "AC1", "BP"):
        assert header in out


def test_positive_specific_agreement_and_the_methods(tmp_path: Path) -> None:
    # Two coders, a rare code: 97 excerpts both left it off, 3 where only one applied it.
    # % agree is 97.0 while alpha is about 0 and positive specific agreement 2a/(2a+b+c) = 0.
    cli = project(tmp_path, BINARY, from_table([[97, 2], [1, 0]], "present"), 100)
    data = agreement(cli)
    code = data["codes"][0]
    assert code["percent_agreement"] == pytest.approx(97.0)
    assert code["specific"] == 0.0 and code["alpha"] < 0.01
    methods = data["methods"]
    assert {m["statistic"] for m in methods} == {
        "alpha", "kappa", "fleiss", "pi", "ac1", "bp", "specific", "percent_agreement"}
    assert all(m["statistic"] in code for m in methods)  # each names a key of the results
    for method in methods:
        assert {"name", "level", "unit", "missing_data", "rollup", "bootstrap",
                "citation"} <= set(method)
        assert method["citation"] and method["level"] == "nominal"
    out = " ".join(cli.ok("agreement").output.split())
    assert "97% agreement" in out and "pos. agree" in out and "prevalence" in out
    failed = cli.fails("agreement", "--stats", "alpha,tau")
    assert "unknown statistic 'tau'" in failed.output


def test_brennan_prediger_1981_example_1_kappa_27_free_marginal_40(tmp_path: Path) -> None:
    # Brennan, R. L., & Prediger, D. J. (1981). Coefficient kappa: Some uses, misuses, and
    # alternatives. Educational and Psychological Measurement, 41, 687-699, example 1 (p. 689):
    # proportions x 100 of two judges over three categories (judge A rows, judge B columns);
    # observed agreement .60, chance .45, kappa = .27, kappa_n (free marginals, chance 1/3)
    # = .40. The cells as DKPro Agreement's BrennanPrediger1981Test transcribes them.
    table = [[50, 0, 0], [10, 10, 10], [20, 0, 0]]
    cli = project(tmp_path, group_codebook("Brennan & Prediger 1981", 3), from_table(table), 100)
    group = agreement(cli, "--stats", "kappa,bp")["groups"][0]
    assert round(group["kappa"], 2) == 0.27
    assert round(group["bp"], 2) == 0.40
    assert group["percent_agreement"] == pytest.approx(60.0)
    out = cli.ok("agreement", "--stats", "kappa,bp").output
    assert "0.273" in out and "0.400" in out


def test_krippendorff_2004_p246_pi_186_whatever_the_marginals(tmp_path: Path) -> None:
    # Krippendorff, K. (2004). Content Analysis: An Introduction to Its Methodology (2nd ed.),
    # p. 246: two tables of 100 units over values a, b, c with the same pooled distribution
    # and 46% agreement; Scott's pi = .186 in both, Cohen's kappa .186 (table A) and .258
    # (table B), Bennett et al.'s S (= Brennan & Prediger) .190. The cells as DKPro
    # Agreement's Krippendorff2004Test (createExample4a, createExample4b) transcribes them.
    tables = {"A": ([[12, 9, 9], [9, 14, 9], [9, 9, 20]], 0.186),
              "B": ([[12, 18, 18], [0, 14, 18], [0, 0, 20]], 0.258)}
    for name, (table, kappa) in tables.items():
        cli = project(tmp_path / name, group_codebook(f"Krippendorff 2004 {name}", 3),
                      from_table(table), 100)
        group = agreement(cli, "--stats", "pi,kappa,bp")["groups"][0]
        assert round(group["pi"], 3) == 0.186, name
        assert round(group["kappa"], 3) == kappa, name
        assert round(group["bp"], 3) == 0.190, name
        assert group["percent_agreement"] == pytest.approx(46.0), name
        assert "0.186" in cli.ok("agreement", "--stats", "pi").output


def test_sas_proc_freq_simple_kappa_4842_ase_1380(tmp_path: Path) -> None:
    # SAS/STAT PROC FREQ (AGREE option), "Simple Kappa Coefficient" of the 3 x 3 table
    # [[0, 4, 1], [0, 8, 0], [0, 1, 5]]: Kappa 0.4842, ASE 0.1380, 95% limits 0.2137 and
    # 0.7547, the SAS printout statsmodels checks its cohens_kappa against
    # (statsmodels/stats/tests/test_inter_rater.py, table10 and res10_sas).
    table = [[0, 4, 1], [0, 8, 0], [0, 1, 5]]
    cli = project(tmp_path, group_codebook("SAS table 10", 3), from_table(table), 19)
    group = agreement(cli)["groups"][0]
    assert round(group["kappa"], 4) == 0.4842
    assert round(group["kappa_se"], 4) == 0.1380
    assert [round(v, 4) for v in group["kappa_ci"]] == [0.2137, 0.7547]
    out = cli.ok("agreement").output
    assert "0.484" in out and "0.138" in out and "0.21–0.75" in out
