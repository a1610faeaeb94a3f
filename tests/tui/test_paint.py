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
