"""Agreement on a reliability round: its excerpts and its coders only (as frozen at close)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..project.codebook import Codebook
from ..rounds import Round, get_round, round_versions
from ..store.database import Store
from .data import DEFAULT_SEED, ProjectAgreement, project_agreement


@dataclass(frozen=True)
class RoundAgreement:
    """A round and the agreement of its coders on its excerpts."""

    round: Round
    agreement: ProjectAgreement
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {"round": self.round.to_dict(), **self.agreement.to_dict(),
                "warnings": list(self.warnings)}


def round_agreement(store: Store, codebook: Codebook | None, name: str, *,
                    case: str | None = None, codes: Sequence[str] | None = None,
                    bootstrap: int = 0, seed: int | None = DEFAULT_SEED,
                    bootstrap_method: str | None = None) -> RoundAgreement:
    """Agreement of round ``name``'s coders on its excerpts; a closed round as it was frozen."""
    found = get_round(store, name)
    method = {} if bootstrap_method is None else {"bootstrap_method": bootstrap_method}
    result = project_agreement(
        store, codebook, coders=found.coders, case=case, codes=codes, bootstrap=bootstrap,
        seed=seed, excerpts=found.excerpt_ids,
        frozen_round=None if found.is_open else found.id, **method)
    versions = [v for v, _ in round_versions(store, found)]
    warnings = ()
    if len(versions) > 1:
        warnings = (f"round {found.name} mixes codings made under codebook versions "
                    f"{', '.join(versions)}; agreement compares codings made under different "
                    "definitions",)
    return RoundAgreement(found, result, warnings)


@dataclass(frozen=True)
class RoundComparison:
    """Alpha per code (and exclusive group) in two rounds, side by side."""

    first: RoundAgreement
    second: RoundAgreement

    def rows(self) -> list[dict[str, Any]]:
        """One row per code or group in either round, in the first round's report order."""
        def alphas(result: RoundAgreement) -> dict[str, tuple[str, float | None, int]]:
            report = result.agreement.report
            return {r.id: ("group" if i else "code", r.alpha, r.units)
                    for i, items in enumerate((report.codes, report.groups)) for r in items}

        a, b = alphas(self.first), alphas(self.second)
        out = []
        for code_id in [*a, *(k for k in b if k not in a)]:
            kind = (a.get(code_id) or b[code_id])[0]
            alpha_a = a[code_id][1] if code_id in a else None
            alpha_b = b[code_id][1] if code_id in b else None
            out.append({
                "id": code_id, "kind": kind,
                "alpha": [alpha_a, alpha_b],
                "units": [a[code_id][2] if code_id in a else 0,
                          b[code_id][2] if code_id in b else 0],
                "change": None if alpha_a is None or alpha_b is None else alpha_b - alpha_a,
            })
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "method": "Krippendorff's alpha (nominal), binary per code, nominal per "
                      "exclusive group, on each round's excerpts and coders",
            "rounds": [r.round.to_dict() for r in (self.first, self.second)],
            "codes": self.rows(),
        }


def compare_rounds(store: Store, codebook: Codebook | None, first: str,
                   second: str) -> RoundComparison:
    """Agreement per code in round ``first`` next to round ``second``."""
    codebook = codebook or store.codebook()
    return RoundComparison(round_agreement(store, codebook, first),
                           round_agreement(store, codebook, second))
