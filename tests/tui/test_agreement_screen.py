"""The agreement screen (from the comparison, `a`): each code's alpha as a bar against the
thresholds, the same numbers as ``qcoder agreement``; the comparison's colour legend."""

from __future__ import annotations

from pathlib import Path

from conftest import drive, open_store, screen_text
from test_compare_screen import open_compare, prepare
from textual.pilot import Pilot
from textual.widgets import DataTable, Static

from qcoder.figures.bars import bar
from qcoder.reliability.data import project_agreement
from qcoder.tui.app import QcoderApp
from qcoder.tui.screens.agreement import AgreementScreen
from qcoder.tui.screens.coding import CodingScreen

CODINGS = [("alpha/interview#1", "framing-security"), ("alpha/interview#2", "framing-security"),
           ("alpha/interview#3", "ptype-operational"), ("alpha/interview#4", ""),
           ("beta/report#1", "framing-development"), ("beta/report#2", "ptype-dialogue")]


def code_both(project: Path) -> None:
    prepare(project, "ann", *CODINGS)
    prepare(project, "bob", *CODINGS[:3], ("alpha/interview#4", "framing-security"),
            ("beta/report#1", "framing-development"), ("beta/report#2", "ptype-capacity"))


async def open_agreement(app: QcoderApp, pilot: Pilot) -> AgreementScreen:
    await open_compare(app, pilot)
    await pilot.press("a")
    for _ in range(300):
        screen = app.screen
        if isinstance(screen, AgreementScreen):
            table = screen.query_one("#alpha", DataTable)
            if table.row_count:
                await pilot.pause()
                return screen
        await pilot.pause(0.02)
    raise AssertionError(f"the agreement did not open; screen is {app.screen!r}")


def rows(screen: AgreementScreen) -> dict[str, list[str]]:
    table = screen.query_one("#alpha", DataTable)
    out = {}
    for key in table.rows:
        cells = [str(getattr(c, "plain", c)) for c in table.get_row(key)]
        out[str(key.value)] = cells
    return out


def test_agreement_screen_draws_each_codes_alpha_and_interval(imported: Path) -> None:
    code_both(imported)

    async def steps(app: QcoderApp, pilot: Pilot):
        screen = await open_agreement(app, pilot)
        before = rows(screen)
        await pilot.press("b")  # the bootstrap intervals
        for _ in range(400):
            if "resamples" in str(screen.query_one("#agreement-status", Static).render()):
                break
            await pilot.pause(0.02)
        await app.workers.wait_for_complete()
        await pilot.pause()
        after = rows(screen)
        text = screen_text(app)
        width = screen.query_one("#alpha", DataTable).virtual_size.width
        await pilot.press("escape")
        await pilot.pause()
        return before, after, text, width, isinstance(app.screen, CodingScreen)

    before, after, text, width, closed = drive(imported, steps, lead=True, size=(80, 30))
    with open_store(imported) as store:
        plain = project_agreement(store, store.codebook())
        boot = project_agreement(store, store.codebook(), bootstrap=1000)
    for result, shown in ((plain, before), (boot, after)):
        for r in result.report.codes:
            cells = shown[f"codes:{r.id}"]
            assert cells[1] == ("–" if r.alpha is None else f"{r.alpha:.3f}")
            assert cells[2] == bar(r.alpha, r.ci)
            assert cells[3] == r.flag
        for g in result.report.groups:
            assert shown[f"exclusive groups:{g.id}"][2] == bar(g.alpha, g.ci)
    assert any(r.ci for r in boot.report.codes)
    assert width <= 80, "\n".join(text)  # the whole table, flags included, at 80 columns
    assert any("● alpha" in line for line in text)  # the legend
    assert closed


def test_agreement_screen_is_for_a_lead(imported: Path) -> None:
    code_both(imported)

    async def steps(app: QcoderApp, pilot: Pilot) -> str:
        await open_compare(app, pilot)
        await pilot.press("a")
        await pilot.pause(0.2)
        return type(app.screen).__name__

    assert drive(imported, steps) != "AgreementScreen"  # a coder is asked first


def test_compare_screen_has_a_colour_legend(imported: Path) -> None:
    prepare(imported, "ann", ("alpha/interview#1", "framing-security"),
            ("alpha/interview#2", ""))

    async def steps(app: QcoderApp, pilot: Pilot) -> str:
        screen = await open_compare(app, pilot)
        return str(screen.query_one("#compare-legend", Static).render())

    shown = drive(imported, steps)
    assert "cell colour: % of reviewed excerpts" in shown
    assert "0.0" in shown and "50.0" in shown and "25.0" in shown  # the top is 50 %
