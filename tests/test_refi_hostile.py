"""Crafted and damaged REFI-QDA files: code trees nested thousands deep, a source with one
bad byte, control characters in sources, names that collide on case-insensitive disks or
that Windows reserves. Each is refused on one line or made safe, with a word."""

from __future__ import annotations

import sqlite3
import zipfile
from collections.abc import Callable
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from conftest import Cli

NS = "urn:QDA-XML:project:1.0"


def deep_qdc(depth: int) -> bytes:
    opening = "".join(f'<Code guid="00000000-0000-4000-8000-{n:012d}" name="c{n}" '
                      'isCodable="true">' for n in range(depth))
    return ('<?xml version="1.0" encoding="utf-8"?><CodeBook '
            'xmlns="urn:QDA-XML:codebook:1.0"><Codes>' + opening + "</Code>" * depth
            + "</Codes></CodeBook>").encode()


@pytest.mark.parametrize("depth", [170, 5000])
def test_codes_nested_too_deep_are_refused_on_one_line(cli: Cli, tmp_path: Path,
                                                       depth: int) -> None:
    qdc = tmp_path / "deep.qdc"
    qdc.write_bytes(deep_qdc(depth))
    out = cli.fails("import", "qdc", str(qdc), "--output", str(tmp_path / "book.yaml")).output
    assert "deep.qdc: codes nested more than 50 levels deep" in out
    assert len(out.strip().splitlines()) == 1
    assert not (tmp_path / "book.yaml").exists()


def rewrite(qdpx: Path, change: Callable[[ET.Element, dict[str, bytes]], None]) -> None:
    """Rewrite an exported project: ``change`` edits the XML (namespace stripped in
    ``{NS}``-qualified tags) and the members; the qcoder note is dropped, as from another
    tool."""
    ET.register_namespace("", NS)
    with zipfile.ZipFile(qdpx) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    root = ET.fromstring(members["project.qde"])
    notes = root.find(f"{{{NS}}}Notes")
    if notes is not None:
        for note in list(notes):
            if note.get("name") == "qcoder project data":
                notes.remove(note)
    change(root, members)
    members["project.qde"] = ET.tostring(root, xml_declaration=True, encoding="utf-8")
    with zipfile.ZipFile(qdpx, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def sources(root: ET.Element) -> list[ET.Element]:
    return list(root.iter(f"{{{NS}}}TextSource"))


def member_of(source: ET.Element) -> str:
    return "sources/" + source.get("plainTextPath", "").removeprefix("internal://")


@pytest.fixture
def exported(cli: Cli, tmp_path: Path) -> Path:
    cli.ok("import")
    qdpx = tmp_path / "partner.qdpx"
    cli.ok("export", "qdpx", str(qdpx))
    return qdpx


def fresh(tmp_path: Path) -> Cli:
    root = tmp_path / "fresh"
    root.mkdir()
    return Cli(root, tmp_path / "fresh.db")


def test_a_source_with_one_bad_byte_is_refused_not_read_as_mojibake(
        exported: Path, tmp_path: Path) -> None:
    def damage(root: ET.Element, members: dict[str, bytes]) -> None:
        name = member_of(sources(root)[0])
        members[name] = members[name].replace(b"\n", b"\n\xe9", 1)

    rewrite(exported, damage)
    target = fresh(tmp_path)
    out = target.fails("import", "qdpx", str(exported)).output
    assert "is not UTF-8 (byte 0xe9 on line 2)" in out and "offsets" in out
    assert not target.db.exists()
    assert list(target.project.iterdir()) == []


def test_control_characters_in_a_source_are_replaced_and_said(exported: Path,
                                                             tmp_path: Path) -> None:
    def plant(root: ET.Element, members: dict[str, bytes]) -> None:
        name = member_of(sources(root)[0])
        members[name] = members[name] + "\x00 \x1b]0;PWNED\x07 \x9b2J".encode()

    rewrite(exported, plant)
    target = fresh(tmp_path)
    result = target.ok("import", "qdpx", str(exported))
    assert "control character(s)" in result.output and "U+FFFD" in result.output
    written = b"".join(p.read_bytes() for p in target.project.rglob("*.txt"))
    for raw in (b"\x00", b"\x1b", b"\x07", "\x9b".encode()):
        assert raw not in written
    conn = sqlite3.connect(target.db)
    texts = "".join(t for (t,) in conn.execute("SELECT text FROM excerpts"))
    conn.close()
    assert "\x1b" not in texts and "\x00" not in texts and "\ufffd]0;PWNED" in texts


def test_names_are_unique_on_case_insensitive_disks_and_not_reserved(
        exported: Path, tmp_path: Path) -> None:
    def rename(root: ET.Element, members: dict[str, bytes]) -> None:
        for source, name in zip(sources(root), ["Interview-1", "interview-1", "CON"],
                                strict=False):
            source.set("name", name)

    rewrite(exported, rename)
    target = fresh(tmp_path)
    target.ok("import", "qdpx", str(exported))
    stems = [p.stem for p in target.project.rglob("*.txt")]
    assert len({s.casefold() for s in stems}) == len(stems) == 3
    assert not any(s.split(".")[0].lower() in {"con", "prn", "aux", "nul"} for s in stems)
    assert "CON-doc" in stems


def test_control_characters_in_imported_metadata_never_reach_the_front_matter() -> None:
    """Document metadata from another tool (title, kind, date, attributes) is written into
    the front matter with every control character replaced by U+FFFD."""
    from qcoder.exchange.refi.project_import import _front_matter

    written = _front_matter("Talk \x1b]0;PWNED\x07", "inter\x9bview", "2024\x00",
                            {"role\x1b": ["a\x1b[2J", {"k": "\u202eevil"}]}, [])
    assert not any(ch in written for ch in "\x1b\x07\x9b\x00\u202e")
    assert written.count("\ufffd") == 7
    assert "Talk \ufffd]0;PWNED\ufffd" in written
