"""Unitizing alphas for the project, overall, per case and per document, from the store:
cu-alpha per code and Cu-alpha per exclusive group (Krippendorff 1995; 2004), and the family
of Krippendorff, Mathet et al. (2016): u-alpha and |u-alpha per code, and per exclusive group
u-alpha, |u-alpha, cu-alpha and each code's (k)u-alpha."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import QcoderError
from ..project.codebook import Codebook
from ..project.corpus import format_ref
from ..store import unitizing as reads
from ..store.database import CONSENSUS, Store
from .unitizing import METHOD, Span, UnitizingResult, group_unitizing_alpha, unitizing_alpha
from .unitizing_family import METHOD as METHOD_2016
from .unitizing_family import FamilyAlpha, FamilyResult, unitizing_family


@dataclass
class UnitizingReport:
    """Per code and per exclusive group: over all documents every coder reviewed, per case,
    per document."""

    coders: list[str]
    codes: list[dict[str, Any]] = field(default_factory=list)
    groups: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"method": METHOD, "statistic": "alpha-U",
                "statistics": {"codes": CODE_STATISTIC, "groups": GROUP_STATISTIC},
                "method_2016": METHOD_2016, "statistics_2016": STATISTICS_2016,
                "continuum": CONTINUUM, "coders": self.coders,
                "documents_compared": len(self.documents), "codes": self.codes,
                "groups": self.groups, "cases": self.cases, "documents": self.documents}


CODE_STATISTIC = "cu-alpha: Krippendorff's alpha-U of one code (its units against the rest)"
GROUP_STATISTIC = ("Cu-alpha: Krippendorff's alpha-U of an exclusive group over its codes, "
                   "1 - sum of D_o / sum of D_e")
STATISTICS_2016 = {
    "u_alpha": "u-alpha (Krippendorff et al. 2016): agreement on where units are and which "
               "code each has, gaps included (per code: that code against the rest)",
    "binary_u_alpha": "|u-alpha (2016): agreement on where any code applies, the codes taken "
                      "together against the gaps (per code: the same as its u-alpha)",
    "cu_alpha": "cu-alpha (2016), per exclusive group: agreement on which code, where the "
                "coders' units intersect; coverage: % of the coincidences it rests on",
    "codes": "(k)u-alpha (2016), per code of an exclusive group: cu-alpha's disagreement on "
             "that code; coverage: % of its coincidences that meet another coder's unit",
}
CONTINUUM = ("characters (code points) of the plain text of the documents every coder "
             "reviewed, laid end to end")


def _row(code: str, result: UnitizingResult, documents: int, family: FamilyResult
         ) -> dict[str, Any]:
    data = asdict(result)
    data["alpha"] = None if result.alpha is None else round(result.alpha, 6)
    return {"code": code, "statistic": "cu-alpha", **data, "documents": documents,
            "alpha_2016": {"u_alpha": _family(family.u_alpha, "u-alpha"),
                           "binary_u_alpha": _family(family.binary_alpha, "|u-alpha")}}


def _group_row(group: str, codes: Sequence[str], result: UnitizingResult,
               documents: int, family: FamilyResult) -> dict[str, Any]:
    data = asdict(result)
    data["alpha"] = None if result.alpha is None else round(result.alpha, 6)
    return {"group": group, "statistic": "Cu-alpha", "codes": list(codes), **data,
            "documents": documents,
            "alpha_2016": {"u_alpha": _family(family.u_alpha, "u-alpha"),
                           "binary_u_alpha": _family(family.binary_alpha, "|u-alpha"),
                           "cu_alpha": _family(family.cu_alpha, "cu-alpha", True),
                           "codes": [{"code": c, **_family(family.by_value[c], "(k)u-alpha",
                                                           True)}
                                     for c in codes if c in family.by_value],
                           "overlap": family.overlap}}


def _family(value: FamilyAlpha, statistic: str, coverage: bool = False) -> dict[str, Any]:
    """One 2016 coefficient as JSON: its name, alpha (6 places), D_o and D_e as shares."""
    out: dict[str, Any] = {"statistic": statistic,
                           "alpha": None if value.alpha is None else round(value.alpha, 6),
                           "observed": round(value.observed, 6),
                           "expected": round(value.expected, 6)}
    if coverage:
        out["coverage"] = round(value.coverage, 2)
    return out


def project_unitizing(store: Store, codebook: Codebook, coders: Sequence[str] | None = None,
                      case: str | None = None, codes: Sequence[str] | None = None
                      ) -> UnitizingReport:
    """cu-alpha of each code (a parent's units are its own and its children's spans) but
    the exclusive groups, and Cu-alpha of each exclusive group, over the documents every
    one of ``coders`` reviewed (default: all but consensus). ``codes`` picks codes and
    groups by id."""
    known = store.coders()
    chosen = list(coders) if coders else [c for c in known if c != CONSENSUS]
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise QcoderError(f"unknown coder '{unknown[0]}'; known coders: "
                          f"{', '.join(known) or 'none yet'}")
    if len(chosen) < 2:
        raise QcoderError("agreement needs two coders or more; name them with --coders")
    ids = list(codes) if codes else [c.id for c in codebook]
    for code_id in ids:
        if code_id not in codebook:
            raise QcoderError(f"unknown code '{code_id}'; see the ids in the codebook")
    reviewed = reads.reviewed_documents(store.conn)
    docs = [d for d in reads.document_lengths(store.conn)
            if (case is None or d[1] == case) and all((d[0], c) in reviewed for c in chosen)]
    wanted = {d[0] for d in docs}
    spans: dict[tuple[int, str, str], list[Span]] = {}
    for doc_id, coder, code_id, start, end in reads.coded_spans(store.conn):
        if doc_id in wanted and coder in chosen and code_id in codebook:
            for target in (code_id, *codebook.ancestors(code_id)):
                spans.setdefault((doc_id, coder, target), []).append((start, end))
    groups = [(g.id, tuple(g.children)) for g in codebook.exclusive_groups()
              if g.id in ids]
    grouped = {g for g, _ in groups}  # an exclusive group is a Cu-alpha row, not a code's
    report = UnitizingReport(coders=chosen)

    def units_of(selected: list[tuple[int, str, str, int]], code_id: str
                 ) -> tuple[dict[str, list[Span]], int, list[int]]:
        offset, breaks = 0, []
        units: dict[str, list[Span]] = {c: [] for c in chosen}
        for doc_id, _, _, length in selected:
            for coder in chosen:
                units[coder] += [(offset + a, offset + b)
                                 for a, b in spans.get((doc_id, coder, code_id), [])]
            offset += length
            breaks.append(offset)
        return units, offset, breaks

    def rows(selected: list[tuple[int, str, str, int]]) -> dict[str, list[dict[str, Any]]]:
        n = len(selected)
        out: dict[str, list[dict[str, Any]]] = {"codes": [], "groups": []}
        for code_id in [c for c in ids if c not in grouped]:
            units, length, breaks = units_of(selected, code_id)
            family = unitizing_family({c: {code_id: u} for c, u in units.items()}, length)
            out["codes"].append(_row(code_id, unitizing_alpha(units, length, breaks), n,
                                     family))
        for group_id, children in groups:
            per_code = {c: units_of(selected, c) for c in children}
            length, breaks = units_of(selected, group_id)[1:]
            result = group_unitizing_alpha({c: u[0] for c, u in per_code.items()}, length,
                                           breaks)
            family = unitizing_family({coder: {c: u[0][coder] for c, u in per_code.items()}
                                       for coder in chosen}, length)
            out["groups"].append(_group_row(group_id, children, result, n, family))
        return out

    overall = rows(docs)
    report.codes, report.groups = overall["codes"], overall["groups"]
    for case_id in dict.fromkeys(d[1] for d in docs):
        report.cases.append({"case": case_id, **rows([d for d in docs if d[1] == case_id])})
    for doc in docs:
        report.documents.append({"document": format_ref(doc[1], doc[2], 1).rsplit("#", 1)[0],
                                 **rows([doc])})
    return report
