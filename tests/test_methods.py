"""The methods statement: its numbers are the database's."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import Cli
from test_rounds import make_sized_project, round_json
from test_rounds_agreement import alphas, code_everything, restricted_copy


def build(tmp_path: Path) -> Cli:
    runner = Cli(make_sized_project(tmp_path / "p"), tmp_path / "p.db")
    runner.ok("import")
    runner.ok("round", "start", "pilot", "--sample", "60", "--coders", "ann,bob",
              "--seed", "9")
    code_everything(runner.db, ("ann", "bob"))
    return runner


def test_the_statement_numbers_equal_the_database(tmp_path: Path) -> None:
    cli = build(tmp_path)
    refs = [r["excerpt"] for r in round_json(cli, "pilot")["excerpts"]]
    restricted = restricted_copy(cli, refs, tmp_path)
    listed = json.loads(restricted.ok("disagreements", "--coders", "ann,bob",
                                      "--json").stdout)
    settled = listed["excerpts"][:3]
    for i, item in enumerate(settled):
        decision = ("--keep", "--drop", "--keep")[i]
        cli.ok("consensus", "--coders", "ann,bob", "--excerpt", item["excerpt"], "--code",
               item["codes"][0], decision, "--reason", "read the definition", coder="lead")
    statement = json.loads(cli.ok("report", "methods", "--format", "json", "--bootstrap",
                                  "200", "--round", "pilot").stdout)
    agreement = json.loads(cli.ok("agreement", "--round", "pilot", "--bootstrap", "200",
                                  "--seed", "1", "--json").stdout)
    shown = round_json(cli, "pilot")["round"]
    for key in ("name", "excerpts", "pool", "share", "strata", "seed", "coders", "started"):
        assert statement["round"][key] == shown[key], key
    assert statement["coders"] == ["ann", "bob"]
    assert statement["excerpts"] == agreement["excerpts"] == len(refs)
    assert {r["id"]: r["alpha"] for r in statement["codes"]} == alphas(agreement)
    cis = {r["id"]: r["ci"] for r in [*agreement["codes"], *agreement["groups"]]}
    assert {r["id"]: r["ci"] for r in statement["codes"]} == cis
    assert statement["disagreements"]["excerpts"] == listed["total"]
    conn = sqlite3.connect(cli.db)
    by_decision = dict(conn.execute("SELECT decision, COUNT(*) FROM adjudications "
                                    "GROUP BY decision").fetchall())
    conn.close()
    adj = statement["adjudications"]
    assert (adj["decisions"], adj["keep"], adj["drop"]) == (
        sum(by_decision.values()), by_decision["keep"], by_decision["drop"])
    assert adj["by"] == ["lead"]
    text = " ".join(statement["text"])
    assert f"{shown['excerpts']} of the {shown['pool']} excerpts" in text
    assert f"seed {shown['seed']}" in text
    assert f"{adj['decisions']} decisions" in text
    assert f"across {listed['total']} excerpts" in text
    assert "independently" in text  # every review was made inside the open round
    assert statement["codebook"]["version"] == shown["codebook_version"]


def test_markdown_and_word(tmp_path: Path) -> None:
    import docx

    cli = build(tmp_path)
    cli.ok("round", "close", "pilot")
    md = cli.ok("report", "methods", "--bootstrap", "50").stdout
    data = json.loads(cli.ok("report", "methods", "--format", "json", "--bootstrap",
                             "50").stdout)
    assert data["round"]["name"] == "pilot" and data["round"]["closed"]
    for paragraph in data["text"]:
        assert paragraph in md
    out = tmp_path / "methods.docx"
    cli.ok("report", "methods", "--format", "docx", "--output", str(out), "--bootstrap", "50")
    texts = [p.text for p in docx.Document(str(out)).paragraphs]
    assert all(p in texts for p in data["text"])
    assert "--output" in cli.fails("report", "methods", "--format", "docx").output
    assert "already exists" in cli.fails("report", "methods", "--format", "docx", "--output",
                                         str(out)).output
    # the Word appendix opens its agreement section with the statement
    appendix = tmp_path / "appendix.docx"
    cli.ok("export", "docx", str(appendix), "--bootstrap", "50")
    body = [p.text for p in docx.Document(str(appendix)).paragraphs]
    start = max(i for i, t in enumerate(body) if t.endswith("Intercoder agreement"))
    assert body[start + 1] == data["text"][0]


def test_without_a_round_no_claim_of_blind_coding(tmp_path: Path) -> None:
    cli = Cli(make_sized_project(tmp_path / "p"), tmp_path / "p.db")
    cli.ok("import")
    code_everything(cli.db, ("ann", "bob"))
    data = json.loads(cli.ok("report", "methods", "--format", "json", "--bootstrap",
                             "0").stdout)
    assert data["round"] is None and data["independent"] is None
    text = " ".join(data["text"])
    assert "independently" not in text and "no reliability round" in text
    assert "bootstrap" not in text
