"""Codebook versions and definitions stamped on codings; stale codings; mixed rounds."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from conftest import CODEBOOK, Cli

from qcoder.project.codebook import definition_hash
from qcoder.store.database import Store


def codebook_file(cli: Cli) -> Path:
    return cli.project / "codebooks" / "tiny.yaml"


def apply(cli: Cli, coder: str, ref: str, code: str) -> None:
    from qcoder.coding import Coding

    with Store(cli.db) as store:
        Coding(store, store.codebook(), coder).apply(store.excerpt_by_ref(ref).id, code)


def test_a_coding_records_the_codebook_version_and_its_definition(cli: Cli) -> None:
    cli.ok("import")
    apply(cli, "ann", "alpha/interview-1#2", "framing-security")
    with Store(cli.db) as store:
        code = store.codebook()["framing-security"]
        row = store.query("SELECT codebook_version, definition_hash FROM codings")
    assert row == [("1", definition_hash(code))]


def test_status_reports_codings_made_under_an_earlier_definition(cli: Cli) -> None:
    cli.ok("import")
    apply(cli, "ann", "alpha/interview-1#2", "framing-security")
    apply(cli, "bob", "alpha/interview-1#2", "framing-security")
    apply(cli, "ann", "alpha/interview-1#4", "linkage-visa")
    assert "earlier definition" not in cli.ok("status").output
    text = CODEBOOK.replace("Migration presented as a threat to control.",
                            "Migration presented as a threat to border control.")
    codebook_file(cli).write_text(text.replace("version: 1", "version: 2"), encoding="utf-8")
    cli.ok("import")
    out = cli.ok("status").output
    assert "2 codings of framing-security were made under an earlier definition" in out
    assert "linkage-visa were made" not in out
    data = json.loads(cli.ok("status", "--json").stdout)
    assert data["stale_codings"] == [{"code": "framing-security", "codings": 2}]
    # a label change is not a change of definition
    codebook_file(cli).write_text(text.replace("label: Mobility and visa", "label: Visas"),
                                  encoding="utf-8")
    cli.ok("import")
    assert json.loads(cli.ok("status", "--json").stdout)["stale_codings"] == [
        {"code": "framing-security", "codings": 2}]


def test_agreement_warns_when_a_round_mixes_codebook_versions(cli: Cli) -> None:
    cli.ok("import")
    cli.ok("round", "start", "pilot", "--sample", "100", "--coders", "ann,bob", "--seed", "1")
    apply(cli, "ann", "alpha/interview-1#2", "framing-security")
    assert "mixes" not in cli.ok("agreement", "--round", "pilot").output
    codebook_file(cli).write_text(CODEBOOK.replace("version: 1", "version: 2"),
                                  encoding="utf-8")
    cli.ok("import")
    apply(cli, "bob", "alpha/interview-1#2", "framing-security")
    result = cli.ok("agreement", "--round", "pilot", "--json")
    assert "mixes codings made under codebook versions 1, 2" in result.output


def test_old_codings_get_version_unknown(tmp_path: Path) -> None:
    from test_migrations import first_schema_db

    path = tmp_path / "old.db"
    first_schema_db(path)
    Store(path).close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT codebook_version, definition_hash FROM codings").fetchall() == [
        ("unknown", "")]
    conn.close()
