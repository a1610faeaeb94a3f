"""From the picker's "No code matches" a coder creates a code: asked for id, label, parent
and definition, checked as 'qcoder codebook check' checks, appended to the codebook file
(every other byte kept) and the store, applied here; undo takes it out again while unused."""

from __future__ import annotations

from pathlib import Path

from conftest import codes_on, drive, open_store, screen_text
from textual.pilot import Pilot
from textual.widgets import Input

from qcoder.tui.app import QcoderApp
from qcoder.tui.screens.new_code import NewCodeScreen

BOOK = "codebooks/border-talks.yaml"


async def type_into(pilot: Pilot, app: QcoderApp, field: str, text: str) -> None:
    app.screen.query_one(f"#new-{field}", Input).value = ""
    app.screen.query_one(f"#new-{field}", Input).focus()
    await pilot.press(*text)


def test_no_code_matches_offers_a_new_code_that_undo_takes_out(imported: Path) -> None:
    book = imported / BOOK
    original = book.read_bytes()

    async def steps(app: QcoderApp, pilot: Pilot) -> dict:
        seen: dict = {}
        await pilot.press("enter")
        await pilot.press(*"Funding promised")
        await pilot.pause()
        seen["offer"] = "\n".join(screen_text(app))
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, NewCodeScreen)
        seen["dialog"] = "\n".join(screen_text(app))
        seen["id"] = app.screen.query_one("#new-id", Input).value
        await type_into(pilot, app, "parent", "framing")
        await type_into(pilot, app, "definition", "")  # none: the linter says so
        await pilot.press("enter")
        await pilot.pause()
        seen["problem"] = str(app.screen.query_one("#new-problem").content)
        await type_into(pilot, app, "definition", "Money offered for returns.")
        await pilot.press("enter")
        await pilot.pause()
        seen["closed"] = not isinstance(app.screen, NewCodeScreen)
        seen["file"] = book.read_bytes()
        seen["codes"] = codes_on(imported, "alpha/interview#1", "ann")
        await pilot.press("u")  # the coding
        await pilot.pause()
        await pilot.press("u")  # the code
        await pilot.pause()
        tree = app.screen.query_one("#codes")
        seen["panel"] = [tree.get_option_at_index(i).id for i in range(tree.option_count)]
        return seen

    seen = drive(imported, steps, size=(80, 24))
    assert "No code matches. Enter: create a code “Funding promised”." in seen["offer"]
    assert "New code in codebooks/border-talks.yaml" in seen["dialog"]
    assert seen["id"] == "funding-promised"
    assert seen["problem"].startswith(f"{BOOK}:") and "has no definition" in seen["problem"]
    assert seen["closed"] and "funding-promised" in seen["codes"]
    added = seen["file"].decode().splitlines(keepends=True)
    old = original.decode().splitlines(keepends=True)
    at = next(i for i, line in enumerate(added) if "funding-promised" in line)
    assert added[:at] + added[at + 3:] == old  # only the new block
    assert [x.strip() for x in added[at:at + 3]] == [
        "- id: funding-promised", "label: Funding promised",
        "definition: Money offered for returns."]
    assert book.read_bytes() == original
    assert "funding-promised" not in seen["panel"]
    with open_store(imported) as store:
        assert "funding-promised" not in store.codebook()
