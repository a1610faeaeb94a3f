"""``qcoder agreement`` and ``qcoder disagreements`` end to end: a project, codings imported
from CSV, and the published reliability values coming back out of the command line."""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pytest
from conftest import Cli

# Krippendorff, K. (2011). Computing Krippendorff's Alpha-Reliability. Annenberg School for
# Communication, University of Pennsylvania, Departmental Papers (ASC) 43.
# https://repository.upenn.edu/asc_papers/43
#
# Section C, "Nominal data, any number of observers, missing data": 4 observers x 12 units,
# values 1-5, "." where an observer gave no value; published nominal alpha = 0.743.
NOMINAL_743 = {
    "A": [1, 2, 3, 3, 2, 1, 4, 1, 2, None, None, None],
    "B": [1, 2, 3, 3, 2, 2, 4, 1, 2, 5, None, 3],
    "C": [None, 3, 3, 3, 2, 3, 4, 2, 2, 5, 1, None],
    "D": [1, 2, 3, 3, 2, 4, 4, 1, 2, 5, 1, None],
}
# Section A, "Binary or dichotomous data, two observers, no missing data": published
# alpha = 0.095.
BINARY_095 = {
    "A": [0, 1, 0, 0, 0, 0, 0, 0, 1, 0],
    "B": [1, 1, 1, 0, 0, 1, 0, 0, 0, 0],
}

VALUES_CODEBOOK = """\
name: Reliability example
version: 2011-c
codes:
  - id: value
    label: Value given by the observer
    exclusive: true
    codes:
      - {id: v1, label: Value 1}
      - {id: v2, label: Value 2}
      - {id: v3, label: Value 3}
      - {id: v4, label: Value 4}
      - {id: v5, label: Value 5}
"""

BINARY_CODEBOOK = """\
name: Binary example
version: 2011-a
codes:
  - id: present
    label: Feature present
"""


def write_project(root: Path, codebook: str, units: dict[str, int]) -> Path:
    """A project with the codebook and, per case, one document of numbered paragraphs."""
    (root / "codebooks").mkdir(parents=True)
    (root / "codebooks" / "book.yaml").write_text(codebook, encoding="utf-8")
    for case, count in units.items():
        folder = root / "cases" / case
        folder.mkdir(parents=True)
        (folder / "case.yaml").write_text(f"name: Case {case}\n", encoding="utf-8")
        text = "\n\n".join(f"Unit {n} of case {case}: what the observers judged."
                           for n in range(1, count + 1))
        (folder / "units.txt").write_text(text + "\n", encoding="utf-8")
    return root


def codings_csv(path: Path, rows: Sequence[tuple[str, str, str]]) -> Path:
    lines = ["excerpt,code,coder,memo", *(f"{ref},{code},{coder}," for ref, code, coder in rows)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def nominal_rows(data: dict[str, list[int | None]], case: str = "k") -> list[tuple]:
    """Value v → code v<v>; missing → no row at all (not reviewed)."""
    return [(f"{case}/units#{u}", f"v{v}", coder) for coder, values in data.items()
            for u, v in enumerate(values, 1) if v is not None]


def binary_rows(data: dict[str, list[int]], case: str = "k") -> list[tuple]:
    """1 → the code; 0 → an empty code (reviewed, no code)."""
    return [(f"{case}/units#{u}", "present" if v else "", coder)
            for coder, values in data.items() for u, v in enumerate(values, 1)]


@pytest.fixture
def nominal(tmp_path: Path) -> Cli:
    """The 4 x 12 example: one case 'k' with 12 excerpts, coders A-D, codings from CSV."""
    cli = Cli(write_project(tmp_path / "nominal", VALUES_CODEBOOK, {"k": 12}),
              tmp_path / "nominal.db")
    cli.ok("import")
    cli.ok("codings", "import", str(codings_csv(tmp_path / "c.csv", nominal_rows(NOMINAL_743))))
    return cli


@pytest.fixture
def binary(tmp_path: Path) -> Cli:
    """The binary example (case 'k'), plus a case 'm' where A and B always agree."""
    cli = Cli(write_project(tmp_path / "binary", BINARY_CODEBOOK, {"k": 10, "m": 12}),
              tmp_path / "binary.db")
    cli.ok("import")
    agree = {"A": [1, 0] * 6, "B": [1, 0] * 6}
    rows = binary_rows(BINARY_095) + binary_rows(agree, "m")
    cli.ok("codings", "import", str(codings_csv(tmp_path / "c.csv", rows)))
    return cli


def agreement_json(cli: Cli, *args: str) -> dict:
    return json.loads(cli.ok("agreement", "--json", *args).stdout)


# -- published values, end to end ------------------------------------------------------------
def test_nominal_four_coders_with_missing_data_is_743(nominal: Cli) -> None:
    data = agreement_json(nominal)
    (group,) = data["groups"]
    assert group["id"] == "value"
    assert round(group["alpha"], 3) == 0.743
    assert group["units"] == 11  # unit 12 has one value only
    assert group["coders"] == 4 and group["kappa"] is None
    assert group["flag"] == "tentative"
    assert data["codebook"] == {"name": "Reliability example", "version": "2011-c"}
    assert data["coders"] == ["A", "B", "C", "D"]
    assert data["excerpts"] == 11
    assert [c["id"] for c in data["codes"]] == ["v1", "v2", "v3", "v4", "v5"]


def test_binary_two_coders_is_095_with_kappa(binary: Cli) -> None:
    data = agreement_json(binary, "--case", "k")
    (code,) = data["codes"]
    assert code["id"] == "present"
    assert round(code["alpha"], 3) == 0.095
    assert code["units"] == 10 and code["coders"] == 2
    assert code["percent_agreement"] == pytest.approx(60.0)  # 6 of 10 units agree
    # 2x2 table (A, B): (0,0)=5 (0,1)=3 (1,0)=1 (1,1)=1; p_o = .6, p_e = .56
    assert code["kappa"] == pytest.approx(0.04 / 0.44)
    assert data["groups"] == []


# -- options -----------------------------------------------------------------------------
def test_case_restricts_every_result(binary: Cli) -> None:
    everything = agreement_json(binary)
    assert everything["codes"][0]["units"] == 22
    assert [c["id"] for c in everything["cases"]] == ["k", "m"]
    only_m = agreement_json(binary, "--case", "m")
    assert only_m["case"] == "m"
    assert [c["id"] for c in only_m["cases"]] == ["m"]
    assert only_m["codes"][0]["alpha"] == pytest.approx(1.0)
    assert only_m["codes"][0]["units"] == 12
    k = next(c for c in everything["cases"] if c["id"] == "k")
    assert round(k["codes"][0]["alpha"], 3) == 0.095
    assert k["units"] == 10 and k["worst"]["id"] == "present"


def test_coders_selects_a_pair(nominal: Cli) -> None:
    data = agreement_json(nominal, "--coders", "A,B")
    assert data["coders"] == ["A", "B"]
    assert [p["coders"] for p in data["pairwise"]] == [["A", "B"]]
    group = data["groups"][0]
    # A and B both valued units 1-9; they differ on unit 6 only (1 vs 2)
    assert group["units"] == 9 and group["coders"] == 2
    assert group["percent_agreement"] == pytest.approx(100 * 8 / 9)
    assert group["kappa"] is not None
    full = agreement_json(nominal)
    ab = next(p for p in full["pairwise"] if p["coders"] == ["A", "B"])
    assert ab["groups"][0]["alpha"] == pytest.approx(group["alpha"])


def test_codes_keeps_only_the_codes_and_groups_asked_for(nominal: Cli) -> None:
    only_group = agreement_json(nominal, "--codes", "value")
    assert only_group["codes"] == [] and [g["id"] for g in only_group["groups"]] == ["value"]
    two = agreement_json(nominal, "--codes", "v2,v1")
    assert [c["id"] for c in two["codes"]] == ["v1", "v2"] and two["groups"] == []


def test_bootstrap_adds_interval_and_q_and_is_reproducible(nominal: Cli) -> None:
    first = agreement_json(nominal, "--bootstrap", "500")
    again = agreement_json(nominal, "--bootstrap", "500")
    group = first["groups"][0]
    low, high = group["ci"]
    assert low <= group["alpha"] <= high
    assert set(group["q"]) == {"0.667", "0.800"}
    assert group["q"]["0.667"] <= group["q"]["0.800"]
    boot = first["bootstrap"]
    assert (boot["resamples"], boot["seed"], boot["method"]) == (500, 1, "hayes-krippendorff")
    assert "Hayes" in boot["citation"] and "coincidence" in boot["description"]
    assert first == again
    other = agreement_json(nominal, "--bootstrap", "500", "--seed", "7")
    assert other["bootstrap"]["seed"] == 7
    assert other["groups"][0]["alpha"] == group["alpha"]
    assert agreement_json(nominal)["groups"][0]["ci"] is None


def test_help_states_the_default_seed(nominal: Cli) -> None:
    out = " ".join(nominal.ok("agreement", "--help").output.split())
    assert "default 1" in out and "--seed" in out


# -- the table ---------------------------------------------------------------------------
def rows_of(output: str, ids: Sequence[str]) -> list[str]:
    """The ids in the order their table rows appear."""
    lines = [line.split()[0] for line in output.splitlines() if line.strip()]
    return [i for i in lines if i in ids]


def test_table_is_stamped_and_lists_codes_worst_first(nominal: Cli) -> None:
    out = nominal.ok("agreement").output
    assert "Reliability example version 2011-c" in out
    assert "coders A, B, C, D" in out
    data = agreement_json(nominal)
    by_alpha = sorted((c for c in data["codes"] if c["alpha"] is not None),
                      key=lambda c: c["alpha"])
    table = out.split("Codes: alpha")[0]  # the table, before the same codes as bars
    assert rows_of(table, [c["id"] for c in by_alpha]) == [c["id"] for c in by_alpha]
    assert rows_of(out.split("Codes: alpha")[1], [c["id"] for c in by_alpha]) == [
        c["id"] for c in by_alpha]
    assert "Value given by the observer" in out
    assert f"{data['groups'][0]['alpha']:.3f}" in out
    assert "tentative" in out
    assert "kappa" not in out.split("Per case")[0]  # four coders: no kappa per code
    for section in ("Per case", "Pairs of coders", "A & B", "C & D"):
        assert section in out


def test_table_for_two_coders_with_bootstrap(binary: Cli) -> None:
    out = binary.ok("agreement", "--case", "k", "--bootstrap", "200").output
    assert "kappa" in out and "95% CI" in out and "q<.667" in out
    assert "0.095" in out and "bootstrap 200 resamples (hayes-krippendorff)" in out
    assert "seed 1" in out and "Resamples with undefined alpha" in out


# -- errors ------------------------------------------------------------------------------
@pytest.mark.parametrize(("args", "words"), [
    (["--coders", "A,Z"], ["unknown coder 'Z'", "A, B, C, D"]),
    (["--case", "nowhere"], ["unknown case 'nowhere'", "known cases: k"]),
    (["--codes", "v9"], ["unknown code 'v9'", "value, v1"]),
    (["--coders", "A"], ["at least 2 coders"]),
])
def test_errors_are_one_line_without_traceback(nominal: Cli, args: list[str],
                                               words: list[str]) -> None:
    message = nominal.fails("agreement", *args).output.strip()
    assert len(message.splitlines()) == 1
    for word in words:
        assert word in message


def test_a_negative_bootstrap_is_refused(nominal: Cli) -> None:
    assert "--bootstrap" in nominal.fails("agreement", "--bootstrap", "-1").output


def test_a_single_coder_project_says_what_is_missing(tmp_path: Path) -> None:
    cli = Cli(write_project(tmp_path / "one", BINARY_CODEBOOK, {"k": 10}), tmp_path / "o.db")
    cli.ok("import")
    cli.ok("codings", "import", str(codings_csv(tmp_path / "c.csv",
                                                binary_rows({"A": BINARY_095["A"]}))))
    message = cli.fails("agreement").output
    assert "at least 2 coders" in message and "codings import" in message
    assert len(message.strip().splitlines()) == 1


# -- disagreements -----------------------------------------------------------------------
def test_disagreements_list_each_excerpt_with_what_each_coder_applied(binary: Cli) -> None:
    data = json.loads(binary.ok("disagreements", "--json").stdout)
    # A and B differ on units 1, 3, 6 and 9 of case k; never in case m
    assert [d["excerpt"] for d in data["excerpts"]] == [f"k/units#{n}" for n in (1, 3, 6, 9)]
    assert data["total"] == 4 and data["coders"] == ["A", "B"]
    first = data["excerpts"][0]
    assert first["codes"] == ["present"]
    assert first["coders"] == {"A": [], "B": ["present"]}
    assert first["quote"].startswith("Unit 1 of case k")
    out = binary.ok("disagreements").output
    assert "k/units#6" in out and "Unit 6 of case k" in out
    assert "(no code)" in out and "*present" in out


def test_disagreements_text_gives_the_whole_excerpt_beside_its_quote(tmp_path: Path) -> None:
    root = write_project(tmp_path / "long", BINARY_CODEBOOK, {"k": 10})
    long = ("Unit 1 of case k: a long answer, " + "and the observers judged it again " * 6
            + "\nover two lines.")
    units = (root / "cases" / "k" / "units.txt").read_text(encoding="utf-8").split("\n\n")
    (root / "cases" / "k" / "units.txt").write_text("\n\n".join([long, *units[1:]]),
                                                     encoding="utf-8")
    cli = Cli(root, tmp_path / "long.db")
    cli.ok("import")
    cli.ok("codings", "import", str(codings_csv(tmp_path / "c.csv", binary_rows(BINARY_095))))
    short = json.loads(cli.ok("disagreements", "--json").stdout)
    full = json.loads(cli.ok("disagreements", "--text", "--json").stdout)
    first = full["excerpts"][0]
    assert first["excerpt"] == "k/units#1" and first["text"] == long
    assert "text" not in short["excerpts"][0]
    assert len(first["quote"]) <= 100 and first["quote"].endswith("…")
    assert " ".join(long.split()).startswith(first["quote"][:-1])
    # the rest of each record, and the head, are the same with and without --text
    assert [{k: v for k, v in d.items() if k != "text"} for d in full["excerpts"]] == \
        short["excerpts"]
    assert {k: v for k, v in full.items() if k != "excerpts"} == \
        {k: v for k, v in short.items() if k != "excerpts"}
    assert short["method"]["unit"] == "excerpt" and "parent" in short["method"]["rollup"]
    table = cli.ok("disagreements", "--text").output
    assert "k/units#1\n    Unit 1 of case k" in table and "\n    over two lines." in table
    assert first["quote"] not in table


def test_disagreements_filters_and_limit(nominal: Cli) -> None:
    every = json.loads(nominal.ok("disagreements", "--json").stdout)
    # units 2, 6, 8 (values differ) and 12 has one coder: not a disagreement
    assert [d["excerpt"] for d in every["excerpts"]] == ["k/units#2", "k/units#6", "k/units#8"]
    unit6 = every["excerpts"][1]
    assert unit6["coders"] == {"A": ["v1"], "B": ["v2"], "C": ["v3"], "D": ["v4"]}
    assert unit6["codes"] == ["v1", "v2", "v3", "v4"]
    pair = json.loads(nominal.ok("disagreements", "--coders", "A,B", "--json").stdout)
    assert [d["excerpt"] for d in pair["excerpts"]] == ["k/units#6"]
    one_code = json.loads(nominal.ok("disagreements", "--code", "v3", "--json").stdout)
    assert [d["excerpt"] for d in one_code["excerpts"]] == ["k/units#2", "k/units#6"]
    limited = nominal.ok("disagreements", "--limit", "1").output
    assert "k/units#2" in limited and "k/units#8" not in limited and "2 more" in limited
    nominal.fails("disagreements", "--case", "elsewhere")


# -- the Hayes & Krippendorff bootstrap ----------------------------------------------------
def kalpha_bootstrap(data: dict[str, list[int | None]], resamples: int,
                     rng: np.random.Generator) -> np.ndarray:
    """Krippendorff's algorithm for bootstrapping a distribution of alpha (2006, rev. 2011;
    the KALPHA macro of Hayes & Krippendorff 2007), written out step by step for nominal
    data: the coincidence matrix o_ck from every ordered pair of values within a unit
    (weight 1 / (m_u - 1)); the interval [0, 1] cut into segments p_ck = o_ck / n.. over
    c <= k (off-diagonal cells counted twice); M uniform draws per resample, M the pairs of
    judgments in the data (Hayes & Krippendorff 2007: "a random sample of 239 pairs of
    judgments from the available pairs"); alpha = 1 - sum(delta) / (M De) with
    De the expected disagreement per pair, at least -1; a resample whose draws all fall in
    one diagonal cell is indeterminate and counts as 0. Returns the resampled alphas (NaN
    marks none: the indeterminate ones are returned as 0 and counted by the caller)."""
    values = sorted({v for row in data.values() for v in row if v is not None})
    index = {v: i for i, v in enumerate(values)}
    units = list(zip(*data.values(), strict=True))
    o = np.zeros((len(values), len(values)))
    for unit in units:
        given = [index[v] for v in unit if v is not None]
        if len(given) < 2:
            continue
        for a in range(len(given)):
            for b in range(len(given)):
                if a != b:
                    o[given[a], given[b]] += 1 / (len(given) - 1)
    n = o.sum()
    n_c = o.sum(axis=1)
    delta = 1 - np.eye(len(values))
    expected = (np.outer(n_c, n_c) - np.diag(n_c)) / (n - 1)
    de = (expected * delta).sum() / n
    cells = [(c, k) for c in range(len(values)) for k in range(c, len(values))]
    p = np.array([o[c, k] * (1 if c == k else 2) / n for c, k in cells])
    bounds = np.cumsum(p)
    sizes = [sum(v is not None for v in unit) for unit in units]
    m = sum(k * (k - 1) // 2 for k in sizes)
    r = rng.random((resamples, m))
    drawn = np.minimum(np.searchsorted(bounds, r), len(cells) - 1)
    cell_delta = np.array([delta[c, k] for c, k in cells])
    alpha = np.maximum(1 - cell_delta[drawn].sum(axis=1) / (m * de), -1)
    single = (drawn == drawn[:, :1]).all(axis=1) & (cell_delta[drawn[:, 0]] == 0)
    alpha[single] = 0.0
    return alpha


def test_bootstrap_is_hayes_and_krippendorffs_on_the_4_by_12_data(nominal: Cli) -> None:
    # Krippendorff (2011), section C (NOMINAL_743): the interval and q of the default
    # bootstrap are those of an independent, literal run of the algorithm (200,000
    # resamples), within Monte Carlo error of 20,000 resamples.
    reference = np.sort(kalpha_bootstrap(NOMINAL_743, 200_000, np.random.default_rng(2011)))
    result = agreement_json(nominal, "--bootstrap", "20000", "--seed", "5")
    group = result["groups"][0]
    assert group["alpha"] == pytest.approx(0.743, abs=5e-4)
    low, high = group["ci"]
    assert low == pytest.approx(np.percentile(reference, 2.5), abs=0.015)
    assert high == pytest.approx(np.percentile(reference, 97.5), abs=0.015)
    for key, cut in (("0.667", 0.667), ("0.800", 0.800)):
        assert group["q"][key] == pytest.approx(np.mean(reference < cut), abs=0.012)
    assert group["undefined_resamples"] == 0
    # not the excerpt resampling, whose interval on these 12 units is far wider
    units = agreement_json(nominal, "--bootstrap", "20000", "--bootstrap-method", "units")
    assert units["bootstrap"]["method"] == "units"
    assert units["groups"][0]["ci"][0] < low - 0.1
    # reproducible by seed
    assert agreement_json(nominal, "--bootstrap", "20000", "--seed", "5") == result
    assert agreement_json(nominal, "--bootstrap", "20000", "--seed", "6") != result


def test_a_pair_sharing_fewer_than_ten_excerpts_is_flagged_too_few_units(nominal: Cli) -> None:
    """The 4 x 12 example: A and B both judged units 1-9, B and D units 1-10 (the rule:
    fewer than 10 shared excerpts, ``MIN_UNITS``, after Krippendorff 2004, ch. 11)."""
    pairs = {tuple(p["coders"]): p for p in agreement_json(nominal)["pairwise"]}
    assert (pairs[("A", "B")]["units"], pairs[("A", "B")]["flag"]) == (9, "too few units")
    assert (pairs[("B", "D")]["units"], pairs[("B", "D")]["flag"]) == (10, None)
    assert pairs[("B", "D")]["min_units"] == 10
    table = nominal.ok("agreement", env={"COLUMNS": "200"}).output
    lines = table[table.index("Pairs of coders"):].splitlines()
    row = {line.split()[0] + line.split()[2]: line for line in lines if " & " in line}
    assert "too few units" in row["AB"] and "too few" not in row["BD"]
