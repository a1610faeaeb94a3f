"""Selection mode in the workbench: select a sentence, code just that span, undo, restart."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import drive, make_workbench_project, open_store, screen_text

from qcoder.tui.widgets.span_select import SelectionBar

TURN = "alpha/interview#2"
FIRST = "Official: With talks on returns."
SECOND = "Then money for equipment followed."


@pytest.fixture
def two_sentences(tmp_path: Path) -> Path:
    """The workbench project whose second turn has two sentences."""
    root = make_workbench_project(tmp_path / "proj")
    path = root / "cases" / "alpha" / "interview.txt"
    text = path.read_text(encoding="utf-8")
    old = "Official: With talks on returns, and then money for equipment followed."
    assert old in text
    path.write_text(text.replace(old, f"{FIRST} {SECOND}"), encoding="utf-8")
    return root


def span_codings(project: Path, coder: str = "ann") -> list[tuple[str, str, str]]:
    """(ref, quote, code) of ``coder``'s codings on selection excerpts, active ones."""
    with open_store(project) as store:
        rows = [store.excerpt(i) for (i,) in store.query(
            "SELECT id FROM excerpts WHERE selection IS NOT NULL AND active = 1")]
        return sorted((r.ref, r.text, c) for r in rows if r is not None
                      for c in store.codes_of(r.id, coder))


async def _go_to_turn(app, pilot) -> None:
    await pilot.press("j")  # from #1 (not reviewed) to the official's turn
    await pilot.pause()
    assert app.session.store.excerpt(app.screen.current).ref == TURN


def test_select_a_sentence_code_it_undo_and_restart(two_sentences: Path) -> None:
    async def code_span(app, pilot) -> None:
        await _go_to_turn(app, pilot)
        await pilot.press("V")
        await pilot.pause()
        bar = app.screen.query_one(SelectionBar)
        assert bar.has_focus and bar.selection is not None
        text = app.session.store.excerpt(app.screen.current).text
        assert bar.selection.quote(text) == FIRST
        await pilot.press("down", "shift+left", "shift+left")  # the next sentence, shrunk
        await pilot.press("shift+right")  # … and extended by a word
        await pilot.pause()
        assert bar.selection.quote(text) == "Then money for equipment followed"
        await pilot.press("left")  # the word before
        await pilot.pause()
        assert bar.selection.quote(text) == "returns"
        await pilot.press("right", "shift+right")
        await pilot.pause()
        assert bar.selection.quote(text) == "Then money"
        await pilot.press("up")  # the sentence around it
        await pilot.pause()
        assert bar.selection.quote(text) == SECOND
        await pilot.press("up", "shift+down")  # the first sentence, extended by the second
        await pilot.pause()
        assert bar.selection.quote(text) == f"{FIRST} {SECOND}"
        await pilot.press("shift+up", "down")
        await pilot.pause()
        assert bar.selection.quote(text) == SECOND
        await pilot.press("s")  # Security framing, on the sentence only
        await pilot.pause()
        assert app.session.store.codes_of(app.screen.current, "ann") == {}
        assert any("My spans" in line for line in screen_text(app))
        assert any("#s1" in line for line in screen_text(app))
        await pilot.press("d")
        await pilot.pause()
        await pilot.press("u")  # undo the second span coding only
        await pilot.pause()
        await pilot.press("escape")
        await pilot.pause()
        assert not bar.active and not bar.display

    drive(two_sentences, code_span)
    assert span_codings(two_sentences) == [(f"{TURN[:-2]}#s1", SECOND, "framing-security")]

    async def after_restart(app, pilot) -> None:
        await _go_to_turn(app, pilot)
        shown = "\n".join(screen_text(app))
        assert "#s1" in shown and "Security framing" in shown, shown
        await pilot.press("u")  # the history survives the restart
        await pilot.pause()
        assert not any("#s1" in line for line in screen_text(app))

    drive(two_sentences, after_restart)
    assert span_codings(two_sentences) == []


def test_escape_leaves_the_mode_and_keys_code_the_excerpt_again(imported: Path) -> None:
    async def steps(app, pilot) -> None:
        await _go_to_turn(app, pilot)
        await pilot.press("V", "escape", "s")
        await pilot.pause()
        assert set(app.session.store.codes_of(app.screen.current, "ann")) == {
            "framing-security"}
        await pilot.press("V", "j")  # another excerpt ends the mode
        await pilot.pause()
        assert not app.screen.query_one(SelectionBar).active

    drive(imported, steps)
    assert span_codings(imported) == []


def test_the_picker_codes_the_selected_span(two_sentences: Path) -> None:
    async def steps(app, pilot) -> None:
        await _go_to_turn(app, pilot)
        await pilot.press("V", "down", "enter", *"capac", "enter")
        await pilot.pause()
        bar = app.screen.query_one(SelectionBar)
        assert bar.active and bar.has_focus  # still selecting after the picker closed
        assert app.session.store.codes_of(app.screen.current, "ann") == {}

    drive(two_sentences, steps)
    assert span_codings(two_sentences) == [(f"{TURN[:-2]}#s1", SECOND, "ptype-capacity")]


def test_control_characters_and_markup_in_the_text_show_as_signs_everywhere(
        tmp_path: Path) -> None:
    """ESC, BEL and ``[bold]`` in a turn: the list row, the excerpt, the selection bar and
    the "My spans" line all show ␛ and ␇ (Rich would delete a BEL, shifting every offset
    after it) and the brackets as typed; the highlighted selection is exactly its quote."""
    from qcoder.safe_text import visible

    root = make_workbench_project(tmp_path / "proj")
    path = root / "cases" / "alpha" / "interview.txt"
    text = path.read_text(encoding="utf-8")
    old = "Official: With talks on returns, and then money for equipment followed."
    hostile = "Official: Talks\x07 \x1b[31mon [bold]returns[/bold]."
    path.write_text(text.replace(old, f"{hostile} {SECOND}"), encoding="utf-8")
    shown_hostile = "Talks␇ ␛[31mon [bold]returns[/bold]."

    async def steps(app, pilot) -> None:
        await _go_to_turn(app, pilot)
        view = app.screen.query_one("#excerpt")
        body = view.part("excerpt-text")
        assert body.plain.startswith(f"Official: {shown_hostile}"), body.plain
        shown = "\n".join(screen_text(app))
        assert "Talks␇ ␛[31mon" in shown and "[bold]returns[/bold]" in shown, shown
        assert "\x07" not in shown and "\x1b" not in shown
        await pilot.press("V")
        await pilot.pause()
        bar = app.screen.query_one(SelectionBar)
        assert shown_hostile in bar.render().plain
        body = view.part("excerpt-text")
        selected = [(s.start, s.end) for s in body.spans if "reverse" in str(s.style)]
        assert [body.plain[a:b] for a, b in selected] == [visible(hostile)]
        await pilot.press("s")
        await pilot.pause()
        codes = view.part("excerpt-codes").plain
        assert "My spans" in codes and "Talks␇ ␛[31mon [bold]returns[" in codes, codes
        shown = "\n".join(screen_text(app))
        assert shown.count("Talks␇ ␛[31mon") >= 2, shown  # the excerpt and the "My spans" line
        await pilot.press("escape", "slash", *"returns", "enter")  # text contains
        await app.workers.wait_for_complete()
        await pilot.pause()
        body = view.part("excerpt-text")
        hits = [body.plain[s.start:s.end] for s in body.spans if "reverse" in str(s.style)]
        assert hits == ["returns"]  # found after the BEL, highlighted where it is
        await pilot.press("escape", "slash", *"Talks", "enter")
        await app.workers.wait_for_complete()
        await pilot.pause()
        rows = [line for line in screen_text(app) if "i#2 Off: Talks␇ ␛" in line]
        assert rows, screen_text(app)  # the filter list's row

    drive(root, steps)
    assert span_codings(root) == [(f"{TURN[:-2]}#s1", hostile, "framing-security")]
