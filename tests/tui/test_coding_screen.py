"""The whole coding loop driven by keys through Pilot, with the database checked afterwards
through a separate connection (what another process would see)."""

from __future__ import annotations

from pathlib import Path

from conftest import codes_on, current_ref, drive, excerpt_id, open_store, screen_text
from textual.pilot import Pilot

from qcoder.coding import Coding
from qcoder.tui.app import QcoderApp
from qcoder.tui.screens.coding import CodingScreen
from qcoder.tui.widgets.excerpt_list import ExcerptList


def prepare(project: Path, coder: str, *actions: tuple[str, str, str | None]) -> None:
    """Code before the app starts: (method, ref, code) through the core."""
    with open_store(project) as store:
        coding = Coding(store, store.codebook(), coder)
        for method, ref, code in actions:
            target = store.excerpt_by_ref(ref).id
            getattr(coding, method)(target, *([code] if code else []))


def test_first_start_imports_and_opens_on_the_first_excerpt(wb: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> None:
        assert isinstance(app.screen, CodingScreen)
        assert current_ref(app) == "alpha/interview#1"
        await pilot.press("s")

    drive(wb, steps)
    assert codes_on(wb, "alpha/interview#1", "ann") == {"framing-security": None}


def test_opens_on_the_first_excerpt_this_coder_has_not_reviewed(imported: Path) -> None:
    prepare(imported, "ann", ("mark_reviewed", "alpha/interview#1", None),
            ("apply", "alpha/interview#2", "framing-security"))
    prepare(imported, "bob", ("mark_reviewed", "alpha/interview#3", None))

    async def steps(app: QcoderApp, pilot: Pilot) -> str:
        return current_ref(app)

    assert drive(imported, steps) == "alpha/interview#3"


def test_moving_by_keys_crosses_documents(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> list[str]:
        seen = []
        for key in ("j", "j", "j", "j", "k", "G", "g", "down"):
            await pilot.press(key)
            seen.append(current_ref(app))
        return seen

    assert drive(imported, steps) == [
        "alpha/interview#2", "alpha/interview#3", "alpha/interview#4", "alpha/notes#1",
        "alpha/interview#4", "alpha/interview#4", "alpha/interview#1", "alpha/interview#2"]


def test_a_code_key_works_whichever_panel_has_focus(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> None:
        await pilot.press("d")
        await pilot.press("tab", "j", "d")
        await pilot.press("tab", "j", "d")
        await pilot.press("tab", "j", "d")

    drive(imported, steps)
    for n in (1, 2, 3, 4):
        assert codes_on(imported, f"alpha/interview#{n}", "ann") == {"framing-development": None}


def test_the_same_key_again_removes_the_code_and_keeps_the_review(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> None:
        await pilot.press("s", "s")

    drive(imported, steps)
    assert codes_on(imported, "alpha/interview#1", "ann") == {}
    with open_store(imported) as store:
        assert store.is_reviewed(excerpt_id(imported, "alpha/interview#1"), "ann")


def test_apply_an_unkeyed_code_with_the_picker(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> None:
        await pilot.press("enter", *"capac", "enter")

    drive(imported, steps)
    assert codes_on(imported, "alpha/interview#1", "ann") == {"ptype-capacity": None}


def test_a_new_child_of_an_exclusive_group_replaces_the_old_one(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> list[str]:
        await pilot.press("o", "s", "p")
        return [n.message for n in app._notifications]

    messages = drive(imported, steps)
    assert codes_on(imported, "alpha/interview#1", "ann") == {
        "framing-security": None, "ptype-dialogue": None}
    assert any("Operational" in m and "Policy dialogue" in m for m in messages)


def test_memos_on_the_excerpt_and_on_a_coding(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> None:
        await pilot.press("m", *"ask Ana", "escape")
        await pilot.press("s", "M", *"ironic", "ctrl+s")

    drive(imported, steps)
    with open_store(imported) as store:
        target = store.excerpt_by_ref("alpha/interview#1").id
        assert store.memo_of(target, "ann") == "ask Ana"
        assert store.codes_of(target, "ann") == {"framing-security": "ironic"}


def test_memo_on_one_of_several_codings_is_chosen_by_picker(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> None:
        await pilot.press("s", "o", "M", *"oper", "enter", *"why", "escape")

    drive(imported, steps)
    assert codes_on(imported, "alpha/interview#1", "ann") == {
        "framing-security": None, "ptype-operational": "why"}


def test_undo_and_redo_survive_a_restart(imported: Path) -> None:
    async def code(app: QcoderApp, pilot: Pilot) -> None:
        await pilot.press("s", "j", "o")

    drive(imported, code)

    async def undo(app: QcoderApp, pilot: Pilot) -> list[str]:
        refs = []
        await pilot.press("j", "j")
        await pilot.press("u")
        refs.append(current_ref(app))
        await pilot.press("u")
        refs.append(current_ref(app))
        await pilot.press("r")
        refs.append(current_ref(app))
        return refs

    assert drive(imported, undo) == ["alpha/interview#2", "alpha/interview#1",
                                     "alpha/interview#1"]
    assert codes_on(imported, "alpha/interview#1", "ann") == {"framing-security": None}
    assert codes_on(imported, "alpha/interview#2", "ann") == {}


def test_next_unreviewed_skips_what_this_coder_did_and_wraps(imported: Path) -> None:
    prepare(imported, "ann", ("mark_reviewed", "alpha/interview#3", None),
            ("mark_reviewed", "alpha/interview#4", None))
    prepare(imported, "bob", ("mark_reviewed", "alpha/notes#1", None))

    async def steps(app: QcoderApp, pilot: Pilot) -> list[str]:
        await pilot.press("space")
        refs = [current_ref(app)]
        for _ in range(5):
            await pilot.press("n")
            refs.append(current_ref(app))
        return refs

    assert drive(imported, steps) == ["alpha/interview#2", "alpha/notes#1", "alpha/notes#2",
                                      "beta/report#1", "beta/report#2", "alpha/interview#2"]


def test_no_code_marks_reviewed_and_moves_on_and_clear_removes_codes(imported: Path) -> None:
    prepare(imported, "ann", ("mark_reviewed", "alpha/interview#2", None))

    async def steps(app: QcoderApp, pilot: Pilot) -> str:
        await pilot.press("space")
        landed = current_ref(app)
        await pilot.press("k", "s", "o", "x")
        return landed

    assert drive(imported, steps) == "alpha/interview#3"
    with open_store(imported) as store:
        first, second, third = (store.excerpt_by_ref(f"alpha/interview#{n}").id
                                for n in (1, 2, 3))
        assert store.is_reviewed(first, "ann") and store.codes_of(first, "ann") == {}
        assert store.is_reviewed(second, "ann") and store.codes_of(second, "ann") == {}
        assert not store.is_reviewed(third, "ann")


def test_blind_other_coders_codings_are_never_shown(imported: Path) -> None:
    prepare(imported, "bob", ("apply", "alpha/interview#1", "framing-security"),
            ("apply", "alpha/interview#2", "ptype-operational"))

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        screen = app.screen
        panel_marks = set(screen.query_one("#codes").applied)
        shown = str(screen.query_one("#excerpt-codes").render())
        line = screen.query_one(ExcerptList).line_at(0)
        await pilot.press("slash", *"Security", "down", "down", "down", "down", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        return panel_marks, shown, (line.reviewed, line.codes), screen.filtered

    marks, shown, line_state, filtered = drive(imported, steps)
    assert marks == set() and "Security" not in shown and line_state == (False, 0)
    assert filtered is None


def test_filters_and_search_list_matches_across_documents(imported: Path) -> None:
    prepare(imported, "ann", ("apply", "alpha/notes#2", "framing-security"),
            ("apply", "beta/report#2", "framing-security"))

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        screen = app.screen
        await pilot.press("slash", *"returns", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        search = [screen.query_one(ExcerptList).line_at(i).ref for i in range(2)]
        after_search = current_ref(app)
        await pilot.press("j")
        second = current_ref(app)
        await pilot.press("escape")
        cleared = screen.filtered is None
        await pilot.press("slash", *"secu")
        options = screen.app.screen.query_one("#choices")
        await pilot.press(*["down"] * (options.option_count - 1), "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        coded = len(screen.filtered) if screen.filtered else 0
        return search, after_search, second, cleared, coded

    search, after_search, second, cleared, coded = drive(imported, steps)
    assert search == ["alpha/interview#2", "beta/report#2"]
    assert (after_search, second, cleared, coded) == ("alpha/interview#2", "beta/report#2",
                                                      True, 2)


def test_choosing_a_document_opens_its_first_unreviewed_excerpt(imported: Path) -> None:
    prepare(imported, "ann", ("mark_reviewed", "beta/report#1", None))

    async def steps(app: QcoderApp, pilot: Pilot) -> str:
        tree = app.screen.query_one("#documents")
        tree.focus()
        await pilot.pause()
        tree.select_node(tree.node_for(excerpt_doc(app)))
        await pilot.pause()
        return current_ref(app)

    def excerpt_doc(app: QcoderApp) -> int:
        return app.session.store.excerpt_by_ref("beta/report#1").document_id

    assert drive(imported, steps) == "beta/report#2"


def test_progress_in_the_navigator_counts_this_coders_reviews(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        await pilot.press("s", "j", "space")
        nav = app.session.navigation
        return nav.totals(), str(app.screen.query_one("#status").render())

    totals, status = drive(imported, steps)
    assert totals == (2, 8)
    assert "2/8 reviewed" in status


def test_a_coding_far_down_a_long_document_shows_in_its_list_line(wb: Path) -> None:
    long = "\n\n".join(f"Paragraph {n} about returns." for n in range(1, 41))
    (wb / "cases" / "beta" / "report.txt").write_text(long + "\n", encoding="utf-8")

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[list[str], list[str]]:
        await pilot.press("n", "n", "n", "n", "n", "n", "G")
        before = [line for line in screen_text(app) if "40 Paragraph" in line]
        await pilot.press("s")
        return before, [line for line in screen_text(app) if "40 Paragraph" in line]

    before, after = drive(wb, steps, size=(80, 24))
    assert before and after
    assert before[0].startswith("·") and after[0].startswith("✓")


def test_stepping_back_into_a_long_document_shows_its_last_excerpt_in_the_list(
        wb: Path) -> None:
    long = "\n\n".join(f"Note {n} on training." for n in range(1, 41))
    (wb / "cases" / "alpha" / "notes.md").write_text(long + "\n", encoding="utf-8")

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, list[str]]:
        await pilot.press("G", "j", "G", "j", "k")
        return current_ref(app), [line for line in screen_text(app) if "40 Note" in line]

    ref, rows = drive(wb, steps, size=(80, 24))
    assert ref == "alpha/notes#40" and rows


def test_capital_and_digit_code_keys_work(wb: Path) -> None:
    book = wb / "codebooks" / "border-talks.yaml"
    text = book.read_text().replace("        key: d\n", "        key: '7'\n")
    text = text.replace("definition: Training and equipment, no key on purpose.",
                        "definition: Training and equipment.\n        key: B")
    book.write_text(text)

    async def steps(app: QcoderApp, pilot: Pilot) -> None:
        await pilot.press("B", "7")

    drive(wb, steps)
    assert codes_on(wb, "alpha/interview#1", "ann") == {"ptype-capacity": None,
                                                        "framing-development": None}


def test_the_picker_and_the_filter_open_afresh_each_time(imported: Path) -> None:
    """Both dialogs are kept between openings: each opening starts with an empty query
    line, every choice listed and the marks of the excerpt now shown."""
    async def steps(app: QcoderApp, pilot: Pilot) -> list[tuple]:
        seen = []

        async def look() -> None:
            await pilot.pause()
            dialog = app.screen
            choices = dialog.query_one("OptionList")
            seen.append((type(dialog).__name__, dialog.query_one("Input").value,
                         choices.option_count, str(choices.get_option_at_index(0).prompt)))

        await pilot.press("enter")
        await look()
        await pilot.press(*"capac")
        await look()
        await pilot.press("enter", "enter")  # apply Capacity, then open again
        await look()
        await pilot.press("escape", "slash", *"visas")
        await look()
        await pilot.press("escape", "slash")
        await look()
        await pilot.press("escape")
        return seen

    seen = drive(imported, steps)
    (first, typed, again, filtered, refilled) = seen
    assert first[:2] == ("CodePicker", "") and typed[1:3] == ("capac", 2)  # and "New code"
    assert again[:3] == first[:3]  # the whole codebook again, the query gone
    assert codes_on(imported, "alpha/interview#1", "ann") == {"ptype-capacity": None}
    assert filtered[:2] == ("FilterScreen", "visas")
    assert refilled[1] == "" and refilled[2] > filtered[2]  # every code, no text choices
    assert "Text contains" in filtered[3] and "Text contains" not in refilled[3]


def test_the_reopened_picker_marks_the_codes_of_the_excerpt_shown(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> list[list[str]]:
        marked = []
        for keys in (("o", "enter"), ("escape", "j", "enter")):
            await pilot.press(*keys)
            await pilot.pause()
            choices = app.screen.query_one("OptionList")
            marked.append([choices.get_option_at_index(i).id
                           for i in range(choices.option_count)
                           if str(choices.get_option_at_index(i).prompt).startswith("✓")])
        await pilot.press("escape")
        return marked

    on_first, on_second = drive(imported, steps)
    assert on_first == ["ptype-operational"] and on_second == []


def test_the_reopened_picker_and_filter_show_a_changed_codebook(imported: Path) -> None:
    """Choices are kept between openings only while they show the same codes: a code
    relabelled since the last opening is listed under its new label in both dialogs."""
    from qcoder.project.codebook import load_codebook

    book = imported / "codebooks" / "border-talks.yaml"

    async def steps(app: QcoderApp, pilot: Pilot) -> list[list[str]]:
        shown = []

        async def labels(key: str) -> None:
            await pilot.press(key)
            await pilot.pause()
            choices = app.screen.query_one("OptionList")
            shown.append([str(choices.get_option_at_index(i).prompt)
                          for i in range(choices.option_count)])
            await pilot.press("escape")

        coding = app.screen
        await labels("enter")
        await labels("slash")
        book.write_text(book.read_text().replace("label: Capacity", "label: Skills"))
        coding.session.codebook = load_codebook(book)
        await labels("enter")
        await labels("slash")
        return shown

    picker, flt, picker_after, flt_after = drive(imported, steps)
    assert any("Capacity" in p for p in picker) and not any("Skills" in p for p in picker)
    assert any("Skills building" in p for p in picker_after)
    assert not any("Capacity" in p for p in picker_after)
    assert "Coded with Capacity building" in flt and "Coded with Capacity building" not in \
        flt_after and "Coded with Skills building" in flt_after
