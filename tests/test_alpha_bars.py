"""Alpha as a one-line bar in the terminal: where each mark falls, the same characters with
and without colour (NO_COLOR honoured), fitted to 80 columns, user text never markup."""

from __future__ import annotations

import io
import re

import pytest
from conftest import Cli

from qcoder.figures.bars import (
    BAR_WIDTH,
    CROSS,
    DOT,
    LEFT,
    MARK,
    RIGHT,
    bar,
    bar_text,
    position,
    scale,
    segments,
)

ANSI = re.compile(r"\x1b\[[0-9;]*m")
# a colour in an SGR sequence: 30-37/90-97 (and 38;...) foreground, 40-47/100-107 background
COLOUR = re.compile(r"\x1b\[(?:[0-9]+;)*(?:3[0-8]|4[0-8]|9[0-7]|10[0-7])(?:;[0-9]+)*m")


@pytest.mark.parametrize("alpha,ci", [(0.914, (0.786, 1.0)), (0.5, (0.2, 0.7)),
                                      (-0.3, (-0.5, 0.1)), (None, None), (0.7, None),
                                      (1.0, (0.0, 1.0))])
def test_bar_places_dot_interval_and_thresholds(alpha, ci) -> None:
    text = bar(alpha, ci)
    assert len(text) == BAR_WIDTH == len(scale())
    assert "".join(run for run, _ in segments(alpha, ci)) == text
    for threshold in (0.667, 0.800):
        i = position(threshold)
        assert text[i] in (MARK, CROSS, DOT, LEFT, RIGHT)
        assert scale()[i] in ".678"  # the scale's label ends or starts on the mark
    if alpha is None:
        assert set(text) <= {" ", MARK}
        return
    assert text[position(alpha)] in (DOT, "◀")
    if ci is not None and position(ci[1]) > position(ci[0]):
        assert text[position(ci[1])] in (RIGHT, DOT)
        assert text[position(ci[0])] in (LEFT, DOT, "◂", "◀")
        inside = text[position(ci[0]) + 1:position(ci[1])]
        assert set(inside) <= {"─", CROSS, DOT}


def test_below_zero_is_shown_at_the_left_edge() -> None:
    assert bar(-0.2)[0] == "◀"
    assert bar(0.3, (-0.4, 0.6))[0] == "◂"


def _printed(result, monkeypatch: pytest.MonkeyPatch, no_color: bool) -> str:
    from rich.console import Console

    from qcoder.cli.agreement_view import print_alpha_bars

    if no_color:
        monkeypatch.setenv("NO_COLOR", "1")
    else:
        monkeypatch.delenv("NO_COLOR", raising=False)
    out = io.StringIO()
    console = Console(file=out, force_terminal=True, color_system="truecolor", width=80,
                      highlight=False)
    print_alpha_bars(result, console)
    return out.getvalue()


def test_no_color_same_characters_no_escapes(demo: Cli,
                                             monkeypatch: pytest.MonkeyPatch) -> None:
    from qcoder.reliability.data import project_agreement
    from qcoder.store.database import Store

    with Store(demo.db) as store:
        result = project_agreement(store, store.codebook(), bootstrap=100)
    coloured = _printed(result, monkeypatch, no_color=False)
    plain = _printed(result, monkeypatch, no_color=True)
    assert COLOUR.search(coloured)
    assert not COLOUR.search(plain)  # bold and dim may stay: NO_COLOR is about colour
    assert ANSI.sub("", coloured) == ANSI.sub("", plain)
    lines = ANSI.sub("", plain).splitlines()
    assert all(len(line) <= 80 for line in lines)
    for r in result.report.codes:
        row = next(line for line in lines if line.split(" ", 1)[0] == r.id)
        assert f"{r.alpha:.3f}" in row and row.rstrip().endswith(r.flag)


def test_agreement_prints_the_bars_within_80_columns(demo: Cli) -> None:
    out = demo.ok("agreement", "--bootstrap", "50", env={"COLUMNS": "80"}).output
    assert "Codes: alpha and its 95% interval, worst first" in out
    start = out.index("Codes: alpha and its 95% interval")
    block = out[start:out.index("● alpha,", start)]
    assert all(len(line) <= 80 for line in block.splitlines())
    assert out.count(DOT) >= 20


def test_bar_text_is_never_markup() -> None:
    text = bar_text(0.5, (0.2, 0.9), "[bold]tentative[/]")
    assert text.plain == bar(0.5, (0.2, 0.9))
