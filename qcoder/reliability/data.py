"""Agreement between coders on a project: reads the store, calls :mod:`.agreement`.

The statistics stay pure in ``agreement``; this module turns a project into their input
(reviews and codings of active excerpts and active codes, as arrays of excerpt ids fetched
with one packed query per coder and per code and coder), checks what the user asked for
(coders, case, codes) and stamps every result with the codebook version and the coders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..constants import DEFAULT_SEED, STATISTICS
from ..errors import QcoderError, did_you_mean
from ..project.codebook import Codebook
from ..store import reads, suggestions
from ..store.database import Store
from ..store.rounds import frozen_codings, frozen_reviews
from .agreement import (
    CONSENSUS,
    AgreementData,
    AgreementReport,
    CodeAgreement,
    PairAgreement,
    code_flags,
    report,
)
from .bootstrap import CITATIONS as BOOTSTRAP_CITATIONS
from .bootstrap import DESCRIPTIONS as BOOTSTRAP_DESCRIPTIONS
from .bootstrap import HAYES_KRIPPENDORFF
from .bootstrap import METHODS as BOOTSTRAP_METHODS

QUOTE_WIDTH = 100


# --- loading ------------------------------------------------------------------------------


def rollup_rule(codebook: Codebook) -> dict[str, tuple[str, ...]]:
    """The roll-up rule: each parent code that can be applied -> every code below it. A
    parent counts as applied when it or any code below it is; agreement, disagreements and
    consensus all read the data through this one rule."""
    return {
        c.id: tuple(codebook.descendants(c.id)) for c in codebook if c.children and not c.exclusive
    }


#: A suggestion source counted as a coder is named ``suggestions:SOURCE``.
SOURCE_PREFIX = "suggestions:"


def _add_source(store: Store, name: str, reviews: dict[str, np.ndarray],
                codings: dict[tuple[str, str], np.ndarray], keep: Any) -> None:
    """A suggestion source as a coder: it reviewed what it examined, coded what it suggested."""
    scope, suggested = _source(store, name.removeprefix(SOURCE_PREFIX))
    examined = np.unique(np.concatenate([np.asarray(v, dtype=np.int64)
                                         for v in scope.values()]))
    reviews[name] = keep(examined)
    for code_id, ids in suggested.items():
        found = keep(np.unique(np.asarray(ids, dtype=np.int64)))
        if found.size:
            codings[(code_id, name)] = found


def _source(store: Store, source: str) -> tuple[dict[str, list[int]], dict[str, list[int]]]:
    scope = suggestions.scope_of(store, source)
    if not scope:
        known = ", ".join(s["source"] for s in suggestions.sources(store)) or "none yet"
        raise QcoderError(f"no suggestion source '{source}' (sources: {known}); make one with "
                          "'qcoder suggest search QUERY --code ID'")
    return scope, suggestions.suggested_by(store, source)


def with_source(store: Store, source: str, coders: Sequence[str] | None,
                codes: Sequence[str] | None) -> tuple[list[str], list[str]]:
    """Coders and codes for agreement with a suggestion source as one more coder: the
    coders asked for (default every coder but consensus) plus the source, and the codes
    asked for (default, and at most, the codes the source examined)."""
    scope, _ = _source(store, source)
    humans = list(coders) if coders else [c for c in store.coders() if c != CONSENSUS]
    examined = sorted(scope)
    if codes:
        outside = [c for c in codes if c not in scope]
        if outside:
            raise QcoderError(f"suggestion source '{source}' did not examine "
                              f"{', '.join(outside)}; it examined {', '.join(examined)}")
        examined = list(codes)
    return [*humans, SOURCE_PREFIX + source], examined


def load_agreement_data(
    store: Store,
    coders: Sequence[str] | None = None,
    case: str | None = None,
    *,
    codebook: Codebook | None = None,
    excerpts: Sequence[int] | None = None,
    frozen_round: int | None = None,
) -> AgreementData:
    """Reviews and codings of ``coders`` (default: every coder, consensus included) on the
    active excerpts (of one ``case`` if given; only ``excerpts`` if given) with active codes,
    under the codebook's roll-up rule (``rollup_rule``; default: the store's codebook).
    ``frozen_round``: read them as that closed round froze them instead.

    Every requested coder is in the result, even one without a review there.
    """
    reviews, codings, cases = load_arrays(store, coders, case, excerpts=excerpts,
                                          frozen_round=frozen_round)
    rule = rollup_rule(codebook or store.codebook())
    return AgreementData.from_arrays(reviews, codings, cases).with_rollup(rule)


Arrays = tuple[dict[str, np.ndarray], dict[tuple[str, str], np.ndarray], dict[str, np.ndarray]]


def load_arrays(
    store: Store,
    coders: Sequence[str] | None = None,
    case: str | None = None,
    *,
    excerpts: Sequence[int] | None = None,
    frozen_round: int | None = None,
) -> Arrays:
    """What :func:`load_agreement_data` reads, as arrays of excerpt ids: ``reviews[coder]``
    (every requested coder, maybe empty), ``codings[(code_id, coder)]`` (never empty) and
    ``cases[case_id]`` (the active excerpts of each case in scope)."""
    cases = reads.excerpts_by_case(store, case)
    known = np.concatenate([np.empty(0, dtype=np.int64), *cases.values()])
    # excerpt id -> usable (active and in scope); codings and reviews are filtered with it
    usable = np.zeros(int(known.max(initial=0)) + 1, dtype=bool)
    usable[known] = True
    if excerpts is not None:
        wanted = np.zeros(usable.size, dtype=bool)
        chosen = np.asarray(excerpts, dtype=np.int64)
        wanted[chosen[chosen < usable.size]] = True
        usable &= wanted

    def keep(ids: np.ndarray) -> np.ndarray:
        ids = ids[ids < usable.size]
        return ids[usable[ids]]

    everyone = list(coders) if coders is not None else store.coders()
    names = [n for n in everyone if not n.startswith(SOURCE_PREFIX)]
    reviews = {name: np.empty(0, dtype=np.int64) for name in everyone}
    codings: dict[tuple[str, str], np.ndarray] = {}
    for name in everyone:
        if name.startswith(SOURCE_PREFIX):
            _add_source(store, name, reviews, codings, keep)
    if names:
        frozen = frozen_round is not None
        reviewed = (frozen_reviews(store.conn, frozen_round, names) if frozen
                    else reads.reviewed_by_coder(store, names))
        coded = (frozen_codings(store.conn, frozen_round, names) if frozen
                 else reads.coded_by_code_and_coder(store, names))
        for coder, ids in reviewed.items():
            reviews[coder] = keep(ids)
        for key, ids in coded.items():
            found = keep(ids)
            if found.size:
                codings[key] = found
    return reviews, codings, cases


# --- what the user asked for --------------------------------------------------------------


@dataclass(frozen=True)
class Selection:
    """Checked choices: coders, case (None: all) and the codes and groups to report."""

    coders: tuple[str, ...]
    case: str | None
    code_ids: tuple[str, ...]
    groups: dict[str, tuple[str, ...]]
    rollup: dict[str, tuple[str, ...]]


def _known(what: str, names: Sequence[str]) -> str:
    return f"known {what}: {', '.join(names)}" if names else f"no {what} yet"


def _unknown(what: str, value: str, names: Sequence[str]) -> QcoderError:
    guess = did_you_mean(value, names, "")
    guess = f"{guess} " if guess else ""
    return QcoderError(f"unknown {what[:-1]} '{value}'; {guess}{_known(what, names)}")


def select_coders(store: Store, coders: Sequence[str] | None, minimum: int = 2) -> tuple[str, ...]:
    """The coders asked for (default: every coder but consensus), checked against the store."""
    known = store.coders()
    if coders is None:
        chosen = [c for c in known if c != CONSENSUS]
    else:
        chosen = list(dict.fromkeys(coders))
        for name in chosen:
            if name not in known and not name.startswith(SOURCE_PREFIX):
                raise _unknown("coders", name, known)
    if len(chosen) < minimum:
        have = ", ".join(chosen) or "none"
        raise QcoderError(
            f"agreement needs at least {minimum} coders (have: {have}); import another "
            f"coder's codings ('qcoder codings import FILE') or pass --coders A,B; "
            f"{_known('coders', known)}"
        )
    return tuple(chosen)


def select_case(store: Store, case: str | None) -> str | None:
    """The case asked for, checked against the project's cases."""
    if case is None:
        return None
    known = [c["id"] for c in store.cases()]
    if case not in known:
        raise _unknown("cases", case, known)
    return case


def select_codes(
    codebook: Codebook, codes: Sequence[str] | None = None
) -> tuple[tuple[str, ...], dict[str, tuple[str, ...]], dict[str, tuple[str, ...]]]:
    """Codes (binary, every code that can be applied), exclusive groups (nominal) and the
    rollup (a parent counts as applied when any code below it is), in codebook order.

    ``codes`` keeps only those ids (a group id selects the group); an unknown id is an error.
    """
    if codes is not None:
        for code_id in codes:
            if code_id not in codebook:
                raise _unknown("codes", code_id, list(codebook.codes))
    wanted = set(codes) if codes is not None else set(codebook.codes)
    code_ids = tuple(c.id for c in codebook if not c.exclusive and c.id in wanted)
    groups = {
        g.id: tuple(g.children) for g in codebook.exclusive_groups() if g.id in wanted
    }
    return code_ids, groups, rollup_rule(codebook)


def selection(
    store: Store,
    codebook: Codebook,
    coders: Sequence[str] | None = None,
    case: str | None = None,
    codes: Sequence[str] | None = None,
) -> Selection:
    """Check coders, case and codes; QcoderError (one line, naming the known ones) if not."""
    chosen = select_coders(store, coders)
    where = select_case(store, case)
    code_ids, groups, rollup = select_codes(codebook, codes)
    return Selection(chosen, where, code_ids, groups, rollup)


# --- the report ---------------------------------------------------------------------------

#: Statistics ``agreement --stats`` can show, in the order of the table's columns.
NAMES = {
    "alpha": "Krippendorff's alpha",
    "kappa": "Cohen's kappa (two coders), asymptotic SE and 95% interval kappa +- 1.96 SE",
    "fleiss": "Fleiss' kappa",
    "pi": "Scott's pi (two coders)",
    "ac1": "Gwet's AC1",
    "bp": "Brennan & Prediger's free-marginal kappa (chance 1 / values: 2 for a code; for an "
    "exclusive group its codes, plus 'none' when a coder used it; AC1 counts values alike)",
    "specific": "positive specific agreement",
    "percent": "% agree: share of agreeing pairs of coders, pairs that both left the code "
    "off included",
}
ROLLUP_RULE = (
    "a parent code counts as applied when it or any code below it is; an exclusive group is "
    "one nominal variable over its codes plus 'none' (two of its codes from one coder on one "
    "excerpt: missing for the group, and counted)"
)
MISSING_RULES = {
    "alpha": "excerpts reviewed by two or more of the coders; a coder who did not review an "
    "excerpt gives no value",
    "kappa": "excerpts both coders reviewed",
    "fleiss": "complete data: only excerpts every contributing coder reviewed",
    "pi": "excerpts both coders reviewed",
    "ac1": "excerpts reviewed by two or more of the coders",
    "bp": "excerpts reviewed by two or more of the coders",
    "specific": "excerpts reviewed by two or more of the coders; pairs of coders in which one "
    "applied the code",
    "percent": "excerpts reviewed by two or more of the coders",
}


def methods(bootstrap: int, bootstrap_method: str) -> list[dict[str, Any]]:
    """How each statistic is computed, one object per statistic (the key it has in each
    result): name, level, unit, missing-data rule, roll-up rule, bootstrap method (alpha
    only; None without bootstrap) and citation."""
    from .coefficients import CITATIONS

    return [
        {
            "statistic": "percent_agreement" if stat == "percent" else stat,
            "name": NAMES[stat],
            "level": "nominal",
            "unit": "excerpt",
            "missing_data": MISSING_RULES[stat],
            "rollup": ROLLUP_RULE,
            "bootstrap": (f"{bootstrap_method}: {BOOTSTRAP_DESCRIPTIONS[bootstrap_method]}"
                          if bootstrap and stat == "alpha" else None),
            "citation": CITATIONS[stat],
        }
        for stat in (*STATISTICS, "percent")
    ]



@dataclass(frozen=True)
class ProjectAgreement:
    """An agreement report stamped with the codebook, the coders and the options used."""

    codebook_name: str
    codebook_version: str
    coders: tuple[str, ...]
    case: str | None
    bootstrap: int
    seed: int | None
    excerpts: int  # excerpts reviewed by at least two of the coders
    report: AgreementReport
    bootstrap_method: str = HAYES_KRIPPENDORFF

    def bootstrap_text(self) -> str:
        """How the intervals were drawn, in words ("" without bootstrap)."""
        if not self.bootstrap:
            return ""
        return (f"bootstrap {self.bootstrap} resamples, {self.bootstrap_method}: "
                f"{BOOTSTRAP_DESCRIPTIONS[self.bootstrap_method]}, seed {self.seed}")

    def stamp(self) -> str:
        """One line: codebook, version, coders, case and bootstrap."""
        parts = [
            f"{self.codebook_name or 'codebook'} version {self.codebook_version or '?'}",
            f"coders {', '.join(self.coders)}",
            f"case {self.case}" if self.case else "all cases",
            f"{self.excerpts} excerpts reviewed by two or more",
        ]
        if self.bootstrap:
            parts.append(f"bootstrap {self.bootstrap} resamples ({self.bootstrap_method}), "
                         f"seed {self.seed}")
        return " · ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready: codebook, coders, case, bootstrap, excerpts, then the report's lists.

        Each case also carries ``units`` (its excerpts reviewed by two or more), its codes
        per flag (``flags``, ``shares`` in percent) and its ``worst`` code.
        """
        data = self.report.to_dict()
        for entry, case in zip(data["cases"], self.report.cases, strict=True):
            entry.update(case_summary(case.codes))
        return {
            "codebook": {"name": self.codebook_name, "version": self.codebook_version},
            "coders": list(self.coders),
            "case": self.case,
            "bootstrap": {
                "resamples": self.bootstrap,
                "seed": self.seed,
                "method": self.bootstrap_method,
                "description": BOOTSTRAP_DESCRIPTIONS[self.bootstrap_method],
                "citation": BOOTSTRAP_CITATIONS[self.bootstrap_method],
            }
            if self.bootstrap
            else None,
            "excerpts": self.excerpts,
            "methods": methods(self.bootstrap, self.bootstrap_method),
            **data,
        }


def case_summary(codes: Sequence[CodeAgreement]) -> dict[str, Any]:
    """Units (most pairable excerpts of any code), the codes per flag (``flags``, and
    ``shares`` of the codes in percent) and the worst code. No mean alpha: averaging codes
    with their own parents, and leaving out the undefined ones, would mean nothing."""
    defined = [c for c in codes if c.alpha is not None]
    worst = min(defined, key=lambda c: c.alpha or 0.0, default=None)
    flags = code_flags(codes)
    total = sum(flags.values())
    return {
        "units": max((c.units for c in codes), default=0),
        "flags": flags,
        "shares": {k: 100.0 * v / total if total else None for k, v in flags.items()},
        "worst": {"id": worst.id, "alpha": worst.alpha} if worst else None,
    }


def flags_text(flags: dict[str, int]) -> str:
    """"12/3/5/2": codes reliable / tentative / unreliable / undefined or too few units."""
    return "/".join(str(n) for n in (flags["reliable"], flags["tentative"], flags["unreliable"],
                                     flags["undefined"] + flags["too few units"]))


def pair_worst(pair: PairAgreement) -> CodeAgreement | None:
    """The code on which a pair of coders agree least."""
    defined = [c for c in pair.codes if c.alpha is not None]
    return min(defined, key=lambda c: c.alpha or 0.0, default=None)


def worst_first(results: Sequence[CodeAgreement]) -> list[CodeAgreement]:
    """Lowest alpha first; undefined alphas last, in their original order."""
    return sorted(results, key=lambda r: (r.alpha is None, r.alpha if r.alpha is not None else 0))


def project_agreement(
    store: Store,
    codebook: Codebook | None = None,
    *,
    coders: Sequence[str] | None = None,
    case: str | None = None,
    codes: Sequence[str] | None = None,
    bootstrap: int = 0,
    seed: int | None = DEFAULT_SEED,
    bootstrap_method: str = HAYES_KRIPPENDORFF,
    excerpts: Sequence[int] | None = None,
    frozen_round: int | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ProjectAgreement:
    """Agreement per code, exclusive group, case and pair of coders on the stored project.

    ``coders`` defaults to every coder but consensus (at least two are needed); parents count
    as applied when any code below them is. ``excerpts`` and ``frozen_round`` narrow the
    data (see :func:`load_agreement_data`). QcoderError for an unknown coder, case or code.
    ``progress(done, total)`` is called after each code and group.
    """
    if bootstrap < 0:
        raise QcoderError(f"--bootstrap {bootstrap}: give a number of resamples >= 0, e.g. 1000")
    if bootstrap_method not in BOOTSTRAP_METHODS:
        raise QcoderError(f"--bootstrap-method {bootstrap_method}: use one of "
                          f"{', '.join(BOOTSTRAP_METHODS)}")
    codebook = codebook or store.codebook()
    chosen = selection(store, codebook, coders, case, codes)
    data = load_agreement_data(store, chosen.coders, chosen.case, codebook=codebook,
                               excerpts=excerpts, frozen_round=frozen_round)
    result = report(
        data,
        chosen.code_ids,
        chosen.groups,
        coders=chosen.coders,
        bootstrap=bootstrap,
        seed=seed,
        bootstrap_method=bootstrap_method,
        progress=progress,
    )
    return ProjectAgreement(
        codebook_name=codebook.name,
        codebook_version=str(codebook.version),
        coders=chosen.coders,
        case=chosen.case,
        bootstrap=bootstrap,
        seed=seed if bootstrap else None,
        excerpts=int(np.count_nonzero(data.reviewed.sum(axis=0) >= 2)),
        report=result,
        bootstrap_method=bootstrap_method,
    )


# --- disagreements ------------------------------------------------------------------------


def excerpt_refs(store: Store, ids: Sequence[int]) -> dict[int, tuple[str, str, str]]:
    """Excerpt id -> (reference, case id, text), for the given ids."""
    return reads.excerpt_texts(store, ids)


def trim_quote(text: str, width: int = QUOTE_WIDTH) -> str:
    """The text on one line, cut at a word boundary to at most ``width`` characters (…)."""
    flat = text[: width + 1]
    # Most texts start with words and single spaces only (whitespace other than " " is not
    # printable): their first width + 1 characters are already those of the flattened text
    # when no space ends them, or the character after that space is a word's.
    probe = flat if flat[-1:] != " " else text[: width + 2]
    if not (probe.isprintable() and "  " not in probe and probe[:1] != " "
            and probe[-1:] != " "):
        head = text[: 2 * width]  # flattened, a prefix of the whole text flattened
        flat = " ".join(head.split())
        if len(flat) <= width and len(head) < len(text):
            flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > width // 2 else cut).rstrip(" ,;:.-–") + "…"
