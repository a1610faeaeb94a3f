"""The comparison screen driven by keys: the heat table's numbers, a cell's excerpts, the jump
to the coding screen, and whose codings count."""

from __future__ import annotations

from pathlib import Path

from conftest import current_ref, drive, open_store, screen_text
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from qcoder.coding import Coding
from qcoder.tui.app import QcoderApp
from qcoder.tui.screens.coding import CodingScreen
from qcoder.tui.screens.compare import CompareScreen


def prepare(project: Path, coder: str, *actions: tuple[str, str]) -> None:
    with open_store(project) as store:
        coding = Coding(store, store.codebook(), coder)
        for ref, code in actions:
            target = store.excerpt_by_ref(ref).id
            if code:
                coding.apply(target, code)
            else:
                coding.mark_reviewed(target)


async def open_compare(app: QcoderApp, pilot: Pilot) -> CompareScreen:
    await pilot.press("C")
    for _ in range(300):
        screen = app.screen
        if isinstance(screen, CompareScreen) and screen.matrix is not None:
            await pilot.pause()
            return screen
        await pilot.pause(0.02)
    raise AssertionError(f"the comparison did not open; screen is {app.screen!r}")


def cell_text(screen: CompareScreen, code: str, column: str) -> str:
    table = screen.query_one("#matrix", DataTable)
    return str(table.get_cell(code, column))


def test_heat_table_shows_this_coders_percentages(imported: Path) -> None:
    # ann: interview#1 security, #2 security + development, #3 reviewed; report#1 development
    prepare(imported, "ann", ("alpha/interview#1", "framing-security"),
            ("alpha/interview#2", "framing-security"), ("alpha/interview#2", "framing-development"),
            ("alpha/interview#3", ""), ("beta/report#1", "framing-development"))
    prepare(imported, "bob", ("beta/report#2", "framing-security"))

    async def steps(app: QcoderApp, pilot: Pilot) -> dict[str, str]:
        screen = await open_compare(app, pilot)
        status = str(screen.query_one("#compare-status", Static).render())
        cells = {"status": status,
                 "framing alpha": cell_text(screen, "framing", "alpha"),
                 "security alpha": cell_text(screen, "framing-security", "alpha"),
                 "framing beta": cell_text(screen, "framing", "beta")}
        await pilot.press("m")
        cells["framing alpha count"] = cell_text(screen, "framing", "alpha")
        return cells

    cells = drive(imported, steps)
    assert "codings of coder 'ann'" in cells["status"]
    assert cells["framing alpha"] == "66.7"  # 2 of 3 reviewed in alpha, counted once
    assert cells["security alpha"] == "66.7"
    assert cells["framing beta"] == "100.0"  # bob's coding in beta is not ann's
    assert cells["framing alpha count"] == "2"


def test_a_cell_lists_its_excerpts_and_enter_opens_one_for_coding(imported: Path) -> None:
    prepare(imported, "ann", ("alpha/interview#2", "framing-security"),
            ("alpha/interview#4", "framing-security"), ("beta/report#1", "framing-security"))

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[list[str], str, str]:
        screen = await open_compare(app, pilot)
        table = screen.query_one("#matrix", DataTable)
        table.move_cursor(row=table.get_row_index("framing-security"),
                          column=table.get_column_index("alpha"))
        await pilot.pause()
        listing = screen.query_one("#cell-excerpts", DataTable)
        refs = [str(listing.get_row_at(i)[0]) for i in range(listing.row_count)]
        title = str(screen.query_one("#cell-title", Static).render())
        await pilot.press("enter", "down", "enter")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        await pilot.pause()
        return refs, title, current_ref(app)

    refs, title, opened = drive(imported, steps)
    assert refs == ["alpha/interview#2", "alpha/interview#4"]
    assert title.startswith("framing-security × alpha: 2 excerpts")
    assert opened == "alpha/interview#4"


def test_escape_goes_back_and_w_pools_the_coders_for_a_lead(imported: Path) -> None:
    prepare(imported, "ann", ("alpha/interview#1", "framing-security"))
    prepare(imported, "bob", ("alpha/interview#2", "framing-development"))

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, str, str, str]:
        screen = await open_compare(app, pilot)
        own = cell_text(screen, "framing", "alpha")
        await pilot.press("m")  # counts
        await pilot.press("w")
        for _ in range(200):
            if "pooled" in str(screen.query_one("#compare-status", Static).render()):
                break
            await pilot.pause(0.02)
        await pilot.pause()
        pooled = cell_text(screen, "framing", "alpha")
        status = str(screen.query_one("#compare-status", Static).render())
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, CodingScreen)
        await pilot.pause()
        return own, pooled, status, current_ref(app)

    own, pooled, status, back = drive(imported, steps, lead=True)
    assert own == "100.0"  # ann reviewed one alpha excerpt and coded it
    assert pooled == "2"  # interview#1 (ann) and interview#2 (bob)
    assert "all coders pooled (ann, bob)" in status
    assert back == "alpha/interview#2"  # where ann's coding screen was (first unreviewed)


def test_a_coder_sees_only_their_own_codings_even_with_none(imported: Path) -> None:
    # bob coded interview#1; ann has coded nothing: blind, she sees no pooled view.
    prepare(imported, "bob", ("alpha/interview#1", "framing-security"))

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, str, str, list[str], str]:
        screen = await open_compare(app, pilot)
        status = str(screen.query_one("#compare-status", Static).render())
        cell = cell_text(screen, "framing-security", "alpha")
        await pilot.press("w")  # other bases: asks, Escape says no
        await pilot.pause()
        asked = type(app.screen).__name__
        await pilot.press("escape")
        await pilot.pause()
        listing = screen.query_one("#cell-excerpts", DataTable)
        refs = [str(listing.get_row_at(i)[0]) for i in range(listing.row_count)]
        return status, cell, asked, refs, str(screen.query_one("#compare-status",
                                                               Static).render())

    status, cell, asked, refs, after = drive(imported, steps)
    assert "codings of coder 'ann'" in status
    assert cell == "–"  # ann reviewed nothing in alpha: no percentage, not bob's 100
    assert asked == "LeadPrompt"
    assert "codings of coder 'ann'" in after and refs == []
    with open_store(imported) as store:
        assert store.query("SELECT COUNT(*) FROM events WHERE kind = 'unblind'") == [(0,)]


def test_confirming_as_lead_is_logged_and_shows_the_pooled_view(imported: Path) -> None:
    prepare(imported, "ann", ("alpha/interview#1", "framing-security"))
    prepare(imported, "bob", ("alpha/interview#2", "framing-development"))

    async def steps(app: QcoderApp, pilot: Pilot) -> str:
        screen = await open_compare(app, pilot)
        await pilot.press("w", "y")
        for _ in range(200):
            if "pooled" in str(screen.query_one("#compare-status", Static).render()):
                break
            await pilot.pause(0.02)
        return str(screen.query_one("#compare-status", Static).render())

    assert "all coders pooled (ann, bob)" in drive(imported, steps)
    with open_store(imported) as store:
        logged = store.query("SELECT coder, after FROM events WHERE kind = 'unblind'")
    assert logged == [("ann", '{"screen": "other coders\' codings in the comparison"}')]


LONG_CASES = ("switzerland-balkans", "eu-third-countries", "mexico-diaspora", "mexico-usa",
              "morocco-spain-mobility", "senegal-italy-returns")


def test_at_80_columns_every_number_is_whole_and_columns_beyond_the_edge_are_said(
        wb: Path) -> None:
    from conftest import screen_text

    from qcoder.importer import import_project
    from qcoder.project.folder import open_project
    from qcoder.store.database import Store

    for case in LONG_CASES:
        folder = wb / "cases" / case
        folder.mkdir()
        (folder / "notes.txt").write_text("Returns were discussed.\n\nVisas too.\n",
                                          encoding="utf-8")
    project = open_project(wb)
    with Store(project.db_path) as store:
        import_project(project, store)
    prepare(wb, "ann", *[(f"{case}/notes#1", "framing-security") for case in LONG_CASES],
            *[(f"{case}/notes#2", "") for case in LONG_CASES], ("alpha/interview#1", ""))

    async def steps(app: QcoderApp, pilot: Pilot) -> list[tuple[list[str], str]]:
        screen = await open_compare(app, pilot)
        seen = []
        for _ in range(3):  # the pages of columns, and round to the first again
            await pilot.pause()
            note = screen.query_one("#matrix-note", Static)
            seen.append((screen_text(app), str(note.render()) if note.display else ""))
            await pilot.press("right_square_bracket")
        return seen

    pages = drive(wb, steps, size=(80, 24))
    cases = 2 + len(LONG_CASES)
    shown = 0
    for lines, note in pages[:2]:
        row = next(line for line in lines if line.lstrip().startswith("framing-security"))
        numbers = row.split()[1:]
        # each long case: 1 of its 2 reviewed excerpts (50.0); alpha 0.0, beta none (–);
        # the last number is the total, 6 of 13 reviewed: every number whole, none cut
        assert numbers[-1] == "46.2" and all(n in ("50.0", "0.0", "–") for n in numbers[:-1])
        assert note == (f"columns {shown + 1}–{shown + len(numbers) - 1} of {cases} (and "
                        "total) · ] next columns · [ previous")
        shown += len(numbers) - 1
    assert shown == cases and pages[2][1] == pages[0][1]  # round to the first page
    header = "\n".join(pages[1][0][2:6])
    assert "switzerland-" in header and "balkans" in header  # stacked, never cut


def test_at_80_columns_two_cases_and_the_total_fit_without_a_note(imported: Path) -> None:
    from conftest import screen_text

    prepare(imported, "ann", ("alpha/interview#1", "framing-security"), ("beta/report#1", ""))

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[list[str], bool]:
        screen = await open_compare(app, pilot)
        await pilot.pause()
        return screen_text(app), screen.query_one("#matrix-note").display

    lines, noted = drive(imported, steps, size=(80, 24))
    row = next(line for line in lines if line.lstrip().startswith("framing-security"))
    assert row.split()[1:] == ["100.0", "0.0", "50.0"] and not noted


def test_every_key_hint_of_the_footer_is_visible_at_80_columns(imported: Path) -> None:
    """The footer's last hint is not cut at 80×24: each shown key and its name is on the
    bottom line, read back from what the terminal shows."""
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, list[tuple[str, str]]]:
        screen = await open_compare(app, pilot)
        shown = [(b.key_display or app.get_key_display(b), b.description)
                 for _, b, enabled, _ in screen.active_bindings.values() if b.show]
        return screen_text(app)[-1], shown

    bottom, shown = drive(imported, steps, size=(80, 24))
    names = [name for _, name in shown]
    assert {"Back", "Measure", "Columns", "Depth", "Whose codings", "Agreement", "Quit",
            "Keys"} <= set(names)
    assert len(bottom.rstrip()) <= 80
    for key, name in shown:
        assert f"{key} {name}" in bottom, (key, name, bottom)
