"""Bootstrap distributions of Krippendorff's alpha (nominal): pure functions over value-count
patterns (a pattern is how many coders gave each value on a unit; ``counts`` how many units
show it).

Two methods:

- ``"hayes-krippendorff"`` (the default): the procedure of Hayes & Krippendorff (2007), the
  KALPHA macro, as set out in Krippendorff's "Algorithm for bootstrapping a distribution of
  alpha" (2006, revised 2011). Each resample draws M pairs of values with replacement from the
  observed coincidence matrix (cell c,k with probability o_ck / n..), M being the number of
  pairs of judgments the data hold, sum over units of m_u (m_u - 1) / 2 (the paper's example:
  "a random sample of 239 pairs of judgments from the available pairs"; no cap, so the
  interval narrows as the data grow). Its alpha is 1 - D*/De, with D* the mean difference of
  the M pairs and De the expected disagreement of the data, bounded below by -1 as the macro
  does. A resample whose M pairs all fall in one diagonal cell shows no variation: its alpha
  is indeterminate (1 - 0/0); it is counted as undefined and, as the procedure prescribes,
  enters the distribution as alpha = 0.
- ``"units"``: excerpts resampled with replacement (each resample as many units as the data),
  alpha recomputed on each; resamples without any variation are undefined and left out.

Both report the 95% interval, q (the share of resamples with alpha below .667 and .800) and
how many resamples were undefined.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..constants import RELIABLE, TENTATIVE

HAYES_KRIPPENDORFF = "hayes-krippendorff"
UNITS = "units"
METHODS = (HAYES_KRIPPENDORFF, UNITS)
Q_THRESHOLDS = {"0.667": TENTATIVE, "0.800": RELIABLE}
CITATIONS = {
    HAYES_KRIPPENDORFF: (
        "Hayes, A. F., & Krippendorff, K. (2007). Answering the call for a standard reliability "
        "measure for coding data. Communication Methods and Measures, 1(1), 77-89; "
        "Krippendorff, K. (2006, rev. 2011). Algorithm for bootstrapping a distribution of alpha."
    ),
    UNITS: "Efron, B., & Tibshirani, R. J. (1993). An introduction to the bootstrap. "
    "Chapman & Hall.",
}
DESCRIPTIONS = {
    HAYES_KRIPPENDORFF: (
        "pairs of values drawn from the coincidence matrix, as many per resample as the data "
        "hold pairs of judgments (Hayes & Krippendorff 2007); an indeterminate resample "
        "counts as alpha 0"
    ),
    UNITS: "excerpts resampled with replacement; resamples without variation left out",
}


@dataclass(frozen=True)
class Bootstrap:
    """What a bootstrap gave: 95% percentile interval, q per threshold, and how many of the
    ``resamples`` had an undefined alpha."""

    ci: tuple[float, float] | None
    q: dict[str, float] | None
    undefined: int
    resamples: int


def alpha_kernel(counts: np.ndarray, patterns: np.ndarray) -> np.ndarray:
    """Nominal alpha for each row of ``counts`` (..., P); NaN where undefined.

    alpha = 1 - (n - 1) * sum_{c != k} o_ck / sum_{c != k} n_c n_k, where a unit with value
    counts c and m values adds (m^2 - sum c^2) / (m - 1) to the off-diagonal coincidences and
    c to the value totals n_c (Krippendorff 2011).
    """
    patterns = patterns.astype(np.float64)  # float matmul uses BLAS; integers stay exact
    size = patterns.sum(axis=1)
    off_diagonal = (size * size - (patterns * patterns).sum(axis=1)) / (size - 1)
    counts = np.asarray(counts, dtype=np.float64)
    totals = counts @ patterns
    n = totals.sum(axis=-1)
    expected = n * n - (totals * totals).sum(axis=-1)
    observed = counts @ off_diagonal
    with np.errstate(divide="ignore", invalid="ignore"):
        alpha = 1.0 - (n - 1) * observed / expected
    return np.where(expected > 0, alpha, np.nan)


def coincidences(patterns: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """(V, V) observed coincidence matrix o_ck of the pairable units."""
    p = patterns.astype(np.float64)
    weight = counts / (p.sum(axis=1) - 1)
    outer = np.einsum("u,uc,uk->ck", weight, p, p)
    return outer - np.diag(weight @ p)


def bootstrap(
    patterns: np.ndarray,
    counts: np.ndarray,
    coders: int,
    n_boot: int,
    rng: np.random.Generator,
    method: str = HAYES_KRIPPENDORFF,
) -> Bootstrap:
    """Bootstrap the alpha of the units ``counts`` (P,) of ``patterns`` (P, V) given by
    ``coders`` coders; ``n_boot`` resamples drawn from ``rng`` by ``method``."""
    if method == HAYES_KRIPPENDORFF:
        samples, undefined = _hayes_krippendorff(patterns, counts, coders, n_boot, rng)
    elif method == UNITS:
        samples, undefined = _units(patterns, counts, n_boot, rng)
    else:
        raise ValueError(f"unknown bootstrap method {method!r}; use one of {', '.join(METHODS)}")
    if samples.size == 0:
        return Bootstrap(None, None, undefined, n_boot)
    ordered = np.sort(samples)
    q = {
        key: float(np.searchsorted(ordered, cut) / ordered.size)
        for key, cut in Q_THRESHOLDS.items()
    }
    return Bootstrap(_interval(ordered), q, undefined, n_boot)


def _interval(ordered: np.ndarray) -> tuple[float, float]:
    """95% percentile interval: the order statistics KALPHA reports (the 2.5% and 97.5%
    positions, 1-based: max(floor(.025 X), 1) and min(floor(.975 X) + 1, X))."""
    x = ordered.size
    low = max(int(0.025 * x), 1)
    high = min(int(0.975 * x) + 1, x)
    return float(ordered[low - 1]), float(ordered[high - 1])


def draws_per_resample(patterns: np.ndarray, counts: np.ndarray) -> int:
    """M: the pairs of judgments in the data, sum over units of m_u (m_u - 1) / 2."""
    size = patterns.sum(axis=1).astype(np.int64)
    return int(counts @ (size * (size - 1) // 2))


def _hayes_krippendorff(
    patterns: np.ndarray, counts: np.ndarray, coders: int, n_boot: int, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    o = coincidences(patterns, counts)
    n = o.sum()
    totals = o.sum(axis=1)
    expected = (n * n - (totals * totals).sum()) / (n * (n - 1))  # De per pair (nominal)
    m = draws_per_resample(patterns, counts)
    if m < 1 or expected <= 0:
        return np.empty(0), n_boot
    diagonal = np.diag(o) / n
    disagree = min(max(1.0 - diagonal.sum(), 0.0), 1.0)
    # Nominal differences are 0 on the diagonal and 1 off it, so the summed difference of M
    # draws is binomial; only when it is 0 do the diagonal cells drawn matter.
    differ = rng.binomial(m, disagree, size=n_boot)
    alpha = np.maximum(1.0 - differ / (m * expected), -1.0)
    none = np.flatnonzero(differ == 0)
    undefined = 0
    if none.size:
        share = diagonal / diagonal.sum()
        cells = rng.multinomial(m, share, size=none.size)
        single = cells.max(axis=1) == m
        alpha[none[single]] = 0.0
        undefined = int(np.count_nonzero(single))
    return alpha, undefined


def _units(
    patterns: np.ndarray, counts: np.ndarray, n_boot: int, rng: np.random.Generator
) -> tuple[np.ndarray, int]:
    n = int(counts.sum())
    draws = rng.multinomial(n, counts / n, size=n_boot)
    samples = alpha_kernel(draws, patterns)
    defined = ~np.isnan(samples)
    return samples[defined], int(np.count_nonzero(~defined))
