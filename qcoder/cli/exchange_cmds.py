"""Team exchange: ``qcoder merge OTHER.db``, ``qcoder export coder NAME OUT.db``, and
REFI-QDA with other tools: ``qcoder export qdc|qdpx``, ``qcoder import qdc|qdpx``."""

from __future__ import annotations

import os
from pathlib import Path

import click

from ..errors import QcoderError
from ..project.folder import CONFIG_FILE, DB_FILE, Project
from .base import State, echo, emit_json, force_option, pass_state
from .export_cmds import export_group
from .progress import progress_bar
from .project_cmds import import_group
from .root import cli


@cli.command()
@click.argument("other", metavar="OTHER.db", type=click.Path(dir_okay=False))
@click.option("--dry-run", is_flag=True, help="Show what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_state
def merge(state: State, other: str, dry_run: bool, as_json: bool) -> None:
    """Bring another copy's work into this database.

    Codings, reviews, memos, consensus decisions and the undo history of OTHER.db come in;
    excerpts are matched by content, codes by id. Nothing here is overwritten: the same
    coding twice is one coding, different codings all stay, and a non-empty memo keeps its
    text with the other's appended after a '--- merged from OTHER.db ---' line. Codings whose
    excerpt or code this project lacks are kept as orphaned. Merging the same file again
    changes nothing. OTHER.db itself is never changed; a copy from an older qcoder is read
    through an upgraded temporary copy, one from a newer qcoder is refused.
    """
    from ..exchange.merge import merge_database

    with progress_bar("merge steps", as_json) as advance:
        summary = merge_database(state.store(), other, dry_run=dry_run, progress=advance)
    if as_json:
        emit_json(summary.to_dict())
        return
    verb = "would add" if dry_run else "added"
    head = f"merge of {summary.source}" + (" (dry run: nothing written)" if dry_run else "")
    echo(head)
    if not summary.changed:
        echo("  nothing to merge: this database already has all of it")
    else:
        for name in ("codings", "reviews", "memos", "events", "adjudications"):
            echo(f"  {name}: {getattr(summary, name)} {verb}")
        if summary.memos_kept_both:
            echo(f"  memos: {summary.memos_kept_both} differed; both texts kept")
        if summary.coders:
            echo(f"  coders new here: {', '.join(summary.coders)}")
    if summary.orphaned:
        where = summary.orphaned_excerpts + [f"code {c}" for c in summary.orphaned_codes]
        echo(f"warning: {summary.orphaned} codings are on excerpts or codes this project "
                   f"lacks; kept as orphaned ({', '.join(where)})", err=True)
    if summary.conflicts:
        echo(f"warning: {summary.conflicts} excerpts have two codes of one exclusive "
                   "group for one coder; open them and keep one:", err=True)
        for line in summary.conflict_examples:
            echo(f"  {line}", err=True)
    for line in summary.warnings:
        echo(f"warning: {line}", err=True)


@export_group.command("coder")
@click.argument("name")
@click.argument("out", metavar="OUT.db", type=click.Path(dir_okay=False))
@pass_state
def export_coder(state: State, name: str, out: str) -> None:
    """Copy the project database for coder NAME to take away.

    OUT.db is a full copy (never written over an existing file). NAME codes on it with the
    project folder, e.g. 'qcoder --db OUT.db --coder NAME', and the lead brings the work
    back with 'qcoder merge OUT.db'.
    """
    from ..exchange.merge import copy_for_coder

    state.check_output(out)  # never over an existing file: a copy may hold a coder's work
    path = copy_for_coder(state.store(), name, out)
    echo(f"wrote {path} for {name}; code with 'qcoder --db {path} --coder {name}', "
               f"then merge it back with 'qcoder merge {path}'")


# ------------------------------------------------------------------- REFI-QDA exchange


def _exchange_project(state: State) -> Project:
    """The project; an existing empty folder is a new project that an import will fill."""
    try:
        return state.project()
    except QcoderError:
        root = Path(state.project_dir or os.environ.get("QCODER_PROJECT") or ".")
        root = root.expanduser().resolve()
        if not root.is_dir():
            raise
        stray = sorted(p.name for p in root.iterdir())
        if stray:
            shown = ", ".join(stray[:3]) + (", …" if len(stray) > 3 else "")
            raise QcoderError(f"{root}: not a qcoder project, and not empty ({shown}); make it "
                              f"one with 'mkdir {root / 'cases'}' and import again, or import "
                              "into an empty folder (--project DIR)") from None
        db = Path(state.db or os.environ.get("QCODER_DB") or root / DB_FILE).expanduser()
        state._project = Project(root=root, db_path=db.resolve(),
                                 follow_outside=state.follow_outside)
        return state._project


def _warn(warnings: list[str]) -> None:
    for line in warnings:
        echo(f"warning: {line}", err=True)


@export_group.command("qdc")
@click.argument("out", metavar="OUT.qdc", type=click.Path(dir_okay=False))
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@force_option
@pass_state
def export_qdc(state: State, out: str, as_json: bool, force: bool) -> None:
    """Write the codebook as a REFI-QDA codebook (.qdc) for other QDA tools.

    Codes keep their hierarchy, labels (as names), definitions (as descriptions) and
    colours; exclusive groups are folders. GUIDs come from the code ids, so every export
    of a code has the same one.
    """
    from ..exchange.refi.qdpx import write_qdc
    from ..exchange.refi.store_data import refi_codes
    from ..project.codebook import load_codebook

    state.check_output(out, force)
    book = load_codebook(state.project().codebook_path())
    write_qdc(refi_codes(book), out)
    if as_json:
        emit_json({"file": out, "codes": len(book)})
    else:
        echo(f"{out}: {len(book)} codes")


@export_group.command("qdpx")
@click.argument("out", metavar="OUT.qdpx", type=click.Path(dir_okay=False))
@click.option("--coder", "coders", metavar="NAME", multiple=True,
              help="Only these coders (repeat or comma-separate; 'consensus' for the "
                   "consensus). Default: every coder.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@force_option
@pass_state
def export_qdpx(state: State, out: str, coders: tuple[str, ...], as_json: bool,
                force: bool) -> None:
    """Write the project as a REFI-QDA project (.qdpx) for other QDA tools.

    It holds the coders as users, the codebook, the cases, each document's plain text, and
    every excerpt that has codings or memos as a selection with each coder's codings;
    memos become notes. Offsets count Unicode code points. A memo 'qcoder project data'
    carries what the format cannot say (code ids, case and document metadata, excerpts a
    coder reviewed without a code), so 'qcoder import qdpx' reads it back with the same
    code ids, cases, documents and reviews, and agreement comes out the same.
    """
    from ..exchange.refi.qdpx import write_qdpx
    from ..exchange.refi.store_data import export_project
    from .export_cmds import _many

    state.own_coders("export qdpx", coders)
    state.check_output(out, force)
    result = export_project(state.store(), state.project().root.name, _many(coders))
    with progress_bar("documents written", as_json) as advance:
        write_qdpx(result.project, out, progress=advance)
    if as_json:
        emit_json({"file": out, **result.to_dict()})
        return
    echo(f"{out}: {result.documents} documents in {result.cases} cases, "
               f"{result.excerpts} excerpts, {result.codes} codes, {len(result.coders)} "
               f"coders, {result.codings} codings, {result.memos} memos"
               + (f", {result.reviews} reviews without codes" if result.reviews else ""))
    if result.codings_skipped:
        echo(f"warning: {result.codings_skipped} codings on orphaned excerpts or codes "
                   "were left out", err=True)


@import_group.command("qdc")
@click.argument("file", metavar="FILE.qdc", type=click.Path(dir_okay=False))
@click.option("--output", "-o", metavar="PATH",
              help="YAML file to write, relative to the project folder "
                   "(default: codebooks/<FILE>.yaml).")
@click.option("--force", is_flag=True, help="Replace the output file if it exists.")
@click.option("--json", "as_json", is_flag=True, help="Print what was written as JSON.")
@pass_state
def import_qdc(state: State, file: str, output: str | None, force: bool,
               as_json: bool) -> None:
    """Convert a REFI-QDA codebook (.qdc, or the codebook of a .qdpx) from another tool
    into qcoder's YAML codebook; ids are made from the code names."""
    from ..exchange.refi.codebook import slug
    from ..exchange.refi.project_import import import_qdc as convert

    project = _exchange_project(state)
    target = (project.root / output if output
              else project.codebooks_dir / f"{slug(Path(file).stem, fallback='codebook')}.yaml")
    result = convert(Path(file), target, force)
    books = sorted(project.codebooks_dir.glob("*.y*ml")) if project.codebooks_dir.is_dir() else []
    if len(books) > 1 and target.resolve().parent == project.codebooks_dir.resolve() \
            and not (project.root / CONFIG_FILE).exists():
        result.warnings.append(f"{project.codebooks_dir}: now holds several codebooks; name "
                               f"the one to use in {CONFIG_FILE} ('codebook: codebooks/NAME.yaml')")
    if as_json:
        emit_json(result.to_dict())
    else:
        echo(f"{result.path}: {result.codes} codes")
    _warn(result.warnings)


@import_group.command("qdpx")
@click.argument("file", metavar="FILE.qdpx", type=click.Path(dir_okay=False))
@click.option("--case", "case_id", metavar="CASE-ID",
              help="Case for sources that no case of the file lists "
                   "(default: a case named after FILE).")
@click.option("--add-codes", is_flag=True,
              help="Append codes the project's codebook lacks to its YAML "
                   "(without it, such a file is refused).")
@click.option("--add-selections", is_flag=True,
              help="Append selections that are not excerpts of a document the project "
                   "already has to its front matter (.txt and .md); without it they become "
                   "selection excerpts in the database and the file stays as it is.")
@click.option("--json", "as_json", is_flag=True, help="Print the summary as JSON.")
@pass_state
def import_qdpx(state: State, file: str, case_id: str | None, add_codes: bool,
                add_selections: bool, as_json: bool) -> None:
    """Import a REFI-QDA project (.qdpx) from another tool into this project.

    Sources become documents (cases/<case>/<name>.txt), users become coders, selections
    become excerpts (a selection that is not a whole paragraph is listed in its
    document's front matter and becomes an excerpt of its own), and codings and memos
    are kept per coder, so agreement can be computed on work done elsewhere. Codes are
    matched with the project's codebook, or make a new one. A document the project already
    has is never changed: a selection that is not one of its excerpts becomes a selection
    excerpt in the database (case/stem#sK), unless --add-selections appends the quotes to
    that document's 'selections:' (Word files are never rewritten). Then the
    project is imported as by 'qcoder import'. All of it lands, or nothing does.
    """
    from ..exchange.refi.project_import import apply_qdpx, plan_qdpx

    project = _exchange_project(state)
    plan = plan_qdpx(project, Path(file), case_id, add_codes, add_selections)
    fresh = not project.db_path.exists()
    try:
        with progress_bar("storing documents", as_json) as advance:
            result = apply_qdpx(plan, state.store(auto_import=False), advance)
    except BaseException:
        if fresh:  # a failed first import leaves no database behind either
            if state._store is not None:
                state._store.close()
                state._store = None
            for suffix in ("", "-wal", "-shm"):
                Path(f"{project.db_path}{suffix}").unlink(missing_ok=True)
        raise
    if as_json:
        emit_json(result.to_dict())
        return
    existing = f", {result.documents_existing} already here" if result.documents_existing else ""
    echo(f"{file}: {result.documents} documents ({result.documents_added} new{existing}), "
               f"{result.excerpts} excerpts, {result.codes} codes ({result.codes_added} new in "
               f"{result.codebook}), {len(result.coders)} coders, {result.codings} codings "
               f"({result.codings_added} new), {result.memos} memos "
               f"({result.memos_added} new)"
               + (f", {result.reviews} reviews without codes ({result.reviews_added} new)"
                  if result.reviews else ""))
    echo(f"  selections: {result.selections_paragraphs} matched a paragraph, "
               f"{result.selections_own} became their own excerpt"
               + (f", {result.selections_skipped} left out" if result.selections_skipped
                  else ""))
    if result.cases_added:
        echo(f"  new cases: {', '.join(result.cases_added)}")
    if result.documents_changed:
        echo(f"  selections appended to: {', '.join(result.documents_changed)}")
    _warn(result.warnings)
