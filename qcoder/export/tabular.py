"""Codings with their excerpt text, case, document and code path, as CSV or JSON, for work
in R, Stata or a spreadsheet. One row per coding (excerpt, code, coder)."""

from __future__ import annotations

import sys
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any, TextIO

from ..exchange import codings_csv
from ..project.codebook import Codebook
from ..safe_text import terminal_safe
from ..store.database import Store
from .appendix import select_cases, select_codes
from .atomic import ExportError, atomic_file

COLUMNS = ("excerpt", "case", "case_name", "document", "document_title", "paragraph",
           "start", "end", "page", "media_start", "media_end", "speaker", "section", "code",
           "code_label", "code_path", "coder", "coding_memo", "excerpt_memo", "time", "text")
PATH_SEPARATOR = " > "


def coding_rows(store: Store, codebook: Codebook | None = None,
                coders: Sequence[str] | None = None, code_ids: Sequence[str] | None = None,
                case_ids: Sequence[str] | None = None) -> Iterator[dict[str, Any]]:
    """Every coding of active excerpts and codes (optionally only some coders, codes and
    their subcodes, cases), ordered by case, document, paragraph, code and coder."""
    codebook = codebook or store.codebook()
    codes = set(select_codes(codebook, code_ids))
    cases = select_cases(store, case_ids)
    if coders:
        known = store.coders()
        for coder in coders:
            if coder not in known:
                raise ExportError(f"unknown coder '{coder}'; known coders: "
                                  f"{', '.join(known) or 'none yet'}")
    paths = {c: PATH_SEPARATOR.join(codebook.path_labels(c)) for c in codes}
    for row in store.coded_excerpts(coders or None, by_code=False):
        if row["code"] not in codes or row["case"] not in cases:
            continue
        yield {"excerpt": row["excerpt"], "case": row["case"], "case_name": cases[row["case"]],
               "document": row["document"], "document_title": row["title"],
               "paragraph": row["n"], "start": row["start"], "end": row["end"],
               "page": row["page"], "media_start": row["media_start"],
               "media_end": row["media_end"], "speaker": row["speaker"], "section": row["section"],
               "code": row["code"], "code_label": codebook[row["code"]].label,
               "code_path": paths[row["code"]], "coder": row["coder"],
               "coding_memo": row["memo"], "excerpt_memo": row["excerpt_memo"],
               "time": row["time"], "text": row["text"]}


def write_csv(rows: Iterable[dict[str, Any]], out: TextIO) -> int:
    """CSV with a header row; returns the number of codings written."""
    return codings_csv.write_csv(rows, out, COLUMNS)


def write_json(rows: Iterable[dict[str, Any]], out: TextIO, totals: dict[str, Any]) -> int:
    """``{"codings": [...], "total": N, ...totals}``, streamed one coding per line."""
    return codings_csv.write_json(rows, out, totals, COLUMNS)


def export_codings(store: Store, out: str | Path, fmt: str, *, bom: bool = False,
                   coders: Sequence[str] | None = None, code_ids: Sequence[str] | None = None,
                   case_ids: Sequence[str] | None = None) -> int:
    """Write codings to ``out`` ("-": standard output) as ``fmt`` ("csv" or "json"); a file is
    replaced only once it is complete. ``bom`` starts a CSV with a byte-order mark, which
    spreadsheet programs need to read UTF-8."""
    if fmt not in ("csv", "json"):
        raise ExportError(f"unknown format '{fmt}'; use csv or json")
    rows = coding_rows(store, None, coders, code_ids, case_ids)
    first = next(rows, None)  # check the options before a file is opened
    rows = _chain(first, rows)
    totals = {"coders": list(coders) if coders else store.coders()}
    if str(out) == "-":
        return _write(rows, terminal_safe(sys.stdout), fmt, totals)
    encoding = "utf-8-sig" if bom and fmt == "csv" else "utf-8"
    with atomic_file(out, "w", encoding=encoding, newline="") as fh:
        return _write(rows, fh, fmt, totals)


def _chain(first: dict[str, Any] | None, rest: Iterator[dict[str, Any]]
           ) -> Iterator[dict[str, Any]]:
    if first is not None:
        yield first
        yield from rest


def _write(rows: Iterable[dict[str, Any]], out: TextIO, fmt: str,
           totals: dict[str, Any]) -> int:
    return write_csv(rows, out) if fmt == "csv" else write_json(rows, out, totals)
