"""Distinctive codes: per column, the codes over- or under-represented against the others."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import QcoderError
from .basis import Basis
from .matrix import Matrix
from .scope import Column
from .text import TextTable, display, percent, round_or_none

METHOD = ("two-sided z test of the log odds ratio (code in this column vs the other columns, "
          "0.5 added to each cell of the 2x2 table); p adjusted over the whole table with "
          "Benjamini-Hochberg (q)")


def log_odds_test(a: int, b: int, c: int, d: int) -> tuple[float, float, float]:
    """Log odds ratio of the 2x2 table [[a, b], [c, d]], its z score and two-sided p.

    a = excerpts in the column with the code, b = reviewed there without it; c, d the same
    in the other columns. 0.5 is added to each cell (Haldane-Anscombe) so empty cells work.
    """
    a_, b_, c_, d_ = (x + 0.5 for x in (a, b, c, d))
    log_odds = math.log(a_ * d_ / (b_ * c_))
    z = log_odds / math.sqrt(1 / a_ + 1 / b_ + 1 / c_ + 1 / d_)
    return log_odds, z, math.erfc(abs(z) / math.sqrt(2))


def benjamini_hochberg(p_values: Sequence[float]) -> list[float]:
    """Benjamini-Hochberg adjusted p-values (q), in the input order."""
    m = len(p_values)
    order = sorted(range(m), key=lambda i: p_values[i])
    q = [0.0] * m
    running = 1.0
    for rank in range(m, 0, -1):
        i = order[rank - 1]
        running = min(running, p_values[i] * m / rank)
        q[i] = running
    return q


@dataclass(frozen=True)
class Distinction:
    """One code in one column against all the other columns, with the counts behind it."""

    column: str
    code: str
    label: str
    excerpts: int
    reviewed: int
    other_excerpts: int
    other_reviewed: int
    log_odds: float
    z: float
    p: float
    q: float
    direction: str  # "over", "under" or "" (not distinctive at alpha)

    @property
    def percent(self) -> float | None:
        return percent(self.excerpts, self.reviewed)

    @property
    def other_percent(self) -> float | None:
        return percent(self.other_excerpts, self.other_reviewed)

    def to_dict(self) -> dict[str, Any]:
        return {"column": self.column, "code": self.code, "label": self.label,
                "excerpts": self.excerpts, "reviewed": self.reviewed,
                "percent": round_or_none(self.percent), "other_excerpts": self.other_excerpts,
                "other_reviewed": self.other_reviewed,
                "other_percent": round_or_none(self.other_percent),
                "log_odds": round(self.log_odds, 3), "z": round(self.z, 2),
                "p": float(f"{self.p:.3g}"), "q": float(f"{self.q:.3g}"),
                "direction": self.direction}


@dataclass(frozen=True)
class Distinctive:
    """Per column, the codes over- or under-represented against the other columns."""

    basis: Basis
    by: str
    alpha: float
    columns: tuple[Column, ...]
    items: tuple[Distinction, ...]

    def significant(self, column: str | None = None) -> list[Distinction]:
        return [d for d in self.items if d.direction and column in (None, d.column)]

    def to_dict(self) -> dict[str, Any]:
        return {"table": "distinctive codes", "by": self.by, "basis": self.basis.to_dict(),
                "method": METHOD, "alpha": self.alpha,
                "columns": [c.to_dict() for c in self.columns],
                "codes": [d.to_dict() for d in self.items]}

    def table(self, everything: bool = False) -> TextTable:
        header = [self.by, "code", "", "here", "%", "others", "%", "log odds", "z", "q"]
        body = []
        for col in self.columns:
            items = [d for d in self.items if d.column == col.id
                     and (everything or d.direction)]
            for d in sorted(items, key=lambda d: -d.z):
                body.append([col.id, d.code, {"over": "+", "under": "−"}.get(d.direction, ""),
                             f"{d.excerpts}/{d.reviewed}", display(d.percent),
                             f"{d.other_excerpts}/{d.other_reviewed}", display(d.other_percent),
                             round(d.log_odds, 2), round(d.z, 2), f"{d.q:.3g}"])
        title = (f"Distinctive codes by {self.by}: + over-, − under-represented "
                 f"(q < {self.alpha:g})")
        return TextTable(title, header, body, self.basis.describe(), (f"method: {METHOD}",))


def distinctive_codes(matrix: Matrix, alpha: float = 0.05) -> Distinctive:
    """Test every code in every column against the other columns (see :data:`METHOD`).

    Codes that no column has are skipped; so are columns without reviewed excerpts.
    """
    if len(matrix.columns) < 2:
        raise QcoderError("distinctive codes compare a column with the others; the table has "
                          "fewer than two columns (check --cases / --by)")
    reviewed_all = matrix.reviewed
    tests = []
    for row in matrix.rows:
        total = matrix.total(row.id).excerpts
        if not total:
            continue
        for col in matrix.columns:
            other_reviewed = reviewed_all - col.reviewed
            if not col.reviewed or not other_reviewed:
                continue
            a = matrix.cells[(row.id, col.id)].excerpts
            c = total - a
            tests.append((row, col, a, c, other_reviewed,
                          log_odds_test(a, col.reviewed - a, c, other_reviewed - c)))
    q_values = benjamini_hochberg([t[5][2] for t in tests])
    items = []
    for (row, col, a, c, other_reviewed, (lor, z, p)), q in zip(tests, q_values, strict=True):
        direction = ("over" if z > 0 else "under") if q < alpha else ""
        items.append(Distinction(col.id, row.id, row.label, a, col.reviewed, c, other_reviewed,
                                 lor, z, p, q, direction))
    return Distinctive(matrix.basis, matrix.by, alpha, matrix.columns, tuple(items))
