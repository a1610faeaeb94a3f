"""Selection mode at 80×24 and 120×40 (pytest-textual-snapshot; --snapshot-update)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import until_ready
from textual.pilot import Pilot

from qcoder.coding import Coding
from qcoder.store.database import Store
from qcoder.tui.app import create_app

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def spanned(imported: Path) -> Path:
    """ann has coded the words 'money for equipment' of the official's first turn."""
    with Store(imported / "qcoder.db") as store:
        row = store.excerpt_by_ref("alpha/interview#2")
        start = row.start + row.text.index("money for equipment")
        Coding(store, store.codebook(), "ann").toggle_span(
            row.document_id, start, start + len("money for equipment"), "framing-development")
    return imported


def pressing(*keys: str):
    async def run_before(pilot: Pilot) -> None:
        await until_ready(pilot.app, pilot)  # type: ignore[arg-type]
        await pilot.press(*keys)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_selection_mode(snap_compare, spanned: Path, size: tuple[int, int]) -> None:
    """The span coded is underlined and listed; the selection (two words) is reversed."""
    assert snap_compare(create_app(spanned, coder="ann"), terminal_size=size,
                        run_before=pressing("j", "V", "left", "left",
                                                       "shift+right"))
