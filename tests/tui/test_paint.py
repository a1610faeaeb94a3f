"""What each widget shows after the coding screen's keys, read back from the painted screen:
the widgets that redraw only the lines that changed still show the right content."""

from __future__ import annotations

from pathlib import Path

from conftest import drive, screen_text
from textual.pilot import Pilot

from qcoder.tui.app import QcoderApp
from qcoder.tui.widgets.codebook_panel import CodeTree


def code_line(app: QcoderApp, label: str) -> str:
    """The codebook panel's line of a code, as painted (right of the excerpt)."""
    lines = [line for line in screen_text(app) if f"s {label}" in line]
    assert len(lines) == 1, lines
    return lines[0][lines[0].index(f"s {label}") - 2:]


def test_a_code_key_marks_the_code_in_the_panel_and_moving_on_unmarks_it(imported: Path
                                                                         ) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> list[tuple[bool, bool]]:
        label = app.session.codebook["framing-security"].label
        seen = []
        for key in ("s", "j", "k", "s"):
            await pilot.press(key)
            await pilot.pause()
            tree = app.screen.query_one(CodeTree)
            seen.append(("✓" in code_line(app, label),
                         "framing-security" in tree.applied))
        return seen

    assert drive(imported, steps) == [(True, True), (False, False), (True, True),
                                      (False, False)]


def test_the_screen_under_a_dialog_is_dimmed_as_textual_dims_it(imported: Path) -> None:
    """The picker dims the coding screen under it with each style blended once: every
    segment comes out as Textual's own dimming paints it."""
    from textual.renderables.background_screen import BackgroundScreen

    from qcoder.tui.screens.search_dialog import DimmedScreen

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[list, list, type]:
        await pilot.press("enter")
        await pilot.pause()
        dialog = app.screen
        under = app.screen_stack[-2]
        segments = list(app.console.render(under._compositor, app.console.options))
        color = dialog.styles.background
        ours = list(DimmedScreen.process_segments(segments, color))
        again = list(DimmedScreen.process_segments(segments, color))  # from what it kept
        theirs = list(BackgroundScreen.process_segments(segments, color))
        assert again == ours
        return ours, theirs, type(dialog.render())

    ours, theirs, drawn = drive(imported, steps)
    assert len(ours) > 100 and ours == theirs
    assert drawn is DimmedScreen
