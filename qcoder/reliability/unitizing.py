"""Krippendorff's alpha for unitizing a continuum: do the coders agree on where a code
applies, down to the character (cu-alpha, per code), and on where each code of an exclusive
group applies (Cu-alpha, per group)?

The method of Krippendorff (1995), "On the reliability of unitizing continuous data",
Sociological Methodology 25, 47-76, in the form of Krippendorff (2004), *Content
Analysis*, 2nd ed., ch. 12.4 (as DKPro Agreement computes it, whose test values the tests
reproduce). For one code, each coder's continuum is cut into *sections*: the units the coder
gave that code, and the gaps between them. The observed disagreement sums, over every pair of
coders and every pair of their sections that intersect,

- two units: (b_g - b_h)^2 + (e_g - e_h)^2 (their begins and ends apart, squared),
- a unit inside the other coder's gap: its length squared,
- otherwise 0,

divided by m(m-1)L^2 (m coders, a continuum of length L). The expected disagreement is that
of every other unitization the coders could have made with the same units and gaps. Pure
functions: spans in, numbers out.

Cu-alpha of an exclusive group sums both disagreements over its codes before dividing
(Krippendorff 1995; 2004, p. 254), so a code the coders use much weighs more than a rare
one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction

Span = tuple[int, int]  # [start, end) on the continuum
METHOD = ("Krippendorff's alpha for unitizing (Krippendorff 1995; 2004, ch. 12.4): cu-alpha "
          "per code (alpha-U of that code: each coder's units are the spans they coded with it "
          "or a code below it, overlapping spans of one coder merged, everything else a gap) and "
          "Cu-alpha per exclusive group (1 - the sum over its codes of the observed "
          "disagreement / the sum of the expected disagreement); the continuum is the "
          "characters (code points) of the plain text of the documents every coder reviewed, "
          "laid end to end, no section crossing from one document into the next")


@dataclass(frozen=True)
class UnitizingResult:
    """alpha-U of one code over one continuum; ``alpha`` is None without data to judge."""

    alpha: float | None
    observed: float
    expected: float
    units: int
    coders: int
    length: int


def merge(spans: Sequence[Span]) -> list[Span]:
    """Non-empty spans sorted, overlapping ones joined (touching ones stay two units)."""
    out: list[list[int]] = []
    for start, end in sorted(s for s in spans if s[1] > s[0]):
        if out and start < out[-1][1]:
            out[-1][1] = max(out[-1][1], end)
        else:
            out.append([start, end])
    return [(a, b) for a, b in out]


def sections(units: Sequence[Span], length: int, breaks: Sequence[int] = ()
             ) -> list[tuple[int, int, bool]]:
    """A coder's continuum ``[0, length)`` as (start, end, is_unit) sections; a gap is also
    cut at every offset in ``breaks`` (where one document ends and the next begins)."""
    cuts = sorted(b for b in set(breaks) if 0 < b < length)
    out: list[tuple[int, int, bool]] = []
    pos = 0

    def gap(a: int, b: int) -> None:
        for cut in [c for c in cuts if a < c < b] + [b]:
            if cut > a:
                out.append((a, cut, False))
                a = cut

    for start, end in merge(units):
        gap(pos, start)
        out.append((start, end, True))
        pos = end
    gap(pos, length)
    return out


def _distance(g: tuple[int, int, bool], h: tuple[int, int, bool]) -> int:
    """Squared distance of two intersecting sections of two coders."""
    (bg, eg, ug), (bh, eh, uh) = g, h
    if ug and uh:
        return (bg - bh) ** 2 + (eg - eh) ** 2
    if ug and not uh and bh <= bg and eg <= eh:
        return (eg - bg) ** 2
    if uh and not ug and bg <= bh and eh <= eg:
        return (eh - bh) ** 2
    return 0


def observed_disagreement(by_coder: Sequence[list[tuple[int, int, bool]]], length: int
                          ) -> Fraction:
    """D_o: the sections of every pair of coders, compared where they intersect."""
    m = len(by_coder)
    total = 0
    for i in range(m):
        for j in range(i + 1, m):
            a, b = by_coder[i], by_coder[j]
            x = y = 0
            while x < len(a) and y < len(b):  # both cover [0, length): walk the overlaps
                total += _distance(a[x], b[y])
                end_a, end_b = a[x][1], b[y][1]
                x += end_a <= end_b
                y += end_b <= end_a
    return Fraction(2 * total, m * (m - 1) * length * length)


def expected_disagreement(by_coder: Sequence[list[tuple[int, int, bool]]], length: int
                          ) -> Fraction:
    """D_e: the disagreement expected when every unit could lie in any gap of any coder."""
    m = len(by_coder)
    units = [e - b for sec in by_coder for b, e, u in sec if u]
    gaps = [e - b for sec in by_coder for b, e, u in sec if not u]
    n = len(units)
    total = Fraction(0)
    for lu in units:
        total += Fraction((n - 1) * (2 * lu ** 3 - 3 * lu ** 2 + lu), 3)
        total += lu * lu * sum(g - lu + 1 for g in gaps if g >= lu)
    denominator = m * length * (m * length - 1) - sum(lu * (lu - 1) for lu in units)
    return Fraction(2, length) * total / denominator if denominator else Fraction(0)


def _disagreements(units_by_coder: Mapping[str, Sequence[Span]], length: int,
                   breaks: Sequence[int]) -> tuple[Fraction, Fraction, int, int]:
    """D_o, D_e (exact), units and coders of one code; D_o = D_e = 0 without data."""
    coders = sorted(units_by_coder)
    count = sum(len(merge(units_by_coder[c])) for c in coders)
    if len(coders) < 2 or length <= 0 or count == 0:
        return Fraction(0), Fraction(0), count, len(coders)
    secs = [sections(units_by_coder[c], length, breaks) for c in coders]
    return (observed_disagreement(secs, length), expected_disagreement(secs, length), count,
            len(coders))


def _alpha(d_o: Fraction, d_e: Fraction) -> float | None:
    return 0.0 if d_o == d_e else (float(1 - d_o / d_e) if d_e else None)


def unitizing_alpha(units_by_coder: Mapping[str, Sequence[Span]], length: int,
                    breaks: Sequence[int] = ()) -> UnitizingResult:
    """cu-alpha = 1 - D_o / D_e of one code c, for coders' units on ``[0, length)``.

    0 when observed and expected disagreement are equal (DKPro Agreement's convention:
    one unit alone is no evidence either way); None with fewer than two coders, an empty
    continuum or no unit at all.
    """
    d_o, d_e, count, coders = _disagreements(units_by_coder, length, breaks)
    if coders < 2 or length <= 0 or count == 0:
        return UnitizingResult(None, 0.0, 0.0, count, coders, length)
    return UnitizingResult(_alpha(d_o, d_e), float(d_o), float(d_e), count, coders, length)


def group_unitizing_alpha(units_by_code: Mapping[str, Mapping[str, Sequence[Span]]],
                          length: int, breaks: Sequence[int] = ()) -> UnitizingResult:
    """Cu-alpha of a variable whose values are codes (an exclusive group): one minus the
    observed over the expected disagreement, each summed over the codes that have a unit
    (Krippendorff 1995; 2004, p. 254, whose example gives .8591 from cu-alphas .7286 and
    1.000; DKPro Agreement's overall alpha-U). ``observed`` and ``expected`` are the means
    over those codes; ``units`` counts the units of all of them. None as for one code.
    """
    parts = [_disagreements(by_coder, length, breaks) for by_coder in units_by_code.values()]
    used = [p for p in parts if p[2]]
    count = sum(p[2] for p in used)
    coders = max((p[3] for p in parts), default=0)
    if coders < 2 or length <= 0 or not used:
        return UnitizingResult(None, 0.0, 0.0, count, coders, length)
    d_o = sum((p[0] for p in used), Fraction(0)) / len(used)
    d_e = sum((p[1] for p in used), Fraction(0)) / len(used)
    return UnitizingResult(_alpha(d_o, d_e), float(d_o), float(d_e), count, coders, length)
