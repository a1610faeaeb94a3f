"""Framework matrix: case x code cells holding the top exemplar excerpts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import QcoderError
from ..store import reads
from ..store.database import Store
from .basis import Basis
from .data import load_codings
from .matrix import tabulate
from .scope import CodeRow, Column, column_scope, needed_codes, select_rows
from .text import TextTable, display, round_or_none


def trim_quote(text: str, width: int = 160) -> str:
    """The text on one line, cut at a word boundary to at most ``width`` characters (…)."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[:width - 1]
    space = cut.rfind(" ")
    if space > width // 2:
        cut = cut[:space]
    return cut.rstrip(" ,;:.-–") + "…"


@dataclass(frozen=True)
class Exemplar:
    """An excerpt that illustrates a cell: reference, trimmed quote, how many coders chose it."""

    ref: str
    quote: str
    coders: int

    def to_dict(self) -> dict[str, Any]:
        return {"excerpt": self.ref, "quote": self.quote, "coders": self.coders}


@dataclass(frozen=True)
class FrameworkCell:
    excerpts: int
    percent: float | None
    exemplars: tuple[Exemplar, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"excerpts": self.excerpts, "percent": round_or_none(self.percent),
                "exemplars": [e.to_dict() for e in self.exemplars]}


@dataclass(frozen=True)
class Framework:
    """Columns (cases) as rows, codes across; each cell holds the top exemplar excerpts.

    Exemplars are the excerpts most of the selected coders coded with the code (or a code
    below it); among equals, one not yet shown in the same row (an excerpt coded with two
    codes would otherwise illustrate both), then the earliest.
    """

    basis: Basis
    by: str
    columns: tuple[Column, ...]
    codes: tuple[CodeRow, ...]
    cells: dict[tuple[str, str], FrameworkCell]  # (column, code)
    top: int

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": "framework matrix", "by": self.by, "basis": self.basis.to_dict(),
            "exemplars": self.top, "codes": [c.to_dict() for c in self.codes],
            "columns": [{**col.to_dict(),
                         "codes": {c.id: self.cells[(col.id, c.id)].to_dict()
                                   for c in self.codes}} for col in self.columns],
        }

    def table(self) -> TextTable:
        """Wide: one row per column, one cell per code with its count and exemplars."""
        header = [self.by, *[c.id for c in self.codes]]
        body = []
        for col in self.columns:
            row: list[Any] = [col.id]
            for code in self.codes:
                cell = self.cells[(col.id, code.id)]
                lines = [f"n={cell.excerpts}"
                         + (f" ({cell.percent:.1f}%)" if cell.percent is not None else "")]
                lines += [f"“{e.quote}” ({e.ref})" for e in cell.exemplars]
                row.append("\n".join(lines))
            body.append(row)
        return TextTable(f"Framework matrix by {self.by}: top {self.top} exemplars per cell",
                         header, body, self.basis.describe())

    def long_table(self) -> TextTable:
        """Long: one row per exemplar (for CSV and spreadsheets)."""
        header = [self.by, "code", "excerpts", "percent", "rank", "excerpt", "coders", "quote"]
        body = []
        for col in self.columns:
            for code in self.codes:
                cell = self.cells[(col.id, code.id)]
                pct = display(cell.percent)
                if not cell.exemplars:
                    body.append([col.id, code.id, cell.excerpts, pct, "", "", "", ""])
                for rank, e in enumerate(cell.exemplars, 1):
                    body.append([col.id, code.id, cell.excerpts, pct, rank, e.ref, e.coders,
                                 e.quote])
        return TextTable(f"Framework matrix by {self.by}: top {self.top} exemplars per cell",
                         header, body, self.basis.describe())


def framework_matrix(store: Store, basis: Basis, by: str = "case",
                     codes: Sequence[str] | None = None, cases: Sequence[str] | None = None,
                     depth: int | None = None, top: int = 2, width: int = 160) -> Framework:
    """Case x code cells with the ``top`` exemplar excerpts, quotes trimmed to ``width``."""
    if top < 1:
        raise QcoderError(f"--top {top}: give 1 or more exemplars per cell")
    rows = select_rows(store.codebook(), codes, depth)
    scope = column_scope(store, by, cases)
    data = load_codings(store, basis, needed_codes(rows))
    matrix = tabulate(rows, scope, data, basis)
    chosen: dict[tuple[str, str], list[tuple[int, int]]] = {}
    shown: list[list[int]] = [[] for _ in matrix.columns]
    for row in rows:
        ids, cols = matrix.sets[row.id]
        coded, n_coders = data.coder_counts(row.codes)
        n = n_coders[np.isin(coded, ids, assume_unique=True)]
        for i, col in enumerate(matrix.columns):
            mine = cols == i
            seen = np.isin(ids[mine], shown[i])
            order = np.lexsort((ids[mine], seen, -n[mine]))[:top]
            picked = ids[mine][order].tolist()
            shown[i] += picked
            chosen[(col.id, row.id)] = list(zip(picked, n[mine][order].tolist(), strict=True))
    texts = excerpt_texts(store, sorted({e for pairs in chosen.values() for e, _ in pairs}))
    cells = {}
    for (col_id, code_id), pairs in chosen.items():
        cell = matrix.cells[(code_id, col_id)]
        exemplars = tuple(Exemplar(texts[e][0], trim_quote(texts[e][1], width), k)
                          for e, k in pairs)
        cells[(col_id, code_id)] = FrameworkCell(cell.excerpts, cell.percent, exemplars)
    return Framework(basis, by, matrix.columns, matrix.rows, cells, top)


def excerpt_texts(store: Store, ids: list[int]) -> dict[int, tuple[str, str]]:
    """Reference and text of each excerpt id (any number of ids)."""
    return {i: (ref, text) for i, (ref, _, text) in reads.excerpt_texts(store, ids).items()}
