"""``qcoder search``: where words occur in the corpus, as keyword-in-context lines."""

from __future__ import annotations

import click

from .base import State, echo, emit_json, pass_state, print_table, split_ids
from .root import cli


@cli.command("search")
@click.argument("query")
@click.option("--case", "cases", metavar="IDS", help="Only these cases (comma-separated).")
@click.option("--code", "codes", metavar="IDS",
              help="Only excerpts coded with these codes (or a code below them).")
@click.option("--coder", "coders", metavar="NAMES",
              help="With --code: only these coders' codings count (default: anyone's).")
@click.option("--limit", default=50, show_default=True, type=int,
              help="Show at most N excerpts (the counts cover all).")
@click.option("--rank", "by_rank", is_flag=True,
              help="Best matches first (BM25) instead of corpus order.")
@click.option("--json", "as_json", is_flag=True, help="Print the hits as JSON.")
@pass_state
def search_command(state: State, query: str, cases: str | None, codes: str | None,
                   coders: str | None, limit: int, by_rank: bool, as_json: bool) -> None:
    """Excerpts whose text matches QUERY, each hit in its context: words (all must occur),
    "a phrase", prefix*, NEAR(a b, 5), AND, OR, NOT; case and accents do not matter."""
    from ..rounds import refuse_if_blind
    from ..search import search

    store = state.store()
    coder_list = split_ids(coders) or []
    if codes and coder_list != [state.coder]:
        refuse_if_blind(store, state.coder, "search --code")
    result = search(store, query, split_ids(cases) or [], split_ids(codes) or [], coder_list,
                    limit, by_rank)
    if as_json:
        emit_json(result.to_dict())
        return
    spread = ", ".join(f"{case} {n}" for case, n in result.per_case)
    echo(f"{query}: {_count(result.total, 'excerpt')} in {_count(len(result.per_case), 'case')}"
         + (f" ({spread})" if spread else ""))
    if not result.hits:
        return
    rows = []
    for hit in result.hits:
        for k, span in enumerate(hit.spans or [None]):
            left, word, right = hit.kwic(span)
            rows.append([hit.ref if k == 0 else "", (hit.speaker or "") if k == 0 else "",
                         f"{left}[{word}]{right}"])
    print_table(None, ["excerpt", "speaker", "in context"], rows, justify_numbers=False)
    if result.total > len(result.hits):
        echo(f"showing {len(result.hits)} of {result.total} excerpts; --limit N for more",
             err=True)


def _count(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"
