"""The root ``qcoder`` group and its options; the command modules register on it."""

from __future__ import annotations

import click

from .. import __version__
from .base import QcoderGroup, State

#: The modules that register commands on :data:`cli` (imported when a command is looked up or
#: listed; ``qcoder`` alone opens the workbench without them).
COMMAND_MODULES = tuple(f"qcoder.cli.{name}_cmds" for name in (
    "agreement", "compare", "consensus", "exchange", "export", "project", "report", "round",
    "search", "suggest"))


@click.group(cls=QcoderGroup, invoke_without_command=True, command_modules=COMMAND_MODULES,
             context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--project", "project_dir", metavar="DIR", envvar="QCODER_PROJECT",
              help="Project folder (default: the current one; env QCODER_PROJECT).")
@click.option("--db", metavar="PATH", envvar="QCODER_DB",
              help="Database file (default: <project>/qcoder.db; env QCODER_DB).")
@click.option("--coder", metavar="NAME", envvar="QCODER_CODER",
              help="Who is coding (env QCODER_CODER).")
@click.option("--new-coder", is_flag=True, envvar="QCODER_NEW_CODER",
              help="--coder NAME is a new coder even when it is one letter or the case away "
                   "from a known one (asked on a terminal, refused otherwise).")
@click.option("--lead", is_flag=True, envvar="QCODER_LEAD",
              help="Open the workbench as the team's lead: reconciliation and other coders' "
                   "codings (env QCODER_LEAD=1).")
@click.option("--follow-outside", is_flag=True, envvar="QCODER_FOLLOW_OUTSIDE",
              help="Read case folders, documents, codebooks and codings that are symlinks "
                   "to files outside the project folder (refused by default).")
@click.version_option(__version__, prog_name="qcoder")
@click.pass_context
def cli(ctx: click.Context, project_dir: str | None, db: str | None, coder: str | None,
        new_coder: bool, lead: bool, follow_outside: bool) -> None:
    """qcoder: qualitative coding for comparative case studies.

    Run without a command to open the coding workbench on the project.
    """
    ctx.obj = State(project_dir=project_dir, db=db, coder=coder, lead=lead,
                    follow_outside=follow_outside, new_coder=new_coder,
                    coder_typed=ctx.get_parameter_source("coder")
                    == click.core.ParameterSource.COMMANDLINE)
    if ctx.invoked_subcommand is None:
        open_workbench(ctx.obj)


def open_workbench(state: State) -> None:
    """The coding workbench; ``qcoder status`` when Textual is not installed."""
    try:
        from ..tui.app import run_app
    except ModuleNotFoundError:
        ctx = click.get_current_context()
        status = cli.get_command(ctx, "status")
        assert status is not None
        ctx.invoke(status)
        return
    run_app(state)
