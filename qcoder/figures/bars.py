"""Alpha as a one-line bar for the terminal: the dot, its 95% interval and the .667 and
.800 marks, in plain characters, so that it reads the same with or without colour.

The scale runs from 0 to 1 (an alpha below 0 is ``◀`` at the left edge, an interval that
reaches below 0 starts with ``◂``); ``●`` is alpha, ``├──┤`` its interval, ``┆`` the
thresholds (``┼`` where the interval crosses one). :func:`segments` says which part each run
of characters is, for a caller that colours them.
"""

from __future__ import annotations

from typing import Any

from ..constants import RELIABLE, TENTATIVE

DOT, LINE, LEFT, RIGHT, MARK, CROSS, BLANK = "●", "─", "├", "┤", "┆", "┼", " "
BELOW, REACHES_BELOW = "◀", "◂"  # alpha below 0; an interval reaching below 0
BAR_WIDTH = 32
LEGEND = (f"{DOT} alpha, {LEFT}{LINE}{RIGHT} its 95% interval, {MARK} .667 and .800, "
          f"{BELOW} alpha below 0, {REACHES_BELOW} interval reaching below 0; the scale "
          "runs from 0 to 1")


def position(value: float, width: int = BAR_WIDTH) -> int:
    """The character a value from 0 to 1 falls on (values outside clamped)."""
    return round(min(max(value, 0.0), 1.0) * (width - 1))


def segments(alpha: float | None, ci: tuple[float, float] | None = None,
             width: int = BAR_WIDTH) -> list[tuple[str, str]]:
    """The bar as runs of (text, part): part is ``blank``, ``mark``, ``interval`` or ``dot``;
    together exactly ``width`` characters."""
    chars = [BLANK] * width
    parts = ["blank"] * width
    marks = {position(TENTATIVE, width), position(RELIABLE, width)}
    for i in marks:
        chars[i], parts[i] = MARK, "mark"
    if alpha is not None:
        if ci is not None:
            lo, hi = position(ci[0], width), position(ci[1], width)
            for i in range(lo, hi + 1):
                chars[i] = CROSS if i in marks else LINE
                parts[i] = "interval"
            if hi > lo:
                chars[lo], chars[hi] = LEFT, RIGHT
            if ci[0] < 0:
                chars[0] = REACHES_BELOW
        i = position(alpha, width)
        chars[i], parts[i] = (BELOW, "dot") if alpha < 0 else (DOT, "dot")
    runs: list[tuple[str, str]] = []
    for ch, part in zip(chars, parts, strict=True):
        if runs and runs[-1][1] == part:
            runs[-1] = (runs[-1][0] + ch, part)
        else:
            runs.append((ch, part))
    return runs


def bar(alpha: float | None, ci: tuple[float, float] | None = None,
        width: int = BAR_WIDTH) -> str:
    """The bar as plain text, ``width`` characters."""
    return "".join(text for text, _ in segments(alpha, ci, width))


def scale(width: int = BAR_WIDTH) -> str:
    """The scale under (or over) a column of bars: 0, .667, .800 and 1 where they fall."""
    line = [" "] * width
    for value, text in ((0.0, "0"), (TENTATIVE, ".667"), (RELIABLE, ".8"), (1.0, "1")):
        start = position(value, width)
        if value == 1.0:
            start = width - len(text)
        elif value == TENTATIVE:
            start -= len(text) - 1  # ends on its mark
        for k, ch in enumerate(text):
            if 0 <= start + k < width:
                line[start + k] = ch
    return "".join(line)


#: Colours of the dot and interval by flag (the bar reads the same without them).
FLAG_STYLES = {"reliable": "bold blue", "tentative": "bold yellow", "unreliable": "bold red"}


def bar_text(alpha: float | None, ci: tuple[float, float] | None = None, flag: str = "",
             width: int = BAR_WIDTH) -> Any:
    """The bar as a rich ``Text``: the dot and interval in the flag's colour, the marks dim
    (a terminal without colour, or NO_COLOR, shows the same characters)."""
    from rich.text import Text

    colour = FLAG_STYLES.get(flag, "")
    text = Text(no_wrap=True)
    for run, part in segments(alpha, ci, width):
        style = {"dot": colour, "interval": colour.replace("bold ", ""), "mark": "dim"}
        text.append(run, style=style.get(part, ""))
    return text
