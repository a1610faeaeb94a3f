"""Archives are bounded before anything is inflated: a .docx, .odt or .qdpx that inflates
past the absolute cap or the ratio is refused on one line, the project and database
untouched; a bare project.qde is read; a folder that is not a project says how to make one."""

from __future__ import annotations

import os
import sqlite3
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import Cli, write_docx

BOMB = 20_000_000  # zeros: about 20 KB deflated, a ratio near 1,000


def state(root: Path, db: Path) -> tuple[dict[str, bytes], list[str]]:
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
             if p.is_file() and p.suffix != ".db"}
    conn = sqlite3.connect(db)
    try:
        return files, list(conn.iterdump())
    finally:
        conn.close()


def add_member(path: Path, name: str, size: int, data: bytes | None = None) -> None:
    """Append a member, written in 1 MB pieces (never the whole bomb in memory)."""
    with zipfile.ZipFile(path, "a", zipfile.ZIP_DEFLATED) as archive, \
            archive.open(name, "w", force_zip64=True) as member:
        piece = data if data is not None else b"\0" * 1_000_000
        for _ in range(size // len(piece)):
            member.write(piece)


@pytest.fixture
def imported(cli: Cli) -> Cli:
    cli.ok("import")
    return cli


def test_a_docx_bomb_is_refused_by_its_ratio(imported: Cli) -> None:
    bomb = imported.project / "cases" / "beta" / "bomb.docx"
    write_docx(bomb, [("Hello.", None)])
    add_member(bomb, "word/media/pad.bin", BOMB)
    assert bomb.stat().st_size < 200_000
    before = state(imported.project, imported.db)
    out = imported.fails("import").output
    assert "bomb.docx: its contents inflate" in out and "QCODER_MAX_RATIO" in out
    assert len(out.strip().splitlines()) == 1
    assert state(imported.project, imported.db) == before


def test_a_qdpx_bomb_is_refused_before_it_is_read(imported: Cli, tmp_path: Path) -> None:
    qdpx = tmp_path / "partner.qdpx"
    imported.ok("export", "qdpx", str(qdpx))
    add_member(qdpx, "Sources/padding.txt", BOMB)
    before = state(imported.project, imported.db)
    out = imported.fails("import", "qdpx", str(qdpx)).output
    assert "partner.qdpx: its contents inflate" in out and "nothing was imported" in out
    assert state(imported.project, imported.db) == before


def test_the_absolute_cap_is_configurable(imported: Cli, tmp_path: Path) -> None:
    qdpx = tmp_path / "partner.qdpx"
    imported.ok("export", "qdpx", str(qdpx))
    add_member(qdpx, "Sources/noise.bin", 2_000_000, os.urandom(100_000))  # incompressible
    before = state(imported.project, imported.db)
    out = imported.fails("import", "qdpx", str(qdpx),
                         env={"QCODER_MAX_INFLATED_MB": "1"}).output
    assert "more than the 1.0 MB qcoder reads (QCODER_MAX_INFLATED_MB raises it)" in out
    assert state(imported.project, imported.db) == before


def test_a_bare_project_qde_is_imported(imported: Cli, tmp_path: Path) -> None:
    qdpx = tmp_path / "partner.qdpx"
    imported.ok("export", "qdpx", str(qdpx))
    with zipfile.ZipFile(qdpx) as archive:
        root = ET.fromstring(archive.read("project.qde"))
        for source in root.iter():
            path = source.get("plainTextPath")
            if path:
                text = archive.read("sources/" + path.removeprefix("internal://")).decode()
                del source.attrib["plainTextPath"]
                ns = source.tag.split("}")[0] + "}"
                content = ET.Element(ns + "PlainTextContent")
                content.text = text
                source.insert(0, content)
    bare = tmp_path / "project.qde"
    bare.write_bytes(ET.tostring(root, xml_declaration=True, encoding="utf-8"))
    target = tmp_path / "fresh"
    target.mkdir()
    fresh = Cli(target, tmp_path / "fresh.db")
    result = fresh.ok("import", "qdpx", str(bare))
    assert "bare project.qde" in result.output
    assert "3 documents" in result.output or "documents" in result.output
    assert fresh.ok("status").output.count("alpha") == 1


def test_a_non_project_folder_says_how_to_make_one(tmp_path: Path, imported: Cli) -> None:
    qdpx = tmp_path / "partner.qdpx"
    imported.ok("export", "qdpx", str(qdpx))
    folder = tmp_path / "stray"
    folder.mkdir()
    (folder / "notes.txt").write_text("x", encoding="utf-8")
    cli = Cli(folder, tmp_path / "stray.db")
    out = cli.fails("import", "qdpx", str(qdpx)).output
    assert "not a qcoder project, and not empty (notes.txt); make it one with 'mkdir" in out
    (folder / "cases").mkdir()
    cli.ok("import", "qdpx", str(qdpx))
