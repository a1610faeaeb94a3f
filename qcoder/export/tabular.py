"""Codings with their excerpt text, case, document and code path, as CSV or JSON, for work
in R, Stata or a spreadsheet. One row per coding (excerpt, code, coder); with ``reviews``
also one row per excerpt a coder reviewed without a code (code columns empty), so that
denominators and agreement can be rebuilt from the file alone."""

from __future__ import annotations

import heapq
import sys
from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..exchange import codings_csv
from ..project.codebook import Codebook
from ..project.corpus import number_text
from ..safe_text import terminal_safe
from ..store.database import CONSENSUS, Store
from .appendix import select_cases, select_codes
from .atomic import ExportError, atomic_file

COLUMNS = ("excerpt", "case", "case_name", "document", "document_title", "document_kind",
           "document_date", "paragraph", "start", "end", "page", "media_start", "media_end",
           "speaker", "section", "code", "code_label", "code_path", "code_parent", "code_level",
           "coder", "coding_memo", "excerpt_memo", "time", "text")
ATTRIBUTE_PREFIX = "case_attr_"  # one column per case attribute: case_attr_region, ...
PATH_SEPARATOR = " > "


def attribute_columns(store: Store, case_ids: Sequence[str] | None = None) -> list[str]:
    """A column per attribute any chosen case has, in order of first appearance."""
    cases = select_cases(store, case_ids)
    keys: dict[str, None] = {}
    for case in store.cases():
        if case["id"] in cases:
            keys.update(dict.fromkeys(str(k) for k in case["attributes"]))
    return [ATTRIBUTE_PREFIX + k for k in keys]


def coding_rows(store: Store, codebook: Codebook | None = None,
                coders: Sequence[str] | None = None, code_ids: Sequence[str] | None = None,
                case_ids: Sequence[str] | None = None, reviews: bool = False,
                progress: Callable[[int, int], None] | None = None
                ) -> Iterator[dict[str, Any]]:
    """Every coding of active excerpts and codes (optionally only some coders, codes and
    their subcodes, cases), ordered by case, document, paragraph, code and coder; the
    consensus coder only when named in ``coders``. ``reviews`` adds a row for each excerpt a
    coder reviewed without a code (after the codings of the same excerpt). ``progress(done,
    total)`` is called as each case is reached, in cases."""
    from ..store.reports import document_details, reviews_without_code

    codebook = codebook or store.codebook()
    codes = set(select_codes(codebook, code_ids))
    cases = select_cases(store, case_ids)
    known = store.coders()
    if coders:
        for coder in coders:
            if coder not in known:
                raise ExportError(f"unknown coder '{coder}'; known coders: "
                                  f"{', '.join(known) or 'none yet'}")
    chosen = list(coders) if coders else [c for c in known if c != CONSENSUS]
    attributes = {c["id"]: c["attributes"] for c in store.cases()}
    columns = attribute_columns(store, case_ids)
    details = document_details(store)
    paths = {c: PATH_SEPARATOR.join(codebook.path_labels(c)) for c in codes}
    position = {case: i for i, case in enumerate(cases)}
    coded = (r for r in (store.coded_excerpts(chosen, by_code=False) if chosen else ())
             if r["code"] in codes and r["case"] in cases)
    rows: Iterable[dict[str, Any]] = coded
    if reviews:
        empty = (r for r in (reviews_without_code(store, chosen) if chosen else ())
                 if r["case"] in cases)
        rows = heapq.merge(coded, empty,
                           key=lambda r: (position[r["case"]], r["document"], r["start"],
                                          r["n"] < 0, r["n"]))
    current = None
    for row in rows:
        if progress and row["case"] != current:
            current = row["case"]
            progress(position[current], len(cases))
        code = row["code"]
        kind, when = details.get((row["case"], row["document"]), ("", ""))
        out = {"excerpt": row["excerpt"], "case": row["case"], "case_name": cases[row["case"]],
               "document": row["document"], "document_title": row["title"],
               "document_kind": kind, "document_date": when,
               "paragraph": row["n"] if row["n"] > 0 else number_text(row["n"]),
               "start": row["start"], "end": row["end"],
               "page": row["page"], "media_start": row["media_start"],
               "media_end": row["media_end"], "speaker": row["speaker"], "section": row["section"],
               "code": code, "code_label": codebook[code].label if code else "",
               "code_path": paths[code] if code else "",
               "code_parent": (codebook[code].parent or "") if code else "",
               "code_level": codebook[code].depth + 1 if code else "",
               "coder": row["coder"], "coding_memo": row["memo"],
               "excerpt_memo": row["excerpt_memo"], "time": row["time"],
               "text": row["text"]}
        case_attributes = attributes.get(row["case"], {})
        for column in columns:
            value = case_attributes.get(column[len(ATTRIBUTE_PREFIX):], "")
            out[column] = "; ".join(map(str, value)) if isinstance(value, list) else value
        yield out
    if progress:
        progress(len(cases), len(cases))


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO,
              columns: Sequence[str] = COLUMNS) -> int:
    """CSV with a header row; returns the number of rows written."""
    return codings_csv.write_csv(rows, out, tuple(columns))


def write_json(rows: Iterable[dict[str, Any]], out: TextIO, totals: dict[str, Any],
               columns: Sequence[str] = COLUMNS) -> int:
    """``{"codings": [...], "total": N, ...totals}``, streamed one coding per line."""
    return codings_csv.write_json(rows, out, totals, tuple(columns))


def export_codings(store: Store, out: str | Path, fmt: str, *, bom: bool = False,
                   coders: Sequence[str] | None = None, code_ids: Sequence[str] | None = None,
                   case_ids: Sequence[str] | None = None, reviews: bool = False,
                   progress: Callable[[int, int], None] | None = None) -> int:
    """Write codings to ``out`` ("-": standard output) as ``fmt`` ("csv" or "json"); a file is
    replaced only once it is complete. ``bom`` starts a CSV with a byte-order mark, which
    spreadsheet programs need to read UTF-8. ``reviews`` adds the reviews without a code."""
    if fmt not in ("csv", "json"):
        raise ExportError(f"unknown format '{fmt}'; use csv or json")
    rows = coding_rows(store, None, coders, code_ids, case_ids, reviews, progress)
    first = next(rows, None)  # check the options before a file is opened
    rows = _chain(first, rows)
    columns = [*COLUMNS, *attribute_columns(store, case_ids)]
    totals = {"coders": list(coders) if coders else [c for c in store.coders()
                                                     if c != CONSENSUS]}
    if str(out) == "-":
        return _write(rows, terminal_safe(sys.stdout), fmt, totals, columns)
    encoding = "utf-8-sig" if bom and fmt == "csv" else "utf-8"
    with atomic_file(out, "w", encoding=encoding, newline="") as fh:
        return _write(rows, fh, fmt, totals, columns)


def _chain(first: dict[str, Any] | None, rest: Iterator[dict[str, Any]]
           ) -> Iterator[dict[str, Any]]:
    if first is not None:
        yield first
        yield from rest


def _write(rows: Iterable[dict[str, Any]], out: TextIO, fmt: str,
           totals: dict[str, Any], columns: Sequence[str]) -> int:
    return (write_csv(rows, out, columns) if fmt == "csv"
            else write_json(rows, out, totals, columns))
