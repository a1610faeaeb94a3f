"""Gather every figure's data from the store, with the same defaults as the tables."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from ..compare import Basis, code_case_matrix, distribution
from ..constants import DEFAULT_SEED
from ..errors import QcoderError
from ..store.database import CONSENSUS, Store
from .data import AlphaChart, GroupShares, HeatMap, Progress, alpha_chart, group_shares, heat_map
from .data import progress as progress_data

#: The stable file stem of each figure (an exclusive group's figure adds its id).
HEAT_MAP = "codes-by-case"
GROUP = "group-shares-"
ALPHA = "agreement-alpha"
PROGRESS = "progress-by-coder"


@dataclass
class Figures:
    """The data of every figure that the project has something to show for; ``skipped``
    says why a figure is missing."""

    heat: HeatMap | None = None
    groups: list[GroupShares] = field(default_factory=list)
    alpha: AlphaChart | None = None
    progress: Progress | None = None
    skipped: dict[str, str] = field(default_factory=dict)

    def named(self) -> list[tuple[str, object]]:
        """(stable file stem, data) in the order the figures are numbered."""
        out: list[tuple[str, object]] = []
        if self.heat is not None:
            out.append((HEAT_MAP, self.heat))
        out += [(GROUP + g.group_id, g) for g in self.groups]
        if self.alpha is not None:
            out.append((ALPHA, self.alpha))
        if self.progress is not None:
            out.append((PROGRESS, self.progress))
        return out


def agreement_coders(store: Store, basis: Basis) -> list[str] | None:
    """The coders whose agreement is shown: the chosen coders when several are pooled, else
    every coder but consensus (None: the default)."""
    return list(basis.coders) if basis.kind == "pooled" and len(basis.coders) > 1 else None


def gather(store: Store, basis: Basis, *, codes: Sequence[str] | None = None,
           cases: Sequence[str] | None = None, bootstrap: int = 1000,
           seed: int = DEFAULT_SEED, progress: Callable[[int, int], None] | None = None
           ) -> Figures:
    """Every figure's data: the code x case heat map and each exclusive group's shares on
    ``basis``; alpha per code (``bootstrap`` resamples for the intervals) between the coders
    of a pooled basis, else every coder but consensus; each coder's progress per case."""
    from ..reliability.data import project_agreement

    codebook = store.codebook()
    figures = Figures()
    step = 0

    def advance() -> None:
        nonlocal step
        step += 1
        if progress:
            progress(step, 3)

    if basis.coders:
        matrix = code_case_matrix(store, basis, "case", codes=codes, cases=cases)
        figures.heat = heat_map(matrix)
        for group in codebook.exclusive_groups():
            if any(r.id == group.id for r in matrix.rows):
                figures.groups.append(group_shares(distribution(matrix, group.id)))
    else:
        figures.skipped[HEAT_MAP] = "there are no codings yet"
    advance()
    others = [c for c in store.coders() if c != CONSENSUS]
    coders = agreement_coders(store, basis)
    if coders is None and len(others) < 2:
        figures.skipped[ALPHA] = "codings of at least two coders are needed"
    else:
        every_case = [c["id"] for c in store.cases()]
        case = cases[0] if cases and len(cases) == 1 and len(every_case) > 1 else None
        try:
            result = project_agreement(store, codebook, coders=coders, case=case,
                                       codes=list(codes) if codes else None,
                                       bootstrap=bootstrap, seed=seed)
        except QcoderError as exc:
            figures.skipped[ALPHA] = str(exc)
        else:
            if result.excerpts:
                figures.alpha = alpha_chart(result, codebook)
            else:
                figures.skipped[ALPHA] = "no excerpt was reviewed by two or more coders"
    advance()
    if others:
        chosen = store.cases()
        if cases:
            chosen = [c for c in chosen if c["id"] in cases]
        figures.progress = progress_data(store.progress(), chosen, others)
    else:
        figures.skipped[PROGRESS] = "no coder has reviewed anything yet"
    advance()
    return figures
