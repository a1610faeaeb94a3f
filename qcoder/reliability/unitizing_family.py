"""The family of alphas for unitized continua of Krippendorff, Mathet, Bouvry & Widlöcher
(2016), "On the reliability of unitizing textual continua: further developments", Quality &
Quantity 50(6), 2347-2364: u-alpha, |u-alpha, cu-alpha and (k)u-alpha.

Each coder's continuum ``[0, L)`` is cut into *sections*: units, each with a value (a code),
and the gaps between them (value ``None``, the paper's empty value). The observed
coincidences sum the lengths of the intersections of every pair of sections of two different
coders, ``l_ck = 1/(m-1) * sum over ordered pairs of coders i != j and their sections g of i
valued c, h of j valued k, of |g ∩ h|``; every coder covers the continuum, so ``l.. = mL``.
The expected coincidences pair every stretch with every other except itself: a unit of length
``l`` cannot pair with its own ``l^2`` points, a gap only with its own points (``l``, the
paper's convention that a gap has no structure):

    e_ck = l.. * (l_c. * l_.k - [c = k] * S_c) / (l..^2 - sum_c S_c)

with ``S_c`` the sum of ``l^2`` over the units valued c (of ``l`` over the gaps for the empty
value). Then, with the nominal difference:

- u-alpha: ``1 - D_o / D_e`` over all values, the empty one included (do the coders agree on
  where units are and which value each has?);
- |u-alpha: the values collapsed into "some unit" against the gaps (where is relevant
  matter?); for a single code u-alpha and |u-alpha are the same number;
- cu-alpha: the coincidences of valued units only, ``l_ck`` for c, k not empty, with their
  own expected coincidences, ``e*_ck = (l*_c. l*_.k - [c = k] T_c) / (l*.. - T / l*..)``,
  ``T_c`` summing, per unit g valued c of coder i and per other coder j, the squared length
  of g that lies in j's units, over m - 1 (which value do the coders give where both
  identified a unit?); its coverage is ``l*.. / l..``;
- (k)u-alpha: cu-alpha's disagreement on one value k, ``1 - (e*_k. / l*_k.) (l*_k. - l*_kk)
  / (e*_k. - e*_kk)``; its coverage is ``l*_k. / l_k.``.

Pure functions: sections in, numbers out, exact fractions inside.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

from .unitizing import Span, merge

Section = tuple[int, int, str | None]  # [start, end) and its value; None: a gap

METHOD = ("Krippendorff, Mathet, Bouvry & Widlöcher (2016), 'On the reliability of unitizing "
          "textual continua', Quality & Quantity 50(6), 2347-2364: every coder's continuum cut "
          "into units (each valued by its code) and gaps; the observed coincidences are the "
          "lengths of the intersections of two coders' sections, over m - 1; the expected ones "
          "pair every stretch with every other but itself (a unit's l^2 points, a gap's l); "
          "nominal difference. u-alpha: over all values and the gaps; |u-alpha: any code "
          "against the gaps (per code: that code against the rest, the same as its u-alpha); "
          "cu-alpha: which code, where coders' units intersect (coverage: the share of the "
          "coincidences it rests on); (k)u-alpha: cu-alpha's disagreement on one code k. "
          "Overlapping spans of one coder and code are one unit; where one coder's spans of "
          "two codes of a group overlap, the one that starts later (the inner one) counts")


@dataclass(frozen=True)
class FamilyAlpha:
    """One coefficient: ``alpha`` (None without variation to judge), the observed and
    expected disagreement as shares of the coincidences it rests on, and ``coverage``: those
    coincidences as a percentage of all (cu-alpha and (k)u-alpha; 100 for the others)."""

    alpha: float | None
    observed: float
    expected: float
    coverage: float = 100.0


@dataclass(frozen=True)
class FamilyResult:
    """The 2016 family over one continuum."""

    u_alpha: FamilyAlpha
    binary_alpha: FamilyAlpha
    cu_alpha: FamilyAlpha
    by_value: dict[str, FamilyAlpha]
    coders: int
    length: int
    overlap: int  # characters where a coder's units of two values overlapped


def partition(units_by_value: Mapping[str, Sequence[Span]], length: int
              ) -> tuple[list[Section], int]:
    """One coder's continuum ``[0, length)`` as sorted, non-overlapping sections, and the
    number of characters where units of two values overlapped. Overlapping or nested spans of
    one value are one unit (touching ones stay two); where units of different values
    overlap, the one that starts later counts there (a selection inside a coded paragraph),
    the earlier one resuming after it."""
    spans = sorted((a, b, v) for v, found in units_by_value.items()
                   for a, b in merge([(max(0, s), min(length, e)) for s, e in found]))
    cuts = sorted({p for a, b, _ in spans for p in (a, b)})
    active: list[tuple[int, int, int, str]] = []  # (-start, end, index, value)
    pieces: list[tuple[int, int, int, str]] = []  # start, end, index of the span, value
    overlap = 0
    nxt = 0
    for left, right in zip(cuts, cuts[1:], strict=False):
        while nxt < len(spans) and spans[nxt][0] <= left:
            a, b, v = spans[nxt]
            heapq.heappush(active, (-a, b, nxt, v))
            nxt += 1
        while active and active[0][1] <= left:
            heapq.heappop(active)
        if not active:
            continue
        if sum(1 for _, b, _, _ in active if b > left) > 1:
            overlap += right - left
        _, _, index, value = active[0]
        if pieces and pieces[-1][2] == index and pieces[-1][1] == left:
            pieces[-1] = (pieces[-1][0], right, index, value)
        else:
            pieces.append((left, right, index, value))
    out: list[Section] = []
    pos = 0
    for a, b, _, v in pieces:
        if a > pos:
            out.append((pos, a, None))
        out.append((a, b, v))
        pos = b
    if pos < length:
        out.append((pos, length, None))
    return out, overlap


@dataclass
class Coincidences:
    """The observed coincidences (times m - 1, so they stay integers) and the self-pairing
    sums of the expected ones."""

    m: int
    pairs: dict[tuple[str | None, str | None], int]
    self_pairs: dict[str | None, int]  # S_c: l^2 per unit, l per gap
    valued_self_pairs: dict[str, int]  # T_c times m - 1


def coincidences(by_coder: Sequence[Sequence[Section]]) -> Coincidences:
    """The coincidences of every pair of coders' sections, which must be sorted and not
    overlap within a coder (a continuum with holes is allowed: a hole pairs with nothing)."""
    m = len(by_coder)
    pairs: dict[tuple[str | None, str | None], int] = defaultdict(int)
    self_pairs: dict[str | None, int] = defaultdict(int)
    valued: dict[str, int] = defaultdict(int)
    for sections in by_coder:
        for a, b, v in sections:
            self_pairs[v] += (b - a) if v is None else (b - a) ** 2
    for i in range(m):
        for j in range(i + 1, m):
            left, right = by_coder[i], by_coder[j]
            in_left = [0] * len(left)  # per unit of i: its length inside units of j
            in_right = [0] * len(right)
            x = y = 0
            while x < len(left) and y < len(right):
                (a1, b1, v1), (a2, b2, v2) = left[x], right[y]
                shared = min(b1, b2) - max(a1, a2)
                if shared > 0:
                    pairs[(v1, v2)] += shared
                    pairs[(v2, v1)] += shared
                    if v1 is not None and v2 is not None:
                        in_left[x] += shared
                        in_right[y] += shared
                if b1 <= b2:
                    x += 1
                else:
                    y += 1
            for sections, inside in ((left, in_left), (right, in_right)):
                for (_, _, v), n in zip(sections, inside, strict=True):
                    if v is not None:
                        valued[v] += n * n
    return Coincidences(m, dict(pairs), dict(self_pairs), dict(valued))


def _alpha(d_o: Fraction, d_e: Fraction, total: Fraction, coverage: float = 100.0
           ) -> FamilyAlpha:
    if d_e == 0 or total == 0:
        return FamilyAlpha(None, float(d_o / total) if total else 0.0, 0.0, coverage)
    return FamilyAlpha(float(1 - d_o / d_e), float(d_o / total), float(d_e / total), coverage)


def family(co: Coincidences) -> FamilyResult:
    """u-alpha, |u-alpha, cu-alpha and (k)u-alpha per value from the coincidences."""
    scale = Fraction(1, co.m - 1)
    values = sorted({c for c, _ in co.pairs} | set(co.self_pairs), key=lambda v: (v is not None,
                                                                                  v or ""))
    obs = {key: n * scale for key, n in co.pairs.items()}

    def o(c: str | None, k: str | None) -> Fraction:
        return obs.get((c, k), Fraction(0))

    row = {c: sum((o(c, k) for k in values), Fraction(0)) for c in values}
    total = sum(row.values(), Fraction(0))
    correction = sum(co.self_pairs.values())
    denominator = total * total - correction
    zero = FamilyAlpha(None, 0.0, 0.0)
    if total == 0 or denominator <= 0:
        return FamilyResult(zero, zero, FamilyAlpha(None, 0.0, 0.0, 0.0), {}, co.m, 0, 0)

    def e(c: str | None, k: str | None) -> Fraction:
        num = row[c] * row[k] - (co.self_pairs.get(c, 0) if c == k else 0)
        return total * num / denominator

    d_o = total - sum((o(c, c) for c in values), Fraction(0))
    d_e = total - sum((e(c, c) for c in values), Fraction(0))
    u_alpha = _alpha(d_o, d_e, total)
    gaps = row.get(None, Fraction(0))
    b_o = 2 * (gaps - o(None, None))
    b_e = 2 * total * gaps * (total - gaps) / denominator
    binary = _alpha(b_o, b_e, total)

    coded = [v for v in values if v is not None]
    star = {c: sum((o(c, k) for k in coded), Fraction(0)) for c in coded}
    star_total = sum(star.values(), Fraction(0))
    t = {c: co.valued_self_pairs.get(c, 0) * scale for c in coded}
    star_denominator = star_total - (sum(t.values(), Fraction(0)) / star_total
                                     if star_total else 0)
    coverage = float(100 * star_total / total)
    if star_total == 0 or star_denominator <= 0:
        return FamilyResult(u_alpha, binary, FamilyAlpha(None, 0.0, 0.0, coverage),
                            {c: FamilyAlpha(None, 0.0, 0.0, 0.0) for c in coded}, co.m,
                            int(total / co.m), 0)

    def e_star(c: str, k: str) -> Fraction:
        return (star[c] * star[k] - (t[c] if c == k else 0)) / star_denominator

    c_o = star_total - sum((o(c, c) for c in coded), Fraction(0))
    c_e = sum((e_star(c, k) for c in coded for k in coded if c != k), Fraction(0))
    cu_alpha = _alpha(c_o, c_e, star_total, coverage)
    by_value: dict[str, FamilyAlpha] = {}
    for k in coded:
        e_row = sum((e_star(k, c) for c in coded), Fraction(0))
        share = float(100 * star[k] / row[k]) if row[k] else 0.0
        if star[k] == 0 or e_row == 0:
            by_value[k] = FamilyAlpha(None, 0.0, 0.0, share)
            continue
        k_o = (star[k] - o(k, k)) / star[k]
        k_e = (e_row - e_star(k, k)) / e_row
        by_value[k] = (FamilyAlpha(None, float(k_o), 0.0, share) if k_e == 0 else
                       FamilyAlpha(float(1 - k_o / k_e), float(k_o), float(k_e), share))
    return FamilyResult(u_alpha, binary, cu_alpha, by_value, co.m, int(total / co.m), 0)


def unitizing_family(units_by_coder: Mapping[str, Mapping[str, Sequence[Span]]],
                     length: int) -> FamilyResult:
    """The 2016 family for coders' units per value (code) on ``[0, length)``: every alpha
    None with fewer than two coders or an empty continuum."""
    coders = sorted(units_by_coder)
    if len(coders) < 2 or length <= 0:
        zero = FamilyAlpha(None, 0.0, 0.0)
        return FamilyResult(zero, zero, FamilyAlpha(None, 0.0, 0.0, 0.0), {}, len(coders),
                            max(length, 0), 0)
    made = [partition(units_by_coder[c], length) for c in coders]
    result = family(coincidences([sections for sections, _ in made]))
    return FamilyResult(result.u_alpha, result.binary_alpha, result.cu_alpha,
                        result.by_value, len(coders), length, sum(n for _, n in made))
