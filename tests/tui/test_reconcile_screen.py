"""The reconciliation screen: opened from the workbench, it walks the disagreements and
records keep / drop / pick decisions with a reason, undoably, as the consensus coder."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import codes_on, drive, open_store
from textual.pilot import Pilot
from textual.widgets import Static

from qcoder.coding import Coding
from qcoder.tui.app import QcoderApp
from qcoder.tui.screens.coding import CodingScreen
from qcoder.tui.screens.reconcile import ReasonPrompt, ReconcileScreen


@pytest.fixture
def disputed(imported: Path) -> Path:
    """ann and bob differ on interview#1 (security vs development) and on notes#1."""
    with open_store(imported) as store:
        book = store.codebook()
        ann, bob = Coding(store, book, "ann"), Coding(store, book, "bob")
        first = store.excerpt_by_ref("alpha/interview#1").id
        notes = store.excerpt_by_ref("alpha/notes#1").id
        ann.apply(first, "framing-security", memo="control language")
        ann.apply(first, "ptype-operational")
        bob.apply(first, "framing-development")
        bob.apply(first, "ptype-operational")
        bob.set_excerpt_memo(first, "ask the team about this one")
        ann.mark_reviewed(notes)
        bob.apply(notes, "framing-security")
    return imported


async def open_reconcile(app: QcoderApp, pilot: Pilot) -> ReconcileScreen:
    await pilot.press("R")
    await pilot.pause()
    await app.workers.wait_for_complete()
    await pilot.pause()
    screen = app.screen
    assert isinstance(screen, ReconcileScreen)
    return screen


def adjudications(project: Path) -> list[tuple]:
    with open_store(project) as store:
        return store.query("SELECT code_id, decision, source_coder, reason, decided_by "
                           "FROM adjudications ORDER BY id")


def shown_text(screen: ReconcileScreen) -> str:
    parts = [str(w.content) for w in screen.query(Static)]
    return "\n".join(parts)


def test_walks_the_disagreements_worst_code_first(disputed: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        screen = await open_reconcile(app, pilot)
        first = (screen.item.ref, screen.item.code_id)
        text = shown_text(screen)
        alphas = [p.alpha for p in screen.queue]
        await pilot.press("n")
        second = (screen.item.ref, screen.item.code_id)
        return len(screen.queue), alphas, first, second, text

    count, alphas, first, second, text = drive(disputed, steps, coder="lead", lead=True)
    # framing also differs on notes#1 (bob's framing-security rolls up to it), but only
    # through the code below it: deciding framing-security settles it, so it is not asked
    assert count == 3
    assert alphas == sorted(alphas)
    assert first != second
    for words in ("ann", "bob", "consensus", "control language",
                  "ask the team about this one", "Operational"):
        assert words in text


def test_keep_pick_and_undo_record_the_consensus(disputed: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        screen = await open_reconcile(app, pilot)
        kept = screen.item
        await pilot.press("k")
        assert isinstance(app.screen, ReasonPrompt)
        await pilot.press(*"clearly both", "enter")
        await pilot.pause()
        after_keep = len(screen.queue)
        picked = screen.item
        await pilot.press("2")
        await pilot.press(*"bob saw it", "enter")
        await pilot.pause()
        logged = adjudications(disputed)
        await pilot.press("u")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        return kept, picked, after_keep, logged, len(screen.queue)

    kept, picked, after_keep, logged, after_undo = drive(disputed, steps, coder="lead", lead=True,
                                                         size=(120, 40))
    assert after_keep == 2 and after_undo == 2
    assert logged == [(kept.code_id, "keep", None, "clearly both", "lead"),
                      (picked.code_id, "pick", "bob", "bob saw it", "lead")]
    assert adjudications(disputed) == logged[:1]  # the pick was undone
    assert kept.code_id in codes_on(disputed, kept.ref, "consensus")


def test_escape_in_the_reason_prompt_decides_nothing_and_escape_goes_back(
        disputed: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        await open_reconcile(app, pilot)
        await pilot.press("d", *"not sure", "escape")
        await pilot.pause()
        still = isinstance(app.screen, ReconcileScreen)
        await pilot.press("escape")
        await pilot.pause()
        return still, isinstance(app.screen, CodingScreen)

    still, back = drive(disputed, steps, coder="lead", lead=True)
    assert still and back
    assert adjudications(disputed) == []


def test_nothing_to_reconcile_with_one_coder(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> str:
        screen = await open_reconcile(app, pilot)
        return shown_text(screen)

    text = drive(imported, steps, coder="lead", lead=True)
    assert "at least 2 coders" in text


def test_a_coder_who_is_not_the_lead_is_asked_before_reconciling(disputed: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, str, str]:
        await pilot.press("R")
        await pilot.pause()
        asked = type(app.screen).__name__
        await pilot.press("escape")
        await pilot.pause()
        declined = type(app.screen).__name__
        await pilot.press("R", "y")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        return asked, declined, type(app.screen).__name__

    asked, declined, opened = drive(disputed, steps, coder="ann")
    assert (asked, declined, opened) == ("LeadPrompt", "CodingScreen", "ReconcileScreen")
    with open_store(disputed) as store:
        assert store.query("SELECT coder FROM events WHERE kind = 'unblind'") == [("ann",)]


def test_no_one_reconciles_during_a_blind_round(disputed: Path) -> None:
    from qcoder.rounds import start_round

    with open_store(disputed) as store:
        start_round(store, "r1", 50, ["lead", "bob"], seed=3, started_by="lead")

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, list[str]]:
        await pilot.press("R")
        await pilot.pause()
        return type(app.screen).__name__, [n.message for n in app._notifications]

    screen, notes = drive(disputed, steps, coder="lead", lead=True)
    assert screen == "CodingScreen"
    assert any("open round 'r1'" in n for n in notes)


def test_an_alpha_on_fewer_than_ten_excerpts_says_too_few_units(disputed: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, int]:
        screen = await open_reconcile(app, pilot)
        return str(screen.query_one("#reconcile-status", Static).content), screen.item.units

    header, units = drive(disputed, steps, coder="lead", lead=True, size=(120, 40))
    assert units == 2  # interview#1 and notes#1: the only excerpts both coders reviewed
    assert "alpha" in header and "too few units (2)" in header
