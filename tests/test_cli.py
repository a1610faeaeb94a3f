"""The command line: import, status, codings import/export, and clean errors."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Cli

COUNTED = ("cases", "documents", "excerpts", "codes", "coders", "codings", "codings",
           "reviews", "events", "memos")


def table_counts(db: Path) -> dict[str, int]:
    conn = sqlite3.connect(db)
    try:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0] for t in COUNTED}
    finally:
        conn.close()


def write_csv(path: Path, text: str) -> Path:
    path.write_text(text, encoding="utf-8")
    return path


def read_export(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


GOOD = """excerpt,code,coder,memo
alpha/interview-1#2,framing-security,ann,returns first
alpha/interview-1#2,ptype-operational,ann,
alpha/interview-1#3,,ann,
alpha/interview-1#4,linkage-visa,bob,"carrot, not stick"
beta/declaration#1,ptype-dialogue,bob,
beta/declaration#1,framing-development,bob,
"""


# -- import and status ------------------------------------------------------------------------
def test_import_prints_counts(cli: Cli) -> None:
    out = cli.ok("import").output
    assert "2 cases, 3 documents, 10 excerpts, 10 codes" in out
    assert "3 added" in out and "10 new" in out


def test_import_json(cli: Cli) -> None:
    data = json.loads(cli.ok("import", "--json").stdout)
    assert (data["cases"], data["documents"], data["excerpts"], data["codes"]) == (2, 3, 10, 10)


def test_status_needs_no_prior_import(cli: Cli) -> None:
    out = cli.ok("status").output
    assert "Tiny partnerships" in out
    assert "2 cases, 3 documents, 10 excerpts, 10 codes, 0 coders, 0 codings" in out


def test_status_shows_progress_per_coder_and_case(cli: Cli, tmp_path: Path) -> None:
    cli.ok("codings", "import", str(write_csv(tmp_path / "c.csv", GOOD)))
    out = cli.ok("status").output
    assert "2 coders, 5 codings" in out
    alpha = next(line for line in out.splitlines() if line.startswith("alpha"))
    beta = next(line for line in out.splitlines() if line.startswith("beta"))
    assert "2/7" in alpha and "1/7" in alpha
    assert "0/3" in beta and "1/3" in beta


def test_status_json_totals_and_percentages(cli: Cli, tmp_path: Path) -> None:
    cli.ok("codings", "import", str(write_csv(tmp_path / "c.csv", GOOD)))
    data = json.loads(cli.ok("status", "--json").stdout)
    totals = {k: data[k] for k in ("cases", "documents", "excerpts", "codes", "coders",
                                   "codings")}
    assert totals == {"cases": 2, "documents": 3, "excerpts": 10, "codes": 10, "coders": 2,
                      "codings": 5}
    coders = {c["coder"]: c for c in data["by_coder"]}
    assert set(coders) == {"ann", "bob"}
    assert (coders["ann"]["reviewed"], coders["ann"]["total"]) == (2, 10)
    assert coders["ann"]["percent"] == pytest.approx(20.0)
    per_case = {c["case"]: c for c in coders["bob"]["cases"]}
    assert per_case["beta"]["percent"] == pytest.approx(100 / 3, abs=0.1)
    percents = [c["percent"] for c in coders.values()] + [
        p["percent"] for c in coders.values() for p in c["cases"]]
    assert all(0 <= p <= 100 for p in percents)
    assert {c["case"]: c["excerpts"] for c in data["by_case"]} == {"alpha": 7, "beta": 3}


# -- codings import ---------------------------------------------------------------------------
def test_codings_import(cli: Cli, tmp_path: Path) -> None:
    out = cli.ok("codings", "import", str(write_csv(tmp_path / "c.csv", GOOD))).output
    assert "6 rows, 5 new codings, 4 new reviews, coders: ann, bob" in out
    rows = read_export(cli.ok("codings", "export").stdout)
    assert {(r["excerpt"], r["code"], r["coder"], r["memo"]) for r in rows} == {
        ("alpha/interview-1#2", "framing-security", "ann", "returns first"),
        ("alpha/interview-1#2", "ptype-operational", "ann", ""),
        ("alpha/interview-1#3", "", "ann", ""),
        ("alpha/interview-1#4", "linkage-visa", "bob", "carrot, not stick"),
        ("beta/declaration#1", "ptype-dialogue", "bob", ""),
        ("beta/declaration#1", "framing-development", "bob", ""),
    }


def test_empty_code_means_reviewed_without_a_code(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", "excerpt,code,coder\nalpha/notes#1,,cai\n")
    cli.ok("codings", "import", str(path))
    counts = table_counts(cli.db)
    assert (counts["codings"], counts["reviews"], counts["coders"]) == (0, 1, 1)


def test_importing_the_same_file_twice_adds_nothing(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", GOOD)
    cli.ok("codings", "import", str(path))
    before = table_counts(cli.db)
    out = cli.ok("codings", "import", str(path)).output
    assert "0 new codings, 0 new reviews" in out
    after = table_counts(cli.db)
    assert {k: v for k, v in after.items() if k != "events"} == {
        k: v for k, v in before.items() if k != "events"}


BAD_FILES = {
    "unknown excerpt": ("alpha/interview-1#99,framing-security,ann,", 3,
                        "unknown excerpt 'alpha/interview-1#99'"),
    "unknown code": ("alpha/interview-1#1,framing-securty,ann,", 3,
                     "unknown code 'framing-securty'; did you mean 'framing-security'?"),
    "group itself": ("alpha/interview-1#1,ptype,ann,", 3, "'ptype' is an exclusive group"),
    "exclusive pair": ("alpha/interview-1#2,ptype-dialogue,ann,", 3,
                       "exclusive group 'ptype'"),
    "bad coder": ("alpha/interview-1#1,framing,two words,", 3, "invalid coder 'two words'"),
}


@pytest.mark.parametrize("case", list(BAD_FILES))
def test_one_bad_row_rejects_the_whole_file(cli: Cli, tmp_path: Path, case: str) -> None:
    bad_row, line, message = BAD_FILES[case]
    cli.ok("import")
    before = table_counts(cli.db)
    text = ("excerpt,code,coder,memo\nalpha/interview-1#2,ptype-operational,ann,\n"
            f"{bad_row}\nalpha/notes#1,framing-security,bob,\n")
    path = write_csv(tmp_path / "bad.csv", text)
    result = cli.fails("codings", "import", str(path))
    assert f"{path}:{line}: " in result.output and message in result.output
    assert table_counts(cli.db) == before


def test_exclusive_pair_names_both_rows(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", "excerpt,code,coder\nalpha/notes#1,framing,ann\n"
                     "beta/declaration#2,ptype-capacity,ann\nalpha/notes#2,framing,ann\n"
                     "beta/declaration#2,ptype-operational,ann\n")
    out = cli.fails("codings", "import", str(path)).output
    assert f"{path}:5: 'ptype-operational' and 'ptype-capacity' (line 3)" in out


def test_exclusive_pair_against_the_database(cli: Cli, tmp_path: Path) -> None:
    cli.ok("codings", "import", str(write_csv(
        tmp_path / "a.csv", "excerpt,code,coder\nbeta/declaration#2,ptype-capacity,ann\n")))
    before = table_counts(cli.db)
    path = write_csv(tmp_path / "b.csv", "excerpt,code,coder\nalpha/notes#1,framing,ann\n"
                     "beta/declaration#2,ptype-operational,ann\n")
    result = cli.fails("codings", "import", str(path))
    assert f"{path}:3: " in result.output and "ptype-capacity" in result.output
    assert table_counts(cli.db) == before


def test_the_same_group_for_two_coders_is_fine(cli: Cli, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "c.csv", "excerpt,code,coder\nbeta/declaration#2,ptype-capacity"
                     ",ann\nbeta/declaration#2,ptype-operational,bob\n")
    cli.ok("codings", "import", str(path))
    assert table_counts(cli.db)["codings"] == 2


@pytest.mark.parametrize("text,line,message", [
    ("excerpt,code\nalpha/notes#1,framing\n", 1, "missing column 'coder'"),
    ("", 1, "empty file"),
    ("excerpt,code,coder,time\nalpha/notes#1,framing,ann,yesterday\n", 2,
     "invalid time 'yesterday'"),
])
def test_bad_header_or_cells(cli: Cli, tmp_path: Path, text: str, line: int,
                             message: str) -> None:
    cli.ok("import")
    before = table_counts(cli.db)
    path = write_csv(tmp_path / "bad.csv", text)
    result = cli.fails("codings", "import", str(path))
    assert f"{path}:{line}: " in result.output and message in result.output
    assert table_counts(cli.db) == before


def test_missing_csv_file(cli: Cli, tmp_path: Path) -> None:
    result = cli.fails("codings", "import", str(tmp_path / "absent.csv"))
    assert "absent.csv: file not found" in result.output


def test_rows_are_numbered_as_file_lines_with_quoted_newlines(cli: Cli, tmp_path: Path) -> None:
    text = ('excerpt,code,coder,memo\nalpha/notes#1,framing,ann,"two\nlines"\n'
            "alpha/notes#2,nope,ann,\n")
    path = write_csv(tmp_path / "c.csv", text)
    assert f"{path}:4: unknown code 'nope'" in cli.fails("codings", "import", str(path)).output


# -- export -----------------------------------------------------------------------------------
def test_export_columns_and_filter(cli: Cli, tmp_path: Path) -> None:
    cli.ok("codings", "import", str(write_csv(tmp_path / "c.csv", GOOD)))
    text = cli.ok("codings", "export").stdout
    assert text.splitlines()[0] == ("excerpt,code,coder,memo,excerpt_memo,case,document,start,end,"
                                    "page,media_start,media_end,time")
    rows = read_export(cli.ok("codings", "export", "--coder", "bob").stdout)
    assert {r["coder"] for r in rows} == {"bob"} and len(rows) == 3
    assert {(r["case"], r["document"]) for r in rows} == {("alpha", "interview-1"),
                                                          ("beta", "declaration")}


def test_export_unknown_coder(cli: Cli) -> None:
    result = cli.fails("codings", "export", "--coder", "zed")
    assert "unknown coder 'zed'" in result.output


def test_export_to_a_file(cli: Cli, tmp_path: Path) -> None:
    cli.ok("codings", "import", str(write_csv(tmp_path / "c.csv", GOOD)))
    out = tmp_path / "out.json"
    cli.ok("codings", "export", "--format", "json", "--output", str(out))
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["total"] == len(data["codings"]) == 6
    assert list(data["codings"][0])[:4] == ["excerpt", "code", "coder", "memo"]


def json_to_csv(path: Path, text: str) -> Path:
    rows = json.loads(text)["codings"]
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)
    return path


@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_export_import_round_trip(cli: Cli, tmp_path: Path, fmt: str) -> None:
    cli.ok("codings", "import", str(write_csv(tmp_path / "c.csv", GOOD)))
    first = cli.ok("codings", "export", "--format", fmt).stdout
    dump = tmp_path / "dump.csv"
    if fmt == "csv":
        dump.write_text(first, encoding="utf-8")
    else:
        json_to_csv(dump, first)
    fresh = Cli(cli.project, tmp_path / "fresh.db")
    fresh.ok("codings", "import", str(dump))
    again = fresh.ok("codings", "export", "--format", fmt).stdout
    assert again == first
    assert table_counts(fresh.db)["codings"] == table_counts(cli.db)["codings"]


# -- errors -----------------------------------------------------------------------------------
MAIN = "import sys; from qcoder.cli import cli; cli(sys.argv[1:], prog_name='qcoder')"


def test_errors_are_one_line_without_traceback_in_a_real_process(project: Path,
                                                                 tmp_path: Path) -> None:
    bad = write_csv(tmp_path / "bad.csv", "excerpt,code,coder\nnowhere#1,x,ann\n")
    runs = [
        ["--project", str(project), "--db", str(tmp_path / "r.db"), "codings", "import",
         str(bad)],
        ["--project", str(tmp_path / "missing"), "status"],
        ["codebook", "check", str(tmp_path / "absent.yaml")],
        ["--project", str(project), "--db", str(tmp_path / "r.db"), "codings", "export",
         "--coder", "nobody"],
    ]
    for args in runs:
        out = subprocess.run([sys.executable, "-c", MAIN, *args], capture_output=True,
                             text=True, check=False, timeout=60)
        assert out.returncode != 0, args
        assert "Traceback" not in out.stderr + out.stdout
        assert len(out.stderr.strip().splitlines()) == 1, out.stderr


def test_codes_of_a_coder_who_is_missing(cli: Cli) -> None:
    result = cli.fails("codings", "export", "--coder", "")
    assert "unknown coder" in result.output


def test_progress_counts_only_current_excerpts(cli: Cli, project: Path, tmp_path: Path) -> None:
    cli.ok("codings", "import", str(write_csv(tmp_path / "c.csv", GOOD)))
    path = project / "cases" / "alpha" / "interview-1.txt"
    path.write_text(path.read_text(encoding="utf-8").replace("And visas?", "And fees?"),
                    encoding="utf-8")
    cli.ok("import")
    data = json.loads(cli.ok("status", "--json").stdout)
    ann = next(c for c in data["by_coder"] if c["coder"] == "ann")
    assert (ann["reviewed"], ann["total"]) == (1, 10)
    assert data["orphaned_excerpts"] == 1


def test_a_csv_that_is_not_utf8(cli: Cli, tmp_path: Path) -> None:
    cli.ok("import")
    before = table_counts(cli.db)
    path = tmp_path / "latin.csv"
    path.write_bytes("excerpt,code,coder,memo\nalpha/notes#1,framing,ann,\n"
                     "alpha/notes#2,framing,ann,café\n".encode("latin-1"))
    result = cli.fails("codings", "import", str(path))
    assert f"{path}:3: not UTF-8" in result.output
    assert table_counts(cli.db) == before


def test_unreadable_project_files_are_clean_errors(cli: Cli, project: Path) -> None:
    (project / "cases" / "alpha" / "case.yaml").write_bytes("name: Caf\xe9\n".encode("latin-1"))
    assert "case.yaml:1: not UTF-8" in cli.fails("import").output
    (project / "cases" / "alpha" / "case.yaml").write_text("name: Alpha\n", encoding="utf-8")
    (project / "qcoder.yaml").write_text("codebook: [codebooks/tiny.yaml\n", encoding="utf-8")
    assert "qcoder.yaml:" in cli.fails("import").output
    (project / "qcoder.yaml").write_bytes(b"codebook: caf\xe9.yaml\n")
    assert "qcoder.yaml:1: not UTF-8" in cli.fails("import").output


def test_export_to_a_missing_folder(cli: Cli, tmp_path: Path) -> None:
    result = cli.fails("codings", "export", "--output", str(tmp_path / "no" / "out.csv"))
    assert "cannot write" in result.output


def test_database_path_that_is_a_folder(cli: Cli, tmp_path: Path) -> None:
    assert "is a folder" in cli.fails("--db", str(tmp_path), "status").output
