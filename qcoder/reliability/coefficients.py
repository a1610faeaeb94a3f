"""Agreement coefficients besides alpha: pure functions over counts.

Two inputs, both built by :mod:`.agreement` from the same pairable units as alpha:

- ``cross``: a (V, V) table of one coder's values by another's (two coders);
- ``patterns`` (P, V) and ``counts`` (P,): how many coders gave each value on a unit, and how
  many units show that pattern (any number of coders, missing values allowed).

Every function returns None where the coefficient is undefined (no unit, or a chance
agreement of 1), never 0 or 1. Percentages are 0-100 elsewhere; these are proportions.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

Z_95 = 1.959963984540054  # standard normal quantile for a two-sided 95% interval

CITATIONS = {
    "alpha": "Krippendorff, K. (2011). Computing Krippendorff's alpha-reliability. "
    "Annenberg School for Communication, Departmental Papers 43.",
    "kappa": "Cohen, J. (1960). A coefficient of agreement for nominal scales. Educational "
    "and Psychological Measurement, 20, 37-46; standard error: Fleiss, J. L., Cohen, J., & "
    "Everitt, B. S. (1969). Large sample standard errors of kappa and weighted kappa. "
    "Psychological Bulletin, 72, 323-327.",
    "fleiss": "Fleiss, J. L. (1971). Measuring nominal scale agreement among many raters. "
    "Psychological Bulletin, 76, 378-382.",
    "pi": "Scott, W. A. (1955). Reliability of content analysis: The case of nominal scale "
    "coding. Public Opinion Quarterly, 19, 321-325.",
    "ac1": "Gwet, K. L. (2008). Computing inter-rater reliability and its variance in the "
    "presence of high agreement. British Journal of Mathematical and Statistical "
    "Psychology, 61, 29-48.",
    "bp": "Brennan, R. L., & Prediger, D. J. (1981). Coefficient kappa: Some uses, misuses, "
    "and alternatives. Educational and Psychological Measurement, 41, 687-699.",
    "specific": "Uebersax, J. S. (1982). A design-independent method for measuring the "
    "reliability of psychiatric diagnosis. Journal of Psychiatric Research, 17, 335-342; "
    "Cicchetti, D. V., & Feinstein, A. R. (1990). High agreement but low kappa: II. "
    "Resolving the paradoxes. Journal of Clinical Epidemiology, 43, 551-558.",
    "percent": "Share of agreeing pairs of coders (Krippendorff 2004, ch. 11).",
}


@dataclass(frozen=True)
class Kappa:
    """Cohen's kappa with its asymptotic standard error and 95% interval (kappa +- 1.96 SE)."""

    value: float
    se: float
    ci: tuple[float, float]


def cohen_kappa(cross: np.ndarray) -> Kappa | None:
    """Cohen's kappa of a two-coder table, with the large-sample standard error of Fleiss,
    Cohen & Everitt (1969) (the ASE that SAS PROC FREQ reports); None if undefined."""
    table = np.asarray(cross, dtype=np.float64)
    n = table.sum()
    if n == 0:
        return None
    p = table / n
    rows, cols = p.sum(axis=1), p.sum(axis=0)
    observed = float(np.trace(p))
    chance = float(rows @ cols)
    if chance >= 1:
        return None
    kappa = (observed - chance) / (1 - chance)
    diagonal = np.diag(p) * (1 - (rows + cols) * (1 - kappa)) ** 2
    off = p * (cols[:, None] + rows[None, :]) ** 2
    np.fill_diagonal(off, 0.0)
    variance = diagonal.sum() + (1 - kappa) ** 2 * off.sum() - (kappa - chance * (1 - kappa)) ** 2
    se = math.sqrt(max(variance, 0.0) / n) / (1 - chance)
    return Kappa(kappa, se, (kappa - Z_95 * se, kappa + Z_95 * se))


def scott_pi(cross: np.ndarray) -> float | None:
    """Scott's pi of a two-coder table: chance from the pooled value distribution."""
    table = np.asarray(cross, dtype=np.float64)
    n = table.sum()
    if n == 0:
        return None
    pooled = (table.sum(axis=0) + table.sum(axis=1)) / (2 * n)
    chance = float(pooled @ pooled)
    return None if chance >= 1 else float((np.trace(table) / n - chance) / (1 - chance))


def _pair_agreement(patterns: np.ndarray, counts: np.ndarray) -> float | None:
    """Observed agreement: share of agreeing pairs of values within units (each unit
    weighted equally, as Fleiss 1971 and Gwet 2008 average per unit)."""
    p = patterns.astype(np.float64)
    size = p.sum(axis=1)
    live = (size >= 2) & (counts > 0)
    if not live.any():
        return None
    per_unit = (p[live] * (p[live] - 1)).sum(axis=1) / (size[live] * (size[live] - 1))
    return float(counts[live] @ per_unit / counts[live].sum())


def _shares(patterns: np.ndarray, counts: np.ndarray) -> np.ndarray:
    """Each value's share of the values, averaged over units (Gwet's pi_k)."""
    p = patterns.astype(np.float64)
    size = p.sum(axis=1)
    live = (size >= 2) & (counts > 0)
    return (counts[live] @ (p[live] / size[live, None])) / counts[live].sum()


def fleiss_kappa(patterns: np.ndarray, counts: np.ndarray, coders: int) -> tuple[float | None, int]:
    """Fleiss' kappa over the units every one of ``coders`` gave a value to (complete data;
    the others are left out), and how many such units there are."""
    p = patterns.astype(np.float64)
    complete = (p.sum(axis=1) == coders) & (counts > 0)
    units = int(counts[complete].sum())
    if coders < 2 or units == 0:
        return None, units
    c, w = p[complete], counts[complete].astype(np.float64)
    observed = float(w @ ((c * (c - 1)).sum(axis=1)) / (units * coders * (coders - 1)))
    shares = (w @ c) / (units * coders)
    chance = float(shares @ shares)
    if chance >= 1:
        return None, units
    return (observed - chance) / (1 - chance), units


def gwet_ac1(patterns: np.ndarray, counts: np.ndarray, categories: int) -> float | None:
    """Gwet's AC1 (2008) with ``categories`` possible values; any number of coders."""
    observed = _pair_agreement(patterns, counts)
    if observed is None or categories < 2:
        return None
    shares = _shares(patterns, counts)
    chance = float((shares * (1 - shares)).sum() / (categories - 1))
    return None if chance >= 1 else (observed - chance) / (1 - chance)


def brennan_prediger(patterns: np.ndarray, counts: np.ndarray, categories: int) -> float | None:
    """Brennan & Prediger's free-marginal kappa (1981): chance agreement 1 / categories."""
    observed = _pair_agreement(patterns, counts)
    if observed is None or categories < 2:
        return None
    chance = 1 / categories
    return (observed - chance) / (1 - chance)


def specific_positive(patterns: np.ndarray, counts: np.ndarray) -> float | None:
    """Positive specific agreement on a binary variable (value 1 = the code applied): of all
    the pairs of coders in which at least the first applied the code, the share in which the
    second did too; 2a / (2a + b + c) for two coders. None when nobody applied it."""
    p = patterns.astype(np.float64)
    if p.shape[1] < 2:
        return None
    size, positive = p.sum(axis=1), p[:, 1]
    live = (size >= 2) & (counts > 0)
    possible = float(counts[live] @ (positive[live] * (size[live] - 1)))
    if possible == 0:
        return None
    return float(counts[live] @ (positive[live] * (positive[live] - 1))) / possible
