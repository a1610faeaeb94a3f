"""Nothing is lost: exports never overwrite what they must not, identities follow their
paragraphs, orphans never move by number, outside files are never read."""

from __future__ import annotations

import csv
import io
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import CODEBOOK, Cli

DATA = Path(__file__).parent / "data"
TALK = """\
---
kind: interview
---
I: Did you sign the first agreement?

R: Yes.

I: Was it funded?

R: Yes.

I: Did returns rise?

R: Yes.
"""
SEED = """\
excerpt,code,coder,memo
alpha/talk#2,framing-security,ann,first yes
alpha/talk#4,linkage-visa,ann,second yes
alpha/talk#6,framing-development,ann,third yes
"""


def codings_by_context(db: Path) -> dict[str, tuple[str, str, bool]]:
    """memo → (the paragraph before the coded one, code, still active)."""
    conn = sqlite3.connect(db)
    try:
        rows = conn.execute("""SELECT c.memo, c.code_id, e.active,
            (SELECT p.text FROM excerpts p WHERE p.document_id = e.document_id
             AND p.active = 1 AND p.n = e.n - 1)
            FROM codings c JOIN excerpts e ON e.id = c.excerpt_id""").fetchall()
    finally:
        conn.close()
    return {memo: (before if active else "", code, bool(active))
            for memo, code, active, before in rows}


def talk_project(root: Path) -> Path:
    (root / "codebooks").mkdir(parents=True)
    (root / "codebooks" / "tiny.yaml").write_text(CODEBOOK, encoding="utf-8")
    (root / "cases" / "alpha").mkdir(parents=True)
    (root / "cases" / "alpha" / "case.yaml").write_text("name: Alpha\n", encoding="utf-8")
    (root / "cases" / "alpha" / "talk.txt").write_text(TALK, encoding="utf-8")
    return root


def delete_first_yes(root: Path) -> None:
    path = root / "cases" / "alpha" / "talk.txt"
    path.write_text(TALK.replace("R: Yes.\n\nI: Was it", "I: Was it", 1), encoding="utf-8")


EXPECTED = {"first yes": ("", "framing-security", False),
            "second yes": ("I: Was it funded?", "linkage-visa", True),
            "third yes": ("I: Did returns rise?", "framing-development", True)}


# -- 3. identical paragraphs keep their identities --------------------------------------------
def test_deleting_one_of_three_equal_turns_keeps_each_coding_on_its_turn(tmp_path: Path) -> None:
    root = talk_project(tmp_path / "proj")
    cli = Cli(root, tmp_path / "qcoder.db")
    seed = tmp_path / "seed.csv"
    seed.write_text(SEED, encoding="utf-8")
    cli.ok("codings", "import", str(seed))
    delete_first_yes(root)
    result = cli.ok("import")
    assert "1 excerpts changed or vanished; 1 codings on them are kept as orphaned" \
        in result.output
    assert codings_by_context(cli.db) == EXPECTED
    rows = list(csv.DictReader(io.StringIO(cli.ok("codings", "export").stdout)))
    assert {(r["excerpt"], r["memo"]) for r in rows} == {("alpha/talk#3", "second yes"),
                                                          ("alpha/talk#5", "third yes")}


def test_a_database_made_before_keeps_its_codings_on_their_turns(tmp_path: Path) -> None:
    # three-yes-schema7.db: TALK imported and SEED's codings imported by qcoder with schema 7,
    # before identities followed their neighbours.
    root = talk_project(tmp_path / "proj")
    db = tmp_path / "old.db"
    shutil.copy(DATA / "three-yes-schema7.db", db)
    cli = Cli(root, db)
    assert "nothing changed" in cli.ok("import").output
    delete_first_yes(root)
    cli.ok("import")
    assert codings_by_context(db) == EXPECTED


def test_equal_turns_the_context_cannot_tell_apart_are_orphaned_and_reported(
        tmp_path: Path) -> None:
    root = talk_project(tmp_path / "proj")
    path = root / "cases" / "alpha" / "talk.txt"
    path.write_text("---\nkind: interview\n---\nI: Start.\n\nR: Yes.\n\nR: Yes.\n\nI: End.\n",
                    encoding="utf-8")
    cli = Cli(root, tmp_path / "qcoder.db")
    seed = tmp_path / "seed.csv"
    seed.write_text("excerpt,code,coder,memo\nalpha/talk#2,linkage-visa,ann,one\n"
                    "alpha/talk#3,framing-security,ann,two\n", encoding="utf-8")
    cli.ok("codings", "import", str(seed))
    path.write_text("---\nkind: interview\n---\nI: Start.\n\nR: Yes.\n\nI: End.\n",
                    encoding="utf-8")
    result = cli.ok("import")
    assert "2 of them repeat a text" in result.output
    assert "alpha/talk#2, alpha/talk#3" in result.output
    assert {memo: active for memo, (_, _, active) in codings_by_context(cli.db).items()} \
        == {"one": False, "two": False}


# -- 1. exports never overwrite the database, codebook, case files or an SQLite file ----------
EXPORTS = (("codings", "export", "--output"), ("export", "docx"), ("export", "csv"),
           ("export", "json"), ("export", "qdc"), ("export", "qdpx"))


def digest(path: Path) -> bytes:
    """The content of a file; of an SQLite database, its dump (a checkpoint moves bytes)."""
    import hashlib

    if path.read_bytes()[:16] == b"SQLite format 3\x00":
        conn = sqlite3.connect(path)
        try:
            return "\n".join(conn.iterdump()).encode()
        finally:
            conn.close()
    return hashlib.sha256(path.read_bytes()).digest()


@pytest.mark.parametrize("command", EXPORTS, ids=lambda c: " ".join(c[:2]))
def test_no_export_writes_over_the_database_codebook_or_a_case_file(
        cli: Cli, project: Path, command: tuple[str, ...]) -> None:
    cli.ok("import")
    other = project / "other.sqlite"
    sqlite3.connect(other).execute("CREATE TABLE t (x)").connection.close()
    kept = [cli.db, project / "codebooks" / "tiny.yaml",
            project / "cases" / "alpha" / "interview-1.txt", other]
    before = [digest(p) for p in kept]
    for target, what in zip(kept, ("database", "codebook", "cases folder", "SQLite"),
                            strict=True):
        result = cli.fails(*command, str(target), "--force")
        assert len(result.output.strip().splitlines()) == 1, result.output
        assert what in result.output
    result = cli.fails(*command, str(project / "cases" / "alpha" / "new.docx"))
    assert "cases folder" in result.output
    assert [digest(p) for p in kept] == before
    assert not (project / "cases" / "alpha" / "new.docx").exists()
    assert cli.ok("status", "--json").output


@pytest.mark.parametrize("command", EXPORTS, ids=lambda c: " ".join(c[:2]))
def test_an_existing_file_is_replaced_only_with_force_and_keeps_its_mode(
        cli: Cli, tmp_path: Path, command: tuple[str, ...]) -> None:
    cli.ok("import")
    out = tmp_path / "report.out"
    out.write_bytes(b"my notes")
    out.chmod(0o640)
    result = cli.fails(*command, str(out))
    assert "already exists; pass --force" in result.output
    assert out.read_bytes() == b"my notes"
    cli.ok(*command, str(out), "--force")
    assert out.read_bytes() != b"my notes" and out.stat().st_size > 0
    assert out.stat().st_mode & 0o777 == 0o640
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


def test_codings_export_is_written_whole_or_not_at_all(
        cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from qcoder.errors import QcoderError
    from qcoder.exchange import codings_csv

    cli.ok("import")
    out = tmp_path / "codings.csv"
    out.write_bytes(b"previous export\n")

    def half(rows, fh, columns=codings_csv.EXPORT_COLUMNS):
        fh.write("excerpt,code\n")
        raise QcoderError("disk full")

    monkeypatch.setattr(codings_csv, "write_csv", half)
    assert "disk full" in cli.fails("codings", "export", "-o", str(out), "--force").output
    assert out.read_bytes() == b"previous export\n"
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


# -- 2. export coder never follows a planted symlink ------------------------------------------
def test_export_coder_never_writes_through_a_planted_symlink(cli: Cli, tmp_path: Path) -> None:
    cli.ok("import")
    victim = tmp_path / "amira.db"
    cli.ok("export", "coder", "amira", str(victim))
    before = digest(victim)
    out = tmp_path / "bob.db"
    for name in (f".{out.name}.partial", f".{out.name}.tmp", f".{out.name}.partial-journal"):
        (tmp_path / name).symlink_to(victim)
    cli.ok("export", "coder", "bob", str(out))
    assert digest(victim) == before
    copy = sqlite3.connect(out)
    assert copy.execute("SELECT value FROM meta WHERE key = 'copy_coder'").fetchone() == ("bob",)
    copy.close()
    dangling = tmp_path / "carl.db"
    dangling.symlink_to(tmp_path / "nowhere.db")
    assert "already exists" in cli.fails("export", "coder", "carl", str(dangling)).output
    assert not (tmp_path / "nowhere.db").exists()


# -- 4. orphans travel with their quote and never come back by number alone -------------------
def test_exported_orphans_carry_their_quote_and_never_land_on_another_paragraph(
        tmp_path: Path) -> None:
    root = talk_project(tmp_path / "proj")
    cli = Cli(root, tmp_path / "qcoder.db")
    seed = tmp_path / "seed.csv"
    seed.write_text("excerpt,code,coder,memo\nalpha/talk#1,linkage-visa,ann,the question\n"
                    "alpha/talk#3,framing-security,ann,funded?\n", encoding="utf-8")
    cli.ok("codings", "import", str(seed))
    path = root / "cases" / "alpha" / "talk.txt"
    path.write_text(TALK.replace("I: Did you sign the first agreement?",
                                 "I: Did you sign it?"), encoding="utf-8")
    cli.ok("import")
    out = tmp_path / "all.csv"
    cli.ok("codings", "export", "--include-orphans", "-o", str(out))
    rows = list(csv.DictReader(out.open(encoding="utf-8", newline="")))
    assert {(r["excerpt"], r["code"], r["quote"], r["orphaned"]) for r in rows} >= {
        ("alpha/talk#1", "linkage-visa", "I: Did you sign the first agreement?", "yes"),
        ("alpha/talk#3", "framing-security", "I: Was it funded?", "no")}
    fresh = Cli(root, tmp_path / "fresh.db")
    result = fresh.ok("codings", "import", str(out), "--json")
    assert '"orphans_left_out": 1' in result.output
    attached = {memo: before for memo, (before, _, _) in codings_by_context(fresh.db).items()}
    assert attached == {"funded?": "R: Yes."}
    path.write_text(TALK.replace("I: Did you sign the first agreement?",
                                 "I: Did you sign the first agreement?\n\nR: Well."),
                    encoding="utf-8")
    back = Cli(root, tmp_path / "back.db")
    back.ok("import")
    back.ok("codings", "import", str(out))
    placed = dict(sqlite3.connect(back.db).execute(
        "SELECT c.memo, e.text FROM codings c JOIN excerpts e ON e.id = c.excerpt_id"))
    assert placed == {"the question": "I: Did you sign the first agreement?",
                      "funded?": "I: Was it funded?"}


# -- 5. nothing from outside the project is read ----------------------------------------------
def test_a_document_symlinked_outside_the_project_is_refused_naming_the_link(
        cli: Cli, project: Path, tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n", encoding="utf-8")
    link = project / "cases" / "alpha" / "passwd.txt"
    link.symlink_to(secret)
    result = cli.fails("import")
    assert len(result.output.strip().splitlines()) == 1
    assert f"{link}: links to {secret}, outside the project folder" in result.output
    assert "--follow-outside" in result.output
    cli.ok("--follow-outside", "import")
    conn = sqlite3.connect(cli.db)
    assert conn.execute("SELECT text FROM documents WHERE stem = 'passwd'").fetchone() \
        == ("root:x:0:0:root:/root:/bin/bash\n",)
    conn.close()


def test_a_case_folder_symlinked_outside_is_refused(cli: Cli, project: Path,
                                                    tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "notes.txt").write_text("Private notes.\n", encoding="utf-8")
    (project / "cases" / "gamma").symlink_to(elsewhere, target_is_directory=True)
    result = cli.fails("import")
    assert f"{project / 'cases' / 'gamma'}: links to {elsewhere}" in result.output


def test_a_codebook_named_outside_the_project_is_refused(cli: Cli, project: Path,
                                                         tmp_path: Path) -> None:
    outside = tmp_path / "book.yaml"
    shutil.copy(project / "codebooks" / "tiny.yaml", outside)
    (project / "qcoder.yaml").write_text("codebook: ../book.yaml\n", encoding="utf-8")
    result = cli.fails("import")
    assert "qcoder.yaml:1: codebook '../book.yaml' is outside the project folder" \
        in result.output
    assert "outside" in cli.fails("codebook", "check").output
    cli.ok("--follow-outside", "import")


# -- 6. --db at another application's SQLite file; a failed first import leaves nothing -------
def test_another_applications_sqlite_file_is_refused_and_left_unchanged(
        cli: Cli, tmp_path: Path) -> None:
    other = tmp_path / "notes.sqlite"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE meta (k, v)")
    conn.execute("INSERT INTO meta VALUES ('mine', 'not qcoder')")
    conn.commit()
    conn.close()
    before = other.read_bytes()
    for command in (("import",), ("status",), ("agreement",)):
        result = Cli(cli.project, other).fails(*command)
        assert len(result.output.strip().splitlines()) == 1
        assert "another application's SQLite database (tables: meta)" in result.output
    assert other.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data", "notes.sqlite", "proj"]
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    Cli(cli.project, empty).ok("import")


def test_a_failed_first_import_leaves_no_database(cli: Cli, project: Path) -> None:
    (project / "codebooks" / "tiny.yaml").write_text("codes: [", encoding="utf-8")
    for command in (("import",), ("status",), ("codings", "export")):
        cli.fails(*command)
        assert sorted(p.name for p in cli.db.parent.iterdir()) == []


# -- 7. a read-only or damaged database: one line, nothing changed ----------------------------
def damage(db: Path) -> None:
    """Overwrite the start (header and cell pointers) of every page but the first two of a
    checkpointed database."""
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    size, count = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_size",
                                                                          "page_count"))
    conn.close()
    data = bytearray(db.read_bytes())
    for page in range(2, count):
        data[page * size:page * size + 300] = b"\xff" * 300
    db.write_bytes(bytes(data))


@pytest.mark.parametrize("command", [("status",), ("import",), ("export", "csv", "OUT"),
                                     ("agreement",), ("disagreements",), ("compare",)],
                         ids=lambda c: c[0])
def test_a_damaged_database_gives_one_line_and_stays_as_it_was(
        cli: Cli, tmp_path: Path, command: tuple[str, ...]) -> None:
    cli.ok("import")
    damage(cli.db)
    before = cli.db.read_bytes()
    out = tmp_path / "out.csv"
    result = cli.fails(*[str(out) if a == "OUT" else a for a in command])
    assert result.output.strip().splitlines() == [
        f"Error: {cli.db}: the database is damaged (database disk image is malformed); "
        "nothing was changed: restore it from a backup or bring a coder's copy back with "
        "'qcoder merge'"]
    assert cli.db.read_bytes() == before
    assert not out.exists()


def test_a_read_only_database_gives_one_line_in_another_users_process(cli: Cli) -> None:
    import tempfile

    cli.ok("import")
    shared = Path(tempfile.mkdtemp(prefix="qcoder-ro-"))
    try:
        shared.chmod(0o755)
        db = shared / "team.db"
        shutil.copy(cli.db, db)
        db.chmod(0o444)
        project = shutil.copytree(cli.project, shared / "proj")
        for path in [project, *project.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        before = db.read_bytes()
        # root may write anything: the second process runs as the user 'nobody' instead
        who = ["setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"] \
            if os.geteuid() == 0 else []
        if who and subprocess.run([*who, sys.executable, "-c", "import qcoder.cli"],
                                  capture_output=True, cwd=shared).returncode != 0:
            pytest.skip("the user 'nobody' cannot read this checkout or its virtual "
                        "environment (a folder of mode 700 above it)")
        for command in (["status"], ["import"], ["agreement"]):
            done = subprocess.run(
                [*who, sys.executable, "-c", "from qcoder.cli import main; main()",
                 "--project", str(project), "--db", str(db), *command],
                capture_output=True, text=True, cwd=shared)
            assert done.returncode == 1, done.stdout
            assert done.stderr.strip().splitlines() == [
                f"Error: {db}: the database is read-only for you; nothing was changed: check "
                "the permissions of the file and its folder, or work on a copy "
                "('qcoder export coder')"]
        assert db.read_bytes() == before
    finally:
        shutil.rmtree(shared)


# -- 8. changes that used to pass unnoticed ----------------------------------------------------
def test_making_a_group_exclusive_over_double_codings_reports_the_conflicts(
        cli: Cli, project: Path, tmp_path: Path) -> None:
    cli.ok("import")
    seed = tmp_path / "seed.csv"
    seed.write_text("excerpt,code,coder\n"
                    "alpha/interview-1#2,framing-security,ann\n"
                    "alpha/interview-1#2,framing-development,ann\n"
                    "alpha/interview-1#4,framing-security,ann\n"
                    "alpha/interview-1#4,framing-development,ann\n"
                    "alpha/interview-1#4,framing-security,bea\n", encoding="utf-8")
    cli.ok("codings", "import", str(seed))
    book = project / "codebooks" / "tiny.yaml"
    book.write_text(CODEBOOK.replace("    definition: How actors present the partnership.\n",
                                     "    definition: How actors present the partnership.\n"
                                     "    exclusive: true\n"), encoding="utf-8")
    result = cli.ok("import")
    assert "nothing changed" not in result.output
    assert "codes: 0 added, 1 changed, 0 removed: framing (exclusive)" in result.output
    assert "warning: 2 excerpt/coder pairs hold two codes of a group that is now exclusive" \
        in result.output
    assert "alpha/interview-1#2: ann has framing-development, framing-security of 'framing'" \
        in result.output
    assert "alpha/interview-1#4: ann has" in result.output
    assert "exclusive" not in cli.ok("import").output  # reported when it happens


def test_label_only_codebook_edits_are_reported(cli: Cli, project: Path) -> None:
    cli.ok("import")
    book = project / "codebooks" / "tiny.yaml"
    book.write_text(CODEBOOK.replace("label: Security framing", "label: Securitisation")
                    .replace("version: 1", "version: 2"), encoding="utf-8")
    result = cli.ok("import")
    assert "nothing changed" not in result.output
    assert "codebook: version changed" in result.output
    assert "codes: 0 added, 1 changed, 0 removed: framing-security (label)" in result.output
    assert "nothing changed" in cli.ok("import").output


def codings_state(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return [*conn.execute("SELECT excerpt_id, code_id, coder, memo FROM codings ORDER BY id"),
                *conn.execute("SELECT kind, after FROM events ORDER BY id")]
    finally:
        conn.close()


@pytest.mark.parametrize(("rows", "message"), [
    ("alpha/interview-1#2,framing-security,ann,a memo,extra\n",
     "rows.csv:2: 5 cells but the header has 4"),
    ("alpha/interview-1#2,framing-security,ann,first\n"
     "alpha/interview-1#4,linkage-visa,ann,\n"
     "alpha/interview-1#2,framing-security,ann,second\n",
     "rows.csv:4: a second memo for the coding of line 2 (alpha/interview-1#2, "
     "framing-security, ann)"),
], ids=["extra cells", "second memo"])
def test_csv_cells_that_would_be_dropped_refuse_the_file(
        cli: Cli, tmp_path: Path, rows: str, message: str) -> None:
    cli.ok("import")
    before = codings_state(cli.db)
    path = tmp_path / "rows.csv"
    path.write_text("excerpt,code,coder,memo\n" + rows, encoding="utf-8")
    result = cli.fails("codings", "import", str(path))
    assert result.output.startswith(f"Error: {tmp_path / message}")
    assert codings_state(cli.db) == before


def test_a_header_only_csv_adds_no_audit_event(cli: Cli, tmp_path: Path) -> None:
    cli.ok("import")
    before = codings_state(cli.db)
    path = tmp_path / "empty.csv"
    path.write_text("excerpt,code,coder,memo\n", encoding="utf-8")
    assert "0 rows" in cli.ok("codings", "import", str(path)).output
    assert codings_state(cli.db) == before
    same = tmp_path / "same.csv"
    same.write_text("excerpt,code,coder,memo\nalpha/interview-1#2,framing-security,ann,x\n"
                    "alpha/interview-1#2,framing-security,ann,x\n,,,\n"
                    "alpha/interview-1#4,linkage-visa,ann,,\n", encoding="utf-8")
    cli.ok("codings", "import", str(same))
    assert len(codings_state(cli.db)) == len(before) + 3
