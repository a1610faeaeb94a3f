"""``qcoder suggest``: codes proposed by a search or a language model, accepted or rejected
by a coder; a suggestion is never a coding until accepted."""

from __future__ import annotations

import click

from .base import State, echo, emit_json, pass_state, print_table, split_ids
from .progress import progress_bar
from .root import cli


@cli.group("suggest")
def suggest_group() -> None:
    """Suggestions: record them from a search or a model, list, accept or reject them."""


def _report(report, as_json: bool) -> None:  # noqa: ANN001 - a RunReport
    if as_json:
        emit_json(report.to_dict())
        return
    echo(f"{report.source}: {report.suggested} suggestions on {report.examined} excerpts "
         f"examined ({report.new} new)")
    if report.failed:
        echo(f"warning: {report.failed} answers were not the JSON asked for; those excerpts "
             "got no suggestion", err=True)


@suggest_group.command("search")
@click.argument("query")
@click.option("--code", "code", required=True, metavar="ID", help="The code to suggest.")
@click.option("--case", "cases", metavar="IDS", help="Only these cases.")
@click.option("--source", default="search", show_default=True,
              help="Name the suggestions' source (measure it with agreement "
                   "--with-suggestions SOURCE).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_state
def suggest_search(state: State, query: str, code: str, cases: str | None, source: str,
                   as_json: bool) -> None:
    """Suggest CODE for every excerpt matching QUERY (the syntax of 'qcoder search')."""
    from ..suggestions import suggest_from_search

    _report(suggest_from_search(state.store(), query, code, source, split_ids(cases) or [],
                                state.coder), as_json)


@suggest_group.command("ai")
@click.option("--code", "codes", required=True, metavar="IDS",
              help="The codes the model may suggest (comma-separated).")
@click.option("--model", "model", metavar="NAME", help="An llm model id (default: llm's "
              "default model; see 'llm models').")
@click.option("--case", "cases", metavar="IDS", help="Only these cases.")
@click.option("--limit", type=int, metavar="N", help="Only the first N excerpts.")
@click.option("--source", metavar="NAME", help="Name the source (default: ai-MODEL).")
@click.option("--json", "as_json", is_flag=True, help="Print the counts as JSON.")
@pass_state
def suggest_ai(state: State, codes: str, model: str | None, cases: str | None,
               limit: int | None, source: str | None, as_json: bool) -> None:
    """Ask a language model (your own, through the llm library) which codes apply to each
    excerpt, from the codebook's definitions, rules and examples; its answers become
    suggestions, never codings. Needs pip install 'qcoder[ai]'."""
    from ..suggestions import suggest_with_model

    with progress_bar("asking the model", as_json) as advance:
        report = suggest_with_model(state.store(), split_ids(codes) or [], model,
                                    split_ids(cases) or [], limit, source, state.coder,
                                    progress=advance)
    _report(report, as_json)


@suggest_group.command("list")
@click.option("--source", metavar="NAME", help="Only this source.")
@click.option("--code", "codes", metavar="IDS", help="Only these codes.")
@click.option("--status", type=click.Choice(["open", "accepted", "rejected", "all"]),
              default="open", show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print them as JSON.")
@pass_state
def suggest_list(state: State, source: str | None, codes: str | None, status: str,
                 as_json: bool) -> None:
    """The suggestions (none on the excerpts of your open reliability round)."""
    from ..suggestions import listing, sources

    store = state.store()
    rows = listing(store, state.coder, source, split_ids(codes) or [],
                   None if status == "all" else status)
    if as_json:
        emit_json({"suggestions": len(rows), "sources": sources(store), "results": [
            {k: r[k] for k in ("id", "excerpt", "code_id", "source", "model", "reason",
                               "status", "decided_by", "decided_at", "created")}
            for r in rows]})
        return
    if not rows:
        echo(f"no {'' if status == 'all' else status + ' '}suggestions")
        return
    print_table(None, ["id", "excerpt", "code", "source", "status", "reason"],
                [[str(r["id"]), r["excerpt"], r["code_id"], r["source"], r["status"],
                  r["reason"]] for r in rows], justify_numbers=False)


def _decide(state: State, ids: tuple[int, ...], accept: bool, as_json: bool) -> None:
    from ..suggestions import decide

    if not ids:
        raise click.UsageError("give the ids of the suggestions (see 'qcoder suggest list')")
    rows = decide(state.store(), state.require_coder(), list(ids), accept)
    word = "accepted" if accept else "rejected"
    if as_json:
        emit_json({word: [r["id"] for r in rows]})
        return
    for r in rows:
        echo(f"{word} {r['id']}: {r['code_id']} on "
             f"{r['case_id']}/{r['stem']}#{r['n']}" + (" (now your coding)" if accept else ""))


@suggest_group.command("accept")
@click.argument("ids", nargs=-1, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the ids as JSON.")
@pass_state
def suggest_accept(state: State, ids: tuple[int, ...], as_json: bool) -> None:
    """Accept suggestions: each becomes your coding (undoable), noted in the audit trail."""
    _decide(state, ids, True, as_json)


@suggest_group.command("reject")
@click.argument("ids", nargs=-1, type=int)
@click.option("--json", "as_json", is_flag=True, help="Print the ids as JSON.")
@pass_state
def suggest_reject(state: State, ids: tuple[int, ...], as_json: bool) -> None:
    """Reject suggestions (recorded with who and when; no coding is made)."""
    _decide(state, ids, False, as_json)
