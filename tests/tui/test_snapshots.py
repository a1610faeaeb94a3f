"""Each screen at 80×24 and 120×40 (pytest-textual-snapshot; update with --snapshot-update)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest
from conftest import until_ready
from textual.pilot import Pilot

from qcoder.coding import Coding
from qcoder.store.database import Store
from qcoder.tui.app import create_app
from qcoder.tui.screens.coder_prompt import CoderPrompt
from qcoder.tui.screens.message import MessageScreen

SIZES = [pytest.param((80, 24), id="80x24"), pytest.param((120, 40), id="120x40")]


@pytest.fixture
def coded(imported: Path) -> Path:
    """ann has coded the first excerpt (with memos) and reviewed the second."""
    with Store(imported / "qcoder.db") as store:
        coding = Coding(store, store.codebook(), "ann")
        first = store.excerpt_by_ref("alpha/interview#1").id
        coding.apply(first, "framing-security")
        coding.apply(first, "ptype-dialogue")
        coding.set_coding_memo(first, "framing-security", "mild, almost ironic")
        coding.set_excerpt_memo(first, "compare with the notes")
        coding.mark_reviewed(store.excerpt_by_ref("alpha/interview#2").id)
    return imported


def pressing(*keys: str):
    async def run_before(pilot: Pilot) -> None:
        await until_ready(pilot.app, pilot)  # type: ignore[arg-type]
        if keys:
            await pilot.press(*keys)
        await pilot.pause()

    return run_before


@pytest.mark.parametrize("size", SIZES)
def test_coding_screen(snap_compare, coded: Path, size: tuple[int, int]) -> None:
    assert snap_compare(create_app(coded, coder="ann"), terminal_size=size,
                        run_before=pressing())


@pytest.mark.parametrize("size", SIZES)
def test_coding_screen_on_a_coded_excerpt(snap_compare, coded: Path,
                                          size: tuple[int, int]) -> None:
    assert snap_compare(create_app(coded, coder="ann"), terminal_size=size,
                        run_before=pressing("k", "k", "tab", "tab", "tab"))


@pytest.mark.parametrize("size", SIZES)
def test_help_screen(snap_compare, coded: Path, size: tuple[int, int]) -> None:
    assert snap_compare(create_app(coded, coder="ann"), terminal_size=size,
                        run_before=pressing("question_mark"))


@pytest.mark.parametrize("size", SIZES)
def test_wide_excerpt(snap_compare, coded: Path, size: tuple[int, int]) -> None:
    assert snap_compare(create_app(coded, coder="ann"), terminal_size=size,
                        run_before=pressing("k", "k", "z"))


@pytest.mark.parametrize("size", SIZES)
def test_memo_browser(snap_compare, coded: Path, size: tuple[int, int]) -> None:
    assert snap_compare(create_app(coded, coder="ann"), terminal_size=size,
                        run_before=pressing("f2"))


@pytest.mark.parametrize("size", SIZES)
def test_coder_check(snap_compare, coded: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        while type(pilot.app.screen).__name__ != "CoderCheck":
            await pilot.pause(0.02)
        await pilot.pause()

    assert snap_compare(create_app(coded, coder="Ann"), terminal_size=size,
                        run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_lead_prompt(snap_compare, coded: Path, size: tuple[int, int]) -> None:
    assert snap_compare(create_app(coded, coder="ann"), terminal_size=size,
                        run_before=pressing("R"))


@pytest.mark.parametrize("size", SIZES)
def test_code_picker(snap_compare, coded: Path, size: tuple[int, int]) -> None:
    assert snap_compare(create_app(coded, coder="ann"), terminal_size=size,
                        run_before=pressing("enter", *"op"))


@pytest.mark.parametrize("size", SIZES)
def test_new_code_dialog(snap_compare, coded: Path, size: tuple[int, int]) -> None:
    """From the picker's "No code matches": the new code's fields, its id from the label."""
    assert snap_compare(create_app(coded, coder="ann"), terminal_size=size,
                        run_before=pressing("enter", *"Funding promised", "enter"))


@pytest.mark.parametrize("size", SIZES)
def test_memo_editor(snap_compare, coded: Path, size: tuple[int, int]) -> None:
    assert snap_compare(create_app(coded, coder="ann"), terminal_size=size,
                        run_before=pressing("m", *"returns first, then money"))


@pytest.mark.parametrize("size", SIZES)
def test_filter_screen(snap_compare, coded: Path, size: tuple[int, int]) -> None:
    assert snap_compare(create_app(coded, coder="ann"), terminal_size=size,
                        run_before=pressing("slash", *"border"))


@pytest.mark.parametrize("size", SIZES)
def test_filtered_list(snap_compare, coded: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        await until_ready(pilot.app, pilot)  # type: ignore[arg-type]
        await pilot.press("slash", *"border", "enter")
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()

    assert snap_compare(create_app(coded, coder="ann"), terminal_size=size,
                        run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_coder_prompt(snap_compare, coded: Path, size: tuple[int, int]) -> None:
    async def run_before(pilot: Pilot) -> None:
        while not isinstance(pilot.app.screen, CoderPrompt):
            await pilot.pause(0.02)
        await pilot.pause()

    assert snap_compare(create_app(coded), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_message_screen(snap_compare, wb: Path, size: tuple[int, int]) -> None:
    book = wb / "codebooks" / "border-talks.yaml"
    book.write_text(book.read_text().replace("key: d\n", "key: s\n"))

    async def run_before(pilot: Pilot) -> None:
        while not isinstance(pilot.app.screen, MessageScreen):
            await pilot.pause(0.02)
        await pilot.pause()

    assert snap_compare(create_app(wb, coder="ann"), terminal_size=size, run_before=run_before)


@pytest.mark.parametrize("size", SIZES)
def test_loading_screen(snap_compare, wb: Path, size: tuple[int, int], monkeypatch) -> None:
    from textual.worker import get_current_worker

    from qcoder.errors import QcoderError
    from qcoder.tui import app as app_module
    from qcoder.tui.screens.message import LoadingScreen

    def slow_open(project, status):  # noqa: ANN001, ANN202
        status("First start: importing the codebook, the cases and codings/*.csv …")
        while not get_current_worker().is_cancelled:  # until the app closes
            time.sleep(0.02)
        raise QcoderError("stopped by the test")

    monkeypatch.setattr(app_module, "open_store", slow_open)

    def saying(screen: object) -> str:
        if not isinstance(screen, LoadingScreen):
            return ""
        return str(screen.query_one("#loading-message").render())

    async def run_before(pilot: Pilot) -> None:
        while not saying(pilot.app.screen).startswith("First start"):
            await pilot.pause(0.02)
        await pilot.pause()

    assert snap_compare(create_app(wb, coder="ann"), terminal_size=size, run_before=run_before)
