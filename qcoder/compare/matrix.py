"""The code x case matrix and the exclusive-group distribution derived from it."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import QcoderError
from ..store.database import Store
from .basis import Basis
from .data import CodingData, load_codings, union_ids
from .scope import MEASURES, CodeRow, Column, Scope, column_scope, needed_codes, select_rows
from .text import TextTable, display, percent, round_or_none


@dataclass(frozen=True)
class Cell:
    """Excerpts coded, their percentage of the column's reviewed excerpts, documents."""

    excerpts: int
    percent: float | None
    documents: int

    def value(self, measure: str) -> float | int | None:
        return {"count": self.excerpts, "percent": self.percent,
                "documents": self.documents}[measure]

    def to_dict(self) -> dict[str, Any]:
        return {"excerpts": self.excerpts, "percent": round_or_none(self.percent),
                "documents": self.documents}


@dataclass(frozen=True)
class Matrix:
    """Codes (rows) x columns; ``cells[(code, column)]``; ``basis`` says whose codings."""

    basis: Basis
    by: str
    rows: tuple[CodeRow, ...]
    columns: tuple[Column, ...]
    cells: dict[tuple[str, str], Cell]
    # each row's excerpt ids and their column indexes, for co-occurrence
    sets: dict[str, tuple[np.ndarray, np.ndarray]] = field(default_factory=dict, repr=False,
                                                           compare=False)

    def cell(self, code: str, column: str) -> Cell:
        return self.cells[(code, column)]

    @property
    def reviewed(self) -> int:
        return sum(c.reviewed for c in self.columns)

    @property
    def excerpts(self) -> int:
        return sum(c.excerpts for c in self.columns)

    def total(self, code: str) -> Cell:
        """The row over all columns together (the columns partition the excerpts)."""
        n = sum(self.cells[(code, c.id)].excerpts for c in self.columns)
        docs = sum(self.cells[(code, c.id)].documents for c in self.columns)
        return Cell(n, percent(n, self.reviewed), docs)

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": "code-case matrix", "by": self.by, "basis": self.basis.to_dict(),
            "excerpts": self.excerpts, "reviewed": self.reviewed,
            "documents": sum(c.documents for c in self.columns),
            "columns": [c.to_dict() for c in self.columns],
            "codes": [{**r.to_dict(), "total": self.total(r.id).to_dict(),
                       "cells": {c.id: self.cells[(r.id, c.id)].to_dict()
                                 for c in self.columns}} for r in self.rows],
        }

    def table(self, measure: str = "count") -> TextTable:
        """Rows for csv/md/terminal: code, label, one column per column, then the total."""
        _check_measure(measure)
        header = ["code", "label", *[c.id for c in self.columns], "total"]
        body = [[r.id, r.label, *[display(self.cells[(r.id, c.id)].value(measure))
                                   for c in self.columns], display(self.total(r.id).value(measure))]
                for r in self.rows]
        body.append(["(reviewed)", "reviewed excerpts", *[c.reviewed for c in self.columns],
                     self.reviewed])
        what = {"count": "excerpts coded", "percent": "% of reviewed excerpts",
                "documents": "documents where the code appears"}[measure]
        return TextTable(f"Codes × {self.by}: {what}", header, body, self.basis.describe(),
                         depths=[r.depth for r in self.rows] + [0], totals=1)


def _check_measure(measure: str) -> None:
    if measure not in MEASURES:
        raise QcoderError(f"unknown measure '{measure}'; use {', '.join(MEASURES)}")


def tabulate(rows: Sequence[CodeRow], scope: Scope, data: CodingData, basis: Basis) -> Matrix:
    """The code x column matrix from coding data (pure: no store)."""
    column_of_doc = np.full(max(scope.document_column, default=0) + 1, -1, dtype=np.int64)
    for doc, col in scope.document_column.items():
        column_of_doc[doc] = col
    n_cols = len(scope.columns)

    def columns_of(ids: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        ids = ids[ids < data.document_of.size]
        docs = data.document_of[ids]
        docs = np.where(docs < column_of_doc.size, docs, -1)
        cols = np.where(docs >= 0, column_of_doc[docs], -1)
        keep = cols >= 0
        return ids[keep], cols[keep]

    active = np.nonzero(data.document_of >= 0)[0]
    _, all_cols = columns_of(active)
    excerpts = np.bincount(all_cols, minlength=n_cols)
    _, reviewed_cols = columns_of(data.reviewed_ids())
    reviewed = np.bincount(reviewed_cols, minlength=n_cols)
    documents = np.bincount(np.fromiter(scope.document_column.values(), dtype=np.int64),
                            minlength=n_cols)
    columns = tuple(Column(c.id, c.label, int(excerpts[i]), int(reviewed[i]), int(documents[i]))
                    for i, c in enumerate(scope.columns))
    cells: dict[tuple[str, str], Cell] = {}
    sets: dict[str, tuple[np.ndarray, np.ndarray]] = {}
    for row in rows:
        ids, cols = columns_of(data.excerpt_ids(row.codes))
        sets[row.id] = (ids, cols)
        counts = np.bincount(cols, minlength=n_cols)
        docs = union_ids([data.document_of[ids]])
        doc_counts = np.bincount(column_of_doc[docs], minlength=n_cols)
        for i, col in enumerate(columns):
            n = int(counts[i])
            cells[(row.id, col.id)] = Cell(n, percent(n, col.reviewed), int(doc_counts[i]))
    return Matrix(basis, scope.by, tuple(rows), columns, cells, sets)


def code_case_matrix(store: Store, basis: Basis, by: str = "case",
                     codes: Sequence[str] | None = None, cases: Sequence[str] | None = None,
                     depth: int | None = None) -> Matrix:
    """For each code and column: excerpts coded (parents roll up their children, an excerpt
    counted once), their percentage of the column's reviewed excerpts, and documents."""
    rows = select_rows(store.codebook(), codes, depth)
    scope = column_scope(store, by, cases)
    return tabulate(rows, scope, load_codings(store, basis, needed_codes(rows)), basis)




def shares_to_100(counts: Sequence[int], digits: int = 1) -> list[float | None]:
    """Each count's share of their sum, rounded so the shares add up to exactly 100
    (largest-remainder rounding); None for every share when the sum is 0."""
    total = sum(counts)
    if not total:
        return [None] * len(counts)
    scale = 10 ** digits
    exact = [c * 100 * scale / total for c in counts]
    floors = [math.floor(x) for x in exact]
    short = 100 * scale - sum(floors)
    order = sorted(range(len(counts)), key=lambda i: (floors[i] - exact[i], -counts[i], i))
    for i in order[:short]:
        floors[i] += 1
    return [f / scale for f in floors]


@dataclass(frozen=True)
class GroupDistribution:
    """The share of each child of an exclusive group per column (each column sums to 100).

    ``excerpts[column]`` counts excerpts with any child; ``conflicting[column]`` counts the
    extra child assignments when pooled coders chose different children for one excerpt.
    """

    basis: Basis
    by: str
    group: CodeRow
    children: tuple[CodeRow, ...]
    columns: tuple[Column, ...]
    counts: dict[tuple[str, str], int]
    shares: dict[tuple[str, str], float | None]
    excerpts: dict[str, int]
    conflicting: dict[str, int]

    def to_dict(self) -> dict[str, Any]:
        return {
            "table": "exclusive-group distribution", "by": self.by,
            "basis": self.basis.to_dict(), "group": self.group.to_dict(),
            "codes": [c.to_dict() for c in self.children],
            "excerpts": sum(self.excerpts.values()),
            "columns": [{**col.to_dict(), "coded": self.excerpts[col.id],
                         "conflicting": self.conflicting[col.id],
                         "codes": {ch.id: {"excerpts": self.counts[(ch.id, col.id)],
                                           "percent": self.shares[(ch.id, col.id)]}
                                   for ch in self.children}}
                        for col in self.columns],
        }

    def table(self, measure: str = "percent") -> TextTable:
        """Columns of the matrix become rows here: one row per column, shares across."""
        header = [self.by, *[c.id for c in self.children], "excerpts"]
        body = []
        for col in self.columns:
            values = [self.counts[(ch.id, col.id)] if measure == "count"
                      else display(self.shares[(ch.id, col.id)]) for ch in self.children]
            body.append([col.id, *values, self.excerpts[col.id]])
        notes = ()
        if any(self.conflicting.values()):
            notes = (f"{sum(self.conflicting.values())} excerpts carry more than one "
                     f"'{self.group.id}' code from different pooled coders; each counts once per "
                     "code",)
        what = "excerpts" if measure == "count" else "% of the group's codings"
        return TextTable(f"{self.group.label} ({self.group.id}) by {self.by}: {what}", header,
                         body, self.basis.describe(), notes)


def distribution(matrix: Matrix, group: str) -> GroupDistribution:
    """The exclusive-group distribution from a matrix that holds the group and its children."""
    rows = {r.id: r for r in matrix.rows}
    if group not in rows:
        raise QcoderError(f"code '{group}' is not in the table; include it with --codes")
    children = tuple(r for r in matrix.rows if r.parent == group)
    counts = {(ch.id, col.id): matrix.cells[(ch.id, col.id)].excerpts
              for ch in children for col in matrix.columns}
    shares: dict[tuple[str, str], float | None] = {}
    excerpts, conflicting = {}, {}
    for col in matrix.columns:
        values = [counts[(ch.id, col.id)] for ch in children]
        for ch, share in zip(children, shares_to_100(values), strict=True):
            shares[(ch.id, col.id)] = share
        excerpts[col.id] = matrix.cells[(group, col.id)].excerpts
        conflicting[col.id] = sum(values) - excerpts[col.id]
    return GroupDistribution(matrix.basis, matrix.by, rows[group], children, matrix.columns,
                             counts, shares, excerpts, conflicting)


def exclusive_distribution(store: Store, basis: Basis, group: str, by: str = "case",
                           cases: Sequence[str] | None = None) -> GroupDistribution:
    """Share of each child of the exclusive group ``group`` per column."""
    book = store.codebook()
    if group not in book or not book[group].exclusive:
        names = ", ".join(c.id for c in book.exclusive_groups()) or "none in this codebook"
        raise QcoderError(f"'{group}' is not an exclusive group; exclusive groups: {names}")
    matrix = code_case_matrix(store, basis, by, [group], cases, depth=book[group].depth + 2)
    return distribution(matrix, group)
