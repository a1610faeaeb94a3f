"""The content of the Word appendices as plain data, gathered from the store.

Nothing here knows Word: :mod:`qcoder.export.docx` lays out what :func:`gather` returns, so
what goes into an appendix (which codes, cases, coders, in what order) is tested without it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date as Date

from ..compare import Basis, resolve_basis
from ..errors import did_you_mean
from ..project.codebook import Codebook
from ..store.database import Store
from .appendix_parts import Table, describe_basis, relative_depths
from .atomic import ExportError

__all__ = ["Appendix", "Basis", "CaseExcerpts", "CodeExcerpts", "ExcerptEntry", "Table",
           "describe_basis", "gather", "relative_depths", "resolve_basis"]
SECTIONS = ("codebook", "sources", "excerpts", "agreement", "comparison", "memos")
DEFAULT_SECTIONS = ("codebook", "sources", "excerpts", "agreement", "comparison")
EXCERPT_MODES = ("all", "once", "exemplars")


@dataclass(frozen=True)
class ExcerptEntry:
    """One coded excerpt under one code: who applied that code to it (``codes``: every code
    shown with it, when each excerpt appears once)."""

    ref: str
    speaker: str
    text: str
    coders: tuple[str, ...]
    codes: tuple[str, ...] = ()


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
    total: int | None = None  # excerpts coded with it, where some are shown under other codes

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
    sources: list[Table] | None = None
    memos: list[Table] | None = None
    notes: dict[str, str] = field(default_factory=dict)
    methods: tuple[str, ...] = ()  # the methods statement, opening the agreement section
    excerpt_mode: str = "all"
    consensus: str = ""  # "N of M disagreements settled; K excerpts unsettled"
    version: str = ""
    command: str = ""

    @property
    def excerpt_count(self) -> int:
        """Distinct excerpts in the excerpts appendix (not their appearances)."""
        return len({e.ref for s in self.excerpts or [] for c in s.cases for e in c.entries})



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
        return DEFAULT_SECTIONS
    _check_known("section", sections, list(SECTIONS))
    return tuple(s for s in SECTIONS if s in sections)


def _check_known(what: str, given: Iterable[str], known: Sequence[str]) -> None:
    for name in given:
        if name not in known:
            fix = did_you_mean(name, known, (
                f"known {what}s: {', '.join(known[:12])}{', ...' if len(known) > 12 else ''}"
                if known else f"there are no {what}s yet"))
            raise ExportError(f"unknown {what} '{name}'; {fix}")



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
                 rows=rows, widths=[2.0, 2.6, 3.0, 2.3, 2.3, 2.4], indents=indents, wide=True)


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


def once_per_excerpt(sections: list[CodeExcerpts], codebook: Codebook) -> list[CodeExcerpts]:
    """The same excerpts, each once, under the first code (codebook order) it carries, with
    every code it carries named."""
    codes: dict[str, list[str]] = {}
    for section in sections:
        for group in section.cases:
            for entry in group.entries:
                codes.setdefault(entry.ref, []).append(section.label)
    seen: set[str] = set()
    out = []
    for section in sections:
        kept = replace(section, cases=[], total=section.excerpts)
        for group in section.cases:
            entries = [replace(e, codes=tuple(codes[e.ref])) for e in group.entries
                       if e.ref not in seen]
            seen.update(e.ref for e in entries)
            if entries:
                kept.cases.append(CaseExcerpts(group.case_id, group.case_name, entries))
        out.append(kept)
    return out


def only_exemplars(sections: list[CodeExcerpts], picks: set[tuple[str, str]]
                   ) -> list[CodeExcerpts]:
    """Only the (code, excerpt) pairs in ``picks``: the framework matrix's exemplars."""
    out = []
    for section in sections:
        kept = replace(section, cases=[], total=section.excerpts)
        for group in section.cases:
            entries = [e for e in group.entries if (section.code_id, e.ref) in picks]
            if entries:
                kept.cases.append(CaseExcerpts(group.case_id, group.case_name, entries))
        out.append(kept)
    return out


def adjudication_table(store: Store, code_ids: Sequence[str], cases: dict[str, str],
                       codebook: Codebook) -> Table | None:
    """The adjudication log (excerpt, code, decision, from, reason, by, when), or None; a
    carry of the agreed codings is one row with its counts."""
    from ..consensus import decision_log

    chosen = set(code_ids)
    rows = [[a["excerpt"] or "all agreed", _code_name(codebook, a["code"]) if a["code"] else
             "all agreed", a["decision"], a["source_coder"], a["reason"], a["decided_by"],
             a["at"][:10]]
            for a in decision_log(store)
            if not a["excerpt"] or (a["code"] in chosen
                                    and a["excerpt"].split("/", 1)[0] in cases)]
    if not rows:
        return None
    return Table(title="Adjudication log",
                 columns=["Excerpt", "Code", "Decision", "From", "Reason", "By", "Date"],
                 rows=rows, widths=[2.4, 2.2, 1.4, 1.2, 3.6, 1.2, 1.4], wide=True,
                 note=f"{len(rows)} entries in the order taken. Decision: keep (consensus "
                      "has the code), drop (it has not), pick (one coder's version, From), "
                      "carry-agreed (every coding the coders agree on, carried at once). "
                      "By: who decided.")


def sources_tables(store: Store, cases: dict[str, str], basis: Basis) -> list[Table]:
    """Each document (title, kind, date, case, excerpts, coded excerpts) and each case
    (description, attributes)."""
    from ..store.reports import excerpt_counts

    coded = excerpt_counts(store, list(basis.coders))
    docs = [d for d in store.documents() if d["case_id"] in cases]
    rows = [[f"{d['case_id']}/{d['stem']}", d["title"] or d["stem"], d["kind"] or "–",
             d["date"] or "–", cases[d["case_id"]], str(d["excerpts"]),
             str(coded.get(d["id"], 0))] for d in docs]
    documents = Table("Documents", ["Document", "Title", "Kind", "Date", "Case", "Excerpts",
                                    "Coded"], rows, widths=[2.6, 3.4, 1.2, 1.2, 2.2, 1.0, 1.0],
                      note=f"{len(rows)} documents. Excerpts: the document's paragraphs and "
                           f"selections; Coded: those with a code ({describe_basis(basis)}).")
    case_rows = []
    for case in store.cases():
        if case["id"] not in cases:
            continue
        attributes = "\n".join(f"{k}: {v}" for k, v in case["attributes"].items())
        n = sum(1 for d in docs if d["case_id"] == case["id"])
        case_rows.append([f"{case['name']} ({case['id']})", case["description"] or "–",
                          attributes or "–", str(n)])
    case_table = Table("Cases", ["Case", "Description", "Attributes", "Documents"], case_rows,
                       widths=[2.4, 5.0, 3.0, 1.2],
                       note=f"{len(case_rows)} cases with their description and attributes "
                            "(from each case's case.yaml).")
    return [case_table, documents]


def memo_tables(store: Store, codebook: Codebook, code_ids: Sequence[str],
                cases: dict[str, str], basis: Basis) -> list[Table]:
    """Memos on excerpts and on codings by the coders of ``basis``."""
    from ..store.reports import coding_memos, excerpt_memos

    coders = list(basis.coders)
    chosen = set(code_ids)
    on_excerpts = [[m["excerpt"], m["coder"], m["text"]] for m in excerpt_memos(store, coders)
                   if m["case"] in cases]
    on_codings = [[m["excerpt"], _code_name(codebook, m["code"]), m["coder"], m["text"]]
                  for m in coding_memos(store, coders)
                  if m["case"] in cases and m["code"] in chosen]
    return [Table("Excerpt memos", ["Excerpt", "Coder", "Memo"], on_excerpts,
                  widths=[2.6, 1.2, 7.0],
                  note=f"{len(on_excerpts)} memos written on excerpts "
                       f"({describe_basis(basis)})."),
            Table("Coding memos", ["Excerpt", "Code", "Coder", "Memo"], on_codings,
                  widths=[2.6, 2.2, 1.2, 5.6],
                  note=f"{len(on_codings)} memos written on codings, the reason a coder gave "
                       f"for a code ({describe_basis(basis)}).")]


def _code_name(codebook: Codebook, code_id: str) -> str:
    return codebook[code_id].label if code_id in codebook else code_id


def gather(store: Store, *, project: str, sections: Sequence[str] | None = None,
           code_ids: Sequence[str] | None = None, case_ids: Sequence[str] | None = None,
           basis: Basis | None = None, date: str | None = None,
           bootstrap: int = 1000, excerpts: str = "all", memos: bool = False,
           allow_open: bool = True, command: str = "", figures: bool = True,
           progress: Callable[[int, int], None] | None = None) -> Appendix:
    """Collect the appendices for ``project`` from ``store``; ``date`` is ISO (default today);
    ``bootstrap`` resamples give the agreement intervals (0: none); ``excerpts`` shows every
    excerpt under each of its codes (all), each once with all its codes (once), or the
    framework matrix's exemplars; ``memos`` adds the memos; ``figures`` puts each figure
    after its table (the coders' progress after the documents). An unfinished consensus is
    refused unless ``allow_open``; it is stated on the title page and in every note.
    ``progress(done, total)`` is called after each appendix gathered."""
    from .. import __version__

    if excerpts not in EXCERPT_MODES:
        raise ExportError(f"unknown --excerpts '{excerpts}'; use {', '.join(EXCERPT_MODES)}")
    codebook = store.codebook()
    chosen = select_sections(sections)
    if memos and "memos" not in chosen:
        chosen = tuple(s for s in SECTIONS if s in chosen or s == "memos")
    codes = select_codes(codebook, code_ids)
    cases = select_cases(store, case_ids)
    basis = basis or resolve_basis(store)
    appendix = Appendix(project=project, codebook_name=codebook.name,
                        codebook_version=str(codebook.version),
                        date=date or Date.today().isoformat(), basis=basis,
                        coders=tuple(store.coders()), sections=chosen, excerpt_mode=excerpts,
                        version=__version__, command=command)
    if basis.kind == "consensus":
        appendix.consensus = _consensus_state(store, codebook, allow_open)
    done = 0

    def step(name: str) -> None:
        nonlocal done
        if progress and name in chosen:
            done += 1
            progress(done, len(chosen))

    if "codebook" in chosen:
        appendix.codebook = codebook_table(codebook, codes)
    if "sources" in chosen:
        appendix.sources = sources_tables(store, cases, basis)
        if figures:
            _progress_figure(store, cases, appendix.sources[-1])
    step("codebook")
    step("sources")
    if "excerpts" in chosen:
        found = coded_excerpts(store, codebook, codes, cases, basis)
        if excerpts == "once":
            found = once_per_excerpt(found, codebook)
        elif excerpts == "exemplars":
            found = only_exemplars(found, _exemplars(store, basis, codes, cases))
        appendix.excerpts = found
    step("excerpts")
    if "agreement" in chosen:
        from .appendix_stats import agreement_tables

        tables, note = agreement_tables(store, codebook, codes, cases, basis, bootstrap,
                                        figures)
        log = adjudication_table(store, codes, cases, codebook)
        if log is not None:
            tables = [*(tables or []), log]
        appendix.agreement = tables
        appendix.notes["agreement"] = note
        from .methods import appendix_methods

        appendix.methods = appendix_methods(store, codebook, bootstrap)
    step("agreement")
    if "comparison" in chosen:
        from .appendix_stats import comparison_tables

        appendix.comparison, appendix.notes["comparison"] = comparison_tables(
            store, codebook, codes, cases, basis, figures)
    step("comparison")
    if "memos" in chosen:
        appendix.memos = memo_tables(store, codebook, codes, cases, basis)
    step("memos")
    return appendix


def _progress_figure(store: Store, cases: dict[str, str], documents: Table) -> None:
    """Each coder's progress per case, after the documents table (none without coders)."""
    from ..figures.data import progress
    from ..figures.images import figure_image
    from ..store.database import CONSENSUS

    coders = [c for c in store.coders() if c != CONSENSUS]
    if coders:
        chosen = [c for c in store.cases() if c["id"] in cases]
        documents.figures.append(figure_image(progress(store.progress(), chosen, coders)))


def _consensus_state(store: Store, codebook: Codebook, allow_open: bool) -> str:
    """The consensus's progress in words; refused when unfinished unless ``allow_open``."""
    from ..consensus import Consensus

    coders = [c for c in store.coders() if c != "consensus"]
    if len(coders) < 2:
        return ""
    progress = Consensus(store, codebook, None).progress()
    if not progress.finished and not allow_open:
        raise ExportError(f"the consensus is unfinished ({progress.statement()}); settle the "
                          "rest with 'qcoder consensus', or pass --allow-open to export it "
                          "as it is (the appendix then says so)")
    return progress.statement() + ("" if not progress.finished else " (consensus complete)")


def _exemplars(store: Store, basis: Basis, codes: Sequence[str], cases: dict[str, str]
               ) -> set[tuple[str, str]]:
    """(code, excerpt ref) of the framework matrix's exemplars (two per case and code)."""
    from ..compare.framework import framework_matrix

    frame = framework_matrix(store, basis, codes=list(codes), cases=list(cases))
    return {(code_id, e.ref) for (_, code_id), cell in frame.cells.items()
            for e in cell.exemplars}


def check_date(value: str | None) -> str | None:
    """Validate an ISO date given on the command line."""
    if value is None:
        return None
    try:
        return Date.fromisoformat(value).isoformat()
    except ValueError:
        raise ExportError(f"invalid date '{value}'; write it as YYYY-MM-DD") from None
