"""``qcoder compare``: cross-case tables in the terminal, or as CSV, JSON or Markdown."""

from __future__ import annotations

import io
import sys
from pathlib import Path
from typing import Any

import click

from ..errors import QcoderError
from .base import State, cell, data_out, echo, pass_state, split_ids
from .root import cli

TABLES = ("groups", "cooccurrence", "framework", "distinctive")
MEASURES = {
    "matrix": ("count", "percent", "documents"),
    "groups": ("percent", "count"),
    "cooccurrence": ("count", "jaccard"),
}


@cli.command()
@click.option("--by", default="case", show_default=True, metavar="case|document|ATTRIBUTE",
              help="Columns: cases, documents, or a case or document attribute (kind, date, "
                   "region...; case.NAME or document.NAME when both have it).")
@click.option("--codes", metavar="ID,...", help="Only these codes and the codes under them.")
@click.option("--cases", metavar="ID,...", help="Only these cases.")
@click.option("--depth", type=int, metavar="N", help="Show codes down to N levels (1 = top).")
@click.option("--measure", type=click.Choice(["count", "percent", "documents", "jaccard"]),
              help="Cells: excerpts coded (count), % of the column's reviewed excerpts, "
                   "documents; with --cooccurrence count or jaccard.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "json", "md"]),
              default="table", show_default=True,
              help="csv starts with '#' lines (title, basis); md is a pipe table for papers.")
@click.option("--json", "as_json", is_flag=True, help="Same as --format json.")
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="File (default: stdout).")
@click.option("--coder", "coders", multiple=True, metavar="NAME",
              help="Count this coder's codings (repeat to pool several coders).")
@click.option("--consensus", is_flag=True, help="Count the consensus codings.")
@click.option("--pooled", is_flag=True,
              help="Pool every coder but consensus: coded (reviewed) if any of them did.")
@click.option("--groups", is_flag=True,
              help="Exclusive groups: each child's share per column (rows sum to 100%).")
@click.option("--cooccurrence", is_flag=True, help="Codes applied to the same excerpt.")
@click.option("--per-case", is_flag=True, help="With --cooccurrence: each column as well.")
@click.option("--limit", type=int, metavar="N", help="With --cooccurrence: the N first pairs.")
@click.option("--framework", is_flag=True,
              help="Framework matrix: cases x codes with exemplar excerpts.")
@click.option("--top", type=int, default=2, show_default=True,
              help="With --framework: exemplars per cell.")
@click.option("--distinctive", is_flag=True,
              help="Codes over- or under-represented in a column against the others.")
@click.option("--alpha", type=float, default=0.05, show_default=True,
              help="With --distinctive: false-discovery rate (Benjamini-Hochberg q).")
@click.option("--all", "everything", is_flag=True,
              help="With --distinctive: list every code, not only the distinctive ones.")
@pass_state
def compare(state: State, by: str, codes: str | None, cases: str | None, depth: int | None,
            measure: str | None, fmt: str, as_json: bool, output: str | None,
            coders: tuple[str, ...], consensus: bool, pooled: bool, groups: bool,
            cooccurrence: bool, per_case: bool, limit: int | None, framework: bool, top: int,
            distinctive: bool, alpha: float, everything: bool) -> None:
    """Set the cases side by side: codes x cases (default), or another table.

    Parent codes roll up their children (an excerpt counts once). Percentages are of the
    column's reviewed excerpts. Whose codings count is printed with every table: the
    consensus where the project has one, else all coders pooled, unless --coder,
    --consensus or --pooled says otherwise.
    """
    from .. import compare as cmp

    chosen = [name for name, on in zip(TABLES, (groups, cooccurrence, framework, distinctive),
                                       strict=True) if on]
    if len(chosen) > 1:
        raise QcoderError("choose one of --groups, --cooccurrence, --framework, --distinctive")
    table = chosen[0] if chosen else "matrix"
    measure = _measure(table, measure)
    fmt = "json" if as_json else fmt
    store = state.store()
    basis = cmp.resolve_basis(store, list(coders), consensus, pooled)
    if state.coder and set(basis.coders) - {state.coder}:
        from ..rounds import refuse_if_blind

        refuse_if_blind(store, state.coder, "compare")
    code_ids, case_ids = split_ids(codes), split_ids(cases)
    results: list[Any]
    if table == "groups":
        book = store.codebook()
        names = [g.id for g in book.exclusive_groups()
                 if not code_ids or g.id in code_ids or set(code_ids) & set(g.children)]
        if not names:
            raise QcoderError("no exclusive group to show; the codebook has none"
                              + (" among --codes" if code_ids else ""))
        results = [cmp.exclusive_distribution(store, basis, g, by, case_ids) for g in names]
        texts = [r.table(measure) for r in results]
    elif table == "cooccurrence":
        results = [cmp.cooccurrence(store, basis, by, code_ids, case_ids, depth)]
        texts = [results[0].table(measure, per_case, limit)]
    elif table == "framework":
        if not code_ids and depth is None:
            depth = 1
        results = [cmp.framework_matrix(store, basis, by, code_ids, case_ids, depth, top)]
        texts = [results[0].long_table() if fmt == "csv" else results[0].table()]
    else:
        matrix = cmp.code_case_matrix(store, basis, by, code_ids, case_ids, depth)
        if table == "distinctive":
            results = [cmp.distinctive_codes(matrix, alpha)]
            texts = [results[0].table(everything)]
        else:
            results, texts = [matrix], [matrix.table(measure)]
    _emit(results, texts, fmt, output)


def _measure(table: str, measure: str | None) -> str | None:
    allowed = MEASURES.get(table)
    if measure is None:
        return allowed[0] if allowed else None
    if not allowed or measure not in allowed:
        flag = "" if table == "matrix" else f" with --{table}"
        raise QcoderError(f"--measure {measure} does not apply{flag}; use "
                          f"{', '.join(allowed) if allowed else 'no --measure'}")
    return measure


def _emit(results: list[Any], texts: list[Any], fmt: str, output: str | None) -> None:
    if fmt == "json":
        import json

        data = results[0].to_dict() if len(results) == 1 else \
            {"groups": [r.to_dict() for r in results]}
        text = json.dumps(data, indent=2, ensure_ascii=False, default=str) + "\n"
    elif fmt in ("csv", "md"):
        text = "\n".join(t.to_csv() if fmt == "csv" else t.to_markdown() for t in texts)
    elif output is None:
        for t in texts:
            _print_rich(t, sys.stdout)
        return
    else:
        buffer = io.StringIO()
        for t in texts:
            _print_rich(t, buffer, width=200, safe=False)
        text = buffer.getvalue()
    if output is None:
        data_out(text)
    else:
        _write(output, text)


def _print_rich(table: Any, out: Any, width: int | None = None, safe: bool = True) -> None:
    """A comparison table fitted to the terminal (numbers never cut, see :mod:`.render`);
    user text is never markup, and on standard output (``safe``) its control characters are
    made visible (a file keeps them)."""
    from rich.console import Console
    from rich.text import Text

    from .render import looks_numeric, output_width, print_fitted

    def show(value: str) -> Text:
        return cell(value) if safe else Text(value)

    rows = [["" if v is None else str(v) for v in row] for row in table.rows]
    numeric = [looks_numeric([r[i] for r in table.rows]) for i in range(len(table.header))]
    prose = any("\n" in v for row in rows for v in row)
    if width is None:
        width = output_width(out)
    if width is None and prose:
        width = 160  # piped: prose cells wrap at a readable width
    depths = table.depths or [0] * len(rows)
    for cells, depth in zip(rows, depths, strict=False):
        cells[0] = "  " * depth + cells[0]
    print_fitted(show(table.title) if table.title else None, table.header, rows, out,
                 numeric=numeric, width=width, show=show,
                 droppable=[i for i, name in enumerate(table.header) if name == "label"],
                 end_sections=[len(rows) - table.totals - 1], wider="--format csv")
    console = Console(file=out, soft_wrap=False, width=width or 1000, highlight=False)
    for line in (f"basis: {table.basis}", *table.notes):
        console.print(show(line), soft_wrap=True)
    console.print()


def _write(path: str, text: str) -> None:
    """Write the whole text at once through a temporary file (never half a table)."""
    target = Path(path)
    tmp = target.with_name(target.name + ".tmp")
    try:
        tmp.write_text(text, encoding="utf-8", newline="")
        tmp.replace(target)
    except OSError as exc:
        tmp.unlink(missing_ok=True)
        raise QcoderError(f"{path}: cannot write ({exc.strerror}); check the folder") from None
    echo(f"{path}: written", err=True)
