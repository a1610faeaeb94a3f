"""The codebook stays alive while coding: an edit of the YAML file (seen by the watcher, or
on f5) is imported into the store as ``qcoder import`` does and shows in the panel, the keys
and the picker; a broken file or one that drops a code with codings is refused with its one
line and the workbench goes on with the codebook it had."""

from __future__ import annotations

from pathlib import Path

from conftest import codes_on, drive, open_store
from textual.pilot import Pilot
from textual.widgets import OptionList

from qcoder.project.codebook import lint_codebook
from qcoder.tui.app import QcoderApp
from qcoder.tui.widgets.codebook_panel import CodeTree

BOOK = "codebooks/border-talks.yaml"

NEW_CODE = """\
  - id: funding
    label: Funding promised
    key: f
    definition: Money offered in exchange for cooperation on returns.
"""


def panel_ids(app: QcoderApp) -> list[str]:
    tree = app.screen.query_one(CodeTree)
    return [tree.get_option_at_index(i).id for i in range(tree.option_count)]


def messages(app: QcoderApp) -> list[str]:
    return [str(n.message) for n in app._notifications]


async def settle(app: QcoderApp, pilot: Pilot) -> None:
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()


def test_a_code_added_to_the_file_appears_while_coding(imported: Path) -> None:
    book = imported / BOOK

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        before = panel_ids(app)
        book.write_text(book.read_text(encoding="utf-8") + NEW_CODE, encoding="utf-8")
        app.screen.codebook_watch.poll()  # what the interval does every WATCH_S seconds
        await settle(app, pilot)
        after = panel_ids(app)
        await pilot.press("f")  # the new code's key codes at once
        await pilot.pause()
        await pilot.press("enter")
        await pilot.press(*"exchange")  # words of its definition only
        await pilot.pause()
        first = app.screen.query_one("#matches", OptionList).get_option_at_index(0).id
        return before, after, messages(app), first

    before, after, notes, first = drive(imported, steps, size=(120, 40))
    assert "funding" not in before and after == [*before, "funding"]
    assert any("border-talks.yaml: 8 codes (1 added)" in n for n in notes)
    assert first == "funding"
    assert "funding" in codes_on(imported, "alpha/interview#1", "ann")
    with open_store(imported) as store:
        assert store.codebook()["funding"].label == "Funding promised"


def test_f5_with_a_broken_file_says_where_and_keeps_the_codebook(imported: Path) -> None:
    book = imported / BOOK
    good = book.read_text(encoding="utf-8")

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        book.write_text(good.replace("    label: Framing\n", "    label: [Framing\n"),
                        encoding="utf-8")
        await pilot.press("f5")
        await settle(app, pilot)
        notes = messages(app)
        await pilot.press("s")  # coding goes on with the codebook as it was
        await pilot.pause()
        return notes, panel_ids(app), app.session.codebook["framing"].label

    notes, ids, label = drive(imported, steps, size=(80, 24))
    refused = [n for n in notes if "still coding with the codebook as it was" in n]
    (problem,) = lint_codebook(book)[1]  # the line 'qcoder codebook check' prints
    assert str(problem).startswith(f"{book}:6: invalid YAML")  # the flow '[' ends there
    assert len(refused) == 1 and refused[0].startswith(str(problem).replace(
        f"{imported}/", ""))
    assert "\n" not in refused[0]
    assert "framing" in ids and label == "Framing"
    assert "framing-security" in codes_on(imported, "alpha/interview#1", "ann")


def test_removing_a_code_that_has_codings_is_refused_and_nothing_is_lost(
        imported: Path) -> None:
    book = imported / BOOK
    text = book.read_text(encoding="utf-8")
    start = text.index("      - id: framing-development")
    without = text[:start] + text[text.index("  - id: ptype"):]

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        await pilot.press("d")  # framing-development now has a coding
        await pilot.pause()
        book.write_text(without, encoding="utf-8")
        await pilot.press("f5")
        await settle(app, pilot)
        return messages(app), panel_ids(app)

    notes, ids = drive(imported, steps, size=(120, 40))
    assert any("framing-development (1 codings)" in n and "Codebook" not in n
               for n in notes if "still coding" in n)
    assert "framing-development" in ids
    assert "framing-development" in codes_on(imported, "alpha/interview#1", "ann")
    with open_store(imported) as store:
        assert "framing-development" in store.codebook()
