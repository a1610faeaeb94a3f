"""Export commands: the ``qcoder export`` group (Word appendices, CSV/JSON codings)."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .base import State, echo, emit_json, force_option, pass_state, split_ids
from .progress import progress_bar, progress_bars
from .root import cli


@cli.group("export")
def export_group() -> None:
    """Export codings, reports and copies of the project."""


def _many(values: tuple[str, ...]) -> list[str] | None:
    """``--coder a --coder b,c`` → ``["a", "b", "c"]``."""
    out = [name for value in values for name in split_ids(value) or []]
    return out or None


@export_group.command("docx")
@click.argument("out", metavar="OUT.docx", type=click.Path(dir_okay=False))
@click.option("--sections", metavar="LIST",
              help="Appendices to write, comma-separated: codebook, sources, excerpts, "
                   "agreement, comparison, memos (default: all that have data but memos).")
@click.option("--excerpts", "excerpt_mode", type=click.Choice(["all", "once", "exemplars"]),
              default="all", show_default=True,
              help="Every excerpt under each of its codes, each excerpt once with all its "
                   "codes, or only the framework matrix's exemplars.")
@click.option("--memos", is_flag=True, help="Add an appendix of the memos on excerpts and "
                                            "codings.")
@click.option("--allow-open", is_flag=True,
              help="Export --consensus although disagreements are still open (the appendix "
                   "says how many).")
@click.option("--codes", metavar="IDS", help="Only these codes (and the codes below them).")
@click.option("--cases", metavar="IDS", help="Only these cases.")
@click.option("--coder", "coders", metavar="NAME", multiple=True,
              help="Show these coders' codings, pooled (repeat or comma-separate).")
@click.option("--consensus", is_flag=True, help="Show the consensus codings.")
@click.option("--pooled", is_flag=True,
              help="Show every coder's codings, each excerpt once with who applied the code.")
@click.option("--template", metavar="FILE.docx", type=click.Path(dir_okay=False),
              help="A Word document or template whose styles and page setup to use.")
@click.option("--date", metavar="YYYY-MM-DD",
              help="Date on the title page and in the file's properties (default: today).")
@click.option("--bootstrap", type=click.IntRange(min=0), default=1000, show_default=True,
              metavar="N", help="Resamples for the agreement intervals (0: no intervals); "
                                "the same as 'qcoder agreement --bootstrap N'.")
@click.option("--figures/--no-figures", default=True, show_default=True,
              help="Each figure after its table (as 'qcoder export figures' draws them), "
                   "numbered, with alternative text.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@force_option
@pass_state
def export_docx(state: State, out: str, sections: str | None, codes: str | None,
                cases: str | None, coders: tuple[str, ...], consensus: bool, pooled: bool,
                template: str | None, date: str | None, bootstrap: int, as_json: bool,
                force: bool, excerpt_mode: str, memos: bool, allow_open: bool,
                figures: bool) -> None:
    """Write Word appendices: codebook, coded excerpts by code and case, intercoder agreement
    and cross-case comparison.

    By default the excerpts are the consensus codings when there are any, otherwise every
    coder's codings pooled; an unfinished consensus is stated on the title page and in every
    note, and --consensus refuses it without --allow-open. The same project and --date give
    the same file, byte for byte.
    """

    from ..export.appendix import check_date, describe_basis, gather, resolve_basis
    from ..export.docx import write_docx

    state.own_coders("export docx", coders or consensus or pooled)
    state.check_output(out, force)
    store = state.store()
    day = check_date(date)
    basis = resolve_basis(store, _many(coders), consensus, pooled)
    wanted = split_ids(sections)
    command = _command_line(click.get_current_context(), Path(out).name)
    with progress_bars(as_json) as bars:
        appendix = gather(store, project=state.project().root.name, sections=wanted,
                          code_ids=split_ids(codes), case_ids=split_ids(cases), basis=basis,
                          date=day, bootstrap=bootstrap, excerpts=excerpt_mode, memos=memos,
                          allow_open=allow_open or not consensus, command=command,
                          figures=figures, progress=bars.task("appendices gathered"))
        write_docx(appendix, out, template, bars.task("appendices written"))
    excerpts = appendix.excerpts or []
    written = [name for name, part in (("codebook", appendix.codebook),
                                       ("sources", appendix.sources),
                                       ("excerpts", appendix.excerpts),
                                       ("agreement", appendix.agreement),
                                       ("comparison", appendix.comparison),
                                       ("memos", appendix.memos)) if part is not None]
    summary = {
        "file": out,
        "bytes": Path(out).stat().st_size,
        "sections": written,
        "codes": len(appendix.codebook.rows) if appendix.codebook else len(excerpts),
        "excerpts": appendix.excerpt_count,
        "appearances": sum(s.excerpts for s in excerpts),
        "codings": sum(s.codings for s in excerpts),
        "basis": describe_basis(appendix.basis),
        "consensus": appendix.consensus or None,
        "figures": sum(len(t.figures) for part in (appendix.sources, appendix.agreement,
                                                   appendix.comparison) for t in part or []),
    }
    if as_json:
        emit_json(summary)
    else:
        echo(f"{out}: {', '.join(written) or 'title page only'}; {summary['codes']} codes, "
                   f"{summary['excerpts']} excerpts ({summary['codings']} codings, "
                   f"{describe_basis(appendix.basis)}); {summary['bytes']:,} bytes")
        if appendix.consensus:
            echo(f"consensus: {appendix.consensus}")
    for name in wanted or []:
        if name not in written:
            echo(f"warning: no {name} appendix: "
                       f"{appendix.notes.get(name) or 'nothing to show'}", err=True)


def _command_line(ctx: click.Context, out: str) -> str:
    """The command as it could be typed again: the options that differ from their defaults
    (the output file by name only)."""
    import shlex

    words = ["qcoder", "export", str(ctx.info_name), out]
    for param in ctx.command.params:
        if not isinstance(param, click.Option) or param.name in (None, "as_json", "force"):
            continue
        value = ctx.params.get(param.name)
        if value in (None, False, ()) or value == param.default:
            continue
        flag = max(param.opts, key=len)
        if param.is_flag:
            words.append(flag)
        else:
            for item in value if isinstance(value, tuple) else (value,):
                words += [flag, Path(item).name if isinstance(param.type, click.Path)
                          else str(item)]
    return shlex.join(words)


def _tabular_command(fmt: str) -> click.Command:
    @click.argument("out", metavar=f"OUT.{fmt}", type=click.Path(dir_okay=False,
                                                                 allow_dash=True))
    @click.option("--coder", "coders", metavar="NAME", multiple=True,
                  help="Only these coders' codings (repeat or comma-separate; default every "
                       "coder but consensus; 'consensus' for the consensus).")
    @click.option("--codes", metavar="IDS", help="Only these codes (and the codes below them).")
    @click.option("--cases", metavar="IDS", help="Only these cases.")
    @click.option("--reviews", is_flag=True,
                  help="Add a row (code columns empty) for each excerpt a coder reviewed "
                       "without a code, so denominators and agreement can be rebuilt.")
    @force_option
    @pass_state
    def command(state: State, out: str, coders: tuple[str, ...], codes: str | None,
                cases: str | None, force: bool, **extra: bool) -> None:
        from ..export.tabular import export_codings

        state.check_output(out, force)
        state.own_coders(f"export {fmt}", coders)
        with progress_bar("cases written", out == "-" and sys.stdout.isatty()) as advance:
            count = export_codings(state.store(), out, fmt, coders=_many(coders),
                                   code_ids=split_ids(codes), case_ids=split_ids(cases),
                                   progress=advance, **extra)
        if out != "-":
            echo(f"{out}: {count} {'rows' if extra.get('reviews') else 'codings'}", err=True)

    command.__doc__ = (f"Write every coding as {fmt.upper()} with its excerpt text, offsets, "
                       "case and its attributes, document (kind, date) and code path, parent "
                       "and level (OUT '-': standard output).")
    if fmt == "csv":
        command = click.option("--bom", is_flag=True,
                               help="Start with a byte-order mark (for Excel).")(command)
    return export_group.command(fmt)(command)


export_csv = _tabular_command("csv")
export_json = _tabular_command("json")


@export_group.command("figures")
@click.argument("folder", metavar="DIR", type=click.Path(file_okay=True, dir_okay=True))
@click.option("--format", "fmt", type=click.Choice(["png", "svg", "pdf"]), default="png",
              show_default=True, help="File format of every figure.")
@click.option("--dpi", type=click.IntRange(min=50, max=1200), default=200, show_default=True,
              metavar="N", help="Resolution of PNG figures (dots per inch, 50-1200).")
@click.option("--coder", "coders", metavar="NAME", multiple=True,
              help="The heat map and group shares from these coders' codings, pooled "
                   "(repeat or comma-separate); several coders also choose whose agreement.")
@click.option("--consensus", is_flag=True, help="The heat map and group shares from the "
                                                "consensus codings.")
@click.option("--pooled", is_flag=True, help="The heat map and group shares from every "
                                             "coder's codings pooled.")
@click.option("--codes", metavar="IDS", help="Only these codes (and the codes below them).")
@click.option("--cases", metavar="IDS", help="Only these cases.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=1000, show_default=True,
              metavar="N", help="Resamples for the alpha intervals (0: no intervals), as "
                                "'qcoder agreement --bootstrap N'.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@force_option
@pass_state
def export_figures(state: State, folder: str, fmt: str, dpi: int, coders: tuple[str, ...],
                   consensus: bool, pooled: bool, codes: str | None, cases: str | None,
                   bootstrap: int, as_json: bool, force: bool) -> None:
    """Write the figures into DIR, one file per figure with a stable name:
    codes-by-case (heat map of the code x case matrix), group-shares-GROUP (each exclusive
    group's shares per case), agreement-alpha (alpha per code with its 95% interval against
    .667 and .800) and progress-by-coder.

    Whose codings the heat map and the group shares count is chosen as for 'qcoder
    compare' (default: the consensus where there is one, else all coders pooled). The same
    project gives the same files, byte for byte.
    """
    from ..compare import resolve_basis
    from ..errors import QcoderError
    from ..figures.files import plan_files, write_figures

    state.own_coders("export figures", coders or consensus or pooled)
    target = Path(folder)
    if target.exists() and not target.is_dir():
        raise QcoderError(f"{folder}: is a file; give a folder for the figures")
    if not target.exists() and not (target.parent if str(target.parent) else Path(".")).is_dir():
        raise QcoderError(f"{folder}: its folder {target.parent} does not exist; create it "
                          "first")
    store = state.store()
    basis = resolve_basis(store, _many(coders), consensus, pooled)
    from ..figures.collect import gather

    with progress_bars(as_json) as bars:
        figures = gather(store, basis, codes=split_ids(codes), cases=split_ids(cases),
                         bootstrap=bootstrap, progress=bars.task("figures computed"))
        planned = plan_files(figures, target, fmt)
        for path in planned:
            state.check_output(path, force)
        target.mkdir(exist_ok=True)
        written = write_figures(planned, fmt, dpi, bars.task("figures drawn"))
    if as_json:
        emit_json({"folder": folder, "format": fmt, "dpi": dpi,
                   "basis": basis.to_dict(),
                   "figures": [{"file": str(p), "bytes": p.stat().st_size} for p in written],
                   "skipped": [{"figure": k, "why": v} for k, v in figures.skipped.items()]})
        return
    for path in written:
        echo(f"{path}: {path.stat().st_size:,} bytes")
    for name, why in figures.skipped.items():
        echo(f"warning: no {name} figure: {why}", err=True)
    echo(f"{len(written)} figures in {folder} ({fmt}{f', {dpi} dpi' if fmt == 'png' else ''}); "
         f"basis: {basis.describe()}")
