"""Reports: ``qcoder report methods`` (the reliability paragraph of a methods section)."""

from __future__ import annotations

import click

from .base import State, pass_state
from .root import cli


@cli.group("report")
def report_group() -> None:
    """Reports written from the database."""


@report_group.command("methods")
@click.option("--round", "round_name", metavar="NAME",
              help="The round to report (default: the latest closed round, else the latest).")
@click.option("--format", "fmt", type=click.Choice(["md", "docx", "json"]), default="md",
              show_default=True, help="Markdown, Word or JSON.")
@click.option("--output", "-o", metavar="FILE", help="File (default: standard output; "
              "needed for docx).")
@click.option("--bootstrap", type=click.IntRange(min=0), default=1000, show_default=True,
              metavar="N", help="Bootstrap resamples for the 95% intervals and q.")
@click.option("--seed", type=click.IntRange(min=0), default=1, show_default=True,
              metavar="S", help="Seed of the bootstrap.")
@click.option("--force", is_flag=True, help="Replace an existing output file.")
@pass_state
def report_methods(state: State, round_name: str | None, fmt: str, output: str | None,
                   bootstrap: int, seed: int, force: bool) -> None:
    """The reliability paragraph for a methods section, numbers from the database: coders
    and independence, unit, sample (size, share, strata, seed), index, alpha per code with
    its bootstrap 95% interval and q, thresholds, disagreements and how they were settled,
    codebook version."""
    from ..export.methods import write_methods
    from ..reliability.methods import methods_statement

    if output is not None:
        state.check_output(output, force)
    store = state.store()
    statement = methods_statement(store, store.codebook(), round_name=round_name,
                                  bootstrap=bootstrap, seed=seed)
    text = write_methods(statement, fmt, output)
    if text is not None:
        click.echo(text, nl=False)
    else:
        click.echo(f"wrote {output}", err=True)
