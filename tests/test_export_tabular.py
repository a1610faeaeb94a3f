"""Codings with excerpt text as CSV and JSON (qcoder export csv|json)."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest
from conftest import Cli
from test_export_docx import CODINGS, expected_codings

from qcoder.export.tabular import COLUMNS
from qcoder.project.codebook import load_codebook


@pytest.fixture
def coded(cli: Cli, tmp_path: Path) -> Cli:
    path = tmp_path / "codings.csv"
    path.write_text(CODINGS, encoding="utf-8")
    cli.ok("codings", "import", str(path))
    return cli


def read_csv(path: Path, encoding: str = "utf-8") -> list[dict[str, str]]:
    with path.open(encoding=encoding, newline="") as fh:
        return list(csv.DictReader(fh))


def test_csv_has_one_row_per_coding_with_text_case_document_and_path(
        coded: Cli, project: Path, tmp_path: Path) -> None:
    out = tmp_path / "export.csv"
    coded.ok("export", "csv", str(out))
    rows = read_csv(out)
    assert list(rows[0]) == [*COLUMNS, "case_attr_region"]  # alpha's case.yaml attribute
    expected = expected_codings()
    assert sorted((r["code"], r["excerpt"], r["coder"]) for r in rows) == sorted(
        (code, ref, coder) for (code, ref), coders in expected.items() for coder in coders)
    book = load_codebook(project / "codebooks" / "tiny.yaml")
    remittances = next(r for r in rows if r["code"] == "framing-remittances")
    assert remittances["code_path"] == " > ".join(
        book[c].label for c in ("framing", "framing-development", "framing-remittances"))
    assert remittances["case"] == "alpha" and remittances["document"] == "notes"
    assert remittances["text"] == "Most of the money went to border equipment."
    visa = next(r for r in rows if r["excerpt"] == "alpha/interview-1#4")
    assert visa["speaker"] == "Official" and "🥕" in visa["text"]
    assert visa["case_name"] == "Alpha partnership"
    assert visa["document_title"] == "Interview with an official"
    multi = next(r for r in rows if r["excerpt"] == "alpha/interview-1#2")
    assert multi["text"] == "Official: It began with talks on returns.\nThen money followed."


def test_json_matches_csv_and_has_totals(coded: Cli, tmp_path: Path) -> None:
    coded.ok("export", "csv", str(tmp_path / "c.csv"))
    coded.ok("export", "json", str(tmp_path / "c.json"))
    data = json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))
    rows = read_csv(tmp_path / "c.csv")
    assert data["total"] == len(data["codings"]) == len(rows)
    assert sorted(data["coders"]) == ["ann", "bob"]
    assert [{k: str(v) for k, v in d.items()} for d in data["codings"]] == rows
    assert all(isinstance(d["paragraph"], int) for d in data["codings"])


def test_filters_by_coder_code_and_case(coded: Cli, tmp_path: Path) -> None:
    out = tmp_path / "f.csv"
    coded.ok("export", "csv", str(out), "--coder", "bob", "--codes", "linkage",
             "--cases", "beta")
    rows = read_csv(out)
    assert [(r["excerpt"], r["code"], r["coder"]) for r in rows] == [
        ("beta/declaration#3", "linkage-visa", "bob")]


def test_stdout_and_bom(coded: Cli, tmp_path: Path) -> None:
    text = coded.ok("export", "csv", "-").stdout
    assert list(csv.DictReader(io.StringIO(text)))[0]["excerpt"]
    out = tmp_path / "excel.csv"
    coded.ok("export", "csv", str(out), "--bom")
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    assert read_csv(out, "utf-8-sig")[0]["excerpt"]


def test_bad_options_write_nothing(coded: Cli, tmp_path: Path) -> None:
    out = tmp_path / "x.csv"
    for args in (("--coder", "zoe"), ("--codes", "nope"), ("--cases", "gamma")):
        coded.fails("export", "csv", str(out), *args)
    assert list(tmp_path.glob("*x.csv*")) == []


def test_both_kinds_of_memo_travel_to_csv_json_and_codings_export(coded: Cli,
                                                                   tmp_path: Path) -> None:
    from qcoder.coding import Coding
    from qcoder.store.database import Store

    with Store(coded.db) as store:
        ref = "alpha/interview-1#4"
        ann = Coding(store, store.codebook(), "ann")
        excerpt = store.excerpt_by_ref(ref).id
        code = next(iter(store.codes_of(excerpt, "ann")))
        ann.set_excerpt_memo(excerpt, "ask about the carrot, line 2")
        ann.set_coding_memo(excerpt, code, "only implicit")
    coded.ok("export", "csv", str(tmp_path / "c.csv"))
    coded.ok("export", "json", str(tmp_path / "c.json"))
    for rows in (read_csv(tmp_path / "c.csv"),
                 json.loads((tmp_path / "c.json").read_text(encoding="utf-8"))["codings"]):
        mine = next(r for r in rows if (r["excerpt"], r["coder"], r["code"]) == (ref, "ann",
                                                                               code))
        assert (mine["excerpt_memo"], mine["coding_memo"]) == ("ask about the carrot, line 2",
                                                               "only implicit")
        others = [r for r in rows if r["excerpt"] == ref and r["coder"] != "ann"]
        assert all(r["excerpt_memo"] == "" for r in others)  # a memo is its coder's
    exported = list(csv.DictReader(io.StringIO(coded.ok("codings", "export").stdout)))
    mine = next(r for r in exported if (r["excerpt"], r["coder"], r["code"]) == (ref, "ann",
                                                                               code))
    assert (mine["excerpt_memo"], mine["memo"]) == ("ask about the carrot, line 2",
                                                    "only implicit")


def test_csv_for_r_has_parents_levels_kinds_dates_attributes_and_offsets(
        coded: Cli, project: Path, tmp_path: Path) -> None:
    from qcoder.store.database import Store

    out = tmp_path / "r.csv"
    coded.ok("export", "csv", str(out))
    rows = read_csv(out)
    book = load_codebook(project / "codebooks" / "tiny.yaml")
    with Store(coded.db) as store:
        docs = {(d["case_id"], d["stem"]): d for d in store.documents()}
        attributes = {c["id"]: c["attributes"] for c in store.cases()}
        texts = {(d["case_id"], d["stem"]): store.document_text(d["id"]) for d in docs.values()}
    for row in rows:
        code = book[row["code"]]
        assert row["code_parent"] == (code.parent or "")
        assert row["code_level"] == str(len(row["code_path"].split(" > ")))
        doc = docs[(row["case"], row["document"])]
        assert (row["document_kind"], row["document_date"]) == (doc["kind"], doc["date"])
        assert row["case_attr_region"] == str(attributes[row["case"]].get("region", ""))
        text = texts[(row["case"], row["document"])]
        assert text[int(row["start"]):int(row["end"])] == row["text"]


def test_reviews_without_a_code_and_consensus_only_when_asked(coded: Cli,
                                                             tmp_path: Path) -> None:
    reviewed = tmp_path / "rev.csv"
    reviewed.write_text("excerpt,code,coder\nalpha/notes#1,,ann\n", encoding="utf-8")
    coded.ok("codings", "import", str(reviewed))
    coded.ok("consensus", "--auto-agreed", coder="lead")
    plain, full = tmp_path / "plain.csv", tmp_path / "full.csv"
    coded.ok("export", "csv", str(plain))
    coded.ok("export", "csv", str(full), "--reviews")
    rows, every = read_csv(plain), read_csv(full)
    assert {r["coder"] for r in rows} == {"ann", "bob"}  # no consensus unless asked
    empty = [r for r in every if not r["code"]]
    assert [(r["excerpt"], r["coder"]) for r in empty] == [("alpha/notes#1", "ann")]
    assert all(r["code_path"] == r["code_label"] == "" for r in empty)
    assert [r for r in every if r["code"]] == rows
    consensus = tmp_path / "consensus.csv"
    coded.ok("export", "csv", str(consensus), "--coder", "consensus")
    agreed = sum(1 for coders in expected_codings().values() if len(coders) == 2)
    assert len(read_csv(consensus)) == agreed
