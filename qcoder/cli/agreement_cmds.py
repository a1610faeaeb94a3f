"""Agreement commands: ``qcoder agreement`` and ``qcoder disagreements``."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import TYPE_CHECKING, Any

import click

from ..constants import DEFAULT_SEED
from ..errors import QcoderError
from .agreement_view import parse_stats, print_agreement, print_unitizing
from .base import State, echo, emit_json, pass_state, split_ids
from .progress import progress_bar
from .root import cli

if TYPE_CHECKING:
    from ..reliability.disagreements import Disagreements


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
@click.option("--text", "full_text", is_flag=True,
              help="Each excerpt's whole text too (JSON: \"text\"), not only its quote "
                   "(its first 100 characters on one line).")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def disagreements(state: State, code: str | None, case: str | None, coders: str | None,
                  limit: int | None, full_text: bool, as_json: bool) -> None:
    """Each excerpt on which the coders differ: its reference, a quote, the codes in
    dispute and what each coder applied."""
    from ..reliability.disagreements import METHOD, project_disagreements
    from ..rounds import refuse_if_blind

    store = state.store()
    refuse_if_blind(store, state.coder, "disagreements")
    codebook = store.codebook()
    found = project_disagreements(store, codebook, coders=split_ids(coders), case=case,
                                  code=code, limit=limit, marks=not as_json)
    if as_json:
        from .json_stream import emit_with_batches

        emit_with_batches({
            "codebook": {"name": codebook.name, "version": str(codebook.version)},
            "coders": list(found.coders), "case": case, "code": code, "method": METHOD,
            "total": found.total,
        }, "excerpts", _disagreement_records(found, full_text))
        return
    echo(f"{found.total} excerpts on which {', '.join(found.coders)} differ"
         + (f" about {code}" if code else "") + (f" in case {case}" if case else "")
         + f" ({codebook.name} version {codebook.version})")
    shown = 0
    for chunk, count in _disagreement_lines(found, full_text):
        echo(chunk, nl=False)
        shown += count
    if shown:
        echo("\n* marks the codes in dispute")
    if shown < found.total:
        echo(f"\n… {found.total - shown} more; raise --limit to see them")


class _Cached(dict[Any, str]):
    """``cached[key]``: ``make(key)``, made once per key."""

    def __init__(self, make: Callable[[Any], str]) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, key: Any) -> str:
        text = self[key] = self._make(key)
        return text


def _disagreement_records(found: Disagreements, full_text: bool) -> Iterator[str]:
    """The excerpts' records as JSON nested two deep, as ``json.dumps(indent=2)`` writes
    ``{"excerpt", "case", "quote", ["text",] "codes", "coders": {coder: [codes]}}`` (the
    coders who reviewed it, by name), a batch of records joined by
    :data:`.json_stream.SEPARATOR` at a time (none for no excerpt); every string by the C
    encoder, each distinct list of codes encoded once."""
    from ..reliability.disagreements import NOT_REVIEWED
    from .json_stream import SEPARATOR, Members, StringLists, string

    names, members = found.names, Members(3)
    lists = StringLists(3)
    codes = [lists[codes] for codes in names]
    cases = _Cached(string)
    by_name = sorted(range(len(found.coders)), key=found.coders.__getitem__)
    coders = []
    for k in by_name:
        member = _Cached(lambda key, name=found.coders[k]: "," + members[(name, names[key])])
        member[NOT_REVIEWED] = ""
        coders.append(member)
    for batch in found.batches:
        texts = ([f'\n      "text": {string(t)},' for t in batch.texts] if full_text
                 else [""] * len(batch.refs))
        rows = zip(_strings(batch.refs), map(cases.__getitem__, batch.cases),
                   _strings(batch.quotes), texts, map(codes.__getitem__, batch.disputed),
                   *(map(coders[i].__getitem__, batch.applied[k]) for i, k in enumerate(by_name)),
                   strict=True)
        # two or more coders reviewed each excerpt listed: "coders" is never empty
        yield SEPARATOR.join([
            f'{{\n      "excerpt": {ref},\n      "case": {case},\n      "quote": {quote},{text}'
            f'\n      "codes": {disputed},\n      "coders": {{{"".join(who)[1:]}\n      }}\n    }}'
            for ref, case, quote, text, disputed, *who in rows])


def _strings(texts: list[str]) -> list[str]:
    """JSON string literals of ``texts`` as :func:`.json_stream.string` writes them."""
    from json.encoder import encode_basestring

    from ..safe_text import json_safe

    return [t if t.isprintable() else json_safe(t) for t in map(encode_basestring, texts)]


def _disagreement_lines(found: Disagreements, full_text: bool) -> Iterator[tuple[str, int]]:
    """The listing for a terminal, a batch of excerpts at a time (and how many): reference
    and quote (or whole text), the codes in dispute, then each coder's codes, ``*`` marking
    those in dispute."""
    from ..reliability.disagreements import NOT_REVIEWED

    names, width = found.names, max((len(c) for c in found.coders), default=0)
    disputed = _Cached(lambda key: ", ".join(names[key]))
    lines = []
    for name in found.coders:
        head = f"\n  {name:<{width}}  "
        line = _Cached(lambda keys, head=head: head + _codes_text(names[keys[0]],
                                                                   names[keys[1]]))
        line[(NOT_REVIEWED, NOT_REVIEWED)] = head + "(not reviewed)"
        lines.append(line)
    for batch in found.batches:
        assert batch.marked is not None
        columns = [list(map(lines[k].__getitem__, zip(batch.applied[k], batch.marked[k],
                                                          strict=True)))
                   for k in range(len(found.coders))]
        heads = ([f"{ref}\n{_indented(text)}" for ref, text in zip(batch.refs, batch.texts,
                                                                   strict=True)]
                 if full_text else [f"{ref}  {quote}" for ref, quote in
                                    zip(batch.refs, batch.quotes, strict=True)])
        out = [f"\n{head}\n  in dispute: {disputed[key]}{''.join(applied)}\n"
               for head, key, *applied in zip(heads, batch.disputed, *columns, strict=True)]
        yield "".join(out), len(out)


def _indented(text: str) -> str:
    return "\n".join("    " + line for line in text.splitlines())


def _codes_text(codes: Sequence[str], disputed: Sequence[str]) -> str:
    if not codes:
        return "(no code)"
    return ", ".join(f"*{c}" if c in disputed else c for c in codes)
