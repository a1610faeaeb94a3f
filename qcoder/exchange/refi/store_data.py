"""A project's store as a REFI-QDA model (see :mod:`qcoder.exchange.refi.qdpx` for the files).

GUIDs are derived from stable keys (coder names, code ids, case ids, document stems and
excerpt offsets), so exporting the same project twice gives the same file. Besides the
standard elements, the project carries one note, :data:`PROJECT_NOTE`, holding the qcoder
codebook, the case and document metadata and the reviews REFI-QDA cannot express (an excerpt
a coder reviewed and found no code for) as YAML: other tools show it as a memo, and
``qcoder import qdpx`` reads it back to restore code ids, case ids, document stems and reviews.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from typing import Any

import yaml

from ...errors import QcoderError
from ...project.codebook import Codebook, codebook_to_dict
from ...store import refi as reads
from ...store.bulk import display_names
from ...store.database import Store
from .qdpx import (
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
    RefiUser,
    code_guid,
    codes_from_codebook,
    iter_codes,
    stable_guid,
)

PROJECT_NOTE = "qcoder project data"
PROJECT_NOTE_GUID = stable_guid("qcoder", "project data")
PROJECT_DATA_VERSION = 1
_NOTE_HEADER = ("# Written by qcoder: its codebook, the ids of cases and documents, and reviews "
                "without\n# codes (per document and coder, 'start-end' offsets of the excerpts), "
                "read back by\n# 'qcoder import qdpx'. Other tools can ignore this memo.\n")
_SPAN = re.compile(r"([0-9]+)-([0-9]+)")
# libyaml's emitter where PyYAML was built with it (the note's YAML is ten times faster)
_DUMPER = getattr(yaml, "CSafeDumper", yaml.SafeDumper)


def user_guid(coder: str) -> str:
    return stable_guid("coder", coder)


def case_guid(case_id: str) -> str:
    return stable_guid("case", case_id)


def source_guid(case_id: str, stem: str) -> str:
    return stable_guid("document", case_id, stem)


def selection_guid(case_id: str, stem: str, start: int, end: int) -> str:
    """Keyed by offsets: the same span of the same text keeps its GUID through a round trip."""
    return stable_guid("selection", case_id, stem, start, end)


def format_spans(spans: list[tuple[int, int]]) -> str:
    """Spans as the note writes them: ``"0-12 14-30"``."""
    return " ".join(f"{start}-{end}" for start, end in spans)


def parse_spans(text: object) -> list[tuple[int, int]] | None:
    """The spans of :func:`format_spans`, or ``None`` when ``text`` is not such a string."""
    if not isinstance(text, str):
        return None
    spans = []
    for item in text.split():
        m = _SPAN.fullmatch(item)
        if m is None or int(m[1]) >= int(m[2]):
            return None
        spans.append((int(m[1]), int(m[2])))
    return spans


def refi_codes(codebook: Codebook) -> list[RefiCode]:
    """The codebook as REFI codes; exclusive groups are folders (not codable) as in qcoder."""
    codes = codes_from_codebook(codebook)
    groups = {code_guid(c.id) for c in codebook.exclusive_groups()}
    for code, _ in iter_codes(codes):
        code.codable = code.guid not in groups
    return codes


@dataclass
class QdpxExport:
    """A project ready for :func:`qcoder.exchange.refi.qdpx.write_qdpx`, with what it holds."""

    project: RefiProject
    coders: list[str] = field(default_factory=list)
    codes: int = 0
    cases: int = 0
    documents: int = 0
    excerpts: int = 0
    codings: int = 0
    memos: int = 0
    reviews: int = 0  # reviews without an exported coding, carried in the note
    codings_skipped: int = 0  # on orphaned excerpts or codes

    def to_dict(self) -> dict[str, Any]:
        return {k: v for k, v in self.__dict__.items() if k != "project"}


def export_project(store: Store, name: str, coders: list[str] | None = None) -> QdpxExport:
    """Users (coders), codebook, cases, every active document's text, and every excerpt
    that has codings or memos of the chosen ``coders`` (default: all) as a selection."""
    known = store.coders()
    chosen = sorted(known) if not coders else sorted(set(coders))
    unknown = [c for c in chosen if c not in known]
    if unknown:
        raise QcoderError(f"unknown coder(s) {', '.join(unknown)}; known coders: "
                          f"{', '.join(known) or 'none yet'}")
    codebook = store.codebook()
    out = QdpxExport(project=RefiProject(name=name), coders=chosen, codes=len(codebook))
    project = out.project
    shown = display_names(store.conn)  # the names other tools wrote, where they differ
    project.users = [RefiUser(user_guid(c), shown.get(c, c)) for c in chosen]
    project.codes = refi_codes(codebook)
    sources, cases = _sources(store, project)
    out.cases, out.documents = len(project.cases), len(sources)
    if chosen:
        _selections(store, chosen, sources, out)
        _reviews(store, chosen, sources, cases["documents"], out)
    project.notes = [RefiNote(PROJECT_NOTE_GUID, _project_data(codebook, cases),
                              name=PROJECT_NOTE)]
    return out


def _sources(store: Store, project: RefiProject
             ) -> tuple[dict[tuple[str, str], RefiSource], dict[str, Any]]:
    cases = {c["id"]: c for c in store.cases()}
    refi_cases = {cid: RefiCase(case_guid(cid), c["name"] or cid, c["description"] or "")
                  for cid, c in cases.items()}
    sources: dict[tuple[str, str], RefiSource] = {}
    documents: dict[str, Any] = {}
    rows = reads.documents_with_text(store)
    for case_id, stem, title, kind, date, attributes, text in rows:
        guid = source_guid(case_id, stem)
        sources[(case_id, stem)] = RefiSource(guid, stem, text)
        refi_cases[case_id].source_guids.append(guid)
        documents[guid] = {"case": case_id, "stem": stem, "title": title, "kind": kind,
                           "date": date, "attributes": json.loads(attributes or "{}")}
    project.sources = list(sources.values())
    project.cases = list(refi_cases.values())
    case_data = {case_guid(cid): {"id": cid, "name": c["name"], "description": c["description"],
                                  "attributes": c["attributes"]} for cid, c in cases.items()}
    return sources, {"cases": case_data, "documents": documents}


def _selections(store: Store, coders: list[str], sources: dict[tuple[str, str], RefiSource],
                out: QdpxExport) -> None:
    selections: dict[tuple[str, str, int, int], RefiSelection] = {}

    def selection(case_id: str, stem: str, start: int, end: int) -> RefiSelection:
        key = (case_id, stem, start, end)
        if key not in selections:
            selections[key] = RefiSelection(selection_guid(*key), start, end)
            sources[(case_id, stem)].selections.append(selections[key])
        return selections[key]

    rows = reads.coder_codings(store, coders)
    code_guids = {c: code_guid(c) for c in reads.code_ids(store)}
    user_guids = {c: user_guid(c) for c in coders}
    for case_id, stem, start, end, code_id, coder, memo, usable in rows:
        if not usable or (case_id, stem) not in sources:
            out.codings_skipped += 1
            continue
        sel = selection(case_id, stem, start, end)
        sel.codings.append(RefiCoding(code_guids[code_id], user_guids[coder], memo or ""))
        out.codings += 1
        out.memos += bool((memo or "").strip())
    rows = reads.coder_excerpt_memos(store, coders)
    for case_id, stem, start, end, coder, text in rows:
        if (case_id, stem) not in sources or not text.strip():
            continue
        sel = selection(case_id, stem, start, end)
        sel.notes.append(RefiNote(stable_guid("excerpt-memo", case_id, stem, start, end, coder),
                                  text, user_guid(coder),
                                  f"Memo by {coder} on {case_id}/{stem}"))
        out.memos += 1
    out.excerpts = len(selections)


def _reviews(store: Store, coders: list[str], sources: dict[tuple[str, str], RefiSource],
             documents: dict[str, Any], out: QdpxExport) -> None:
    """Reviews that no exported coding implies, as spans per coder in the documents' note
    entries: an excerpt reviewed with no code stays *absent*, not *missing*, on import."""
    coded = {(source.guid, sel.start, sel.end, c.user_guid) for source in sources.values()
             for sel in source.selections for c in sel.codings}
    rows = reads.coder_reviews(store, coders)
    spans: dict[str, dict[str, list[tuple[int, int]]]] = {}
    user_guids = {c: user_guid(c) for c in coders}
    for case_id, stem, start, end, coder in rows:
        source = sources.get((case_id, stem))
        if source is None or (source.guid, start, end, user_guids[coder]) in coded:
            continue
        spans.setdefault(source.guid, {}).setdefault(coder, []).append((start, end))
        out.reviews += 1
    for guid, by_coder in spans.items():
        documents[guid]["reviews"] = {c: format_spans(s) for c, s in by_coder.items()}


def _project_data(codebook: Codebook, metadata: dict[str, Any]) -> str:
    data = {"qcoder": PROJECT_DATA_VERSION, "codebook": codebook_to_dict(codebook), **metadata}
    return _NOTE_HEADER + yaml.dump(data, Dumper=_DUMPER, sort_keys=False, allow_unicode=True,
                                    width=100)
