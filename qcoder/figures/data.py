"""What each figure shows, as plain data computed by the domain code.

Every figure is drawn from one of these objects, and each object is built from the result of
the command that prints the same numbers: the code x case matrix of ``qcoder compare``, the
exclusive-group distribution of ``compare --groups``, the agreement report of ``qcoder
agreement`` and the progress of ``qcoder status``. So a figure and the table next to it
never disagree, and tests compare the two. Nothing here imports matplotlib.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..compare import GroupDistribution, Matrix
from ..constants import RELIABLE, TENTATIVE
from ..project.codebook import Codebook
from ..reliability.agreement import CodeAgreement
from ..reliability.data import ProjectAgreement


@dataclass(frozen=True)
class Band:
    """Rows ``start`` to ``stop`` (exclusive) belong to the top-level code ``label``."""

    label: str
    start: int
    stop: int


@dataclass(frozen=True)
class HeatMap:
    """Codes (rows) x cases (columns): each cell the percentage of the case's reviewed
    excerpts coded with the code (None where the case has no reviewed excerpt)."""

    title: str
    basis: str
    row_ids: tuple[str, ...]
    row_labels: tuple[str, ...]
    depths: tuple[int, ...]
    column_ids: tuple[str, ...]
    column_labels: tuple[str, ...]
    percents: tuple[tuple[float | None, ...], ...]
    counts: tuple[tuple[int, ...], ...]
    reviewed: tuple[int, ...]
    bands: tuple[Band, ...]


def heat_map(matrix: Matrix) -> HeatMap:
    """The heat map of a code x case matrix (its rows and columns in the matrix's order)."""
    rows, cols = matrix.rows, matrix.columns
    bands: list[Band] = []
    for i, row in enumerate(rows):
        if not bands or row.depth == min(r.depth for r in rows):
            bands.append(Band(row.label, i, i + 1))
        else:
            bands[-1] = Band(bands[-1].label, bands[-1].start, i + 1)
    return HeatMap(
        title="Codes by case: % of the case's reviewed excerpts",
        basis=matrix.basis.describe(),
        row_ids=tuple(r.id for r in rows),
        row_labels=tuple(r.label for r in rows),
        depths=tuple(r.depth - min((x.depth for x in rows), default=0) for r in rows),
        column_ids=tuple(c.id for c in cols),
        column_labels=tuple(c.label for c in cols),
        percents=tuple(tuple(matrix.cell(r.id, c.id).percent for c in cols) for r in rows),
        counts=tuple(tuple(matrix.cell(r.id, c.id).excerpts for c in cols) for r in rows),
        reviewed=tuple(c.reviewed for c in cols),
        bands=tuple(bands),
    )


@dataclass(frozen=True)
class GroupShares:
    """Each code of an exclusive group as a share (%) of the group's codings in each case:
    ``shares[case][code]``, each case summing to 100 (None: no coding of the group there)."""

    group_id: str
    title: str
    basis: str
    code_ids: tuple[str, ...]
    code_labels: tuple[str, ...]
    column_ids: tuple[str, ...]
    column_labels: tuple[str, ...]
    shares: tuple[tuple[float | None, ...], ...]
    excerpts: tuple[int, ...]


def group_shares(dist: GroupDistribution) -> GroupShares:
    """The stacked bars of an exclusive-group distribution (shares as ``compare --groups``)."""
    return GroupShares(
        group_id=dist.group.id,
        title=f"{dist.group.label}: share of each code by case",
        basis=dist.basis.describe(),
        code_ids=tuple(c.id for c in dist.children),
        code_labels=tuple(c.label for c in dist.children),
        column_ids=tuple(c.id for c in dist.columns),
        column_labels=tuple(c.label for c in dist.columns),
        shares=tuple(tuple(dist.shares[(ch.id, col.id)] for ch in dist.children)
                     for col in dist.columns),
        excerpts=tuple(dist.excerpts[c.id] for c in dist.columns),
    )


@dataclass(frozen=True)
class AlphaPoint:
    """One row of the alpha chart: a code (binary) or an exclusive group (nominal)."""

    id: str
    label: str
    depth: int  # 0: the top-level code heading its block
    group: bool
    alpha: float | None
    ci: tuple[float, float] | None
    flag: str
    units: int


@dataclass(frozen=True)
class AlphaChart:
    """Alpha per code with its bootstrap 95% interval, in blocks by top-level code: the
    blocks worst first (by their lowest alpha), and within a block its top-level code, its
    exclusive group, then the codes below it as a tree, siblings worst first; undefined
    alphas last among their siblings."""

    title: str
    stamp: str
    points: tuple[AlphaPoint, ...]
    bands: tuple[Band, ...]
    thresholds: tuple[float, float] = (TENTATIVE, RELIABLE)


def _worst_key(r: CodeAgreement) -> tuple[bool, float]:
    return (r.alpha is None, r.alpha if r.alpha is not None else 0.0)


def alpha_chart(result: ProjectAgreement, codebook: Codebook) -> AlphaChart:
    """The alpha chart of an agreement report (every code and group it holds)."""
    report = result.report
    by_root: dict[str, list[tuple[CodeAgreement, bool]]] = {}
    order: list[str] = []
    for item, is_group in [*((r, False) for r in report.codes),
                           *((g, True) for g in report.groups)]:
        root = _root(codebook, item.id)
        if root not in by_root:
            by_root[root] = []
            order.append(root)
        by_root[root].append((item, is_group))

    def block_key(root: str) -> tuple[bool, float]:
        defined = [r.alpha for r, _ in by_root[root] if r.alpha is not None]
        return (not defined, min(defined, default=0.0))

    points: list[AlphaPoint] = []
    bands: list[Band] = []
    for root in sorted(order, key=block_key):
        items = by_root[root]
        head = [x for x in items if x[0].id == root]
        head.sort(key=lambda x: x[1])  # the code, then its group
        lone_group = len(head) == 1 and head[0][1]
        rest = _tree_worst_first([x for x in items if x[0].id != root], root, codebook)
        start = len(points)
        for item, is_group in [*head, *rest]:
            depth = codebook[item.id].depth - codebook[root].depth if item.id in codebook else 1
            label = codebook[item.id].label if item.id in codebook else item.id
            if is_group:
                label += " (exclusive group)"
                depth = 0 if lone_group and item.id == root else max(depth, 1)
            points.append(AlphaPoint(item.id, label, depth, is_group, item.alpha, item.ci,
                                     item.flag, item.units))
        bands.append(Band(codebook[root].label if root in codebook else root, start,
                          len(points)))
    boot = f"; 95% bootstrap interval ({result.bootstrap} resamples)" if result.bootstrap else ""
    return AlphaChart(title=f"Krippendorff's alpha per code{boot}", stamp=result.stamp(),
                      points=tuple(points), bands=tuple(bands))


def _root(codebook: Codebook, code_id: str) -> str:
    if code_id not in codebook:
        return code_id
    ancestors = codebook.ancestors(code_id)  # from the root down
    return ancestors[0] if ancestors else code_id


def _tree_worst_first(items: list[tuple[CodeAgreement, bool]], root: str,
                      codebook: Codebook) -> list[tuple[CodeAgreement, bool]]:
    """The codes below ``root`` as a tree: siblings lowest alpha first, each followed by its
    exclusive group's row (if it is one) and the codes below it."""
    codes = {x[0].id for x in items if not x[1]}
    groups = {x[0].id: x for x in items if x[1]}
    below: dict[str, list[tuple[CodeAgreement, bool]]] = {}
    for item in items:
        code, is_group = item[0].id, item[1]
        if is_group and code in codes:
            continue  # shown right after its code's row
        parent = codebook[code].parent if code in codebook else None
        below.setdefault(parent or root, []).append(item)
    out: list[tuple[CodeAgreement, bool]] = []

    def visit(parent: str) -> None:
        for item in sorted(below.get(parent, []), key=lambda x: _worst_key(x[0])):
            out.append(item)
            if not item[1]:
                if item[0].id in groups:
                    out.append(groups[item[0].id])
                visit(item[0].id)

    visit(root)
    seen = {id(x) for x in out}
    return out + [x for x in items if id(x) not in seen]


@dataclass(frozen=True)
class Progress:
    """Each coder's reviewed excerpts per case: ``reviewed[case][coder]`` of ``totals``."""

    title: str
    coders: tuple[str, ...]
    case_ids: tuple[str, ...]
    case_labels: tuple[str, ...]
    reviewed: tuple[tuple[int, ...], ...]
    totals: tuple[int, ...]

    def percent(self, case: int, coder: int) -> float:
        total = self.totals[case]
        return 100.0 * self.reviewed[case][coder] / total if total else 0.0


def progress(rows: Sequence[dict[str, Any]], cases: Sequence[dict[str, Any]],
             coders: Sequence[str]) -> Progress:
    """From ``Store.progress()`` rows (coder, case, reviewed, total), the project's cases
    (id, name) in order and the coders to show."""
    done = {(p["case"], p["coder"]): p["reviewed"] for p in rows}
    totals = {p["case"]: p["total"] for p in rows}
    shown = [c for c in cases if c["id"] in totals]
    return Progress(
        title="Excerpts reviewed by each coder, per case",
        coders=tuple(coders),
        case_ids=tuple(c["id"] for c in shown),
        case_labels=tuple(c["name"] or c["id"] for c in shown),
        reviewed=tuple(tuple(done.get((c["id"], k), 0) for k in coders) for c in shown),
        totals=tuple(totals[c["id"]] for c in shown),
    )


# --- words for a reader who cannot see the figure -------------------------------------------


def _pct(value: float | None) -> str:
    return "–" if value is None else f"{value:.1f} %"


def describe(data: object) -> str:
    """Alternative text: what the figure shows and its most telling values, in words."""
    if isinstance(data, HeatMap):
        cells = [(v, r, c) for r, row in enumerate(data.percents)
                 for c, v in enumerate(row) if v is not None]
        top = max(cells, default=None)
        most = (f" The highest share is {data.row_labels[top[1]]} in "
                f"{data.column_labels[top[2]]} ({_pct(top[0])})." if top else "")
        return (f"Heat map of {len(data.row_ids)} codes (rows) by {len(data.column_ids)} "
                f"cases (columns): each cell is the percentage of the case's reviewed "
                f"excerpts coded with the code, darker for less and yellow for more, with "
                f"the number written in the cell.{most}")
    if isinstance(data, GroupShares):
        parts = []
        for case, row in zip(data.column_labels, data.shares, strict=True):
            if any(v is not None for v in row):
                k = max(range(len(row)), key=lambda i: row[i] or 0.0)
                parts.append(f"{case}: {data.code_labels[k]} {_pct(row[k])}")
        return (f"Stacked bars, one per case, of the shares of the {len(data.code_ids)} codes "
                f"of the exclusive group {data.title.split(':')[0]} (each bar sums to 100 %). "
                "Largest share per case: " + ("; ".join(parts) or "no codings") + ".")
    if isinstance(data, AlphaChart):
        defined = [p for p in data.points if p.alpha is not None]
        low = min(defined, key=lambda p: p.alpha or 0.0, default=None)
        counts = {f: sum(1 for p in data.points if p.flag == f)
                  for f in ("reliable", "tentative", "unreliable")}
        lowest = (f" The lowest is {low.label} (alpha {low.alpha:.3f})." if low else "")
        return (f"Dot chart of Krippendorff's alpha for {len(data.points)} codes and groups, "
                "each with its 95 % interval as a horizontal line, against dashed lines at "
                f".667 and .800: {counts['reliable']} reliable, {counts['tentative']} "
                f"tentative, {counts['unreliable']} unreliable.{lowest}")
    if isinstance(data, Progress):
        parts = [f"{coder} {sum(r[k] for r in data.reviewed)} of {sum(data.totals)}"
                 for k, coder in enumerate(data.coders)]
        return (f"Bars per case and coder: the share of the case's excerpts each of the "
                f"{len(data.coders)} coders reviewed. In all: " + "; ".join(parts) + ".")
    raise TypeError(f"no figure for {type(data).__name__}")
