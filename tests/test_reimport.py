"""Re-import never loses work: edited documents, removed documents, removed codes."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

from conftest import CODEBOOK

INTERVIEW = ("cases", "alpha", "interview-1.txt")


def codings_table(db: Path) -> list[tuple]:
    """(excerpt text, code, coder, memo) of every stored coding, orphaned or not."""
    conn = sqlite3.connect(db)
    try:
        return sorted(conn.execute("""SELECT e.text, c.code_id, c.coder, c.memo FROM codings c
            JOIN excerpts e ON e.id = c.excerpt_id""").fetchall())
    finally:
        conn.close()


def exported(cli, *extra: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(cli.ok("codings", "export", *extra).stdout)))


def seed(cli, tmp_path: Path, rows: list[str]) -> None:
    path = tmp_path / "seed.csv"
    path.write_text("excerpt,code,coder,memo\n" + "\n".join(rows) + "\n", encoding="utf-8")
    cli.ok("codings", "import", str(path))


def edit(project: Path, old: str, new: str) -> None:
    path = project.joinpath(*INTERVIEW)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_edit_keeps_codings_on_unchanged_excerpts_and_moves_their_refs(
        cli, project: Path, tmp_path: Path) -> None:
    cli.ok("import")
    seed(cli, tmp_path, ["alpha/interview-1#2,framing-security,ann,returns",
                         "alpha/interview-1#4,linkage-visa,ann,"])
    before = codings_table(cli.db)
    edit(project, "Interviewer: How did", "Interviewer: Good morning.\n\nInterviewer: How did")
    result = cli.ok("import")
    assert "1 changed" in result.output
    assert "orphaned" not in result.output
    assert codings_table(cli.db) == before
    rows = {(r["excerpt"], r["code"]) for r in exported(cli)}
    assert rows == {("alpha/interview-1#3", "framing-security"),
                    ("alpha/interview-1#5", "linkage-visa")}


def test_codings_on_changed_excerpts_are_orphaned_and_reported(
        cli, project: Path, tmp_path: Path) -> None:
    cli.ok("import")
    seed(cli, tmp_path, ["alpha/interview-1#2,framing-security,ann,kept",
                         "alpha/interview-1#2,framing-security,bob,",
                         "alpha/interview-1#4,linkage-visa,ann,"])
    before = codings_table(cli.db)
    edit(project, "Visas were the carrot", "Visas were the stick")
    result = cli.ok("import")
    assert "1 excerpts changed or vanished; 1 codings on them are kept as orphaned" in (
        result.output)
    assert "alpha/interview-1#4" in result.output
    assert codings_table(cli.db) == before
    assert {r["excerpt"] for r in exported(cli)} == {"alpha/interview-1#2"}
    orphans = [r for r in exported(cli, "--include-orphans") if r["code"] == "linkage-visa"]
    assert len(orphans) == 1
    status = cli.ok("status").output
    assert "1 orphaned codings are kept" in status


def test_reverting_an_edit_reattaches_the_codings(cli, project: Path, tmp_path: Path) -> None:
    cli.ok("import")
    seed(cli, tmp_path, ["alpha/interview-1#4,linkage-visa,ann,"])
    edit(project, "Visas were the carrot", "Visas were the stick")
    cli.ok("import")
    edit(project, "Visas were the stick", "Visas were the carrot")
    cli.ok("import")
    assert [(r["excerpt"], r["code"]) for r in exported(cli)] == [
        ("alpha/interview-1#4", "linkage-visa")]


def test_removed_document_orphans_its_codings(cli, project: Path, tmp_path: Path) -> None:
    cli.ok("import")
    seed(cli, tmp_path, ["alpha/notes#1,framing-development,ann,",
                         "alpha/notes#2,framing-security,ann,"])
    before = codings_table(cli.db)
    (project / "cases" / "alpha" / "notes.md").unlink()
    result = cli.ok("import")
    assert "1 removed" in result.output
    assert "2 codings on them are kept as orphaned" in result.output
    assert codings_table(cli.db) == before
    assert exported(cli) == []
    assert cli.ok("status", "--json").stdout.count('"documents": 2') >= 1


def test_removed_case_orphans_its_codings(cli, project: Path, tmp_path: Path) -> None:
    cli.ok("import")
    seed(cli, tmp_path, ["beta/declaration#1,ptype-dialogue,ann,"])
    for f in (project / "cases" / "beta").iterdir():
        f.unlink()
    (project / "cases" / "beta").rmdir()
    result = cli.ok("import")
    assert "kept as orphaned" in result.output
    assert len(codings_table(cli.db)) == 1


def write_codebook(project: Path, text: str) -> None:
    (project / "codebooks" / "tiny.yaml").write_text(text, encoding="utf-8")


WITHOUT_VISA = CODEBOOK.replace("""    codes:
      - id: linkage-visa
        label: Mobility and visa
        definition: Visa facilitation offered or withheld.
        key: v
""", "")


def test_removing_a_code_with_codings_is_refused(cli, project: Path, tmp_path: Path) -> None:
    cli.ok("import")
    seed(cli, tmp_path, ["alpha/interview-1#4,linkage-visa,ann,",
                         "alpha/interview-1#2,linkage-visa,bob,",
                         "alpha/notes#1,framing-security,ann,"])
    conn = sqlite3.connect(cli.db)
    codes_before = conn.execute("SELECT * FROM codes ORDER BY id").fetchall()
    conn.close()
    write_codebook(project, WITHOUT_VISA.replace("framing-security", "framing-securitisation"))
    result = cli.fails("import")
    assert "framing-security (1 codings)" in result.output
    assert "linkage-visa (2 codings)" in result.output
    assert "--allow-orphans" in result.output
    conn = sqlite3.connect(cli.db)
    assert conn.execute("SELECT * FROM codes ORDER BY id").fetchall() == codes_before
    conn.close()


def test_allow_orphans_keeps_the_codings(cli, project: Path, tmp_path: Path) -> None:
    cli.ok("import")
    seed(cli, tmp_path, ["alpha/interview-1#4,linkage-visa,ann,"])
    before = codings_table(cli.db)
    write_codebook(project, WITHOUT_VISA)
    result = cli.ok("import", "--allow-orphans")
    assert "linkage-visa" in result.output and "kept as orphaned" in result.output
    assert codings_table(cli.db) == before
    status = cli.ok("status", "--json").stdout
    assert '"codes": 9' in status and '"orphaned_codings": 1' in status
    write_codebook(project, CODEBOOK)
    cli.ok("import")
    assert [r["code"] for r in exported(cli)] == ["linkage-visa"]


def test_removing_a_code_without_codings_needs_no_flag(cli, project: Path) -> None:
    cli.ok("import")
    write_codebook(project, WITHOUT_VISA)
    cli.ok("import")
    assert '"codes": 9' in cli.ok("status", "--json").stdout
