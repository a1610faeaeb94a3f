"""The SQLite store: idempotent import, pragmas, refusing foreign files, where the files are."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import assert_clean_failure

from qcoder.cli import cli as qcoder_cli
from qcoder.errors import StoreError
from qcoder.importer import import_project
from qcoder.project.folder import open_project
from qcoder.store.database import Store
from qcoder.store.migrations import LATEST

TABLES = ("cases", "documents", "excerpts", "codes", "coders", "codings", "reviews", "memos",
          "events", "meta", "migrations", "imports")


def snapshot(db: Path) -> dict[str, list[tuple]]:
    """Every row of every table, read by a connection of its own."""
    conn = sqlite3.connect(db)
    try:
        return {t: sorted(conn.execute(f"SELECT * FROM {t}").fetchall(), key=repr)
                for t in TABLES}
    finally:
        conn.close()


def test_import_loads_codebook_and_cases(store: Store) -> None:
    counts = store.counts()
    assert (counts["cases"], counts["documents"], counts["codes"]) == (2, 3, 10)
    assert counts["excerpts"] == 4 + 3 + 3
    assert [c["id"] for c in store.cases()] == ["alpha", "beta"]
    assert store.cases()[0]["attributes"] == {"region": "EU"}
    interview = next(d for d in store.documents() if d["stem"] == "interview-1")
    assert (interview["kind"], interview["attributes"]) == ("interview", {"role": "official"})


def test_stored_excerpts_keep_offsets_sections_and_speakers(store: Store) -> None:
    for row in store.excerpts():
        assert store.document_text(row.document_id)[row.start:row.end] == row.text
    speakers = [e.speaker for e in store.excerpts(case_id="alpha") if e.stem == "interview-1"]
    assert speakers == ["Interviewer", "Official", "Interviewer", "Official"]
    assert {e.section for e in store.excerpts(case_id="beta")} == {"Joint declaration",
                                                                   "Returns", "Visas"}
    assert store.excerpt_by_ref("beta/declaration#2").text.startswith("Returns shall")


def test_second_import_changes_nothing(cli, store: Store) -> None:
    store.close()
    before = snapshot(cli.db)
    result = cli.ok("import")
    assert "nothing changed" in result.output
    assert snapshot(cli.db) == before


def test_import_is_all_or_nothing(cli, project: Path) -> None:
    (project / "cases" / "beta" / "broken.txt").write_text("---\ntitle: x\n", encoding="utf-8")
    result = cli.fails("import")
    assert "broken.txt:1:" in result.output
    assert not cli.db.exists()  # a failed first import leaves no database behind
    (project / "cases" / "beta" / "broken.txt").unlink()
    cli.ok("import")
    (project / "cases" / "beta" / "broken.txt").write_text("---\ntitle: x\n", encoding="utf-8")
    (project / "cases" / "alpha" / "new.txt").write_text("A new paragraph.\n", encoding="utf-8")
    cli.fails("import")
    conn = sqlite3.connect(cli.db)
    assert conn.execute("SELECT COUNT(*) FROM documents WHERE stem = 'new'").fetchone()[0] == 0
    conn.close()


def test_wal_mode_and_busy_timeout(db_path: Path) -> None:
    db_path.parent.mkdir()
    with Store(db_path) as store:
        assert store.scalar("PRAGMA journal_mode") == "wal"
        assert store.scalar("PRAGMA busy_timeout") >= 1000
    other = sqlite3.connect(db_path)
    assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    other.close()


def test_database_from_a_newer_qcoder_is_refused(cli, store: Store) -> None:
    store.close()
    conn = sqlite3.connect(cli.db)
    conn.execute("INSERT INTO migrations VALUES (?, 'from the future', '2099-01-01')",
                 (LATEST + 1,))
    conn.commit()
    conn.close()
    before = snapshot(cli.db)
    with pytest.raises(StoreError, match="newer qcoder"):
        Store(cli.db)
    result = cli.fails("status")
    assert "newer qcoder" in result.output and str(cli.db) in result.output
    assert snapshot(cli.db) == before


@pytest.mark.parametrize("content", [b"just some notes, not a database\n" * 50,
                                     b"SQLite format 3\x00" + b"\xff" * 200])
def test_a_file_that_is_not_a_database_is_refused(cli, content: bytes) -> None:
    cli.db.write_bytes(content)
    with pytest.raises(StoreError, match="not a qcoder database"):
        Store(cli.db)
    result = cli.fails("status")
    assert str(cli.db) in result.output
    assert cli.db.read_bytes() == content


def test_a_missing_database_folder_is_a_clear_error(cli, tmp_path: Path) -> None:
    result = cli.fails("--db", str(tmp_path / "no" / "such" / "q.db"), "status")
    assert "folder does not exist" in result.output


# -- where the project and the database are ---------------------------------------------------
def run(args: list[str], env: dict[str, str] | None = None):
    return CliRunner().invoke(qcoder_cli, args, env=env)


def test_default_database_is_in_the_project(project: Path, monkeypatch) -> None:
    monkeypatch.chdir(project)
    assert run(["import"]).exit_code == 0
    assert (project / "qcoder.db").is_file()


def test_qcoder_project_and_qcoder_db_environment(project: Path, tmp_path: Path,
                                                  monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "elsewhere.db"
    result = run(["status", "--json"], env={"QCODER_PROJECT": str(project),
                                            "QCODER_DB": str(db)})
    assert result.exit_code == 0, result.output
    assert db.is_file() and not (project / "qcoder.db").exists()
    assert '"documents": 3' in result.output


def test_options_win_over_environment(project: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.chdir(tmp_path)
    db = tmp_path / "option.db"
    env_db = tmp_path / "env.db"
    result = run(["--project", str(project), "--db", str(db), "import"],
                 env={"QCODER_PROJECT": str(tmp_path / "nowhere"), "QCODER_DB": str(env_db)})
    assert result.exit_code == 0, result.output
    assert db.is_file() and not env_db.exists()


def test_open_project_resolution(project: Path, tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QCODER_PROJECT", str(project))
    monkeypatch.setenv("QCODER_DB", str(tmp_path / "env.db"))
    p = open_project()
    assert (p.root, p.db_path) == (project.resolve(), (tmp_path / "env.db").resolve())
    p = open_project(project, tmp_path / "given.db")
    assert p.db_path == (tmp_path / "given.db").resolve()
    monkeypatch.delenv("QCODER_DB")
    assert open_project().db_path == project.resolve() / "qcoder.db"


def test_not_a_project_folder(tmp_path: Path) -> None:
    result = run(["--project", str(tmp_path), "status"])
    assert_clean_failure(result)
    assert "not a qcoder project" in result.output
    result = run(["--project", str(tmp_path / "missing"), "status"])
    assert_clean_failure(result)
    assert "project folder not found" in result.output


def test_import_project_directly(project: Path, db_path: Path) -> None:
    db_path.parent.mkdir()
    with Store(db_path) as store:
        report = import_project(open_project(project, db_path), store)
        assert (report.cases, report.documents, report.codes) == (2, 3, 10)
        assert report.excerpts_added == report.excerpts == store.counts()["excerpts"]


def test_progress_counts_the_same_however_fragmented(cli, project: Path, monkeypatch) -> None:
    import qcoder.store.codings
    from qcoder.coding import Coding

    cli.ok("import")
    with Store(cli.db) as store:
        for coder, step in (("ann", 1), ("bob", 2)):
            coding = Coding(store, store.codebook(), coder)
            for excerpt_id in sorted(store.excerpt_ids_by_ref().values())[::step]:
                coding.mark_reviewed(excerpt_id)
    notes = project / "cases" / "alpha" / "notes.md"
    notes.write_text(notes.read_text(encoding="utf-8").replace("signed in 2016", "signed later"),
                     encoding="utf-8")
    cli.ok("import")
    with Store(cli.db) as store:
        by_runs = store.progress()
        monkeypatch.setattr(qcoder.store.codings, "PROGRESS_RUNS", 0)
        assert store.progress() == by_runs
        reviewed = {(p["coder"], p["case"]): (p["reviewed"], p["total"]) for p in by_runs}
    assert reviewed == {("ann", "alpha"): (6, 7), ("ann", "beta"): (3, 3),
                        ("bob", "alpha"): (3, 7), ("bob", "beta"): (1, 3)}
