"""Codebook versions and definitions stamped on codings; stale codings; mixed rounds."""

from __future__ import annotations

import json
import sqlite3
from contextlib import closing
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


# -- codings that arrive other than by a coding action --------------------------------------
def stamps_of(db: Path) -> dict[tuple[str, str, str], tuple[str, str]]:
    """(reference, code, coder) → (codebook version, definition hash) of every coding."""
    with closing(sqlite3.connect(db)) as conn:
        rows = conn.execute("""SELECT d.case_id || '/' || d.stem || '#' || e.n, c.code_id,
            c.coder, c.codebook_version, c.definition_hash FROM codings c
            JOIN excerpts e ON e.id = c.excerpt_id JOIN documents d ON d.id = e.document_id
            """).fetchall()
    return {(r, code, coder): (v, h) for r, code, coder, v, h in rows}


def current(db: Path) -> dict[str, tuple[str, str]]:
    with Store(db) as store:
        book = store.codebook()
        return {c.id: (str(book.version), definition_hash(c)) for c in book}


def redefine_security(cli: Cli) -> None:
    text = CODEBOOK.replace("Migration presented as a threat to control.",
                            "Migration presented as a threat to border control.")
    codebook_file(cli).write_text(text, encoding="utf-8")
    cli.ok("import")


def test_a_codings_csv_import_stamps_the_codebook_in_force(cli: Cli, tmp_path: Path) -> None:
    cli.ok("import")
    csv = tmp_path / "c.csv"
    csv.write_text("excerpt,code,coder\nalpha/interview-1#2,framing-security,ann\n"
                   "alpha/interview-1#4,linkage-visa,bob\n", encoding="utf-8")
    cli.ok("codings", "import", str(csv))
    now = current(cli.db)
    assert stamps_of(cli.db) == {
        ("alpha/interview-1#2", "framing-security", "ann"): now["framing-security"],
        ("alpha/interview-1#4", "linkage-visa", "bob"): now["linkage-visa"]}
    assert all(v == "1" and len(h) == 16 for v, h in stamps_of(cli.db).values())
    redefine_security(cli)  # so the imported coding counts as made under the old definition
    data = json.loads(cli.ok("status", "--json").stdout)
    assert data["stale_codings"] == [{"code": "framing-security", "codings": 1}]


def test_a_qdpx_import_stamps_the_codebook_in_force(cli: Cli, tmp_path: Path) -> None:
    cli.ok("import")
    apply(cli, "ann", "alpha/interview-1#2", "framing-security")
    apply(cli, "bob", "alpha/interview-1#4", "linkage-visa")
    out = tmp_path / "p.qdpx"
    cli.ok("export", "qdpx", str(out))
    (tmp_path / "other").mkdir()
    other = Cli(tmp_path / "other", tmp_path / "other.db")
    other.ok("import", "qdpx", str(out))
    now = current(other.db)
    got = stamps_of(other.db)
    assert set(got) == {("alpha/interview-1#2", "framing-security", "ann"),
                        ("alpha/interview-1#4", "linkage-visa", "bob")}
    assert got == {key: now[key[1]] for key in got}


def test_merge_keeps_the_stamp_the_other_copy_recorded(cli: Cli, tmp_path: Path) -> None:
    from qcoder.exchange.merge import copy_for_coder

    cli.ok("import")
    with Store(cli.db) as store:
        copy = copy_for_coder(store, "amira", tmp_path / "amira.db")
    apply(Cli(cli.project, copy), "amira", "alpha/interview-1#2", "framing-security")
    apply(Cli(cli.project, copy), "amira", "alpha/interview-1#4", "linkage-visa")
    with closing(sqlite3.connect(copy)) as conn, conn:  # as if made before stamps existed
        conn.execute("UPDATE codings SET codebook_version = 'unknown', definition_hash = '' "
                     "WHERE code_id = 'linkage-visa'")
    theirs = stamps_of(copy)
    redefine_security(cli)  # the lead's codebook moved on while amira coded
    cli.ok("merge", str(copy))
    assert stamps_of(cli.db) == theirs
    data = json.loads(cli.ok("status", "--json").stdout)
    assert data["stale_codings"] == [{"code": "framing-security", "codings": 1}]


def test_undo_of_a_removal_brings_the_coding_back_with_its_stamp(cli: Cli) -> None:
    from qcoder.coding import Coding

    cli.ok("import")
    apply(cli, "ann", "alpha/interview-1#2", "framing-security")
    before = stamps_of(cli.db)
    with Store(cli.db) as store:
        coding = Coding(store, store.codebook(), "ann")
        coding.remove(store.excerpt_by_ref("alpha/interview-1#2").id, "framing-security")
        assert stamps_of(cli.db) == {}
        coding.undo()
    assert stamps_of(cli.db) == before
    assert next(iter(before.values()))[0] == "1"


def test_consensus_carries_agreed_codings_stamped_with_the_codebook_in_force(cli: Cli) -> None:
    cli.ok("import")
    apply(cli, "ann", "alpha/interview-1#2", "framing-security")
    apply(cli, "bob", "alpha/interview-1#2", "framing-security")
    cli.ok("consensus", "--auto-agreed", coder="lead")
    got = {k: v for k, v in stamps_of(cli.db).items() if k[2] == "consensus"}
    assert got == {("alpha/interview-1#2", "framing-security", "consensus"):
                   current(cli.db)["framing-security"]}
