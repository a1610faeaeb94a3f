"""Project commands: import, status, codebook check, codings import/export, the workbench."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TextIO

import click

from ..errors import QcoderError
from ..safe_text import terminal_safe
from .base import State, echo, emit_json, force_option, pass_state, print_table
from .progress import progress_bar
from .root import cli
from .root import open_workbench as run_workbench


@cli.group("import", cls=click.Group, invoke_without_command=True)
@click.option("--allow-orphans", is_flag=True,
              help="Accept a codebook that drops codes with codings (the codings are kept).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@click.pass_context
def import_group(ctx: click.Context, allow_orphans: bool, as_json: bool) -> None:
    """Load or refresh the codebook, the cases and codings/*.csv (safe to repeat)."""
    if ctx.invoked_subcommand is not None:
        return
    from ..importer import import_project
    from .progress import progress_bars

    state: State = ctx.obj
    with progress_bars(as_json) as bars:
        report = import_project(state.project(), state.store(auto_import=False), allow_orphans,
                                bars.task("reading cases"), bars.task("storing documents"))
    if as_json:
        emit_json(report.to_dict())
        return
    echo(f"{report.cases} cases, {report.documents} documents, {report.excerpts} "
               f"excerpts, {report.codes} codes")
    changes = []
    if report.codebook_changed:
        changes.append(f"codebook: {', '.join(report.codebook_changed)} changed")
    if report.codes_added or report.codes_changed or report.codes_removed:
        edited = [f"{code} ({', '.join(fields)})"
                  for code, fields in list(report.codes_changed.items())[:5]]
        changes.append(f"codes: {report.codes_added} added, {len(report.codes_changed)} "
                       f"changed, {report.codes_removed} removed"
                       + (f": {'; '.join(edited)}" if edited else "")
                       + (", ..." if len(report.codes_changed) > 5 else ""))
    if report.documents_added or report.documents_updated or report.documents_removed:
        changes.append(f"documents: {report.documents_added} added, {report.documents_updated} "
                       f"changed, {report.documents_removed} removed")
    if report.excerpts_added:
        changes.append(f"excerpts: {report.excerpts_added} new")
    for name, added in report.seed_files:
        changes.append(f"codings/{name}: {added} codings imported")
    if not changes:
        changes.append("nothing changed")
    for line in changes:
        echo(f"  {line}")
    if report.excerpts_orphaned:
        echo(f"warning: {report.excerpts_orphaned} excerpts changed or vanished; "
                   f"{report.codings_orphaned} codings on them are kept as orphaned"
                   + (f" ({', '.join(report.orphaned_refs[:5])}"
                      f"{', ...' if len(report.orphaned_refs) > 5 else ''})"
                      if report.orphaned_refs else ""), err=True)
    if report.excerpts_ambiguous:
        refs = report.ambiguous_refs
        echo(f"warning: {report.excerpts_ambiguous} of them repeat a text that is still "
                   "in their document, and their neighbours do not tell which one is which: "
                   "kept as orphaned rather than moved to another paragraph "
                   f"({', '.join(refs[:5])}{', ...' if len(refs) > 5 else ''})", err=True)
    if report.exclusive_conflicts:
        echo(f"warning: {report.exclusive_conflicts} excerpt/coder pairs hold two codes of a "
             "group that is now exclusive; open them and keep one:", err=True)
        for line in report.exclusive_conflict_examples:
            echo(f"  {line}", err=True)
    for code_id, count in report.codes_orphaned.items():
        echo(f"warning: code '{code_id}' left the codebook; its {count} codings are kept "
                   "as orphaned", err=True)
    for warning in report.warnings:
        echo(f"warning: {warning}", err=True)


@cli.command()
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@pass_state
def init(state: State, folder: str | None) -> None:
    """Start a project in FOLDER (default: --project or the current folder): codebooks/ with
    a commented example codebook, and cases/. Refuses a folder that already is a project."""
    from ..project.init import init_project

    root = Path(folder or state.project_dir or ".")
    created = init_project(root)
    for path in created:
        echo(f"created {path}{'/' if path.is_dir() else ''}")
    echo("next: edit the codebook, put documents in cases/<case-id>/, then run "
         "'qcoder import' and 'qcoder' to code")


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def status(state: State, as_json: bool) -> None:
    """Cases, documents, excerpts, codes, coders and each coder's progress per case."""
    store = state.store()
    totals = store.counts()
    # A coder with nothing stored (consensus after its one decision was undone) is no column.
    coder_names = store.working_coders()
    totals["coders"] = len(coder_names)
    progress = [p for p in store.progress() if p["coder"] in coder_names]
    cases = store.cases()
    docs = store.documents()
    per_case = {c["id"]: {"documents": 0, "excerpts": 0, "spans": 0} for c in cases}
    for d in docs:
        per_case[d["case_id"]]["documents"] += 1
        per_case[d["case_id"]]["excerpts"] += d["excerpts"]
        per_case[d["case_id"]]["spans"] += d["spans"]
    from ..stamps import stale_definitions

    stale = stale_definitions(store, store.codebook())
    if as_json:
        coders: dict[str, dict] = {}
        for p in progress:
            entry = coders.setdefault(p["coder"], {"coder": p["coder"], "reviewed": 0,
                                                   "total": 0, "cases": []})
            entry["reviewed"] += p["reviewed"]
            entry["total"] += p["total"]
            entry["cases"].append({"case": p["case"], "reviewed": p["reviewed"],
                                   "total": p["total"], "percent": _pct(p["reviewed"],
                                                                         p["total"])})
        for entry in coders.values():
            entry["percent"] = _pct(entry["reviewed"], entry["total"])
        emit_json({
            "project": str(state.project().root.name),
            "codebook": {"name": store.meta("codebook_name"),
                         "version": store.meta("codebook_version")},
            **totals,
            "by_case": [{"case": c["id"], "name": c["name"], **per_case[c["id"]]}
                        for c in cases],
            "by_coder": list(coders.values()),
            "stale_codings": [{"code": c, "codings": n} for c, n in stale.items()],
        })
        return
    echo(f"{store.meta('codebook_name')} (codebook version {store.meta('codebook_version')})")
    # spans (selection excerpts) are said apart from the paragraphs, when there are any
    spans = f"{totals['spans']} spans, " if totals["spans"] else ""
    echo(f"{totals['cases']} cases, {totals['documents']} documents, {totals['excerpts']} "
         f"excerpts, {spans}{totals['codes']} codes, {totals['coders']} coders, "
         f"{totals['codings']} codings")
    if totals["orphaned_codings"]:
        echo(f"{totals['orphaned_codings']} orphaned codings are kept "
                   "(their excerpt or code changed)")
    rows = []
    for c in cases:
        row = [c["id"], per_case[c["id"]]["documents"], per_case[c["id"]]["excerpts"]]
        if totals["spans"]:
            row.append(per_case[c["id"]]["spans"])
        for name in coder_names:
            p = next(p for p in progress if p["coder"] == name and p["case"] == c["id"])
            row.append(f"{p['reviewed']}/{p['total']}")
        rows.append(row)
    print_table(None, ["case", "documents", "excerpts", *(["spans"] if spans else []),
                       *coder_names], rows)
    for code_id, count in stale.items():
        click.echo(f"{count} codings of {code_id} were made under an earlier definition "
                   "(its definition, include or exclude changed since)")


def _pct(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


@cli.group()
def codebook() -> None:
    """Check the codebook."""


@codebook.command("check")
@click.argument("file", required=False, type=click.Path(dir_okay=False))
@pass_state
def codebook_check(state: State, file: str | None) -> None:
    """Lint a codebook (default: the project's) and print FILE:LINE: problems.

    Exits 1 on any problem. A missing definition does not stop `qcoder import` (coding can
    start while definitions are written) but it fails this check.
    """
    from ..project.codebook import lint_codebook

    path = Path(file) if file else state.project().codebook_path()
    book, problems = lint_codebook(path)
    for problem in problems:
        echo(str(problem))
    if problems or book is None:
        echo(f"{len(problems)} problem(s) in {path}", err=True)
        sys.exit(1)
    groups = len(book.exclusive_groups())
    echo(f"{path}: OK: {len(book)} codes, {groups} exclusive group(s), "
               f"{len(book.by_key())} keys")


@cli.group()
def codings() -> None:
    """Import and export codings as CSV or JSON."""


@codings.command("import")
@click.argument("file", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True)
@pass_state
def codings_import(state: State, file: str, as_json: bool) -> None:
    """Import FILE.csv with header excerpt,code,coder[,memo] (all rows or none).

    Optional start,end (code points of the document's plain text, 0-based, end exclusive)
    or quote (exact text inside the named excerpt) code a span: the excerpt with those
    offsets, else a new selection excerpt (case/stem#sK)."""
    from ..exchange.codings_csv import import_codings

    store = state.store()
    with progress_bar("reading codings", as_json) as advance:
        result = import_codings(store, store.codebook(), file, progress=advance)
    if as_json:
        emit_json(result.to_dict())
        return
    echo(f"{file}: {result.rows} rows, {result.codings_added} new codings, "
               f"{result.reviews_added} new reviews, coders: {', '.join(result.coders) or '-'}")


@codings.command("export")
@click.option("--coder", "only", metavar="NAME", help="Only this coder's codings.")
@click.option("--format", "fmt", type=click.Choice(["csv", "json"]), default="csv",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File (default: stdout).")
@click.option("--include-orphans", is_flag=True,
              help="Also codings on vanished excerpts, with columns quote and orphaned.")
@force_option
@pass_state
def codings_export(state: State, only: str | None, fmt: str, output: str | None,
                   include_orphans: bool, force: bool) -> None:
    """Write codings: excerpt,code,coder,memo then excerpt_memo,case,document,start,end,
    page,media_start,media_end,time (re-importable; memo is the coding's memo, excerpt_memo
    the coder's memo on the excerpt; start,end the excerpt's code points in the document).

    With --include-orphans two more columns: quote (the excerpt's text) and orphaned
    (yes/no); 'qcoder codings import' puts an orphaned coding back only on an excerpt that
    has its quote, never by its old number alone.
    """
    from ..exchange.codings_csv import EXPORT_COLUMNS, ORPHAN_COLUMNS, write_csv, write_json
    from ..export.atomic import atomic_file

    if output:
        state.check_output(output, force)
    state.own_coders("codings export", only)
    store = state.store()
    if only is not None and only not in store.coders():
        known = ", ".join(store.coders()) or "none yet"
        raise QcoderError(f"unknown coder '{only}'; known coders: {known}")
    rows = store.iter_codings(only, include_orphans)
    columns = EXPORT_COLUMNS + ORPHAN_COLUMNS if include_orphans else EXPORT_COLUMNS
    if include_orphans and fmt == "csv":
        rows = ({**r, "orphaned": "yes" if r["orphaned"] else "no"} for r in rows)

    def write(out: TextIO) -> int:
        if fmt == "csv":
            return write_csv(rows, out, columns)
        return write_json(rows, out, {"coders": [only] if only else store.coders()}, columns)

    if not output:
        write(terminal_safe(sys.stdout))
        return
    with progress_bar("codings written") as advance:
        if advance is not None:
            rows = _counted(rows, advance, store.count_export_rows(only, include_orphans))
        with atomic_file(output, "w", encoding="utf-8", newline="") as fh:
            count = write(fh)
    echo(f"{output}: {count} codings", err=True)


def _counted(rows: Iterator[dict], advance: Callable[[int, int], None], total: int,
             every: int = 5000) -> Iterator[dict]:
    """``rows``, calling ``advance(done, total)`` every ``every`` rows and at the end."""
    done = 0
    for done, row in enumerate(rows, 1):
        if done % every == 0:
            advance(done, total)
        yield row
    advance(done, max(total, done))


@cli.command("tui", hidden=True)
@pass_state
def open_workbench(state: State) -> None:
    """Open the coding workbench."""
    run_workbench(state)
