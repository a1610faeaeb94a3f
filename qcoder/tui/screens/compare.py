"""The cases side by side: the code x case matrix as a heat table, and the excerpts of a cell.

Move to a cell to list its excerpts; Enter on the matrix goes to that list, Enter (or ``g``)
on an excerpt opens it on the coding screen. The table is computed by the core
(:func:`qcoder.compare.code_case_matrix`) in a worker thread.

Whose codings count: a coder sees only their own codings (coders code blind). A lead
(``--lead``, or a confirmed and logged choice, see ``QcoderApp.as_lead``) starts on the
consensus where the project has one, else their own codings, and ``w`` cycles to pooled
coders and to each coder; the status line always says which.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass

from rich.style import Style
from textual import on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from ...blindness import blind_for
from ...compare import Basis, Matrix, code_case_matrix, excerpt_texts, resolve_basis, trim_quote
from ...errors import QcoderError
from ...safe_text import one_line
from ...store.database import CONSENSUS
from ..keymap import bindings, display
from ..safe import Static, Text, safe
from ..session import Session

MEASURES = ("percent", "count", "documents")
DEPTHS: tuple[int | None, ...] = (None, 1, 2)
TOTAL = "__total__"
REVIEWED = "__reviewed__"
MAX_LISTED = 500
HEAT_FROM, HEAT_TO = (38, 44, 54), (28, 110, 200)


@dataclass(frozen=True)
class View:
    """What the matrix shows: columns, cells, depth and whose codings."""

    by: str = "case"
    measure: str = "percent"
    depth: int | None = None
    basis: int = 0  # index into CompareScreen.bases


def heat(share: float) -> Style:
    """Background for a cell holding ``share`` (0-1) of the largest percentage shown."""
    rgb = tuple(round(a + (b - a) * share) for a, b in zip(HEAT_FROM, HEAT_TO, strict=True))
    return Style(bgcolor=f"rgb({rgb[0]},{rgb[1]},{rgb[2]})", color="white")


LEGEND_STEPS = (0.0, 0.25, 0.5, 0.75, 1.0)


def legend(top: float) -> Text:
    """The colour scale: a swatch per step from 0 to the largest percentage shown, each with
    its value (the cells are coloured by their percentage whatever the measure shown)."""
    text = Text("cell colour: % of reviewed excerpts  ", no_wrap=True, overflow="ellipsis")
    for share in LEGEND_STEPS:
        text.append(f" {share * top:.1f} ", style=heat(share))
    text.append("  dim: none coded", style="dim")
    return text


class CompareScreen(Screen[None]):
    """Codes x cases (or documents, or an attribute) with the excerpts behind each cell."""

    BINDINGS = bindings("compare")
    AUTO_FOCUS = "#matrix"
    DEFAULT_CSS = """
    CompareScreen #compare-status { height: auto; max-height: 2; padding: 0 1;
                                    background: $panel; }
    CompareScreen #compare-legend { height: 1; padding: 0 1; }
    CompareScreen #matrix { height: 3fr; }
    CompareScreen #matrix-note { height: 1; padding: 0 1; color: $text-muted; }
    CompareScreen #cell-title { height: 1; padding: 0 1; background: $panel; }
    CompareScreen #cell-excerpts { height: 2fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        # The coding screen being left: Escape goes back to the same excerpt.
        self.came_from: int | None = getattr(self.app.screen, "current", None)
        self.view = View()
        self.bases: list[Basis] = []
        self.by_options: list[str] = ["case", "document"]
        self.matrix: Matrix | None = None
        self.listed: list[int] = []
        #: Pages of columns that fit the width whole, ``(first, end)``; the one shown.
        self.pages: list[tuple[int, int]] = [(0, 0)]
        self.page = 0

    @property
    def session(self) -> Session:
        return self.app.session  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Static(id="compare-status")
        yield Static(id="compare-legend")
        with Vertical():
            yield DataTable(id="matrix", cursor_type="cell", zebra_stripes=False)
            yield Static(id="matrix-note")
            yield Static(id="cell-title")
            yield DataTable(id="cell-excerpts", cursor_type="row")
        yield Footer(compact=True)

    def on_mount(self) -> None:
        excerpts = self.query_one("#cell-excerpts", DataTable)
        excerpts.add_column("excerpt", key="ref")
        excerpts.add_column("text", key="text")
        self.query_one("#compare-status", Static).update("Computing the table …")
        self._load(self.view)

    # -- computing --------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="compare", exit_on_error=False)
    def _load(self, view: View) -> None:
        store = self.session.store
        try:
            if not self.bases:
                self.bases = self._bases()
                attributes = sorted({k for c in store.cases() for k in c["attributes"]})
                self.by_options = ["case", "document", "kind", *attributes]
            view = View(**{**view.__dict__, "basis": min(view.basis, len(self.bases) - 1)})
            matrix = code_case_matrix(store, self.bases[view.basis], view.by,
                                      depth=view.depth)
        except (QcoderError, sqlite3.Error) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, view, matrix)

    def _bases(self) -> list[Basis]:
        """The coder's own codings alone; for a lead, the consensus (or their own codings)
        first, then pooled, then each coder."""
        store, me = self.session.store, self.session.coder
        own = Basis("coder", (me,))
        if not self.app.lead or blind_for(store, me):  # type: ignore[attr-defined]
            return [own]
        default = resolve_basis(store)
        known = store.coders()
        first = [default] if default.kind == "consensus" else [own]
        rest = [resolve_basis(store, pooled=True)]
        rest += [Basis("consensus" if c == CONSENSUS else "coder", (c,)) for c in known]
        out: list[Basis] = []
        for basis in (*first, *rest):
            if basis.coders and all((b.kind, b.coders) != (basis.kind, basis.coders)
                                    for b in out):
                out.append(basis)
        return out or [default]

    def _failed(self, message: str) -> None:
        self.query_one("#compare-status", Static).update(Text(message, style="bold red"))

    # -- showing ----------------------------------------------------------------------------
    def _show(self, view: View, matrix: Matrix) -> None:
        """Fill the matrix: the code column, the page of columns that fits the width
        whole (see :func:`pages`) and the total; never a number cut at the edge."""
        if view.by != self.view.by:
            self.page = 0
        self.view, self.matrix = view, matrix
        table = self.query_one("#matrix", DataTable)
        keep = table.cursor_coordinate
        table.clear(columns=True)
        table.fixed_columns = 1
        top = max((c.percent or 0 for c in matrix.cells.values()), default=0) or 1
        labels = [stacked(col.id.rsplit("/", 1)[-1] if view.by == "document" else col.id)
                  for col in matrix.columns]
        codes = [safe(Text("  " * r.depth + r.id, style="bold" if r.depth == 0 else ""))
                 for r in matrix.rows]
        body = [[self._cell(matrix.cell(r.id, c.id), top) for r in matrix.rows]
                + [Text(str(c.reviewed), justify="right")] for c in matrix.columns]
        totals = [self._cell(matrix.total(r.id), top) for r in matrix.rows]
        totals.append(Text(str(matrix.reviewed), justify="right"))
        widths = [max([*(len(line) for line in lines), *(t.cell_len for t in cells)])
                  for lines, cells in zip(labels, body, strict=True)]
        code_width = max([len("reviewed excerpts"), *(t.cell_len for t in codes)])
        total_width = max([5, *(t.cell_len for t in totals)])
        # two cells of padding per column; two for the vertical scrollbar
        room = self.size.width - 2 - (code_width + 2) - (total_width + 2)
        self.pages = pages([w + 2 for w in widths], room)
        self.page = min(self.page, len(self.pages) - 1)
        first, last = self.pages[self.page]
        shown = range(first, last)
        # Column names over up to three lines (after hyphens): the numbers set the width.
        table.header_height = max([1, *(len(labels[i]) for i in shown)])
        table.add_column("code", key="code")
        for i in shown:
            table.add_column(safe(Text("\n".join(labels[i]), justify="right")),
                             key=matrix.columns[i].id)
        table.add_column(Text("total", justify="right"), key=TOTAL)
        for n, row in enumerate(matrix.rows):
            table.add_row(codes[n], *[body[i][n] for i in shown], totals[n], key=row.id)
        self.query_one("#compare-legend", Static).update(legend(top))
        table.add_row(Text("reviewed excerpts", style="italic"),
                      *[body[i][-1] for i in shown], totals[-1], key=REVIEWED)
        if matrix.rows:
            table.move_cursor(row=min(keep.row, len(matrix.rows) - 1),
                              column=max(1, min(keep.column, len(shown) + 1)))
        self._status()
        self._note_pages()

    def _note_pages(self) -> None:
        """Say which columns are shown when they are more than the width takes."""
        note = self.query_one("#matrix-note", Static)
        note.display = len(self.pages) > 1
        if len(self.pages) > 1:
            first, last = self.pages[self.page]
            total = self.pages[-1][1]
            keys = [display(self.app.keymap.get(c, k).split(",")[0])  # type: ignore
                    for c, k in (("compare_next_columns", "right_square_bracket"),
                                 ("compare_previous_columns", "left_square_bracket"))]
            note.update(f"columns {first + 1}–{last} of {total} (and total) · {keys[0]} next "
                        f"columns · {keys[1]} previous")

    def on_resize(self) -> None:
        if self.matrix is not None:
            self._show(self.view, self.matrix)

    def action_columns(self, delta: int) -> None:
        """The next (or previous) page of columns."""
        if self.matrix is not None and len(self.pages) > 1:
            self.page = (self.page + delta) % len(self.pages)
            self._show(self.view, self.matrix)

    def _cell(self, cell: object, top: float) -> Text:
        value = cell.value(self.view.measure)  # type: ignore[attr-defined]
        pct = cell.percent  # type: ignore[attr-defined]
        if value is None:
            return Text("–", justify="right", style="dim")
        text = f"{value:.1f}" if isinstance(value, float) else str(value)
        if not pct:
            return Text(text, justify="right", style="dim")
        return Text(text, justify="right", style=heat(min(pct / top, 1.0)))

    def _status(self) -> None:
        assert self.matrix is not None
        what = {"percent": "% of reviewed excerpts", "count": "excerpts coded",
                "documents": "documents"}[self.view.measure]
        depth = "all levels" if self.view.depth is None else f"depth {self.view.depth}"
        self.query_one("#compare-status", Static).update(Text(
            f"Codes × {self.view.by} · {what} · {depth} · basis: "
            f"{self.bases[self.view.basis].describe()}"))  # two lines on a narrow screen

    @on(DataTable.CellHighlighted, "#matrix")
    def _cell_moved(self, event: DataTable.CellHighlighted) -> None:
        row_key, column_key = event.cell_key.row_key.value, event.cell_key.column_key.value
        self._list(row_key, column_key)

    def _list(self, code: str | None, column: str | None) -> None:
        """Fill the lower table with the excerpts of one cell (the first MAX_LISTED)."""
        listing = self.query_one("#cell-excerpts", DataTable)
        listing.clear()
        self.listed = []
        title = self.query_one("#cell-title", Static)
        matrix = self.matrix
        if matrix is None or code in (None, REVIEWED) or code not in matrix.sets:
            title.update("")
            return
        ids, cols = matrix.sets[code]
        where = "all columns"
        if column not in (None, "code", TOTAL):
            index = next(i for i, c in enumerate(matrix.columns) if c.id == column)
            ids, where = ids[cols == index], column
        shown = ids[:MAX_LISTED].tolist()
        more = f" (first {MAX_LISTED})" if ids.size > MAX_LISTED else ""
        title.update(f"{code} × {where}: {ids.size} excerpts{more}")
        texts = excerpt_texts(self.session.store, shown)
        for excerpt_id in shown:
            ref, text = texts[excerpt_id]
            listing.add_row(safe(ref), safe(one_line(trim_quote(text, 200))), key=str(excerpt_id))
        self.listed = shown

    # -- actions ----------------------------------------------------------------------------
    @on(DataTable.CellSelected, "#matrix")
    def _cell_chosen(self) -> None:
        if self.listed:
            self.query_one("#cell-excerpts", DataTable).focus()

    @on(DataTable.RowSelected, "#cell-excerpts")
    def _excerpt_chosen(self, event: DataTable.RowSelected) -> None:
        self._code_excerpt(int(event.row_key.value or 0))

    def action_go_to_excerpt(self) -> None:
        listing = self.query_one("#cell-excerpts", DataTable)
        if self.listed and 0 <= listing.cursor_row < len(self.listed):
            self._code_excerpt(self.listed[listing.cursor_row])

    def _code_excerpt(self, excerpt_id: int) -> None:
        """Open the excerpt on the coding screen."""
        self.session.start = excerpt_id
        self.app.action_open("coding")  # type: ignore[attr-defined]

    def action_close(self) -> None:
        if self.came_from is not None:
            self.session.start = self.came_from
        self.app.action_open("coding")  # type: ignore[attr-defined]

    def _change(self, **changes: object) -> None:
        view = View(**{**self.view.__dict__, **changes})
        self.query_one("#compare-status", Static).update("Computing the table …")
        self._load(view)

    def action_cycle_measure(self) -> None:
        view = View(**{**self.view.__dict__, "measure": _next(MEASURES, self.view.measure)})
        if self.matrix is not None:
            self._show(view, self.matrix)

    def action_cycle_by(self) -> None:
        self._change(by=_next(self.by_options, self.view.by))

    def action_cycle_depth(self) -> None:
        self._change(depth=_next(DEPTHS, self.view.depth))

    def action_cycle_basis(self) -> None:
        if len(self.bases) < 2:
            self.app.as_lead("other coders' codings in the comparison",  # type: ignore
                             self._unblinded)
            return
        self._change(basis=(self.view.basis + 1) % max(len(self.bases), 1))

    def _unblinded(self) -> None:
        """Now a lead: read every basis again and go on to the next one."""
        self.bases = []
        self._change(basis=1)


def pages(widths: list[int], room: int) -> list[tuple[int, int]]:
    """Consecutive columns grouped so each group fits ``room`` cells whole (a column wider
    than the room gets a page of its own): ``(first, end)`` index pairs."""
    out: list[tuple[int, int]] = []
    first, used = 0, 0
    for i, width in enumerate(widths):
        if i > first and used + width > room:
            out.append((first, i))
            first, used = i, 0
        used += width
    out.append((first, len(widths)))
    return out


def stacked(label: str, lines: int = 3) -> list[str]:
    """A column name in at most ``lines`` lines, broken after hyphens and at spaces, each
    line as short as its longest unbreakable part allows."""
    parts = re.findall(r"[^\s-]+-?", label) or [label]
    width = max(len(p) for p in parts)
    while True:
        out = [""]
        for part in parts:
            if out[-1] and len(out[-1]) + len(part) > width:
                out.append(part)
            else:
                out[-1] += part if not out[-1] or out[-1].endswith("-") else " " + part
        if len(out) <= lines:
            return out
        width += 1


def _next(options: tuple | list, current: object) -> object:
    items = list(options)
    return items[(items.index(current) + 1) % len(items)] if current in items else items[0]
