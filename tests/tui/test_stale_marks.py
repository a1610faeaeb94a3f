"""Codings made under an earlier definition of their code are marked in the coder's codes,
with a legend saying what the mark means."""

from __future__ import annotations

from pathlib import Path

from conftest import drive, open_store, screen_text
from textual.pilot import Pilot

from qcoder.coding import Coding
from qcoder.importer import import_project
from qcoder.project.folder import open_project
from qcoder.stamps import STALE_LEGEND, STALE_MARK
from qcoder.tui.app import QcoderApp

OLD = "        definition: Migration as a threat to be controlled.\n"
NEW = "        definition: Migration as a threat to security and order.\n"


def _code(project: Path, ref: str, *codes: str) -> None:
    with open_store(project) as store:
        coding = Coding(store, store.codebook(), "ann")
        for code in codes:
            coding.apply(store.excerpt_by_ref(ref).id, code)


def _redefine_security_framing(project: Path) -> None:
    book = project / "codebooks" / "border-talks.yaml"
    text = book.read_text(encoding="utf-8")
    assert OLD in text
    book.write_text(text.replace(OLD, NEW), encoding="utf-8")
    with open_store(project) as store:
        import_project(open_project(project), store)


def test_a_coding_under_an_earlier_definition_is_marked_after_re_import(imported: Path) -> None:
    _code(imported, "alpha/interview#1", "framing-security", "framing-development")
    _redefine_security_framing(imported)

    async def steps(app: QcoderApp, pilot: Pilot) -> list[str]:
        await pilot.press("k")  # back to interview#1 (the app opens on the first to do)
        await pilot.pause()
        return screen_text(app)

    lines = drive(imported, steps, size=(120, 30))
    security = next(line for line in lines if "Framing › Security framing" in line)
    development = next(line for line in lines if "Framing › Development framing" in line)
    assert f"Security framing{STALE_MARK}" in security
    assert STALE_MARK not in development
    assert any(STALE_LEGEND in line for line in lines)


def test_no_mark_while_the_definition_is_the_one_coded_under(imported: Path) -> None:
    _code(imported, "alpha/interview#1", "framing-security")

    async def steps(app: QcoderApp, pilot: Pilot) -> list[str]:
        await pilot.press("k")
        await pilot.pause()
        return screen_text(app)

    lines = drive(imported, steps, size=(120, 30))
    assert any("Framing › Security framing" in line for line in lines)
    assert not any(STALE_MARK in line for line in lines)


def test_coding_again_under_the_new_definition_clears_the_mark(imported: Path) -> None:
    _code(imported, "alpha/interview#1", "framing-security")
    _redefine_security_framing(imported)

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[bool, bool]:
        await pilot.press("k")
        await pilot.pause()
        before = any(STALE_MARK in line for line in screen_text(app))
        await pilot.press("s", "s")  # remove, apply again: now under the new definition
        await pilot.pause()
        return before, any(STALE_MARK in line for line in screen_text(app))

    assert drive(imported, steps, size=(120, 30)) == (True, False)
