"""The workbench's word search (``/``, then "Words …"): FTS5 syntax, hits highlighted in the
excerpt view, a bad query said in one notice."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import current_ref, drive
from textual.pilot import Pilot

from qcoder.tui.app import QcoderApp
from qcoder.tui.widgets.excerpt_list import ExcerptList
from qcoder.tui.widgets.excerpt_view import ExcerptView

DEMO = Path(__file__).resolve().parents[2]  # the repository is the demo project


async def word_search(app: QcoderApp, pilot: Pilot, query: str) -> None:
    await pilot.press("slash", *query)
    await pilot.pause()
    choices = app.screen.query_one("#choices")
    assert choices.get_option_at_index(1).id == "words"
    await pilot.press("down", "enter")
    await app.workers.wait_for_complete()
    await pilot.pause()


def highlighted(app: QcoderApp) -> list[str]:
    """The text of the excerpt view's highlighted spans."""
    text = app.screen.query_one(ExcerptView).part("excerpt-text")
    return [text.plain[s.start:s.end] for s in text.spans if "reverse" in str(s.style)]


def test_words_filter_lists_matches_and_highlights_them(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        screen = app.screen
        await word_search(app, pilot, "return* OR remittances")
        refs = [screen.query_one(ExcerptList).line_at(i).ref
                for i in range(len(screen.filtered))]
        first = (current_ref(app), highlighted(app))
        await pilot.press("j")
        second = (current_ref(app), highlighted(app))
        return refs, first, second

    refs, first, second = drive(imported, steps)
    assert refs == ["alpha/interview#2", "beta/report#1", "beta/report#2"]
    assert first == ("alpha/interview#2", ["returns"])
    assert second == ("beta/report#1", ["Remittances"])


def test_a_phrase_and_the_text_filter_highlight_too(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        await word_search(app, pilot, '"carrot in every"')
        phrase = (current_ref(app), highlighted(app))
        await pilot.press("escape", "slash", *"VISAS", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        return phrase, (current_ref(app), highlighted(app))

    phrase, text = drive(imported, steps)
    assert phrase == ("alpha/interview#4", ["carrot in every"])
    assert text == ("alpha/interview#4", ["Visas"])  # stays on an excerpt the filter keeps


def test_a_bad_query_is_one_notice(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        before = current_ref(app)
        await word_search(app, pilot, "AND returns")
        notes = [str(n.message) for n in app._notifications]
        title = str(app.screen.query_one("#list-title").render())
        return before, current_ref(app), app.screen.filtered, notes, title

    before, after, filtered, notes, title = drive(imported, steps)
    assert before == after and filtered is None
    assert any("syntax error" in n for n in notes)
    assert "Filtering" not in title and "interview" in title  # the list's own title again


def test_at_80_columns_each_filtered_row_names_its_document_and_shows_the_match(
        imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> list[list[tuple[str, bool]]]:
        await pilot.press("slash", *"visas")
        await pilot.pause()
        await pilot.press("enter")  # "Text contains"
        await app.workers.wait_for_complete()
        await pilot.pause()
        lines = app.screen.query_one(ExcerptList)
        width = lines.scrollable_content_region.width
        return [[(seg.text, bool(seg.style and seg.style.reverse))
                 for seg in lines._render_row(i, width, False)] for i in range(lines.count)]

    rows = drive(imported, steps, size=(80, 24))
    texts = ["".join(t for t, _ in row) for row in rows]
    # "interview" and "report" hold "visas": a narrow list names each by its initials
    assert [t.split()[1] for t in texts] == ["i#3", "i#4"]
    marked = [[t for t, hit in row if hit] for row in rows]
    assert all(m and "visas".startswith(m[0].rstrip("…").lower()) for m in marked), texts



@pytest.mark.parametrize("size", [(80, 24), (100, 30), (120, 40)])
def test_the_picker_and_the_filter_fit_without_scrolling(tmp_path: Path,
                                                         size: tuple[int, int]) -> None:
    """The demo codebook's 29 codes would push the picker's query line off a short screen
    (80×24, 100×30); the dialogs shrink their lists there so nothing needs scrolling."""
    for part in ("cases", "codebooks"):
        shutil.copytree(DEMO / part, tmp_path / part)

    async def steps(app: QcoderApp, pilot: Pilot) -> list[tuple[int, int]]:
        fits = []
        for key in ("enter", "slash"):  # the code picker, the filter
            await pilot.press(key)
            await pilot.pause()
            dialog = app.screen.query_one("#dialog")
            fits.append((dialog.max_scroll_y, dialog.outer_size.height))
            await pilot.press("escape")
            await pilot.pause()
        return fits

    fits = drive(tmp_path, steps, size=size)
    assert [scroll for scroll, _ in fits] == [0, 0]
    assert all(height <= size[1] for _, height in fits)
