"""Tables on the terminal that fit its width without ever cutting a number.

How a table fits (:func:`fit`): every column starts at its natural width. Numbers never
shrink (their headers are stacked instead, broken after hyphens and at spaces); then text
columns shrink to their longest word and wrap at words. If that is still too wide, columns
are left out, the ``droppable`` ones (long labels, when the ids say the same) first, then
from the right, and a footer names them. Output to a pipe or file is not fitted (whole rows
for scripts) unless ``COLUMNS`` is set.
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len

from ..safe_text import visible

#: Between two columns: one space of padding each side and the separator (one padding
#: less when that saves a column from being left out).
GAP = 3
NUMBER = re.compile(r"^[-+–]?[\d.,]*\d[\d.,]*( ?[%/–-] ?[\d.,]*)*$|^[–-]?$")


def looks_numeric(values: Sequence[Any]) -> bool:
    """A column of numbers (``12``, ``0.863``, ``12/79``, ``96.9``; ``–`` for none)."""
    return bool(values) and all(
        isinstance(v, int | float) or v is None or bool(NUMBER.match(str(v).strip()))
        for v in values)


def stack(header: str, width: int = 10) -> str:
    """A long column name over several lines, broken after hyphens and at spaces."""
    parts = re.findall(r"[^\s-]+-?|\s+", header)
    lines = [""]
    for part in parts:
        if part.isspace():
            part = " "
        if lines[-1] and len(lines[-1]) + len(part.rstrip()) > width:
            lines.append(part.lstrip())
        else:
            lines[-1] += part
    return "\n".join(line.strip() for line in lines if line.strip()) or header


@dataclass(frozen=True)
class Layout:
    """Which columns are shown, at what width, and which were left out."""

    shown: list[int]
    widths: list[int]
    dropped: list[int]


def _longest_word(text: str) -> int:
    return max((cell_len(w) for w in text.split()), default=0)


def fit(header: Sequence[str], rows: Sequence[Sequence[str]], numeric: Sequence[bool],
        width: int | None, droppable: Sequence[int] = (), gap: int = GAP) -> Layout:
    """Column widths for a table within ``width`` cells (None: natural widths), ``gap``
    cells between two columns."""
    n = len(header)
    natural, least = [], []
    for i in range(n):
        cells = [str(r[i]) for r in rows]
        values = max((max((cell_len(line) for line in c.split("\n")), default=0)
                      for c in cells), default=0)
        if numeric[i]:
            head = max(cell_len(line) for line in stack(header[i], 1).split("\n"))
            natural.append(max(values, cell_len(header[i])))
            least.append(max(values, head, 1))
        else:
            words = max([_longest_word(c) for c in cells] + [_longest_word(header[i])])
            natural.append(max(values, cell_len(header[i]), 1))
            # The first column names the row (ids, indented by depth): it keeps its width.
            least.append(natural[-1] if i == 0 else max(1, min(natural[-1], words)))
    shown = list(range(n))
    if width is None:
        return Layout(shown, [natural[i] for i in shown], [])
    order = [i for i in droppable if i] + [i for i in reversed(range(1, n)) if i not in droppable]
    dropped: list[int] = []
    while sum(least[i] for i in shown) + gap * (len(shown) - 1) > width and len(shown) > 1:
        gone = order.pop(0)
        shown.remove(gone)
        dropped.append(gone)
    widths = {i: natural[i] for i in shown}
    excess = sum(widths.values()) + gap * (len(shown) - 1) - width
    while excess > 0:
        # Stack number headers first (rows keep their height), then wrap text: each time
        # the column with the most to give loses one cell.
        give = ([i for i in shown if numeric[i] and widths[i] > least[i]]
                or [i for i in shown if widths[i] > least[i]])
        if not give:
            break
        widest = max(give, key=lambda i: (widths[i] - least[i], widths[i]))
        widths[widest] -= 1
        excess -= 1
    return Layout(shown, [widths[i] for i in shown], sorted(dropped))


def output_width(out: Any) -> int | None:
    """The width to fit: ``COLUMNS`` when set, else the terminal's; None for a pipe."""
    columns = os.environ.get("COLUMNS", "").strip()
    if columns.isdigit() and int(columns) > 0:
        return int(columns)
    if getattr(out, "isatty", lambda: False)():
        return os.get_terminal_size(out.fileno()).columns if hasattr(out, "fileno") else 80
    return None


def print_fitted(title: Any, header: Sequence[str], rows: Sequence[Sequence[str]], out: Any,
                 *, numeric: Sequence[bool] | None = None, droppable: Sequence[int] = (),
                 width: int | None = None, show: Any = None, box: Any = None,
                 end_sections: Sequence[int] = (), heavy: bool = True,
                 wider: str = "--json") -> None:
    """Print a table fitted to ``width`` (default: :func:`output_width`).

    ``show`` turns a string into what a cell holds (a safe ``Text``); ``end_sections``: row
    indexes followed by a rule. Left-out columns are named under the table, with ``wider``:
    the option that shows everything.
    """
    from rich import box as boxes
    from rich.console import Console
    from rich.table import Table
    from rich.text import Text

    show = show or (lambda value: Text(visible(value)))  # user text: never markup or control
    cells = [["" if v is None else str(v) for v in row] for row in rows]
    if numeric is None:
        numeric = [looks_numeric([r[i] for r in rows]) for i in range(len(header))]
    if width is None:
        width = output_width(out)
    shown = [[show(v) for v in row] for row in cells]
    plain = [[getattr(v, "plain", str(v)) for v in row] for row in shown]
    layout = fit(header, plain, numeric, width, droppable)
    gap = GAP
    if layout.dropped:  # one cell less between columns rather than a column less
        tight = fit(header, plain, numeric, width, droppable, gap=GAP - 1)
        if len(tight.dropped) < len(layout.dropped):
            layout, gap = tight, GAP - 1
    table = Table(title=title, title_justify="left", show_edge=False, pad_edge=False,
                  collapse_padding=gap < GAP,
                  box=box or (boxes.HEAVY_HEAD if heavy else boxes.SIMPLE_HEAD))
    for i, w in zip(layout.shown, layout.widths, strict=True):
        name = header[i]
        if numeric[i]:
            lines = [name] if cell_len(name) <= w else stack(name, w).split("\n")
            table.add_column(Text("\n").join(show(line) for line in lines), justify="right",
                             no_wrap=True, width=w)
        else:
            table.add_column(show(name), overflow="fold", width=w)
    for n, row in enumerate(shown):
        table.add_row(*[row[i] for i in layout.shown], end_section=n in end_sections)
    total = sum(layout.widths) + gap * (len(layout.shown) - 1)
    console = Console(file=out, soft_wrap=False, highlight=False,
                      width=max(width or total, total))
    console.print(table)
    if layout.dropped:
        names = ", ".join(header[i] for i in layout.dropped)
        console.print(show(f"not shown at {width} columns: {names} (a wider terminal, or "
                           f"{wider}, shows them)"), soft_wrap=True, style="dim")
