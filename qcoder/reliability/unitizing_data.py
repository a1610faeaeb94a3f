"""alpha-U per code for the project: overall, per case and per document, from the store."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from ..errors import QcoderError
from ..project.codebook import Codebook
from ..project.corpus import format_ref
from ..store import unitizing as reads
from ..store.database import CONSENSUS, Store
from .unitizing import METHOD, Span, UnitizingResult, unitizing_alpha


@dataclass
class UnitizingReport:
    """Per code: over all documents every coder reviewed, per case, per document."""

    coders: list[str]
    codes: list[dict[str, Any]] = field(default_factory=list)
    cases: list[dict[str, Any]] = field(default_factory=list)
    documents: list[dict[str, Any]] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {"method": METHOD, "statistic": "alpha-U", "continuum":
                "characters (code points) of the documents' plain text",
                "coders": self.coders, "documents_compared": len(self.documents),
                "codes": self.codes, "cases": self.cases, "documents": self.documents}


def _row(code: str, result: UnitizingResult, documents: int) -> dict[str, Any]:
    data = asdict(result)
    data["alpha"] = None if result.alpha is None else round(result.alpha, 6)
    return {"code": code, **data, "documents": documents}


def project_unitizing(store: Store, codebook: Codebook, coders: Sequence[str] | None = None,
                      case: str | None = None, codes: Sequence[str] | None = None
                      ) -> UnitizingReport:
    """alpha-U of each code (a parent's units are its own and its children's spans) over
    the documents every one of ``coders`` reviewed (default: all but consensus)."""
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
    report = UnitizingReport(coders=chosen)

    def over(selected: list[tuple[int, str, str, int]], code_id: str) -> UnitizingResult:
        offset, breaks = 0, []
        units: dict[str, list[Span]] = {c: [] for c in chosen}
        for doc_id, _, _, length in selected:
            for coder in chosen:
                units[coder] += [(offset + a, offset + b)
                                 for a, b in spans.get((doc_id, coder, code_id), [])]
            offset += length
            breaks.append(offset)
        return unitizing_alpha(units, offset, breaks)

    report.codes = [_row(c, over(docs, c), len(docs)) for c in ids]
    for case_id in dict.fromkeys(d[1] for d in docs):
        part = [d for d in docs if d[1] == case_id]
        report.cases.append({"case": case_id, "codes": [_row(c, over(part, c), len(part))
                                                         for c in ids]})
    for doc in docs:
        report.documents.append({"document": format_ref(doc[1], doc[2], 1).rsplit("#", 1)[0],
                                 "codes": [_row(c, over([doc], c), 1) for c in ids]})
    return report
