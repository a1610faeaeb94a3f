"""Unitizing alphas for the project: cu-alpha per code and Cu-alpha per exclusive group,
overall, per case and per document, from the store."""

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
                "continuum": CONTINUUM, "coders": self.coders,
                "documents_compared": len(self.documents), "codes": self.codes,
                "groups": self.groups, "cases": self.cases, "documents": self.documents}


CODE_STATISTIC = "cu-alpha: Krippendorff's alpha-U of one code (its units against the rest)"
GROUP_STATISTIC = ("Cu-alpha: Krippendorff's alpha-U of an exclusive group over its codes, "
                   "1 - sum of D_o / sum of D_e")
CONTINUUM = ("characters (code points) of the plain text of the documents every coder "
             "reviewed, laid end to end")


def _row(code: str, result: UnitizingResult, documents: int) -> dict[str, Any]:
    data = asdict(result)
    data["alpha"] = None if result.alpha is None else round(result.alpha, 6)
    return {"code": code, "statistic": "cu-alpha", **data, "documents": documents}


def _group_row(group: str, codes: Sequence[str], result: UnitizingResult,
               documents: int) -> dict[str, Any]:
    data = asdict(result)
    data["alpha"] = None if result.alpha is None else round(result.alpha, 6)
    return {"group": group, "statistic": "Cu-alpha", "codes": list(codes), **data,
            "documents": documents}


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
        out = {"codes": [_row(c, unitizing_alpha(*units_of(selected, c)), n) for c in ids
                         if c not in grouped], "groups": []}
        for group_id, children in groups:
            per_code = {c: units_of(selected, c) for c in children}
            length, breaks = units_of(selected, group_id)[1:]
            result = group_unitizing_alpha({c: u[0] for c, u in per_code.items()}, length,
                                           breaks)
            out["groups"].append(_group_row(group_id, children, result, n))
        return out

    overall = rows(docs)
    report.codes, report.groups = overall["codes"], overall["groups"]
    for case_id in dict.fromkeys(d[1] for d in docs):
        report.cases.append({"case": case_id, **rows([d for d in docs if d[1] == case_id])})
    for doc in docs:
        report.documents.append({"document": format_ref(doc[1], doc[2], 1).rsplit("#", 1)[0],
                                 **rows([doc])})
    return report
