"""The reconciliation screen and its reason prompt at 80×24 and 120×40
(pytest-textual-snapshot; update with --snapshot-update)."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import until_ready
from test_reconcile_screen import disputed  # noqa: F401  (fixture)
from textual.pilot import Pilot

from qcoder.tui.app import create_app

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


def reconciling(*keys: str):
    async def run_before(pilot: Pilot) -> None:
        await until_ready(pilot.app, pilot)  # type: ignore[arg-type]
        await pilot.press("R")
        await pilot.pause()
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()
        if keys:
            await pilot.press(*keys)
            await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_reconcile_screen(snap_compare, disputed: Path, size: tuple[int, int]) -> None:  # noqa: F811
    assert snap_compare(create_app(disputed, coder="lead", lead=True), terminal_size=size,
                        run_before=reconciling())


@pytest.mark.parametrize("size", SIZES)
def test_reason_prompt(snap_compare, disputed: Path, size: tuple[int, int]) -> None:  # noqa: F811
    assert snap_compare(create_app(disputed, coder="lead", lead=True), terminal_size=size,
                        run_before=reconciling("2", *"bob read the minutes"))
