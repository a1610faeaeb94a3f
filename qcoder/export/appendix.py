"""The content of the Word appendices as plain data, gathered from the store.

Nothing here knows Word: :mod:`qcoder.export.docx` lays out what :func:`gather` returns, so
what goes into an appendix (which codes, cases, coders, in what order) is tested without it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date as Date

from ..compare import Basis, resolve_basis
from ..project.codebook import Codebook
from ..store.database import Store
from .atomic import ExportError

SECTIONS = ("codebook", "excerpts", "agreement", "comparison")


@dataclass
class Table:
    """A table for an appendix: every cell is text; a line break starts a new paragraph.

    ``widths`` are relative column widths; ``indents`` the hierarchy level of each row's first
    cell; ``wide`` asks for a landscape page.
    """

    title: str
    columns: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None
    indents: list[int] | None = None
    note: str = ""
    wide: bool = False


@dataclass(frozen=True)
class ExcerptEntry:
    """One coded excerpt under one code: who applied that code to it."""

    ref: str
    speaker: str
    text: str
    coders: tuple[str, ...]


@dataclass
class CaseExcerpts:
    case_id: str
    case_name: str
    entries: list[ExcerptEntry] = field(default_factory=list)


@dataclass
class CodeExcerpts:
    """The excerpts coded with one code, by case; ``depth`` counts selected ancestors."""

    code_id: str
    label: str
    depth: int
    parent: bool = False
    cases: list[CaseExcerpts] = field(default_factory=list)

    @property
    def excerpts(self) -> int:
        return sum(len(c.entries) for c in self.cases)

    @property
    def codings(self) -> int:
        return sum(len(e.coders) for c in self.cases for e in c.entries)


@dataclass
class Appendix:
    """Everything the Word appendices show, in order."""

    project: str
    codebook_name: str
    codebook_version: str
    date: str
    basis: Basis
    coders: tuple[str, ...]
    sections: tuple[str, ...]
    codebook: Table | None = None
    excerpts: list[CodeExcerpts] | None = None
    agreement: list[Table] | None = None
    comparison: list[Table] | None = None
    notes: dict[str, str] = field(default_factory=dict)


def describe_basis(basis: Basis) -> str:
    """Whose codings, in a few words: "consensus codings", "codings of ann, bob (pooled)"."""
    if basis.kind == "consensus":
        return "consensus codings"
    names = ", ".join(basis.coders) or "no coder"
    return f"codings of {names} (pooled)" if len(basis.coders) > 1 else f"codings of {names}"


def select_codes(codebook: Codebook, code_ids: Sequence[str] | None) -> list[str]:
    """The chosen codes and everything below them, in codebook order (all when None)."""
    if not code_ids:
        return list(codebook.codes)
    _check_known("code", code_ids, list(codebook.codes))
    chosen = set(code_ids)
    for code_id in code_ids:
        chosen.update(codebook.descendants(code_id))
    return [c for c in codebook.codes if c in chosen]


def select_cases(store: Store, case_ids: Sequence[str] | None) -> dict[str, str]:
    """Chosen case ids mapped to their names, in project order (all when None)."""
    cases = {c["id"]: c["name"] for c in store.cases()}
    if not case_ids:
        return cases
    _check_known("case", case_ids, list(cases))
    return {k: v for k, v in cases.items() if k in set(case_ids)}


def select_sections(sections: Sequence[str] | None) -> tuple[str, ...]:
    if not sections:
        return SECTIONS
    _check_known("section", sections, list(SECTIONS))
    return tuple(s for s in SECTIONS if s in sections)


def _check_known(what: str, given: Iterable[str], known: Sequence[str]) -> None:
    for name in given:
        if name not in known:
            hint = difflib.get_close_matches(name, known, n=1)
            fix = f"did you mean '{hint[0]}'?" if hint else (
                f"known {what}s: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''}"
                if known else f"there are no {what}s yet")
            raise ExportError(f"unknown {what} '{name}'; {fix}")


def relative_depths(codebook: Codebook, code_ids: Sequence[str]) -> dict[str, int]:
    """How many of each code's ancestors are selected too: its level in the exported tree."""
    chosen = set(code_ids)
    return {c: sum(1 for a in codebook.ancestors(c) if a in chosen) for c in code_ids}


def codebook_table(codebook: Codebook, code_ids: Sequence[str]) -> Table:
    """One row per code: label, id, definition, include, exclude, examples."""
    depth = relative_depths(codebook, code_ids)
    rows, indents = [], []
    for code_id in code_ids:
        code = codebook[code_id]
        label = f"{code.label} (exclusive group)" if code.exclusive else code.label
        rows.append([label, code.id, code.definition, code.include, code.exclude,
                     "\n".join(f"“{e}”" for e in code.examples)])
        indents.append(depth[code_id])
    return Table(title="Codebook", columns=["Label", "Id", "Definition", "Include", "Exclude",
                                            "Example"],
                 rows=rows, widths=[2.2, 1.6, 3.2, 2.4, 2.4, 2.8], indents=indents, wide=True)


def coded_excerpts(store: Store, codebook: Codebook, code_ids: Sequence[str],
                   cases: dict[str, str], basis: Basis) -> list[CodeExcerpts]:
    """Per selected code (codebook order) and case (project order), each coded excerpt once
    with the coders who applied the code."""
    depth = relative_depths(codebook, code_ids)
    sections = {c: CodeExcerpts(c, codebook[c].label, depth[c], bool(codebook[c].children))
                for c in code_ids}
    for row in store.coded_excerpts(basis.coders, by_code=True):
        section = sections.get(row["code"])
        if section is None or row["case"] not in cases:
            continue
        if not section.cases or section.cases[-1].case_id != row["case"]:
            section.cases.append(CaseExcerpts(row["case"], cases[row["case"]]))
        entries = section.cases[-1].entries
        if entries and entries[-1].ref == row["excerpt"]:
            entries[-1] = replace(entries[-1], coders=(*entries[-1].coders, row["coder"]))
        else:
            entries.append(ExcerptEntry(row["excerpt"], row["speaker"], row["text"],
                                        (row["coder"],)))
    return list(sections.values())


def adjudication_table(store: Store, code_ids: Sequence[str], cases: dict[str, str],
                       codebook: Codebook) -> Table | None:
    """The adjudication log (excerpt, code, decision, from, reason, by, when), or None."""
    chosen = set(code_ids)
    rows = [[a["excerpt"], _code_name(codebook, a["code"]), a["decision"], a["source_coder"],
             a["reason"], a["decided_by"], a["at"][:10]]
            for a in store.adjudication_log()
            if a["code"] in chosen and a["excerpt"].split("/", 1)[0] in cases]
    if not rows:
        return None
    return Table(title="Adjudication log",
                 columns=["Excerpt", "Code", "Decision", "From", "Reason", "By", "Date"],
                 rows=rows, widths=[2.4, 2.2, 1.4, 1.2, 3.6, 1.2, 1.4], wide=True)


def _code_name(codebook: Codebook, code_id: str) -> str:
    return codebook[code_id].label if code_id in codebook else code_id


def gather(store: Store, *, project: str, sections: Sequence[str] | None = None,
           code_ids: Sequence[str] | None = None, case_ids: Sequence[str] | None = None,
           basis: Basis | None = None, date: str | None = None,
           bootstrap: int = 1000) -> Appendix:
    """Collect the appendices for ``project`` from ``store``; ``date`` is ISO (default today);
    ``bootstrap`` resamples give the agreement intervals (0: none)."""
    codebook = store.codebook()
    chosen = select_sections(sections)
    codes = select_codes(codebook, code_ids)
    cases = select_cases(store, case_ids)
    basis = basis or resolve_basis(store)
    appendix = Appendix(project=project, codebook_name=codebook.name,
                        codebook_version=str(codebook.version),
                        date=date or Date.today().isoformat(), basis=basis,
                        coders=tuple(store.coders()), sections=chosen)
    if "codebook" in chosen:
        appendix.codebook = codebook_table(codebook, codes)
    if "excerpts" in chosen:
        appendix.excerpts = coded_excerpts(store, codebook, codes, cases, basis)
    if "agreement" in chosen:
        from .appendix_stats import agreement_tables

        tables, note = agreement_tables(store, codebook, codes, cases, basis, bootstrap)
        log = adjudication_table(store, codes, cases, codebook)
        if log is not None:
            tables = [*(tables or []), log]
        appendix.agreement = tables
        appendix.notes["agreement"] = note
    if "comparison" in chosen:
        from .appendix_stats import comparison_tables

        appendix.comparison, appendix.notes["comparison"] = comparison_tables(
            store, codebook, codes, cases, basis)
    return appendix


def check_date(value: str | None) -> str | None:
    """Validate an ISO date given on the command line."""
    if value is None:
        return None
    try:
        return Date.fromisoformat(value).isoformat()
    except ValueError:
        raise ExportError(f"invalid date '{value}'; write it as YYYY-MM-DD") from None
