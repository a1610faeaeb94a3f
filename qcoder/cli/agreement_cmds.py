"""Agreement commands: ``qcoder agreement`` and ``qcoder disagreements``."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

import click

from ..constants import DEFAULT_SEED
from ..errors import QcoderError
from .agreement_view import parse_stats, print_agreement, print_unitizing
from .base import State, echo, emit_json, pass_state, split_ids
from .progress import progress_bar
from .root import cli

if TYPE_CHECKING:
    from ..reliability.data import ExcerptDisagreement


@cli.command()
@click.option("--coders", metavar="A,B,...",
              help="Coders to compare (default: every coder except consensus).")
@click.option("--case", "case", metavar="ID", help="Only the excerpts of this case.")
@click.option("--codes", metavar="ID,...", help="Only these codes or exclusive groups.")
@click.option("--with-suggestions", metavar="SOURCE",
              help="Count a suggestion source as one more coder (on the excerpts and codes it "
                   "examined), to see its agreement with each coder before trusting it.")
@click.option("--bootstrap", type=click.IntRange(min=0), default=0, metavar="N",
              help="Add a 95% interval and q (chance that alpha < .667 and < .800) from N "
                   "bootstrap resamples, e.g. 1000.")
@click.option("--bootstrap-method", type=click.Choice(["hayes-krippendorff", "units"]),
              default="hayes-krippendorff", show_default=True,
              help="hayes-krippendorff: pairs of values drawn from the coincidence matrix "
                   "(Hayes & Krippendorff 2007, the KALPHA macro); units: excerpts resampled.")
@click.option("--seed", type=click.IntRange(min=0), default=None, metavar="S",
              help=f"Seed of the bootstrap (default {DEFAULT_SEED}: the same intervals every "
                   "run; give another seed to draw other resamples).")
@click.option("--round", "round_name", metavar="NAME",
              help="Only this reliability round's excerpts and coders (a closed round as "
                   "it was frozen).")
@click.option("--stats", metavar="LIST",
              help="Columns of the table, some of alpha,kappa,fleiss,pi,ac1,bp,specific "
                   "(default: alpha, then kappa for two coders, specific for more); --json "
                   "has them all.")
@click.option("--unitizing", is_flag=True,
              help="Agreement on where each code applies, character by character: "
                   "Krippendorff's alpha-U, cu-alpha per code and Cu-alpha per exclusive "
                   "group, per case and document.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def agreement(state: State, coders: str | None, case: str | None, codes: str | None,
              bootstrap: int, bootstrap_method: str, seed: int | None,
              round_name: str | None, stats: str | None, with_suggestions: str | None,
              unitizing: bool, as_json: bool) -> None:
    """Agreement between coders: Krippendorff's alpha per code, exclusive group, case and
    pair of coders, with percent agreement, positive specific agreement and (for two coders)
    Cohen's kappa with its standard error; --stats adds Fleiss' kappa, Scott's pi, Gwet's
    AC1 and Brennan & Prediger's kappa.

    An excerpt counts for a coder once they reviewed it; only excerpts reviewed by two or
    more of the coders count. A parent code counts as applied when a code below it is.
    """
    from ..reliability.data import project_agreement

    store = state.store()
    codebook = store.codebook()
    if unitizing:
        if round_name is not None or bootstrap or stats is not None or with_suggestions:
            raise QcoderError("--unitizing takes --coders, --case, --codes and --json only")
        print_unitizing(store, codebook, split_ids(coders), case, split_ids(codes), as_json)
        return
    if stats is not None:
        parse_stats(stats, False)  # a bad name fails before any work
    if round_name is not None:
        from .round_cmds import print_round_agreement

        if coders is not None:
            raise QcoderError("--round sets the coders (the round's); drop --coders")
        print_round_agreement(store, codebook, round_name, case=case, codes=split_ids(codes),
                              bootstrap=bootstrap, seed=DEFAULT_SEED if seed is None else seed,
                              bootstrap_method=bootstrap_method, as_json=as_json,
                              stats=stats)
        return
    chosen, code_ids = split_ids(coders), split_ids(codes)
    if with_suggestions is not None:
        from ..reliability.data import with_source

        chosen, code_ids = with_source(store, with_suggestions, chosen, code_ids)
    with progress_bar("codes resampled", as_json or not bootstrap) as advance:
        result = project_agreement(store, codebook, coders=chosen, case=case,
                                   codes=code_ids, bootstrap=bootstrap,
                                   seed=DEFAULT_SEED if seed is None else seed,
                                   bootstrap_method=bootstrap_method, progress=advance)
    if as_json:
        emit_json(result.to_dict())
    else:
        print_agreement(result, codebook, parse_stats(stats, len(result.coders) == 2))


@cli.command()
@click.option("--code", metavar="ID", help="Only this code (or the codes of this group).")
@click.option("--case", "case", metavar="ID", help="Only the excerpts of this case.")
@click.option("--coders", metavar="A,B,...",
              help="Coders to compare (default: every coder except consensus).")
@click.option("--limit", type=click.IntRange(min=0), default=None, metavar="N",
              help="Show at most N excerpts (the total is still counted).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def disagreements(state: State, code: str | None, case: str | None, coders: str | None,
                  limit: int | None, as_json: bool) -> None:
    """Each excerpt on which the coders differ: its reference, a quote, the codes in
    dispute and what each coder applied."""
    from ..reliability.data import project_disagreements
    from ..rounds import refuse_if_blind

    store = state.store()
    refuse_if_blind(store, state.coder, "disagreements")
    codebook = store.codebook()
    result = project_disagreements(store, codebook, coders=split_ids(coders), case=case,
                                   code=code, limit=limit)
    chosen, shown = result.coders, result.excerpts
    if as_json:
        from .json_stream import emit_with_list

        emit_with_list({
            "codebook": {"name": codebook.name, "version": str(codebook.version)},
            "coders": list(chosen), "case": case, "code": code, "total": result.total,
        }, "excerpts", _disagreement_records(shown))
        return
    echo(f"{result.total} excerpts on which {', '.join(chosen)} differ"
               + (f" about {code}" if code else "") + (f" in case {case}" if case else "")
               + f" ({codebook.name} version {codebook.version})")
    width = max((len(c) for c in chosen), default=0)
    for d in shown:
        echo()
        echo(f"{d.ref}  {d.quote}")
        echo(f"  in dispute: {', '.join(d.codes)}")
        for coder in chosen:
            if coder in d.applied:
                echo(f"  {coder:<{width}}  {_codes_text(d.applied[coder], d.codes)}")
            else:
                echo(f"  {coder:<{width}}  (not reviewed)")
    if shown:
        echo("\n* marks the codes in dispute")
    if len(shown) < result.total:
        echo(f"\n… {result.total - len(shown)} more; raise --limit to see them")


def _disagreement_records(shown: Sequence[ExcerptDisagreement]) -> Iterator[str]:
    """Each excerpt's ``to_dict()`` as JSON nested two deep, without the generic encoder."""
    from .json_stream import Members, StringLists, string

    codes, members = StringLists(3), Members(3)
    for d in shown:
        coders = ",".join(map(members.__getitem__, d.applied.items()))
        yield (f'{{\n      "excerpt": {string(d.ref)},\n      "case": {string(d.case_id)},\n'
               f'      "quote": {string(d.quote)},\n      "codes": {codes[d.codes]},\n'
               f'      "coders": {("{" + coders + chr(10) + "      }") if coders else "{}"}'
               "\n    }")


def _codes_text(codes: Sequence[str], disputed: Sequence[str]) -> str:
    if not codes:
        return "(no code)"
    return ", ".join(f"*{c}" if c in disputed else c for c in codes)
