"""Reliability statistics between coders: pure functions, rows in, results out.

The unit is the excerpt. For each excerpt a coder has either *reviewed* it (with or without
codes) or not (missing). A coding counts as a review: a coder who applied a code to an excerpt
has looked at it. Only excerpts reviewed by at least two of the selected coders are *pairable*;
an excerpt reviewed by one coder contributes nothing.

Variables:
- a code is binary: 1 = applied by that coder, 0 = reviewed without it;
- an exclusive group is nominal over its children, with "none" as one more value for a review
  without any child. A coder who applied two children of one exclusive group (a data error the
  store should prevent) counts as missing for that group on that excerpt.

Alpha is Krippendorff's alpha for nominal data. Where it is undefined (no variation at all among
the pairable values, or no pairable unit) it is ``None`` and flagged "undefined" (or "too few
units"), never 0 or 1.

Point estimates: overall per-code and per-group alpha comes from the ``krippendorff`` package
(always ``level_of_measurement="nominal"``, with an explicit ``value_domain``). Per-case and
pairwise alpha and every bootstrap replicate come from a vectorised kernel over the same
coincidence counts, tested equal to the package to 1e-12.

Speed: a unit's contribution to the coincidence matrix depends only on its value counts, so
units are grouped by that pattern (binary, 5 coders: at most 18 pairable patterns). Each
variable is read once into a histogram of units by joint state (every coder's value) and case;
per-case, pairwise and bootstrap results are derived from it with numpy, never per unit in
Python.
"""

from __future__ import annotations

import math
import zlib
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from itertools import combinations, compress
from typing import Any

import krippendorff
import numpy as np

from ..constants import CONSENSUS, RELIABLE, TENTATIVE
from . import coefficients
from .bootstrap import HAYES_KRIPPENDORFF, alpha_kernel
from .bootstrap import bootstrap as draw_bootstrap

MISSING = -1
#: Fewer pairable units than this and an alpha (of a code, a group or a pair of coders) is
#: flagged "too few units". Alpha needs enough pairable values to say anything (Krippendorff
#: 2004, Content Analysis, 2nd ed., ch. 11, which tabulates the units needed by the rarest
#: value's share and the alpha to be shown); 10 is this project's floor, not his table: below
#: it an alpha is shown but never read as evidence.
MIN_UNITS = 10
# Above this many cells (units x values^2) the krippendorff package's dense per-unit arrays
# cost too much memory; the pattern kernel (same formula, tested equal) is used instead.
_PACKAGE_MAX_CELLS = 4_000_000


# --- input --------------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class AgreementData:
    """Reviews and codings as dense arrays.

    Excerpts (axis N) are grouped by case (cases sorted, unknown case first) then by id; coders
    (axis K) are sorted. ``case_index`` is -1 for an excerpt whose case is unknown. Arrays are
    coder-major, (K, N), so that one coder's column is contiguous.

    ``rollup`` is the roll-up rule every statistic and every list of disagreements uses: it
    maps a parent code id to its descendants, and the parent counts as applied by a coder on
    an excerpt when the parent or any descendant is (``rolled_up``). The store's loader sets
    it from the codebook, so agreement, disagreements and consensus cannot differ on it.
    """

    excerpt_ids: np.ndarray  # (N,) int64
    case_index: np.ndarray  # (N,) int64 into case_ids
    case_ids: tuple[str, ...]
    coders: tuple[str, ...]
    reviewed: np.ndarray  # (K, N) bool
    code_ids: tuple[str, ...]
    applied: np.ndarray  # (C, K, N) bool, indexed like code_ids
    rollup: Mapping[str, tuple[str, ...]] = field(default_factory=dict)

    def with_rollup(self, rollup: Mapping[str, Sequence[str]]) -> AgreementData:
        """The same data under the roll-up rule ``rollup`` (parent id -> descendant ids)."""
        return replace(self, rollup={p: tuple(d) for p, d in rollup.items()})

    def rolled_up(self, code_id: str) -> np.ndarray:
        """(K, N) bool: each coder applied the code or, by the roll-up rule, a descendant."""
        return _applied(self, code_id, self.rollup)

    @classmethod
    def from_rows(
        cls,
        reviews: Iterable[tuple[int, str]],
        codings: Iterable[tuple[int, str, str]],
        case_of: Mapping[int, str],
    ) -> AgreementData:
        """Build from ``(excerpt_id, coder)`` reviews and ``(excerpt_id, code_id, coder)`` codings.

        ``case_of`` maps excerpt id to case id. A coding also marks the excerpt reviewed.
        """
        review_rows, coding_rows = list(reviews), list(codings)
        coders, coder_col = _encode([r[1] for r in review_rows] + [r[2] for r in coding_rows])
        code_ids, code_pos = _encode([r[1] for r in coding_rows])
        ids = np.fromiter(
            (r[0] for r in (*review_rows, *coding_rows)),
            dtype=np.int64,
            count=len(review_rows) + len(coding_rows),
        )
        excerpt_ids, row = np.unique(ids, return_inverse=True)
        case_ids, case_index = _encode_cases(excerpt_ids, case_of)
        order = np.lexsort((excerpt_ids, case_index))
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        row = rank[row.reshape(-1)]
        reviewed = np.zeros((len(coders), excerpt_ids.size), dtype=bool)
        reviewed[coder_col, row] = True
        applied = np.zeros((len(code_ids), len(coders), excerpt_ids.size), dtype=bool)
        start = len(review_rows)
        applied[code_pos, coder_col[start:], row[start:]] = True
        return cls(
            excerpt_ids[order], case_index[order], case_ids, coders, reviewed, code_ids, applied
        )

    @classmethod
    def from_arrays(
        cls,
        reviews: Mapping[str, np.ndarray],
        codings: Mapping[tuple[str, str], np.ndarray],
        cases: Mapping[str, np.ndarray],
    ) -> AgreementData:
        """Build from arrays of excerpt ids: ``reviews[coder]``, ``codings[(code_id, coder)]``
        and ``cases[case_id]`` (the excerpts of each case). Same result as ``from_rows`` on
        the equivalent rows, without a Python object per row.
        """
        coders = tuple(sorted({*reviews, *(coder for _, coder in codings)}))
        code_ids = tuple(sorted({code for code, _ in codings}))
        excerpt_ids = _union(
            [np.asarray(a, dtype=np.int64) for a in (*reviews.values(), *codings.values())]
        )
        known = np.full(excerpt_ids.size, -1, dtype=np.int64)
        labels = sorted(cases)
        for i, label in enumerate(labels):
            known[_positions(excerpt_ids, cases[label])] = i
        used = np.unique(known[known >= 0])
        case_ids = tuple(labels[i] for i in used.tolist())
        case_index = np.where(known >= 0, np.searchsorted(used, known), -1)
        order = np.lexsort((excerpt_ids, case_index))
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        reviewed = np.zeros((len(coders), excerpt_ids.size), dtype=bool)
        applied = np.zeros((len(code_ids), len(coders), excerpt_ids.size), dtype=bool)
        for coder, ids in reviews.items():
            reviewed[coders.index(coder), rank[_positions(excerpt_ids, ids)]] = True
        for (code_id, coder), ids in codings.items():
            rows = rank[_positions(excerpt_ids, ids)]
            applied[code_ids.index(code_id), coders.index(coder), rows] = True
            reviewed[coders.index(coder), rows] = True
        return cls(
            excerpt_ids[order], case_index[order], case_ids, coders, reviewed, code_ids, applied
        )

    def subset(self, coders: Sequence[str] | None = None, case: str | None = None) -> AgreementData:
        """Keep only some coders (ValueError if one is unknown) and/or one case (may be empty)."""
        data = self
        coders = list(dict.fromkeys(coders)) if coders is not None else None
        if coders is not None and tuple(coders) != self.coders:
            unknown = [c for c in coders if c not in self.coders]
            if unknown:
                raise ValueError(f"no reviews by coder(s) {', '.join(unknown)}")
            cols = [self.coders.index(c) for c in coders]
            data = replace(
                self, coders=tuple(coders), reviewed=self.reviewed[cols],
                applied=self.applied[:, cols],
            )
        if case is not None:
            pos = data.case_ids.index(case) if case in data.case_ids else len(data.case_ids)
            lo, hi = np.searchsorted(data.case_index, [pos, pos + 1])
            rows = slice(int(lo), int(hi))
            data = replace(
                data, excerpt_ids=data.excerpt_ids[rows], case_index=data.case_index[rows],
                reviewed=data.reviewed[:, rows], applied=data.applied[:, :, rows],
            )
        return data


def _encode(values: Sequence[str]) -> tuple[tuple[str, ...], np.ndarray]:
    """Sorted distinct labels and each value's position among them."""
    index: dict[str, int] = {}
    raw = np.fromiter(
        (index.setdefault(v, len(index)) for v in values), dtype=np.int64, count=len(values)
    )
    labels = sorted(index)
    remap = np.empty(len(labels), dtype=np.int64)
    remap[[index[label] for label in labels]] = np.arange(len(labels))
    return tuple(labels), remap[raw]


def _union(parts: Sequence[np.ndarray]) -> np.ndarray:
    """Sorted distinct ids of all arrays; a bit mask when the ids are dense (row ids are)."""
    parts = [p for p in parts if p.size]
    if not parts:
        return np.empty(0, dtype=np.int64)
    low = min(int(p.min()) for p in parts)
    high = max(int(p.max()) for p in parts)
    if low < 0 or high > 8 * sum(p.size for p in parts) + 1024:
        return np.unique(np.concatenate(parts))
    mask = np.zeros(high + 1, dtype=bool)
    for p in parts:
        mask[p] = True
    return np.flatnonzero(mask).astype(np.int64)


def _positions(sorted_ids: np.ndarray, ids: np.ndarray) -> np.ndarray:
    """Positions in ``sorted_ids`` of those ``ids`` that occur there."""
    ids = np.asarray(ids, dtype=np.int64)
    pos = np.searchsorted(sorted_ids, ids)
    pos[pos >= sorted_ids.size] = 0
    return pos[sorted_ids[pos] == ids] if sorted_ids.size else pos[:0]


def _encode_cases(
    excerpt_ids: np.ndarray, case_of: Mapping[int, str]
) -> tuple[tuple[str, ...], np.ndarray]:
    """Sorted distinct case ids and each excerpt's position among them (-1: unknown)."""
    cases = [case_of.get(int(e)) for e in excerpt_ids]
    labels = tuple(sorted({str(c) for c in cases if c is not None}))
    pos = {label: i for i, label in enumerate(labels)}
    index = np.fromiter(
        (pos[str(c)] if c is not None else -1 for c in cases), dtype=np.int64, count=len(cases)
    )
    return labels, index


# --- results ------------------------------------------------------------------------------


@dataclass(frozen=True)
class CodeAgreement:
    """Agreement on one code (binary) within one scope (all, one case, or one pair).

    ``alpha`` is None where undefined (no pairable unit, or no variation at all). ``units``
    counts pairable excerpts; ``coders`` the coders with a value on at least one of them.
    ``percent_agreement`` is the share (0-100) of agreeing coder pairs among all pairs of
    coders who both reviewed a pairable excerpt. ``kappa`` (Cohen) is set only when exactly two
    coders contribute. ``ci`` is the bootstrap 95% percentile interval of alpha and ``q`` the
    bootstrap probability that alpha falls below .667 and .800 (keys "0.667", "0.800"); both
    None without bootstrap or when alpha is undefined.

    The other coefficients (:mod:`.coefficients`) come from the same pairable excerpts:
    ``kappa_se``/``kappa_ci`` (two coders), ``pi`` (Scott, two coders), ``fleiss`` (over the
    ``fleiss_units`` excerpts every contributing coder reviewed), ``ac1`` (Gwet), ``bp``
    (Brennan & Prediger) and ``specific`` (positive specific agreement, codes only).
    """

    id: str
    alpha: float | None
    percent_agreement: float | None
    units: int
    coders: int
    kappa: float | None = None
    ci: tuple[float, float] | None = None
    q: dict[str, float] | None = None
    undefined_resamples: int | None = None
    flag: str = "too few units"
    kappa_se: float | None = None
    kappa_ci: tuple[float, float] | None = None
    pi: float | None = None
    fleiss: float | None = None
    fleiss_units: int = 0
    ac1: float | None = None
    bp: float | None = None
    specific: float | None = None

    @property
    def interval_flag(self) -> str | None:
        """The flag the lower end of the 95% interval reaches (None without an interval)."""
        if self.ci is None:
            return None
        return flag(self.ci[0], self.units)

    @property
    def flag_note(self) -> str:
        """The flag with, after a bootstrap, the chance that alpha is below the threshold
        the flag stands on, e.g. "tentative: q(α<.667) = .31" (reliable: q(α<.800);
        unreliable: q(α<.667), the chance it is below .667 at all)."""
        if self.q is None or self.flag not in ("reliable", "tentative", "unreliable"):
            return self.flag
        key = "0.800" if self.flag == "reliable" else "0.667"
        return f"{self.flag}: q(α<{key[1:]}) = {_share(self.q[key])}"

    def to_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "alpha": self.alpha,
            "percent_agreement": self.percent_agreement,
            "units": self.units,
            "coders": self.coders,
            "kappa": self.kappa,
            "ci": list(self.ci) if self.ci else None,
            "q": dict(self.q) if self.q else None,
            "undefined_resamples": self.undefined_resamples,
            "flag": self.flag,
            "interval_flag": self.interval_flag,
            "flag_note": self.flag_note,
            "kappa_se": self.kappa_se,
            "kappa_ci": list(self.kappa_ci) if self.kappa_ci else None,
            "pi": self.pi,
            "fleiss": self.fleiss,
            "fleiss_units": self.fleiss_units,
            "ac1": self.ac1,
            "bp": self.bp,
            "specific": self.specific,
        }


def _share(p: float) -> str:
    """A probability as reviewers write it: ".31", "1.00"."""
    text = f"{p:.2f}"
    return text[1:] if text.startswith("0") else text


@dataclass(frozen=True)
class GroupAgreement(CodeAgreement):
    """Agreement on an exclusive group: nominal over its children plus "none".

    ``conflicts`` counts the (excerpt, coder) pairs in scope where a coder applied two or
    more of its codes: those values are missing for the group (they still count for each
    code on its own).
    """

    conflicts: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {**super().to_dict(), "conflicts": self.conflicts}


@dataclass(frozen=True)
class CaseAgreement:
    """Per-code and per-group agreement restricted to one case's excerpts."""

    id: str
    codes: list[CodeAgreement]
    groups: list[GroupAgreement]

    @property
    def flags(self) -> dict[str, int]:
        """How many of the case's codes carry each flag (see ``code_flags``)."""
        return code_flags(self.codes)

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "flags": self.flags, "codes": _dicts(self.codes),
                "groups": _dicts(self.groups)}


@dataclass(frozen=True)
class PairAgreement:
    """Agreement between two coders on the excerpts both reviewed.

    ``flags`` (see ``code_flags``) says how many codes are reliable, tentative, unreliable,
    undefined or have too few units for this pair; the exclusive groups have their own alpha.
    """

    coders: tuple[str, str]
    units: int
    codes: list[CodeAgreement]
    groups: list[GroupAgreement]

    @property
    def flags(self) -> dict[str, int]:
        return code_flags(self.codes)

    @property
    def flag(self) -> str | None:
        """"too few units" when the two share fewer than ``MIN_UNITS`` excerpts, else None."""
        return "too few units" if self.units < MIN_UNITS else None

    def to_dict(self) -> dict[str, Any]:
        return {
            "coders": list(self.coders),
            "units": self.units,
            "flag": self.flag,
            "min_units": MIN_UNITS,
            "flags": self.flags,
            "codes": _dicts(self.codes),
            "groups": _dicts(self.groups),
        }


@dataclass(frozen=True)
class AgreementReport:
    """Everything ``report`` computes, in codebook order."""

    codes: list[CodeAgreement]
    groups: list[GroupAgreement]
    cases: list[CaseAgreement]
    pairwise: list[PairAgreement]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: keys codes, groups, cases, pairwise; undefined numbers are None."""
        return {
            "codes": _dicts(self.codes),
            "groups": _dicts(self.groups),
            "cases": _dicts(self.cases),
            "pairwise": _dicts(self.pairwise),
        }


def _dicts(items: Sequence[Any]) -> list[dict[str, Any]]:
    return [item.to_dict() for item in items]


def flag(alpha: float | None, units: int) -> str:
    """Reliability flag of an alpha over ``units`` pairable units.

    "too few units" (fewer than 10), "undefined" (alpha None), "reliable" (>= .800),
    "tentative" (>= .667) or "unreliable".
    """
    if units < MIN_UNITS:
        return "too few units"
    if alpha is None:
        return "undefined"
    if alpha >= RELIABLE:
        return "reliable"
    return "tentative" if alpha >= TENTATIVE else "unreliable"


# --- variables ----------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Variable:
    id: str
    values: np.ndarray  # (K, N) small ints; MISSING where not reviewed
    n_values: int
    kind: type[CodeAgreement]
    conflicts: np.ndarray | None = None  # (K, N) bool: two or more codes of one group


def _applied(data: AgreementData, code_id: str, rollup: Mapping[str, Sequence[str]]) -> np.ndarray:
    """(K, N) bool: the code, or with rollup any of its descendants, applied by each coder."""
    ids = [code_id, *rollup.get(code_id, ())]
    pos = [data.code_ids.index(i) for i in ids if i in data.code_ids]
    if not pos:
        return np.zeros(data.reviewed.shape, dtype=bool)
    return data.applied[pos].any(axis=0) if len(pos) > 1 else data.applied[pos[0]]


def _code_variable(data: AgreementData, code_id: str) -> _Variable:
    values = np.where(data.reviewed, data.rolled_up(code_id), MISSING).astype(np.int8)
    return _Variable(code_id, values, 2, CodeAgreement)


def _group_variable(data: AgreementData, group_id: str, children: Sequence[str]) -> _Variable:
    none = len(children)
    if none == 0:
        values = np.where(data.reviewed, 0, MISSING).astype(np.int8)
        return _Variable(group_id, values, 1, GroupAgreement)
    stack = np.stack([data.rolled_up(child) for child in children])
    count = stack.sum(axis=0, dtype=np.int16)
    chosen = np.where(count == 0, none, np.where(count == 1, stack.argmax(axis=0), MISSING))
    values = np.where(data.reviewed, chosen, MISSING).astype(np.int16)
    return _Variable(group_id, values, none + 1, GroupAgreement, (count > 1) & data.reviewed)


def _variables(
    data: AgreementData,
    code_ids: Sequence[str],
    groups: Mapping[str, Sequence[str]],
) -> Iterator[_Variable]:
    """One variable at a time, so only one (K, N) array is alive."""
    for code_id in code_ids:
        yield _code_variable(data, code_id)
    for group_id, children in groups.items():
        yield _group_variable(data, group_id, children)


# --- tables and statistics ----------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class _Table:
    """Pairable units of one variable in one scope, grouped by value-count pattern."""

    patterns: np.ndarray  # (P, V) how many coders gave each value, per pattern
    counts: np.ndarray  # (P,) how many units show that pattern
    coders: int  # coders contributing to at least one pairable unit
    cross: np.ndarray | None  # (V, V) coder-by-coder table when exactly two contribute


@dataclass(frozen=True, eq=False)
class _Histogram:
    """Units of one variable counted by joint state (every coder's value) and by case.

    Everything else (patterns, per-case and pairwise tables) is derived from this small
    histogram, so each variable costs one pass over the units.
    """

    states: np.ndarray  # (S, K) each coder's value in that state, MISSING where not reviewed
    counts: np.ndarray  # (G, S) units per case group; group 0 = case unknown
    n_values: int
    patterns: np.ndarray  # (P, V) distinct value counts of the pairable states
    pattern_of: np.ndarray  # (S,) index into patterns, -1 where not pairable


def _histogram(values: np.ndarray, n_values: int, group: np.ndarray, n_groups: int) -> _Histogram:
    """Count the units (columns of a (K, N) value matrix) by joint state and group."""
    side = n_values + 1
    if values.shape[0] * math.log2(side) >= 62:  # state numbers would overflow int64
        states, inverse = np.unique(values.T, axis=0, return_inverse=True)
        cells = group * len(states) + inverse.reshape(-1)
        flat = np.bincount(cells, minlength=n_groups * len(states))
        return _with_patterns(states.astype(np.int64), flat.reshape(n_groups, -1), n_values)
    weights = side ** np.arange(values.shape[0], dtype=np.int64)
    keys = np.zeros(values.shape[1], dtype=np.int64)
    for row, weight in zip(values, weights, strict=True):
        keys += (row.astype(np.int64) + 1) * weight
    if side ** values.shape[0] <= 1 << 16:
        n_states = side ** values.shape[0]
        flat = np.bincount(group * n_states + keys, minlength=n_groups * n_states)
        counts = flat.reshape(n_groups, n_states)
        keys = np.flatnonzero(counts.any(axis=0))
        counts = counts[:, keys]
    else:
        keys, inverse = np.unique(keys, return_inverse=True)
        flat = np.bincount(group * keys.size + inverse.reshape(-1), minlength=n_groups * keys.size)
        counts = flat.reshape(n_groups, keys.size)
    return _with_patterns((keys[:, None] // weights) % side - 1, counts, n_values)


def _with_patterns(states: np.ndarray, counts: np.ndarray, n_values: int) -> _Histogram:
    """Attach to the histogram the value-count pattern of each pairable state."""
    counted = np.stack([(states == v).sum(axis=1) for v in range(n_values)], axis=1)
    pairable = counted.sum(axis=1) >= 2
    patterns, inverse = np.unique(counted[pairable], axis=0, return_inverse=True)
    pattern_of = np.full(len(states), -1)
    pattern_of[pairable] = inverse.reshape(-1)
    return _Histogram(states, counts, n_values, patterns.astype(np.int64), pattern_of)


def _tabulate(hist: _Histogram, units: np.ndarray) -> _Table:
    """Table of the pairable units among ``units`` (S,), a count per state."""
    live = (hist.pattern_of >= 0) & (units > 0)
    counts = np.bincount(
        hist.pattern_of[live], weights=units[live], minlength=len(hist.patterns)
    ).astype(np.int64)
    used = counts > 0
    contributing = np.flatnonzero((hist.states[live] >= 0).any(axis=0))
    cross = None
    if contributing.size == 2:
        cross = _cross(hist, units * live, *contributing)
    return _Table(hist.patterns[used], counts[used], int(contributing.size), cross)


def _tabulate_pair(hist: _Histogram, units: np.ndarray, i: int, j: int) -> _Table:
    """Table of coders i and j: each cell (v, w) of their cross table is one pattern."""
    cross = _cross(hist, units, i, j)
    v, w = np.nonzero(cross)
    eye = np.eye(hist.n_values, dtype=np.int64)
    return _Table(eye[v] + eye[w], cross[v, w], 2 if v.size else 0, cross)


def _cross(hist: _Histogram, units: np.ndarray, i: int, j: int) -> np.ndarray:
    """(V, V) table of coder i's by coder j's values over the units where both have one."""
    side = hist.n_values + 1
    cells = (hist.states[:, i] + 1) * side + hist.states[:, j] + 1
    table = np.bincount(cells, weights=units, minlength=side * side).astype(np.int64)
    return table.reshape(side, side)[1:, 1:]


def _point_alpha(table: _Table, use_package: bool) -> float | None:
    """Alpha of the table, None if undefined; from the krippendorff package if asked."""
    if table.counts.size == 0:
        return None
    kernel = float(alpha_kernel(table.counts, table.patterns))
    if math.isnan(kernel):
        return None
    used = table.patterns[:, table.patterns.any(axis=0)]
    if not use_package or table.counts.sum() * used.shape[1] ** 2 > _PACKAGE_MAX_CELLS:
        return kernel
    # int8 makes the package's per-unit products cheaper; safe while counts squared fit in it.
    small = used.astype(np.int8) if used.max() <= 11 else used
    value_counts = np.repeat(small, table.counts, axis=0)
    return float(
        krippendorff.alpha(
            value_counts=value_counts,
            value_domain=np.arange(used.shape[1]),
            level_of_measurement="nominal",
        )
    )


def _percent_agreement(table: _Table) -> float | None:
    size = table.patterns.sum(axis=1)
    pairs = table.counts @ (size * (size - 1) // 2)
    if pairs == 0:
        return None
    agreeing = table.counts @ (table.patterns * (table.patterns - 1) // 2).sum(axis=1)
    return float(100.0 * agreeing / pairs)


def cohen_kappa(cross: np.ndarray) -> float | None:
    """Cohen's kappa from a square coder-by-coder table of counts; None if undefined."""
    result = coefficients.cohen_kappa(cross)
    return None if result is None else result.value


def _rng(seed: int | None, scope: str, variable: str) -> np.random.Generator:
    """A generator per (scope, variable), so a result does not depend on what else is asked."""
    if seed is None:
        return np.random.default_rng()
    return np.random.default_rng([seed, zlib.crc32(f"{scope}\0{variable}".encode())])


@dataclass(frozen=True)
class _Options:
    n_boot: int
    seed: int | None
    method: str = HAYES_KRIPPENDORFF


def _categories(var: _Variable, table: _Table) -> int:
    """How many values the variable can take, for AC1 and Brennan & Prediger: 2 for a
    code; an exclusive group's codes, plus "none" when some coder used it on these units."""
    if var.kind is not GroupAgreement:
        return var.n_values
    used_none = bool(table.counts.size) and bool(table.patterns[:, -1].any())
    return var.n_values - 1 + int(used_none)


def _result(
    var: _Variable, table: _Table, scope: str, options: _Options, *, use_package: bool = False
) -> CodeAgreement:
    alpha = _point_alpha(table, use_package)
    units = int(table.counts.sum())
    ci = q = undefined = None
    if options.n_boot > 0 and alpha is not None:
        boot = draw_bootstrap(table.patterns, table.counts, table.coders, options.n_boot,
                              _rng(options.seed, scope, var.id), options.method)
        ci, q, undefined = boot.ci, boot.q, boot.undefined
    kappa = coefficients.cohen_kappa(table.cross) if table.cross is not None else None
    fleiss, complete = coefficients.fleiss_kappa(table.patterns, table.counts, table.coders)
    binary = var.kind is CodeAgreement and var.n_values == 2
    categories = _categories(var, table)
    return var.kind(
        id=var.id,
        alpha=alpha,
        percent_agreement=_percent_agreement(table),
        units=units,
        coders=table.coders,
        kappa=kappa.value if kappa else None,
        ci=ci,
        q=q,
        undefined_resamples=undefined,
        flag=flag(alpha, units),
        kappa_se=kappa.se if kappa else None,
        kappa_ci=kappa.ci if kappa else None,
        pi=coefficients.scott_pi(table.cross) if table.cross is not None else None,
        fleiss=fleiss,
        fleiss_units=complete,
        ac1=coefficients.gwet_ac1(table.patterns, table.counts, categories),
        bp=coefficients.brennan_prediger(table.patterns, table.counts, categories),
        specific=coefficients.specific_positive(table.patterns, table.counts) if binary else None,
    )


# --- report -------------------------------------------------------------------------------


def default_coders(data: AgreementData) -> list[str]:
    """All coders except the reserved "consensus" coder."""
    return [c for c in data.coders if c != CONSENSUS]


def report(
    data: AgreementData,
    code_ids: Sequence[str],
    groups: Mapping[str, Sequence[str]] | None = None,
    *,
    coders: Sequence[str] | None = None,
    case: str | None = None,
    rollup: Mapping[str, Sequence[str]] | None = None,
    bootstrap: int = 0,
    seed: int | None = None,
    bootstrap_method: str = HAYES_KRIPPENDORFF,
    progress: Callable[[int, int], None] | None = None,
) -> AgreementReport:
    """Agreement per code, per exclusive group, per case and per pair of coders.

    ``coders`` defaults to every coder but "consensus"; ``case`` restricts everything to one
    case. ``rollup`` (default: the data's own rule, ``AgreementData.rollup``) maps a parent
    code id to its descendants: the parent then counts as applied when it or any descendant
    is (also used for group children). ``bootstrap`` > 0 adds ``ci``
    and ``q`` to every result (overall, per case, pairwise), drawn by ``bootstrap_method``
    (see :mod:`.bootstrap`: "hayes-krippendorff" or "units"); with the same ``seed`` a code's
    interval is the same whatever other codes, groups or cases are asked for (``seed`` must
    be a non-negative int; None draws fresh entropy). ValueError for an unknown coder; an
    unknown case gives empty results. ``progress(done, total)`` is called after each code and
    group.
    """
    data = data.subset(coders=default_coders(data) if coders is None else coders, case=case)
    if rollup is not None:
        data = data.with_rollup(rollup)
    options = _Options(bootstrap, seed, bootstrap_method)
    group, n_groups = data.case_index + 1, len(data.case_ids) + 1
    cases = {data.case_ids[g - 1]: g for g in np.unique(group[group > 0]).tolist()}
    pairs = list(combinations(range(len(data.coders)), 2))
    overall: list[CodeAgreement] = []
    by_case: dict[str, list[CodeAgreement]] = {c: [] for c in cases}
    by_pair: dict[tuple[int, int], list[CodeAgreement]] = {p: [] for p in pairs}
    total = len(code_ids) + len(groups or {})
    for done, var in enumerate(_variables(data, code_ids, groups or {}), 1):
        hist = _histogram(var.values, var.n_values, group, n_groups)
        units = hist.counts.sum(axis=0)
        clash = _Conflicts(var.conflicts, group, n_groups, data.reviewed)
        result = _result(var, _tabulate(hist, units), "all", options, use_package=True)
        overall.append(clash.stamp(result, None))
        for case_id, g in cases.items():
            table = _tabulate(hist, hist.counts[g])
            result = _result(var, table, f"case:{case_id}", options)
            by_case[case_id].append(clash.stamp(result, g))
        for i, j in pairs:
            scope = f"pair:{data.coders[i]}\0{data.coders[j]}"
            result = _result(var, _tabulate_pair(hist, units, i, j), scope, options)
            by_pair[(i, j)].append(clash.stamp(result, None, (i, j)))
        if progress:
            progress(done, total)
    return AgreementReport(
        codes=_only(overall, CodeAgreement),
        groups=_only(overall, GroupAgreement),
        cases=[
            CaseAgreement(c, _only(r, CodeAgreement), _only(r, GroupAgreement))
            for c, r in by_case.items()
        ],
        pairwise=[_pair(data, i, j, results) for (i, j), results in by_pair.items()],
    )


def _only(results: list[CodeAgreement], kind: type[CodeAgreement]) -> list[Any]:
    return [r for r in results if type(r) is kind]


def _pair(data: AgreementData, i: int, j: int, results: list[CodeAgreement]) -> PairAgreement:
    return PairAgreement(
        coders=(data.coders[i], data.coders[j]),
        units=int(np.count_nonzero(data.reviewed[i] & data.reviewed[j])),
        codes=_only(results, CodeAgreement),
        groups=_only(results, GroupAgreement),
    )


@dataclass(frozen=True, eq=False)
class _Conflicts:
    """Where coders applied two or more codes of one exclusive group to one excerpt (those
    values are missing for the group), counted per scope."""

    mask: np.ndarray | None  # (K, N) bool, None for a code
    group: np.ndarray  # (N,) case group of each excerpt
    n_groups: int
    reviewed: np.ndarray

    def stamp(self, result: CodeAgreement, case_group: int | None,
              pair: tuple[int, int] | None = None) -> CodeAgreement:
        if self.mask is None or not isinstance(result, GroupAgreement):
            return result
        if pair is not None:
            both = self.reviewed[pair[0]] & self.reviewed[pair[1]]
            n = int(np.count_nonzero(self.mask[list(pair)] & both))
        elif case_group is not None:
            n = int(np.count_nonzero(self.mask[:, self.group == case_group]))
        else:
            n = int(np.count_nonzero(self.mask))
        return replace(result, conflicts=n)


def code_flags(codes: Sequence[CodeAgreement]) -> dict[str, int]:
    """How many codes carry each flag: reliable, tentative, unreliable, undefined, too few
    units (in that order)."""
    counts = dict.fromkeys(("reliable", "tentative", "unreliable", "undefined", "too few units"),
                           0)
    for code in codes:
        counts[code.flag] += 1
    return counts


# --- disagreements ------------------------------------------------------------------------


@dataclass(frozen=True)
class Disagreement:
    """An excerpt on which the coders who reviewed it differ about one code.

    ``applied`` maps each of those coders to every code they applied to the excerpt (raw
    codings, no rollup), for adjudication.
    """

    excerpt_id: int
    case_id: str | None
    code_id: str
    applied_by: tuple[str, ...]
    omitted_by: tuple[str, ...]
    applied: dict[str, tuple[str, ...]]

    def to_dict(self) -> dict[str, Any]:
        return {
            "excerpt_id": self.excerpt_id,
            "case_id": self.case_id,
            "code_id": self.code_id,
            "applied_by": list(self.applied_by),
            "omitted_by": list(self.omitted_by),
            "applied": {coder: list(codes) for coder, codes in self.applied.items()},
        }


def disagreements(
    data: AgreementData,
    code_ids: Sequence[str],
    coders: Sequence[str] | None = None,
    *,
    case: str | None = None,
    rollup: Mapping[str, Sequence[str]] | None = None,
) -> list[Disagreement]:
    """(excerpt, code) pairs on which the selected coders who reviewed the excerpt (at least
    two) differ: some applied the code, some did not. Ordered by case, excerpt, then code_ids.

    ``coders`` defaults to every coder but "consensus"; ``rollup`` as in ``report``.
    """
    data = data.subset(coders=default_coders(data) if coders is None else coders, case=case)
    if rollup is not None:
        data = data.with_rollup(rollup)
    if not code_ids or data.excerpt_ids.size == 0:
        return []
    applied = np.stack([data.rolled_up(c) for c in code_ids]) & data.reviewed
    reviewers = data.reviewed.sum(axis=0)
    appliers = applied.sum(axis=1)
    code_pos, rows = np.nonzero((reviewers >= 2) & (appliers > 0) & (appliers < reviewers))
    order = np.lexsort((code_pos, rows))
    code_pos, rows = code_pos[order], rows[order]
    by_row = _codes_by_row(data, np.unique(rows))
    applied_by = applied[code_pos, :, rows]  # (R, K)
    omitted_by = data.reviewed[:, rows].T & ~applied_by
    excerpt_ids, case_index = data.excerpt_ids[rows].tolist(), data.case_index[rows].tolist()
    cases = (*data.case_ids, None)  # index -1: case unknown
    return [
        Disagreement(
            excerpt_id=excerpt_id,
            case_id=cases[case_pos],
            code_id=code_ids[c],
            applied_by=tuple(compress(data.coders, yes)),
            omitted_by=tuple(compress(data.coders, no)),
            applied=dict(by_row[r]),
        )
        for c, r, excerpt_id, case_pos, yes, no in zip(
            code_pos.tolist(),
            rows.tolist(),
            excerpt_ids,
            case_index,
            applied_by.tolist(),
            omitted_by.tolist(),
            strict=True,
        )
    ]


def disagreement_pairs(
    data: AgreementData,
    code_ids: Sequence[str],
    coders: Sequence[str] | None = None,
    *,
    case: str | None = None,
    rollup: Mapping[str, Sequence[str]] | None = None,
    decisions: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """The (excerpt, code) pairs of ``disagreements`` as two arrays, excerpt ids and positions
    in ``code_ids``, ordered by code_ids then by excerpt (case, then id). No object per pair,
    so it stays cheap for hundreds of thousands of pairs.

    ``decisions``: only the pairs that need a decision of their own (see
    ``needs_decision``): a parent's disagreement where no reviewer applied the parent itself
    is left out, as the decisions on the codes below it settle it.
    """
    data = data.subset(coders=default_coders(data) if coders is None else coders, case=case)
    if rollup is not None:
        data = data.with_rollup(rollup)
    excerpts, codes = [np.empty(0, dtype=np.int64)], [np.empty(0, dtype=np.int64)]
    reviewers = data.reviewed.sum(axis=0)
    for pos, code_id in enumerate(code_ids):
        appliers = (data.rolled_up(code_id) & data.reviewed).sum(axis=0)
        differ = (reviewers >= 2) & (appliers > 0) & (appliers < reviewers)
        if decisions:
            differ &= needs_decision(data, code_id)
        rows = np.flatnonzero(differ)
        excerpts.append(data.excerpt_ids[rows])
        codes.append(np.full(rows.size, pos, dtype=np.int64))
    return np.concatenate(excerpts), np.concatenate(codes)


def needs_decision(data: AgreementData, code_id: str) -> np.ndarray:
    """(N,) bool: where a disagreement about ``code_id`` needs a decision of its own.

    Under the roll-up rule a parent is applied when it or a code below it is. Where the
    coders differ about a parent only through the codes below it (no reviewer applied the
    parent itself), deciding those codes settles the parent too: consensus then has the
    parent exactly when it has one of them. So the parent needs its own decision only where
    some reviewer applied the parent itself; any other code always does.
    """
    if code_id not in data.rollup:
        return np.ones(data.excerpt_ids.size, dtype=bool)
    if code_id not in data.code_ids:
        return np.zeros(data.excerpt_ids.size, dtype=bool)
    direct = data.applied[data.code_ids.index(code_id)] & data.reviewed
    return direct.any(axis=0)


def _codes_by_row(data: AgreementData, rows: np.ndarray) -> dict[int, dict[str, tuple[str, ...]]]:
    """For each row: every reviewer of that excerpt and the codes they applied (raw codings)."""
    reviewers = data.reviewed[:, rows].T.tolist()
    lists: dict[int, dict[str, list[str]]] = {
        r: {coder: [] for coder, seen in zip(data.coders, flags, strict=True) if seen}
        for r, flags in zip(rows.tolist(), reviewers, strict=True)
    }
    row_pos, coder_pos, code_pos = np.nonzero(data.applied[:, :, rows].transpose(2, 1, 0))
    for r, k, c in zip(rows[row_pos].tolist(), coder_pos.tolist(), code_pos.tolist(), strict=True):
        lists[r][data.coders[k]].append(data.code_ids[c])
    return {r: {k: tuple(v) for k, v in coders.items()} for r, coders in lists.items()}
