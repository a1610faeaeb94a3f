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
