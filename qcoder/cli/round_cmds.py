"""Reliability rounds: ``qcoder round start|show|list|close|compare``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..errors import QcoderError
from .base import State, echo, emit_json, pass_state, print_table, split_ids
from .root import cli

if TYPE_CHECKING:
    from ..project.codebook import Codebook
    from ..rounds import Round
    from ..store.database import Store


@cli.group("round")
def round_group() -> None:
    """Reliability rounds: a drawn sample (or whole documents) coded by assigned coders."""


@round_group.command("start")
@click.argument("name")
@click.option("--sample", "percent", type=float, metavar="PERCENT",
              help="Draw this percentage of the excerpts (above 0, at most 100).")
@click.option("--documents", metavar="CASE/STEM,...",
              help="Assign these whole documents instead of a sample.")
@click.option("--coders", required=True, metavar="A,B,...",
              help="Who codes the round (new names are registered).")
@click.option("--by", "by", type=click.Choice(["case", "document", "none"]), default="case",
              show_default=True, help="Stratify the sample by case, document or not at all.")
@click.option("--seed", type=click.IntRange(min=0), default=None, metavar="S",
              help="Seed of the draw (default: a new one, recorded with the round).")
@click.option("--from-unreviewed", is_flag=True,
              help="Draw only excerpts no coder has reviewed yet.")
@click.option("--json", "as_json", is_flag=True, help="Print the round as JSON.")
@pass_state
def round_start(state: State, name: str, percent: float | None, documents: str | None,
                coders: str, by: str, seed: int | None, from_unreviewed: bool,
                as_json: bool) -> None:
    """Open round NAME: draw a reproducible sample, stratified by case (in each case
    PERCENT/100 × its excerpts rounded half up, at least 1), and assign it to every coder.

    The same project and --seed draw the same excerpts on any machine. With --documents the
    round is those whole documents instead (to split the rest of the corpus between coders).
    """
    from ..rounds import assign_documents, start_round

    names = split_ids(coders) or []
    store = state.store()
    if (percent is None) == (documents is None):
        raise QcoderError("give either --sample PERCENT or --documents CASE/STEM,...")
    if documents is not None:
        found = assign_documents(store, name, split_ids(documents) or [], names,
                                 started_by=state.coder or "")
    else:
        assert percent is not None
        found = start_round(store, name, percent, names, by=by,  # type: ignore[arg-type]
                            seed=seed, from_unreviewed=from_unreviewed,
                            started_by=state.coder or "")
    if as_json:
        emit_json(found.to_dict())
        return
    if found.kind == "sample":
        echo(f"round {found.name}: {found.size} of {found.pool} excerpts "
                   f"({found.share:g} %), stratified by {found.strata}, seed {found.seed}; "
                   f"coders {', '.join(found.coders)}")
    else:
        echo(f"round {found.name}: {found.size} excerpts in "
                   f"{len(found.strata_sizes)} documents; coders {', '.join(found.coders)}")
    echo(f"each coder codes it with 'qcoder --coder NAME'; see it with "
               f"'qcoder round show {found.name}'")


@round_group.command("show")
@click.argument("name")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def round_show(state: State, name: str, as_json: bool) -> None:
    """The round: how it was drawn, each coder's progress and its excerpts."""
    from ..rounds import get_round, show

    store = state.store()
    data = show(store, get_round(store, name))
    if as_json:
        emit_json(data)
        return
    info = data["round"]
    drawn = (f"{info['excerpts']} of {info['pool']} excerpts ({info['share']:g} %), "
             f"stratified by {info['strata']['by']}, seed {info['seed']}"
             if info["kind"] == "sample" else f"{info['excerpts']} excerpts of "
             f"{len(info['strata']['sizes'])} documents")
    status = "open" if info["closed"] is None else f"closed {info['closed']}"
    echo(f"round {info['name']} ({status}; started {info['started']}): {drawn}; "
               f"codebook version {info['codebook_version'] or '?'}")
    print_table("Coders", ["coder", "reviewed", "total", "%"],
                [[c["coder"], c["reviewed"], c["total"], c["percent"]] for c in data["coders"]])
    if info["strata"]["by"] != "none":
        print_table("Strata", ["stratum", "excerpts", "of"],
                    [[s["stratum"], s["excerpts"], s["of"]] for s in info["strata"]["sizes"]])
    echo("excerpts:")
    for row in data["excerpts"]:
        echo(f"  {row['excerpt']}" + ("  (orphaned)" if row["orphaned"] else ""))


@round_group.command("list")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def round_list(state: State, as_json: bool) -> None:
    """Every round: size, share, coders, open or closed."""
    from ..rounds import rounds

    found = rounds(state.store())
    if as_json:
        emit_json({"rounds": [r.to_dict() for r in found]})
        return
    if not found:
        echo("no rounds yet; start one with 'qcoder round start NAME --sample 20 "
                   "--coders A,B'")
        return
    print_table(None, ["round", "kind", "excerpts", "%", "by", "seed", "coders", "status"],
                [[r.name, r.kind, r.size, r.share, r.strata, "" if r.seed is None else r.seed,
                  ", ".join(r.coders), "open" if r.is_open else f"closed {r.closed[:10]}"]
                 for r in found])


@round_group.command("close")
@click.argument("name")
@pass_state
def round_close(state: State, name: str) -> None:
    """Freeze round NAME: later codings on its excerpts are not part of it."""
    from ..rounds import close_round, progress

    store = state.store()
    found = close_round(store, name)
    done = progress(store, found)
    echo(f"round {found.name} closed {found.closed}: "
               + ", ".join(f"{c} {done[c]}/{found.size}" for c in found.coders))


def print_round_agreement(store: Store, codebook: Codebook, name: str, *, case: str | None,
                          codes: list[str] | None, bootstrap: int, seed: int,
                          bootstrap_method: str | None = None, as_json: bool = False,
                          stats: str | None = None) -> None:
    """``qcoder agreement --round NAME``: the report on the round, headed by how it was drawn;
    ``stats`` picks the table's columns as ``--stats`` does (the JSON has them all)."""
    from ..reliability.rounds import round_agreement
    from .agreement_view import parse_stats, print_agreement

    result = round_agreement(store, codebook, name, case=case, codes=codes,
                             bootstrap=bootstrap, seed=seed, bootstrap_method=bootstrap_method)
    for line in result.warnings:
        click.echo(f"warning: {line}", err=True)
    if as_json:
        emit_json(result.to_dict())
        return
    click.echo(round_line(result.round))
    print_agreement(result.agreement, codebook,
                    parse_stats(stats, len(result.agreement.coders) == 2))


def round_line(found: Round) -> str:
    """One line: the round, its sample and whether it is open."""
    status = "open" if found.is_open else f"closed {found.closed}"
    if found.kind == "sample":
        drawn = (f"{found.size} of {found.pool} excerpts ({found.share:g} %), stratified by "
                 f"{found.strata}, seed {found.seed}")
    else:
        drawn = f"{found.size} excerpts of {len(found.strata_sizes)} documents"
    return f"round {found.name} ({status}): {drawn}; coders {', '.join(found.coders)}"


@round_group.command("compare")
@click.argument("first", metavar="A")
@click.argument("second", metavar="B")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def round_compare(state: State, first: str, second: str, as_json: bool) -> None:
    """Alpha per code in round A next to round B (did the revised codebook help?)."""
    from ..reliability.rounds import compare_rounds
    from .agreement_view import print_wide

    store = state.store()
    codebook = store.codebook()
    result = compare_rounds(store, codebook, first, second)
    if as_json:
        emit_json(result.to_dict())
        return
    for r in (result.first, result.second):
        click.echo(round_line(r.round))
    click.echo()

    def num(value: float | None) -> str:
        return "–" if value is None else f"{value:.3f}"

    rows = [[r["id"], codebook[r["id"]].label if r["id"] in codebook else "", r["kind"],
             num(r["alpha"][0]), str(r["units"][0]), num(r["alpha"][1]), str(r["units"][1]),
             "–" if r["change"] is None else f"{r['change']:+.3f}"] for r in result.rows()]
    a, b = result.first.round.name, result.second.round.name
    print_wide(None, ["id", "label", "kind", f"alpha {a}", f"units {a}", f"alpha {b}",
                      f"units {b}", "change"], rows,
               {f"alpha {a}", f"units {a}", f"alpha {b}", f"units {b}", "change"})
    click.echo("alpha: Krippendorff's alpha (nominal), binary per code, nominal per exclusive "
               "group; reliable >= .800, tentative >= .667.")
