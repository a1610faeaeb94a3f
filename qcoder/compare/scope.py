"""The columns of a table (cases, documents, attribute values) and its rows (codes)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import QcoderError, did_you_mean
from ..project.codebook import Codebook
from ..store.database import Store

MEASURES = ("count", "percent", "documents")
NO_VALUE = "(none)"
DOCUMENT_FIELDS = ("kind", "date")




@dataclass(frozen=True)
class Column:
    """A column of a table (a case, a document or an attribute value) and its totals."""

    id: str
    label: str
    excerpts: int = 0
    reviewed: int = 0
    documents: int = 0

    def to_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


@dataclass(frozen=True)
class Scope:
    """What the columns are (``by``) and which column each document falls in."""

    by: str
    columns: tuple[Column, ...]
    document_column: dict[int, int]  # document id -> index into columns


def column_scope(store: Store, by: str = "case", cases: Sequence[str] | None = None) -> Scope:
    """Columns for ``by``: ``case``, ``document``, ``kind``, ``date``, or an attribute name
    (``case.NAME`` / ``document.NAME`` when both cases and documents have it)."""
    all_cases = store.cases()
    if cases:
        known = [c["id"] for c in all_cases]
        for case_id in cases:
            if case_id not in known:
                raise QcoderError(f"unknown case '{case_id}'; cases: {', '.join(known)}")
        all_cases = [c for c in all_cases if c["id"] in cases]
    chosen = {c["id"]: c for c in all_cases}
    docs = [d for d in store.documents() if d["case_id"] in chosen]
    if by == "case":
        columns = [(c["id"], c["name"] or c["id"]) for c in all_cases]
        index = {c: i for i, (c, _) in enumerate(columns)}
        return Scope(by, tuple(Column(i, label) for i, label in columns),
                     {d["id"]: index[d["case_id"]] for d in docs})
    if by == "document":
        columns = [(f"{d['case_id']}/{d['stem']}", d["title"] or d["stem"]) for d in docs]
        return Scope(by, tuple(Column(i, label) for i, label in columns),
                     {d["id"]: n for n, d in enumerate(docs)})
    source, name = _attribute(by, all_cases, docs)
    values = {}
    for d in docs:
        if source == "case":
            raw = chosen[d["case_id"]]["attributes"].get(name)
        elif name in DOCUMENT_FIELDS and source == "document-field":
            raw = d[name] or None
        else:
            raw = d["attributes"].get(name)
        values[d["id"]] = _value_text(raw)
    ordered = sorted(set(values.values()), key=_natural)
    index = {v: i for i, v in enumerate(ordered)}
    return Scope(by, tuple(Column(v, v) for v in ordered),
                 {doc: index[v] for doc, v in values.items()})


def _attribute(by: str, cases: list[dict], docs: list[dict]) -> tuple[str, str]:
    prefix, _, rest = by.partition(".")
    if rest and prefix in ("case", "document"):
        keys = {k for c in cases for k in c["attributes"]} if prefix == "case" else \
            {k for d in docs for k in d["attributes"]} | set(DOCUMENT_FIELDS)
        if rest not in keys:
            raise QcoderError(f"no {prefix} attribute '{rest}'; {prefix} attributes: "
                              f"{', '.join(sorted(keys)) or 'none'}")
        if prefix == "document" and rest in DOCUMENT_FIELDS:
            return "document-field", rest
        return prefix, rest
    if by in DOCUMENT_FIELDS:
        return "document-field", by
    in_cases = any(by in c["attributes"] for c in cases)
    in_docs = any(by in d["attributes"] for d in docs)
    if in_cases and in_docs:
        raise QcoderError(f"'{by}' is both a case and a document attribute; write "
                          f"--by case.{by} or --by document.{by}")
    if in_cases:
        return "case", by
    if in_docs:
        return "document", by
    case_keys = sorted({k for c in cases for k in c["attributes"]})
    doc_keys = sorted({k for d in docs for k in d["attributes"]} | set(DOCUMENT_FIELDS))
    raise QcoderError(f"unknown --by '{by}'; use case, document, a case attribute "
                      f"({', '.join(case_keys) or 'none'}) or a document attribute "
                      f"({', '.join(doc_keys)})")


def _value_text(raw: Any) -> str:
    if raw is None or raw == "":
        return NO_VALUE
    if isinstance(raw, list):
        return ", ".join(str(v) for v in raw) or NO_VALUE
    if isinstance(raw, bool):
        return "yes" if raw else "no"
    return str(raw)


def _natural(value: str) -> tuple:
    """Sort numbers by value, text by letters, the missing value last."""
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p.lower())
                  for p in re.split(r"(\d+)", value) if p)
    return (value == NO_VALUE, parts)




@dataclass(frozen=True)
class CodeRow:
    """A code shown as a row: rolled up over ``codes`` (itself and every code below it)."""

    id: str
    label: str
    depth: int
    parent: str | None
    exclusive: bool
    codes: tuple[str, ...]

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "label": self.label, "parent": self.parent,
                "depth": self.depth, "exclusive": self.exclusive}


def select_rows(book: Codebook, codes: Sequence[str] | None = None,
                depth: int | None = None) -> list[CodeRow]:
    """The codes to show, in codebook order: ``codes`` and everything below them (default
    all codes), down to ``depth`` levels (1 = top-level codes only)."""
    if depth is not None and depth < 1:
        raise QcoderError(f"--depth {depth}: give 1 (top-level codes) or more")
    wanted: set[str] | None = None
    if codes:
        wanted = set()
        for code_id in codes:
            if code_id not in book:
                fix = did_you_mean(code_id, book.codes, "see 'qcoder codebook check'")
                raise QcoderError(f"unknown code '{code_id}'; {fix}")
            wanted |= {code_id, *book.descendants(code_id)}
    rows = []
    for code in book:
        if wanted is not None and code.id not in wanted:
            continue
        if depth is not None and code.depth >= depth:
            continue
        rows.append(CodeRow(code.id, code.label, code.depth, code.parent, code.exclusive,
                            (code.id, *book.descendants(code.id))))
    return rows


def needed_codes(rows: Sequence[CodeRow]) -> list[str]:
    return sorted({c for r in rows for c in r.codes})
