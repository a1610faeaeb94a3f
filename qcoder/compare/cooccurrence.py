"""Codes applied to the same excerpt: counts and Jaccard, overall and per column."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..store.database import Store
from .basis import Basis
from .data import union_ids
from .matrix import Matrix, code_case_matrix
from .scope import CodeRow, Column
from .text import TextTable, display3, round_or_none


def jaccard(both: int, a: int, b: int) -> float | None:
    """|A ∩ B| / |A ∪ B| from the intersection and the two sizes (None when both are empty)."""
    union = a + b - both
    return both / union if union else None


@dataclass(frozen=True)
class Pair:
    """Two codes applied to the same excerpts: how often, and Jaccard."""

    a: str
    b: str
    count: int
    jaccard: float | None
    a_excerpts: int
    b_excerpts: int

    def to_dict(self) -> dict[str, Any]:
        return {"codes": [self.a, self.b], "excerpts": self.count,
                "jaccard": round_or_none(self.jaccard, 3),
                "excerpts_a": self.a_excerpts, "excerpts_b": self.b_excerpts}


@dataclass(frozen=True, eq=False)
class Cooccurrence:
    """Code x code counts of shared excerpts, overall (column ``None``) and per column.

    Pairs of a code and one of its ancestors are left out (a parent always holds its
    children).
    """

    basis: Basis
    by: str
    rows: tuple[CodeRow, ...]
    columns: tuple[Column, ...]
    counts: dict[str | None, np.ndarray]

    def _index(self, code: str) -> int:
        return next(i for i, r in enumerate(self.rows) if r.id == code)

    def count(self, a: str, b: str, column: str | None = None) -> int:
        return int(self.counts[column][self._index(a), self._index(b)])

    def jaccard(self, a: str, b: str, column: str | None = None) -> float | None:
        m = self.counts[column]
        i, j = self._index(a), self._index(b)
        return jaccard(int(m[i, j]), int(m[i, i]), int(m[j, j]))

    def pairs(self, column: str | None = None, measure: str = "count") -> list[Pair]:
        """Co-occurring pairs (count > 0), most frequent (or highest Jaccard) first."""
        m = self.counts[column]
        out = []
        for i, ra in enumerate(self.rows):
            for j in range(i + 1, len(self.rows)):
                rb = self.rows[j]
                both = int(m[i, j])
                if both and rb.id not in ra.codes and ra.id not in rb.codes:
                    out.append(Pair(ra.id, rb.id, both, jaccard(both, int(m[i, i]),
                                                                int(m[j, j])),
                                    int(m[i, i]), int(m[j, j])))
        key = (lambda p: (-(p.jaccard or 0), -p.count)) if measure == "jaccard" else \
            (lambda p: (-p.count, -(p.jaccard or 0)))
        return sorted(out, key=key)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": "co-occurrence", "by": self.by, "basis": self.basis.to_dict(),
            "excerpts": sum(c.reviewed for c in self.columns),
            "codes": [{**r.to_dict(), "excerpts": int(self.counts[None][i, i])}
                      for i, r in enumerate(self.rows)],
            "pairs": [p.to_dict() for p in self.pairs()],
            "columns": [{**c.to_dict(), "pairs": [p.to_dict() for p in self.pairs(c.id)]}
                        for c in self.columns],
        }

    def table(self, measure: str = "count", per_column: bool = False,
              limit: int | None = None) -> TextTable:
        pairs = self.pairs(measure=measure)[:limit] if limit else self.pairs(measure=measure)
        header = ["code a", "code b", "excerpts", "jaccard"]
        if per_column:
            header += [f"{c.id} {m}" for c in self.columns for m in ("n", "J")]
        body = []
        for p in pairs:
            row: list[Any] = [p.a, p.b, p.count, display3(p.jaccard)]
            if per_column:
                for c in self.columns:
                    row += [self.count(p.a, p.b, c.id), display3(self.jaccard(p.a, p.b, c.id))]
            body.append(row)
        notes = ("jaccard = excerpts with both / excerpts with either",)
        return TextTable(f"Co-occurrence of codes on the same excerpt (by {self.by})", header,
                         body, self.basis.describe(), notes)


def cooccurrence_counts(sets: Sequence[np.ndarray], column_of: Sequence[np.ndarray],
                        n_columns: int, chunk: int = 16_384) -> np.ndarray:
    """Per column, the code x code matrix of shared excerpts (diagonal: the code's own count).

    ``sets[k]`` are the excerpt ids of code k, ``column_of[k]`` their columns. Returns an
    array (columns, codes, codes); computed as XᵀX over a 0/1 excerpt x code matrix, in
    chunks of excerpts.
    """
    k = len(sets)
    out = np.zeros((n_columns, k, k), dtype=np.int64)
    if not k or not any(s.size for s in sets):
        return out
    ids = np.concatenate(sets)
    codes = np.concatenate([np.full(s.size, i, dtype=np.int64) for i, s in enumerate(sets)])
    cols = np.concatenate(column_of)
    unique = union_ids([ids])
    row = np.searchsorted(unique, ids)
    column = np.empty(unique.size, dtype=np.int64)
    column[row] = cols
    # Number the excerpts column by column, so each column is one contiguous block of rows.
    by_column = np.argsort(column, kind="stable")
    rank = np.empty(unique.size, dtype=np.int64)
    rank[by_column] = np.arange(unique.size)
    entry_rank = rank[row]
    order = np.argsort(entry_rank, kind="stable")
    entry_rank, codes = entry_rank[order], codes[order]
    bounds = np.concatenate(([0], np.cumsum(np.bincount(column, minlength=n_columns))))
    for c in range(n_columns):
        for start in range(int(bounds[c]), int(bounds[c + 1]), chunk):
            stop = min(start + chunk, int(bounds[c + 1]))
            lo, hi = np.searchsorted(entry_rank, [start, stop])
            x = np.zeros((stop - start, k), dtype=np.float32)
            x[entry_rank[lo:hi] - start, codes[lo:hi]] = 1.0
            out[c] += np.rint(x.T @ x).astype(np.int64)
    return out


def cooccurrence(store: Store, basis: Basis, by: str = "case",
                 codes: Sequence[str] | None = None, cases: Sequence[str] | None = None,
                 depth: int | None = None) -> Cooccurrence:
    """Codes applied to the same excerpt (rolled up like the matrix), per column and overall."""
    return cooccurrence_from_matrix(code_case_matrix(store, basis, by, codes, cases, depth))


def cooccurrence_from_matrix(matrix: Matrix) -> Cooccurrence:
    """Co-occurrence over the excerpt sets a matrix keeps (``matrix.sets``)."""
    sets = [matrix.sets[r.id][0] for r in matrix.rows]
    cols = [matrix.sets[r.id][1] for r in matrix.rows]
    per = cooccurrence_counts(sets, cols, len(matrix.columns))
    counts: dict[str | None, np.ndarray] = {c.id: per[i] for i, c in enumerate(matrix.columns)}
    counts[None] = per.sum(axis=0)
    return Cooccurrence(matrix.basis, matrix.by, matrix.rows, matrix.columns, counts)
