"""Suggestions in the workbench: hidden until the coder has reviewed the excerpt (or always,
with ``suggestions: never``), never on an excerpt of the coder's open round; accepting one
makes the coder's coding, rejecting it is recorded, and undo takes either back."""

from __future__ import annotations

import json
from pathlib import Path

from conftest import codes_on, current_ref, drive, open_store, screen_text
from textual.pilot import Pilot

from qcoder.rounds import assign_documents
from qcoder.suggestions import listing, suggest_from_search
from qcoder.tui.app import QcoderApp
from qcoder.tui.widgets.suggestions_panel import SuggestionsPanel

REF = "alpha/interview#2"  # "With talks on returns, and then money for equipment followed."


def _suggest(project: Path) -> None:
    with open_store(project) as store:
        report = suggest_from_search(store, "equipment", "ptype-capacity")
    assert report.suggested == 1


def _panel(app: QcoderApp) -> SuggestionsPanel:
    return app.screen.query_one(SuggestionsPanel)


def _shown(app: QcoderApp) -> bool:
    return _panel(app).display and any("Capacity building · search: equipment" in line
                                       for line in screen_text(app))


async def _to_ref(app: QcoderApp, pilot: Pilot) -> None:
    # The app opens on interview#1 (nothing reviewed yet); j goes to interview#2.
    await pilot.press("j")
    await pilot.pause()
    assert current_ref(app) == REF


def _status(project: Path) -> dict:
    with open_store(project) as store:
        rows = listing(store, None, status=None)
    return {r["excerpt"]: (r["status"], r["decided_by"]) for r in rows}


def test_hidden_before_the_coder_reviews_shown_after(imported: Path) -> None:
    _suggest(imported)

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[bool, bool, bool]:
        await _to_ref(app, pilot)
        before = _shown(app)
        await pilot.press("o")  # a code: the excerpt is now reviewed
        await pilot.pause()
        after = _shown(app)
        await pilot.press("j", "k")  # away and back: still shown
        await pilot.pause()
        return before, after, _shown(app)

    assert drive(imported, steps) == (False, True, True)


def test_never_shown_with_suggestions_never(imported: Path) -> None:
    _suggest(imported)
    (imported / "qcoder.yaml").write_text("suggestions: never\n", encoding="utf-8")

    async def steps(app: QcoderApp, pilot: Pilot) -> bool:
        await _to_ref(app, pilot)
        await pilot.press("o")
        await pilot.pause()
        return _shown(app)

    assert drive(imported, steps) is False


def test_hidden_on_an_excerpt_of_the_coders_open_round(imported: Path) -> None:
    _suggest(imported)
    with open_store(imported) as store:
        assign_documents(store, "pilot", ["alpha/interview"], ["ann"])

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, bool, bool]:
        await _to_ref(app, pilot)
        await pilot.press("o")  # reviewed, but a round excerpt: still hidden
        await pilot.pause()
        seen = _shown(app)
        await pilot.press("A")  # and the key does nothing with it
        await pilot.pause()
        return current_ref(app), seen, _panel(app).display

    ref, seen, displayed = drive(imported, steps)
    assert (ref, seen, displayed) == (REF, False, False)
    assert _status(imported) == {REF: ("open", None)}


def test_accepting_makes_a_coding_with_provenance_and_undo_takes_it_back(
        imported: Path) -> None:
    _suggest(imported)

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[dict, dict, bool, dict, dict]:
        await _to_ref(app, pilot)
        await pilot.press("space")  # reviewed with no code; goes on to the next one
        await pilot.press("k")
        await pilot.pause()
        await pilot.press("A")
        await pilot.pause()
        accepted = (codes_on(imported, REF, "ann"), _status(imported))
        gone = _shown(app)  # a decided suggestion is no longer offered
        await pilot.press("u")
        await pilot.pause()
        return (*accepted, gone, codes_on(imported, REF, "ann"), _status(imported))

    codes, status, gone, undone_codes, undone_status = drive(imported, steps)
    assert codes == {"ptype-capacity": None}
    assert status == {REF: ("accepted", "ann")}
    assert gone is False
    assert undone_codes == {} and undone_status == {REF: ("open", None)}
    with open_store(imported) as store:
        trail = [json.loads(a) for (a,) in store.query(
            "SELECT after FROM events WHERE kind = 'suggestion' AND coder = 'ann'")]
        made = store.query("SELECT action_id FROM events WHERE kind IN ('add', 'suggestion') "
                           "AND coder = 'ann'")
    assert [(t["decision"], t["excerpt"], t["code"], t["source"]) for t in trail] == [
        ("accepted", REF, "ptype-capacity", "search")]
    assert len({a for (a,) in made}) == 1  # the coding and its provenance: one action


def test_rejecting_is_recorded_and_undoable(imported: Path) -> None:
    _suggest(imported)

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[dict, dict, dict, bool]:
        await _to_ref(app, pilot)
        await pilot.press("o")
        await pilot.pause()
        await pilot.press("X")
        await pilot.pause()
        rejected = _status(imported)
        await pilot.press("u")
        await pilot.pause()
        return rejected, codes_on(imported, REF, "ann"), _status(imported), _shown(app)

    rejected, codes, reopened, shown = drive(imported, steps)
    assert rejected == {REF: ("rejected", "ann")}
    assert codes == {"ptype-operational": None}  # rejecting makes no coding
    assert reopened == {REF: ("open", None)} and shown is True
