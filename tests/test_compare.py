"""Cross-case tables on a hand-built project whose right answers are worked out by hand.

Project (excerpt ids follow import order: alpha/a1 #1-4, alpha/a2 #1-2, beta/b1 #1-4):

    alpha (region Europe)   a1 (interview): #1 ann: framing-security, framing-remittances
                                               bob: framing-development
                                            #2 ann: framing-security, linkage-visa,
                                                    ptype-operational
                                            #3 ann: reviewed, no code
                                            #4 bob: framing-security
                            a2 (report):    #1 ann: framing-development, ptype-dialogue
                                               bob: framing-development
                                            #2 nobody
    beta (region Americas)  b1 (interview): #1 ann: linkage-visa, ptype-dialogue
                                               bob: ptype-operational
                                            #2 ann: framing-security
                                            #3 ann: reviewed, no code
                                            #4 nobody
"""

from __future__ import annotations

import csv
import io
import json
import math
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from qcoder.cli import cli
from qcoder.compare import (
    Basis,
    CodeRow,
    CodingData,
    Column,
    Scope,
    benjamini_hochberg,
    code_case_matrix,
    cooccurrence,
    distinctive_codes,
    exclusive_distribution,
    framework_matrix,
    jaccard,
    log_odds_test,
    resolve_basis,
    shares_to_100,
    tabulate,
    trim_quote,
)
from qcoder.errors import QcoderError
from qcoder.exchange.codings_csv import import_codings
from qcoder.importer import import_project
from qcoder.project.folder import open_project
from qcoder.store.database import Store

CODEBOOK = """\
name: Comparison test
version: 1
codes:
  - id: framing
    label: Framing
    codes:
      - id: framing-security
        label: Security
      - id: framing-development
        label: Development
        codes:
          - id: framing-remittances
            label: Remittances
  - id: linkage
    label: Linkage
    codes:
      - id: linkage-visa
        label: Visa
  - id: ptype
    label: Partnership type
    exclusive: true
    codes:
      - id: ptype-operational
        label: Operational
      - id: ptype-dialogue
        label: Dialogue
"""

A1 = ("---\ntitle: Interview A1\nkind: interview\n---\nFirst paragraph about security.\n\n"
      "Second paragraph on visas.\n\nThird paragraph, nothing to code.\n\n"
      "Fourth paragraph, read by one coder only.\n")
A2 = ("---\ntitle: Report A2\nkind: report\n---\nA report paragraph on development.\n\n"
      "A paragraph nobody read.\n")
B1 = ("---\ntitle: Interview B1\nkind: interview\n---\nVisas and dialogue in beta.\n\n"
      "Security in beta.\n\nNothing in beta.\n\nUnread in beta.\n")

SEED = """\
excerpt,code,coder
alpha/a1#1,framing-security,ann
alpha/a1#1,framing-remittances,ann
alpha/a1#1,framing-development,bob
alpha/a1#2,framing-security,ann
alpha/a1#2,linkage-visa,ann
alpha/a1#2,ptype-operational,ann
alpha/a1#3,,ann
alpha/a1#4,framing-security,bob
alpha/a2#1,framing-development,ann
alpha/a2#1,ptype-dialogue,ann
alpha/a2#1,framing-development,bob
beta/b1#1,linkage-visa,ann
beta/b1#1,ptype-dialogue,ann
beta/b1#1,ptype-operational,bob
beta/b1#2,framing-security,ann
beta/b1#3,,ann
"""


def write_project(root: Path, codebook: str = CODEBOOK) -> Path:
    (root / "codebooks").mkdir(parents=True, exist_ok=True)
    (root / "codebooks" / "book.yaml").write_text(codebook, encoding="utf-8")
    for case, name, region, docs in (("alpha", "Alpha", "Europe", {"a1": A1, "a2": A2}),
                                     ("beta", "Beta", "Americas", {"b1": B1})):
        folder = root / "cases" / case
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "case.yaml").write_text(f"name: {name}\nattributes:\n  region: {region}\n",
                                          encoding="utf-8")
        for stem, text in docs.items():
            (folder / f"{stem}.txt").write_text(text, encoding="utf-8")
    (root / "codings").mkdir(exist_ok=True)
    (root / "codings" / "seed.csv").write_text(SEED, encoding="utf-8")
    return root


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    return write_project(tmp_path / "project")


@pytest.fixture()
def store(root: Path) -> Store:
    project = open_project(root)
    opened = Store(project.db_path)
    import_project(project, opened)
    yield opened
    opened.close()


ANN = Basis("coder", ("ann",))
BOB = Basis("coder", ("bob",))
POOLED = Basis("pooled", ("ann", "bob"))


def counts(matrix, measure: str = "count") -> dict[str, dict[str, object]]:
    return {r.id: {c.id: matrix.cell(r.id, c.id).value(measure) for c in matrix.columns}
            for r in matrix.rows}


# --- code x case matrix --------------------------------------------------------------------


def test_one_coder_counts_reviewed_and_documents(store: Store) -> None:
    m = code_case_matrix(store, ANN)
    assert [(c.id, c.excerpts, c.reviewed, c.documents) for c in m.columns] == [
        ("alpha", 6, 4, 2), ("beta", 4, 3, 1)]
    assert counts(m) == {
        "framing": {"alpha": 3, "beta": 1},
        "framing-security": {"alpha": 2, "beta": 1},
        "framing-development": {"alpha": 2, "beta": 0},
        "framing-remittances": {"alpha": 1, "beta": 0},
        "linkage": {"alpha": 1, "beta": 1},
        "linkage-visa": {"alpha": 1, "beta": 1},
        "ptype": {"alpha": 2, "beta": 1},
        "ptype-operational": {"alpha": 1, "beta": 0},
        "ptype-dialogue": {"alpha": 1, "beta": 1},
    }
    assert m.cell("framing", "alpha").documents == 2
    assert m.cell("framing-security", "alpha").documents == 1


def test_percentages_are_of_reviewed_excerpts(store: Store) -> None:
    m = code_case_matrix(store, ANN)
    assert m.cell("framing", "alpha").percent == pytest.approx(75.0)
    assert m.cell("framing", "beta").percent == pytest.approx(100 / 3)
    assert m.total("framing").excerpts == 4
    assert m.total("framing").percent == pytest.approx(400 / 7)


def test_rollup_counts_an_excerpt_once(store: Store) -> None:
    # a1#1 has framing-security and framing-remittances from ann and framing-development
    # from bob: framing counts it once, and so does framing-development.
    m = code_case_matrix(store, POOLED)
    assert m.cell("framing", "alpha").excerpts == 4  # a1#1, a1#2, a1#4, a2#1
    assert m.cell("framing-development", "alpha").excerpts == 2  # a1#1, a2#1
    assert m.cell("framing-security", "alpha").excerpts == 3


def test_pooled_reviewed_is_reviewed_by_any_selected_coder(store: Store) -> None:
    m = code_case_matrix(store, POOLED)
    assert [(c.id, c.reviewed) for c in m.columns] == [("alpha", 5), ("beta", 3)]
    assert m.cell("framing", "alpha").percent == pytest.approx(80.0)
    bob = code_case_matrix(store, BOB)
    assert [(c.id, c.reviewed) for c in bob.columns] == [("alpha", 3), ("beta", 1)]
    assert bob.cell("framing", "alpha").percent == pytest.approx(100.0)


def test_by_document_attribute_and_case_attribute(store: Store) -> None:
    by_kind = code_case_matrix(store, ANN, by="kind")
    assert [(c.id, c.reviewed, c.documents) for c in by_kind.columns] == [
        ("interview", 6, 2), ("report", 1, 1)]
    assert by_kind.cell("framing", "interview").excerpts == 3  # a1#1, a1#2, b1#2
    assert by_kind.cell("framing", "interview").documents == 2
    by_region = code_case_matrix(store, ANN, by="region")
    assert [c.id for c in by_region.columns] == ["Americas", "Europe"]
    assert by_region.cell("framing", "Europe").excerpts == 3
    by_doc = code_case_matrix(store, ANN, by="document")
    assert [c.id for c in by_doc.columns] == ["alpha/a1", "alpha/a2", "beta/b1"]
    assert counts(by_doc)["framing"] == {"alpha/a1": 2, "alpha/a2": 1, "beta/b1": 1}


def test_codes_cases_and_depth_select_rows_and_columns(store: Store) -> None:
    m = code_case_matrix(store, ANN, codes=["framing"], cases=["beta"], depth=2)
    assert [r.id for r in m.rows] == ["framing", "framing-security", "framing-development"]
    assert [c.id for c in m.columns] == ["beta"]
    assert m.cell("framing", "beta").excerpts == 1
    top = code_case_matrix(store, ANN, depth=1)
    assert [r.id for r in top.rows] == ["framing", "linkage", "ptype"]


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"codes": ["framng"]}, "did you mean 'framing'"),
    ({"cases": ["gamma"]}, "unknown case 'gamma'"),
    ({"by": "colour"}, "unknown --by 'colour'"),
    ({"depth": 0}, "--depth 0"),
])
def test_bad_selection_is_a_user_error(store: Store, kwargs: dict, message: str) -> None:
    with pytest.raises(QcoderError, match=message):
        code_case_matrix(store, ANN, **kwargs)


def test_orphaned_excerpts_and_inactive_codes_are_left_out(root: Path, store: Store) -> None:
    a1 = root / "cases" / "alpha" / "a1.txt"
    a1.write_text(A1.replace("Second paragraph on visas.", "A rewritten second paragraph."),
                  encoding="utf-8")
    without = CODEBOOK.replace("        codes:\n          - id: framing-remittances\n"
                               "            label: Remittances\n", "")
    (root / "codebooks" / "book.yaml").write_text(without, encoding="utf-8")
    import_project(open_project(root), store, allow_orphans=True)
    m = code_case_matrix(store, ANN)
    assert "framing-remittances" not in [r.id for r in m.rows]
    alpha = next(c for c in m.columns if c.id == "alpha")
    assert alpha.reviewed == 3  # a1#2 is orphaned: a1#1, a1#3, a2#1 remain
    assert m.cell("framing", "alpha").excerpts == 2  # a1#1 (security), a2#1
    assert m.cell("framing-development", "alpha").excerpts == 1  # remittances no longer counts
    assert m.cell("linkage-visa", "alpha").excerpts == 0


def test_an_older_database_gets_the_index_the_tables_read(tmp_path: Path) -> None:
    import sqlite3

    from qcoder.store.migrations import migrate

    conn = sqlite3.connect(tmp_path / "old.db", isolation_level=None)
    migrate(conn, upto=3)
    conn.close()
    with Store(tmp_path / "old.db") as store:
        indexes = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = "
                                              "'index'")}
        assert "codings_code_coder" in indexes
        assert code_case_matrix(store, resolve_basis(store)).rows == ()


# --- basis ---------------------------------------------------------------------------------


def test_default_basis_is_pooled_without_consensus_then_consensus(store: Store,
                                                                  tmp_path: Path) -> None:
    basis = resolve_basis(store)
    assert (basis.kind, basis.coders, basis.default) == ("pooled", ("ann", "bob"), True)
    assert "no consensus codings yet" in str(basis)
    path = tmp_path / "consensus.csv"
    path.write_text("excerpt,code,coder\nalpha/a1#1,framing-security,consensus\n",
                    encoding="utf-8")
    import_codings(store, store.codebook(), path)
    basis = resolve_basis(store)
    assert (basis.kind, basis.coders, basis.default) == ("consensus", ("consensus",), True)
    assert resolve_basis(store, pooled=True).coders == ("ann", "bob")
    m = code_case_matrix(store, basis)
    assert m.cell("framing", "alpha").excerpts == 1
    assert [c.reviewed for c in m.columns] == [1, 0]
    assert m.cell("framing", "beta").percent is None


def test_basis_choices_and_errors(store: Store) -> None:
    assert resolve_basis(store, coders=["ann"]) == ANN
    chosen = resolve_basis(store, coders=["ann", "bob"])
    assert chosen.kind == "pooled"
    assert str(chosen).startswith("coders pooled (ann, bob)")
    with pytest.raises(QcoderError, match="unknown coder 'cat'"):
        resolve_basis(store, coders=["cat"])
    with pytest.raises(QcoderError, match="choose one basis"):
        resolve_basis(store, coders=["ann"], pooled=True)
    with pytest.raises(QcoderError, match="no consensus codings"):
        resolve_basis(store, consensus=True)


# --- exclusive groups ----------------------------------------------------------------------


def test_exclusive_group_shares_sum_to_100(store: Store) -> None:
    d = exclusive_distribution(store, ANN, "ptype")
    assert [c.id for c in d.children] == ["ptype-operational", "ptype-dialogue"]
    assert d.shares[("ptype-operational", "alpha")] == 50.0
    assert d.shares[("ptype-dialogue", "alpha")] == 50.0
    assert d.shares[("ptype-operational", "beta")] == 0.0
    assert d.shares[("ptype-dialogue", "beta")] == 100.0
    assert d.excerpts == {"alpha": 2, "beta": 1}
    assert d.conflicting == {"alpha": 0, "beta": 0}


def test_pooled_coders_choosing_different_children_are_counted_as_conflicts(
        store: Store) -> None:
    d = exclusive_distribution(store, POOLED, "ptype")
    assert d.counts[("ptype-dialogue", "beta")] == 1
    assert d.counts[("ptype-operational", "beta")] == 1
    assert d.excerpts["beta"] == 1
    assert d.conflicting["beta"] == 1
    assert d.shares[("ptype-dialogue", "beta")] == 50.0


def test_exclusive_distribution_needs_a_group(store: Store) -> None:
    with pytest.raises(QcoderError, match="not an exclusive group; exclusive groups: ptype"):
        exclusive_distribution(store, ANN, "framing")


def test_shares_are_rounded_to_add_up_to_100() -> None:
    assert shares_to_100([1, 1, 1]) == [33.4, 33.3, 33.3]
    assert shares_to_100([2, 1]) == [66.7, 33.3]
    assert sum(shares_to_100([3, 3, 3, 1, 1, 1, 1])) == pytest.approx(100.0)
    assert shares_to_100([0, 0]) == [None, None]


# --- co-occurrence ---------------------------------------------------------------------------


def test_cooccurrence_counts_and_jaccard(store: Store) -> None:
    co = cooccurrence(store, ANN)
    assert co.count("framing-security", "linkage-visa") == 1  # a1#2
    assert co.count("framing-security", "framing-remittances") == 1  # a1#1
    assert co.count("linkage-visa", "ptype-dialogue") == 1  # b1#1
    # linkage-visa {a1#2, b1#1}, ptype-dialogue {a2#1, b1#1}
    assert co.jaccard("linkage-visa", "ptype-dialogue") == pytest.approx(1 / 3)
    # framing {a1#1, a1#2, a2#1, b1#2}, linkage {a1#2, b1#1}
    assert co.jaccard("framing", "linkage") == pytest.approx(1 / 5)
    assert co.count("linkage-visa", "ptype-dialogue", "alpha") == 0
    assert co.count("linkage-visa", "ptype-dialogue", "beta") == 1
    assert co.count("framing", "framing") == 4


def test_cooccurrence_pairs_leave_out_a_code_and_its_parent(store: Store) -> None:
    pairs = {(p.a, p.b) for p in cooccurrence(store, ANN).pairs()}
    assert ("framing-security", "linkage-visa") in pairs
    assert ("framing", "framing-security") not in pairs
    assert ("framing", "framing-remittances") not in pairs
    assert ("framing-development", "framing-remittances") not in pairs


def test_jaccard_of_empty_sets_is_undefined() -> None:
    assert jaccard(0, 0, 0) is None
    assert jaccard(2, 2, 2) == 1.0


# --- framework matrix ------------------------------------------------------------------------


def test_framework_exemplars_prefer_excerpts_more_coders_chose(store: Store) -> None:
    f = framework_matrix(store, POOLED, codes=["framing"], depth=1, top=2)
    cell = f.cells[("alpha", "framing")]
    assert cell.excerpts == 4
    # a1#1 and a2#1 were coded under framing by both coders; a1#2 comes earlier but by one
    assert [(e.ref, e.coders) for e in cell.exemplars] == [("alpha/a1#1", 2), ("alpha/a2#1", 2)]
    assert cell.exemplars[0].quote == "First paragraph about security."
    one = framework_matrix(store, ANN, codes=["framing"], depth=1, top=2)
    assert [e.ref for e in one.cells[("alpha", "framing")].exemplars] == [
        "alpha/a1#1", "alpha/a1#2"]
    assert [e.ref for e in one.cells[("beta", "framing")].exemplars] == ["beta/b1#2"]


def test_framework_prefers_an_excerpt_not_yet_shown_in_the_row(store: Store) -> None:
    f = framework_matrix(store, ANN, codes=["framing"], depth=2, top=1)
    assert [e.ref for e in f.cells[("alpha", "framing")].exemplars] == ["alpha/a1#1"]
    # framing-security has a1#1 and a1#2; a1#1 already illustrates framing
    assert [e.ref for e in f.cells[("alpha", "framing-security")].exemplars] == ["alpha/a1#2"]
    assert f.cells[("beta", "framing-development")].exemplars == ()


def test_trim_quote_cuts_at_a_word() -> None:
    text = "Visas were  the carrot\nin every meeting " * 10
    short = trim_quote(text, 40)
    assert len(short) <= 40
    assert short.endswith("…")
    assert "\n" not in short and "  " not in short
    assert trim_quote("Short one.", 40) == "Short one."


# --- distinctive codes -----------------------------------------------------------------------


def test_log_odds_test_by_hand() -> None:
    # 2x2 table [[10, 0], [0, 10]] + 0.5: OR = 10.5^2 / 0.5^2 = 441
    log_odds, z, p = log_odds_test(10, 0, 0, 10)
    assert log_odds == pytest.approx(math.log(441))
    assert z == pytest.approx(math.log(441) / math.sqrt(2 / 10.5 + 2 / 0.5))
    assert p < 0.01
    assert log_odds_test(5, 5, 5, 5)[1:] == (0.0, 1.0)
    assert log_odds_test(0, 10, 10, 0)[1] == pytest.approx(-z)


def test_benjamini_hochberg_by_hand() -> None:
    assert benjamini_hochberg([0.01, 0.04, 0.03, 0.005]) == pytest.approx(
        [0.02, 0.04, 0.04, 0.02])
    assert benjamini_hochberg([]) == []


def test_distinctive_codes_flag_over_and_under_representation() -> None:
    # Case a: 40 reviewed, code x on 30; case b: 40 reviewed, x on 2. Code y on 5 in each.
    excerpts = [(i, 1 if i <= 40 else 2) for i in range(1, 81)]
    codings = [(i, "x", "ann") for i in [*range(1, 31), 41, 42]]
    codings += [(i, "y", "ann") for i in [1, 2, 3, 4, 5, 41, 42, 43, 44, 45]]
    data = CodingData.from_rows(excerpts, codings, [(i, "ann") for i in range(1, 81)])
    rows = [CodeRow("x", "X", 0, None, False, ("x",)), CodeRow("y", "Y", 0, None, False, ("y",))]
    scope = Scope("case", (Column("a", "A"), Column("b", "B")), {1: 0, 2: 1})
    result = distinctive_codes(tabulate(rows, scope, data, ANN))
    found = {(d.column, d.code): d for d in result.items}
    assert found[("a", "x")].direction == "over"
    assert found[("b", "x")].direction == "under"
    assert (found[("a", "x")].excerpts, found[("a", "x")].reviewed) == (30, 40)
    assert (found[("a", "x")].other_excerpts, found[("a", "x")].other_reviewed) == (2, 40)
    assert found[("a", "y")].direction == ""
    assert found[("a", "y")].z == pytest.approx(0.0)


def test_distinctive_needs_two_columns(store: Store) -> None:
    with pytest.raises(QcoderError, match="fewer than two columns"):
        distinctive_codes(code_case_matrix(store, ANN, cases=["alpha"]))


def test_coding_data_from_rows_pools_and_counts_coders() -> None:
    data = CodingData.from_rows([(1, 1), (2, 1), (3, 1)],
                                [(1, "x", "ann"), (1, "x", "bob"), (2, "x", "bob")])
    assert data.excerpt_ids(["x"]).tolist() == [1, 2]
    ids, coders = data.coder_counts(["x"])
    assert ids.tolist() == [1, 2] and coders.tolist() == [2, 1]
    assert data.reviewed_ids().tolist() == [1, 2]
    assert isinstance(data.document_of, np.ndarray)


# --- CLI -------------------------------------------------------------------------------------


def run(root: Path, *args: str):
    result = CliRunner().invoke(cli, ["--project", str(root), "compare", *args])
    return result


def test_cli_table_prints_the_basis(root: Path) -> None:
    result = run(root)
    assert result.exit_code == 0, result.output
    assert "all coders pooled (ann, bob)" in result.output
    assert "default: no consensus codings yet" in result.output
    assert "framing-security" in result.output


def test_cli_json_has_totals_and_cells(root: Path) -> None:
    result = run(root, "--coder", "ann", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["basis"]["kind"] == "coder" and data["basis"]["coders"] == ["ann"]
    assert data["reviewed"] == 7 and data["excerpts"] == 10
    framing = next(c for c in data["codes"] if c["id"] == "framing")
    assert framing["cells"]["alpha"] == {"excerpts": 3, "percent": 75.0, "documents": 2}
    assert framing["total"]["excerpts"] == 4


def test_cli_csv_measure_percent(root: Path) -> None:
    result = run(root, "--coder", "ann", "--measure", "percent", "--format", "csv")
    assert result.exit_code == 0, result.output
    lines = [line for line in result.output.splitlines() if not line.startswith("#")]
    rows = {r["code"]: r for r in csv.DictReader(io.StringIO("\n".join(lines)))}
    assert rows["framing"]["alpha"] == "75.0"
    assert rows["framing"]["beta"] == "33.3"
    assert "# basis: codings of coder 'ann'" in result.output


def test_cli_markdown_for_papers(root: Path, tmp_path: Path) -> None:
    out = tmp_path / "table.md"
    result = run(root, "--consensus")
    assert result.exit_code == 1
    assert "no consensus codings" in result.output
    result = run(root, "--pooled", "--depth", "1", "--format", "md", "--output", str(out))
    assert result.exit_code == 0, result.output
    text = out.read_text(encoding="utf-8")
    assert "| framing | Framing | 4 | 1 | 5 |" in text
    assert "*Basis: all coders pooled (ann, bob)" in text


def test_cli_groups_cooccurrence_framework_distinctive(root: Path) -> None:
    groups = run(root, "--groups", "--coder", "ann", "--format", "csv")
    assert groups.exit_code == 0, groups.output
    body = [r for r in csv.reader(io.StringIO(groups.output)) if r and not r[0].startswith("#")]
    assert body[0] == ["case", "ptype-operational", "ptype-dialogue", "excerpts"]
    assert body[1:] == [["alpha", "50.0", "50.0", "2"], ["beta", "0.0", "100.0", "1"]]
    co = run(root, "--cooccurrence", "--coder", "ann", "--format", "json")
    assert co.exit_code == 0, co.output
    pairs = {tuple(p["codes"]): p for p in json.loads(co.output)["pairs"]}
    assert pairs[("linkage-visa", "ptype-dialogue")]["excerpts"] == 1
    fw = run(root, "--framework", "--coder", "ann", "--format", "md")
    assert fw.exit_code == 0, fw.output
    assert "alpha/a1#1" in fw.output and "| case | framing | linkage | ptype |" in fw.output
    dist = run(root, "--distinctive", "--all", "--format", "json")
    assert dist.exit_code == 0, dist.output
    assert json.loads(dist.output)["method"].startswith("two-sided z test")


def test_cli_rejects_two_tables_and_bad_measure(root: Path) -> None:
    both = run(root, "--framework", "--cooccurrence")
    assert both.exit_code != 0 and "one of" in both.output
    bad = run(root, "--cooccurrence", "--measure", "documents")
    assert bad.exit_code != 0 and "jaccard" in bad.output
    unknown = run(root, "--codes", "nope")
    assert unknown.exit_code == 1 and len(unknown.output.strip().splitlines()) == 1
