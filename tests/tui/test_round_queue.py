"""The workbench follows the round: a coder of an open round works through its excerpts
first, in the round's order, sees "round NAME: reviewed/total" in the top bar, can browse the
rest, is told when the round is done, and goes on through the rest of the corpus."""

from __future__ import annotations

from pathlib import Path

from conftest import current_ref, drive, open_store, screen_text
from textual.pilot import Pilot

from qcoder.rounds import assign_documents, get_round, start_round
from qcoder.tui.app import QcoderApp


def _refs(project: Path, name: str) -> list[str]:
    with open_store(project) as store:
        found = get_round(store, name)
        return [store.excerpt(e).ref for e in found.excerpt_ids]


def _status(app: QcoderApp) -> str:
    return screen_text(app)[0]


def test_next_unreviewed_goes_through_the_sampled_round_in_its_order(imported: Path) -> None:
    with open_store(imported) as store:
        start_round(store, "pilot", 50, ["ann", "ben"], seed=7)
    queue = _refs(imported, "pilot")
    assert 1 < len(queue) < 8  # a sample, not the whole corpus

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[list[str], list[str]]:
        seen, bars = [current_ref(app)], [_status(app)]
        for _ in range(len(queue) - 1):
            await pilot.press("space")  # no code, next unreviewed
            await pilot.pause()
            seen.append(current_ref(app))
            bars.append(_status(app))
        return seen, bars

    seen, bars = drive(imported, steps)
    assert seen == queue
    for done, bar in enumerate(bars):
        assert f"round pilot: {done}/{len(queue)}" in bar


def test_the_end_of_the_queue_is_said_and_the_rest_follows(imported: Path) -> None:
    with open_store(imported) as store:
        assign_documents(store, "pilot", ["beta/report"], ["ann"])

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[list[str], str, list[str]]:
        seen = [current_ref(app)]
        for _ in range(3):
            await pilot.press("space")
            await pilot.pause()
            seen.append(current_ref(app))
        return seen, _status(app), [n.message for n in app._notifications]

    seen, bar, notes = drive(imported, steps)
    # The round's document first, although it comes last in corpus order; then the rest.
    assert seen == ["beta/report#1", "beta/report#2", "alpha/interview#1", "alpha/interview#2"]
    assert "round pilot: 2/2" in bar
    assert any("round queue is done (round pilot: 2/2)" in n for n in notes)


def test_the_coder_can_browse_outside_the_queue_and_come_back(imported: Path) -> None:
    with open_store(imported) as store:
        assign_documents(store, "pilot", ["beta/report"], ["ann"])

    async def steps(app: QcoderApp, pilot: Pilot) -> list[str]:
        seen = [current_ref(app)]
        await pilot.press("k")  # step back in corpus order: out of the queue
        seen.append(current_ref(app))
        await pilot.press("space")  # reviewed, and next unreviewed is the queue's again
        await pilot.pause()
        seen.append(current_ref(app))
        return seen

    assert drive(imported, steps) == ["beta/report#1", "alpha/notes#2", "beta/report#1"]


def test_a_coder_outside_the_round_has_no_queue(imported: Path) -> None:
    with open_store(imported) as store:
        assign_documents(store, "pilot", ["beta/report"], ["ben"])

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, str]:
        return current_ref(app), _status(app)

    ref, bar = drive(imported, steps)
    assert ref == "alpha/interview#1"
    assert "round" not in bar


def test_a_round_started_while_the_workbench_is_open_is_followed_after_refresh(
        imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, str, str]:
        before = _status(app)
        with open_store(imported) as store:  # the lead, in another process
            assign_documents(store, "pilot", ["beta/report"], ["ann"])
        await pilot.press("f5")
        await app.workers.wait_for_complete()
        await pilot.pause()
        await pilot.press("n")
        await pilot.pause()
        return before, _status(app), current_ref(app)

    before, after, ref = drive(imported, steps)
    assert "round" not in before
    assert "round pilot: 0/2" in after
    assert ref == "beta/report#1"
