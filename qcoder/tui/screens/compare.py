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

import sqlite3
from dataclasses import dataclass

from rich.style import Style
from rich.text import Text
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
from ..keymap import bindings
from ..safe import Static, safe
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
    CompareScreen #compare-status { height: 1; padding: 0 1; background: $panel; }
    CompareScreen #compare-legend { height: 1; padding: 0 1; }
    CompareScreen #matrix { height: 3fr; }
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

    @property
    def session(self) -> Session:
        return self.app.session  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Static(id="compare-status")
        yield Static(id="compare-legend")
        with Vertical():
            yield DataTable(id="matrix", cursor_type="cell", zebra_stripes=False)
            yield Static(id="cell-title")
            yield DataTable(id="cell-excerpts", cursor_type="row")
        yield Footer()

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
        self.view, self.matrix = view, matrix
        table = self.query_one("#matrix", DataTable)
        keep = table.cursor_coordinate
        table.clear(columns=True)
        table.fixed_columns = 1
        table.add_column("code", key="code")
        for col in matrix.columns:
            label = col.id.rsplit("/", 1)[-1] if view.by == "document" else col.id
            table.add_column(safe(label), key=col.id)
        table.add_column("total", key=TOTAL)
        top = max((c.percent or 0 for c in matrix.cells.values()), default=0) or 1
        for row in matrix.rows:
            cells = [self._cell(matrix.cell(row.id, c.id), top) for c in matrix.columns]
            label = safe(Text("  " * row.depth + row.id, style="bold" if row.depth == 0 else ""))
            table.add_row(label, *cells, self._cell(matrix.total(row.id), top), key=row.id)
        self.query_one("#compare-legend", Static).update(legend(top))
        table.add_row(Text("reviewed excerpts", style="italic"),
                      *[Text(str(c.reviewed), justify="right") for c in matrix.columns],
                      Text(str(matrix.reviewed), justify="right"), key=REVIEWED)
        if matrix.rows:
            table.move_cursor(row=min(keep.row, len(matrix.rows) - 1),
                              column=max(1, min(keep.column, len(matrix.columns) + 1)))
        self._status()

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
            f"{self.bases[self.view.basis].describe()}", no_wrap=True, overflow="ellipsis"))

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


def _next(options: tuple | list, current: object) -> object:
    items = list(options)
    return items[(items.index(current) + 1) % len(items)] if current in items else items[0]
