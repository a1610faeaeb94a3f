"""A day of coding at 80×24: one meaning per key, removals said with undo, help and dialogs
read to their end, the coder's codes in view, long turns readable."""

from __future__ import annotations

from pathlib import Path

from conftest import codes_on, current_ref, drive, open_store, screen_text
from textual.pilot import Pilot

from qcoder.coding import Coding
from qcoder.importer import import_project
from qcoder.project.folder import open_project
from qcoder.tui.app import QcoderApp
from qcoder.tui.screens.picker import CodePicker
from qcoder.tui.widgets.excerpt_view import ref_text

SMALL = (80, 24)
LONG_TURN = ("Official: " + " ".join(f"word{i}" for i in range(300)) + " the end of the turn.")


def apply(project: Path, ref: str, *codes: str) -> None:
    with open_store(project) as store:
        coding = Coding(store, store.codebook(), "ann")
        for code in codes:
            coding.apply(store.excerpt_by_ref(ref).id, code)


def notes(app: QcoderApp) -> list[str]:
    return [n.message for n in app._notifications]


def test_enter_in_the_codebook_opens_the_picker_and_never_toggles(imported: Path) -> None:
    apply(imported, "alpha/interview#1", "framing-security")

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, str | None, dict]:
        await pilot.press("k")  # back to interview#1 (the app opens on the first to do)
        codes = app.screen.query_one("#codes")
        codes.focus()
        codes.highlighted = codes.get_option_index("framing-security")
        await pilot.press("enter")
        await pilot.pause()
        picker = app.screen
        highlighted = picker.query_one("#matches").highlighted_option.id
        return type(picker).__name__, highlighted, codes_on(imported, "alpha/interview#1",
                                                             "ann")

    screen, highlighted, codes = drive(imported, steps, size=SMALL)
    assert (screen, highlighted) == ("CodePicker", "framing-security")
    assert codes == {"framing-security": None}  # Enter alone removed nothing


def test_a_removal_is_said_with_its_undo_key(imported: Path) -> None:
    apply(imported, "alpha/interview#1", "framing-security", "ptype-dialogue")

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[list[str], dict]:
        await pilot.press("k", "s")  # the key removes security framing
        await pilot.pause()
        said = notes(app)
        await pilot.press("u")
        return said, codes_on(imported, "alpha/interview#1", "ann")

    said, after_undo = drive(imported, steps, size=SMALL)
    assert "Removed Security framing · u: undo" in said
    assert after_undo == {"framing-security": None, "ptype-dialogue": None}


def test_removing_every_code_is_said_too(imported: Path) -> None:
    apply(imported, "alpha/interview#1", "framing-security", "ptype-dialogue")

    async def steps(app: QcoderApp, pilot: Pilot) -> list[str]:
        await pilot.press("k", "x")
        await pilot.pause()
        return notes(app)

    assert "Removed Security framing, Policy dialogue · u: undo" in drive(imported, steps,
                                                                            size=SMALL)


def test_help_scrolls_to_its_last_line_at_80x24(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, str]:
        await pilot.press("question_mark")
        await pilot.pause()
        top = "\n".join(screen_text(app))
        await pilot.press("end")
        await pilot.pause()
        return top, "\n".join(screen_text(app))

    top, bottom = drive(imported, steps, size=SMALL)
    assert "Rebind a command" not in top
    assert "Rebind a command by its id" in bottom
    assert "Partnership type › Policy dialogue" in bottom  # the code keys, at the end


def test_my_codes_stay_in_view_and_labels_are_whole_at_80x24(imported: Path) -> None:
    book = imported / "codebooks" / "border-talks.yaml"
    book.write_text(book.read_text().replace("label: Development framing",
                                             "label: Development and remittances framing"))
    (imported / "cases" / "alpha" / "interview.txt").write_text(
        "---\nkind: interview\n---\nInterviewer: Go on.\n\n" + LONG_TURN + "\n",
        encoding="utf-8")
    project = open_project(imported)
    with open_store(imported) as store:
        import_project(project, store)
    apply(imported, "alpha/interview#2", "framing-development")

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, str, str]:
        await pilot.press("j")
        await pilot.pause()
        shown = "\n".join(screen_text(app))
        await pilot.press("z")
        await pilot.pause()
        wide = "\n".join(screen_text(app))
        await pilot.press("end")
        await pilot.pause()
        return shown, wide, "\n".join(screen_text(app))

    shown, wide, end = drive(imported, steps, size=SMALL)
    words = " ".join(shown.split())
    assert "My codes" in shown and "Framing › Development and" in shown
    codebook = [line.rsplit("▊", 1)[-1] for line in shown.splitlines() if "▊" in line]
    assert "✓d Development and" in codebook[2] and "remittances framing" in codebook[3]
    assert "More below" in shown and "full width" in words
    assert "0/2 notes" in shown and "0/2 notes" not in wide  # z: the side panels go
    assert "the end of the turn." in end  # scrolled to the end of the long turn


def test_a_reference_breaks_after_the_case_never_mid_word() -> None:
    text = ref_text("eu-third-countries/interview-commission-official#12", 33)
    assert text.plain.split("\n") == ["eu-third-countries/", "interview-commission-official#12"]
    assert ref_text("alpha/interview#1", 33).plain == "alpha/interview#1"


def test_the_picker_is_read_to_its_end_at_80x24(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> str:
        await pilot.press("enter")
        await pilot.pause()
        assert isinstance(app.screen, CodePicker)
        return "\n".join(screen_text(app))

    assert "Esc: close" in drive(imported, steps, size=SMALL)


def test_the_memo_browser_lists_my_memos_and_jumps_to_one(imported: Path) -> None:
    with open_store(imported) as store:
        ann = Coding(store, store.codebook(), "ann")
        bob = Coding(store, store.codebook(), "bob")
        notes = store.excerpt_by_ref("alpha/notes#2").id
        first = store.excerpt_by_ref("alpha/interview#1").id
        ann.set_excerpt_memo(notes, "budget line: check the figure")
        ann.apply(first, "framing-security")
        ann.set_coding_memo(first, "framing-security", "ironic")
        bob.set_excerpt_memo(first, "bob's private note")

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, str, str]:
        await pilot.press("f2")
        await pilot.pause()
        listed = "\n".join(screen_text(app))
        await pilot.press(*"budget", "enter")
        await pilot.pause()
        return listed, type(app.screen).__name__, current_ref(app)

    listed, screen, ref = drive(imported, steps, size=SMALL)
    assert "My memos (2)" in listed and "ironic" in listed and "budget line" in listed
    assert "Security framing" in listed and "bob's private note" not in listed
    assert (screen, ref) == ("CodingScreen", "alpha/notes#2")


def test_the_picker_finds_words_of_definitions_below_label_matches(imported: Path) -> None:
    from qcoder.tui.screens.picker import rank

    with open_store(imported) as store:
        book = store.codebook()
    found = [code.id for code, _ in rank(book, "smuggling")]  # in an include rule only
    assert found[:1] == ["framing-security"]
    found = [code.id for code, _ in rank(book, "operation")]
    assert found[0] == "ptype-operational"  # the label, before "Joint operations" elsewhere
    assert [code.id for code, _ in rank(book, "ptype-dia")][:1] == ["ptype-dialogue"]


def test_an_interval_never_says_minus_zero() -> None:
    from qcoder.tui.screens.reconcile import _signed

    assert (_signed(-0.001), _signed(-0.02), _signed(1.0)) == ("0.00", "-0.02", "1.00")


def test_a_coder_name_next_to_a_known_one_is_asked_about(imported: Path) -> None:
    apply(imported, "alpha/interview#1", "framing-security")  # ann is known

    async def known(app: QcoderApp, pilot: Pilot) -> tuple[str, str]:
        for _ in range(200):
            if type(app.screen).__name__ == "CoderCheck":
                break
            await pilot.pause(0.02)
        asked = "\n".join(screen_text(app))
        await pilot.press("enter")
        for _ in range(200):
            if app.ready:
                break
            await pilot.pause(0.02)
        return asked, app.session.coder

    asked, coder = drive(imported, known, coder="Ann", ready=False, size=SMALL)
    assert "Did you mean ann?" in asked and coder == "ann"

    async def new(app: QcoderApp, pilot: Pilot) -> str:
        for _ in range(200):
            if type(app.screen).__name__ == "CoderCheck":
                break
            await pilot.pause(0.02)
        await pilot.press("n")
        for _ in range(200):
            if app.ready:
                break
            await pilot.pause(0.02)
        return app.session.coder

    assert drive(imported, new, coder="anne", ready=False, size=SMALL) == "anne"


def test_the_top_bar_never_cuts_another_coders_name(imported: Path) -> None:
    for coder in ("bartholomew", "constantina", "maximiliane"):
        with open_store(imported) as store:
            Coding(store, store.codebook(), coder).mark_reviewed(
                store.excerpt_by_ref("alpha/interview#1").id)

    async def steps(app: QcoderApp, pilot: Pilot) -> str:
        await app.workers.wait_for_complete()
        await pilot.pause()
        return screen_text(app)[0]

    top = drive(imported, steps, size=SMALL)
    assert "3 others: 1" in top and "bartholomew" not in top


def test_progress_due_while_a_dialog_is_open_is_read_when_it_closes(imported: Path) -> None:
    """The periodic progress read waits for the dialog over the coding screen to close
    (what changes under a dialog is redrawn through its backdrop), then runs."""
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, str, str, str]:
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        await pilot.pause()
        coding = app.screen
        before = str(coding.query_one("#status").render())
        with open_store(imported) as store:
            Coding(store, store.codebook(), "bob").mark_reviewed(
                store.excerpt_by_ref("alpha/interview#1").id)
        await pilot.press("slash")
        await pilot.pause()
        coding.action_refresh()  # the 30-second timer fires under the filter
        await app.workers.wait_for_complete()
        await pilot.pause()
        under = str(coding.query_one("#status").render())
        await pilot.press("escape")
        await pilot.pause()
        await app.workers.wait_for_complete()
        await pilot.pause()
        return str(type(app.screen).__name__), before, under, screen_text(app)[0]

    screen, before, under, after = drive(imported, steps)
    assert screen == "CodingScreen" and "bob" not in before
    assert "bob" not in under and "bob 1" in after


def test_the_periodic_progress_read_runs_only_after_writes_from_outside(
        imported: Path) -> None:
    """Every 30 s the workbench re-reads progress, unless only it wrote since the last
    read (its own codings are counted as they are made): another coder's review is read."""
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[int, int, str]:
        await pilot.pause(0.2)
        await app.workers.wait_for_complete()
        coding = app.screen

        def reads() -> int:
            return sum(w.group == "refresh" for w in app.workers)

        before = reads()
        await pilot.press("s")  # a coding of this workbench's own
        coding._refresh_if_written()  # the timer fires
        own = reads() - before
        with open_store(imported) as store:
            Coding(store, store.codebook(), "bob").mark_reviewed(
                store.excerpt_by_ref("beta/report#1").id)
        coding._refresh_if_written()
        outside = reads() - before - own
        await app.workers.wait_for_complete()
        await pilot.pause()
        return own, outside, screen_text(app)[0]

    own, outside, top = drive(imported, steps)
    assert (own, outside) == (0, 1)
    assert "bob 1" in top
