"""Consensus commands: ``qcoder consensus`` (scripted adjudication) and ``qcoder adjudications``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from ..errors import QcoderError
from .base import State, echo, emit_json, pass_state, split_ids
from .root import cli

if TYPE_CHECKING:
    from ..coding import Outcome
    from ..consensus import Consensus, Item


def _item_lines(item: Item) -> list[str]:
    alpha = "–" if item.alpha is None else f"{item.alpha:.3f}"
    few = f", {item.units} units: too few units" if item.too_few else ""
    lines = [f"{item.ref}  {item.code_id} (alpha {alpha}{few})", f"  {_quote(item.text)}"]
    width = max((len(v.coder) for v in item.versions), default=0)
    for v in item.versions:
        mark = "applied" if v.applied else "not applied"
        memo = f"  memo: {v.memo}" if v.memo else ""
        lines.append(f"  {v.coder:<{width}}  {mark}{memo}")
    return lines


def _quote(text: str) -> str:
    from ..reliability.data import trim_quote

    return trim_quote(text)


@cli.command()
@click.option("--coders", metavar="A,B,...",
              help="Coders whose disagreements to settle (default: all except consensus).")
@click.option("--case", "case", metavar="ID", help="Only the excerpts of this case.")
@click.option("--code", metavar="ID", help="Only this code and the codes below it (of a "
              "group: its codes); with --excerpt, the code to decide.")
@click.option("--auto-agreed", is_flag=True,
              help="Carry every coding all the coders agree on into consensus (one action).")
@click.option("--excerpt", "ref", metavar="REF", help="Decide on this excerpt (case/doc#n).")
@click.option("--keep", is_flag=True, help="Consensus applies the code.")
@click.option("--drop", is_flag=True, help="Consensus does not have the code.")
@click.option("--pick", metavar="CODER", help="Consensus takes this coder's version of the code.")
@click.option("--reason", default="", help="Why (goes to the adjudication log).")
@click.option("--undo", is_flag=True, help="Undo consensus's latest action.")
@click.option("--redo", is_flag=True, help="Redo the action undone last.")
@click.option("--limit", type=click.IntRange(min=0), default=20, show_default=True,
              metavar="N", help="Disagreements to list.")
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def consensus(state: State, coders: str | None, case: str | None, code: str | None,
              auto_agreed: bool, ref: str | None, keep: bool, drop: bool, pick: str | None,
              reason: str, undo: bool, redo: bool, limit: int, as_json: bool) -> None:
    """Settle disagreements into the 'consensus' coder, decided by --coder.

    Without an action: list the disagreements left, the code with the lowest alpha first.
    Each decision (--excerpt REF --code ID with --keep, --drop or --pick CODER, and --reason)
    is one undoable action and a line of the adjudication log.
    """
    from ..consensus import Consensus

    chosen = [name for name, on in (("keep", keep), ("drop", drop), ("pick", pick)) if on]
    decision = chosen[0] if chosen else None
    actions = sum((auto_agreed, ref is not None, undo, redo))
    if actions > 1 or len(chosen) > 1:
        raise QcoderError("one action at a time: --auto-agreed, --excerpt with one of --keep, "
                          "--drop, --pick, or --undo, or --redo")
    if (ref is None) != (decision is None):
        raise QcoderError("a decision needs --excerpt REF --code ID and one of --keep, --drop "
                          "or --pick CODER")
    from ..rounds import refuse_if_blind

    store = state.store()
    refuse_if_blind(store, state.coder, "consensus")
    codebook = store.codebook()
    work = Consensus(store, codebook, state.coder if not actions else state.require_coder(),
                     split_ids(coders))
    if not actions:
        _list(work, case, code, limit, as_json)
        return
    if auto_agreed:
        carried = work.carry_agreed(case)
        if as_json:
            emit_json({"coders": list(work.coders), **carried.to_dict()})
        elif carried.action_id is None:
            echo("nothing to carry: consensus already has every agreed coding")
        else:
            echo(f"carried {carried.codings} agreed codings on {carried.excerpts} excerpts "
                       f"of {', '.join(work.coders)} into consensus (undo: qcoder consensus "
                       "--undo)")
        return
    if undo or redo:
        _report_step(work.undo() if undo else work.redo(), "undone" if undo else "redone",
                     as_json)
        return
    assert ref is not None and decision is not None
    _decide(work, ref, code, decision, pick, reason, as_json)


def _list(work: Consensus, case: str | None, code: str | None, limit: int,
          as_json: bool) -> None:
    from ..consensus import count_pending

    queue = work.queue(case, code)
    shown = [work.item(p) for p in queue[:limit]]
    if as_json:
        emit_json({"coders": list(work.coders), "total": len(queue),
                   "codes": count_pending(queue), "disagreements": [i.to_dict() for i in shown]})
        return
    per_code = count_pending(queue)
    echo(f"{len(queue)} disagreements left among {', '.join(work.coders)} on "
               f"{len(per_code)} codes")
    for item in shown:
        echo()
        for line in _item_lines(item):
            echo(line)
    if len(shown) < len(queue):
        echo(f"\n… {len(queue) - len(shown)} more; raise --limit to see them")


def _decide(work: Consensus, ref: str, code: str | None, decision: str, pick: str | None,
            reason: str, as_json: bool) -> None:
    if code is None:
        raise QcoderError("a decision needs --code ID (the code in dispute)")
    if not reason.strip():
        raise QcoderError("a decision needs --reason TEXT; it goes to the adjudication log")
    row = work.store.excerpt_by_ref(ref)
    if row is None:
        raise QcoderError(f"unknown excerpt '{ref}'; references look like case-id/document#n")
    outcome = work.decide(row.id, code, decision, pick, reason)
    now_codes = list(work.store.codes_of(row.id, "consensus"))
    if as_json:
        emit_json({"excerpt": ref, "code": code, "decision": decision, "source_coder": pick,
                   "reason": reason.strip(), "decided_by": work.decided_by,
                   "added": outcome.added, "removed": outcome.removed, "consensus": now_codes})
        return
    what = f"pick {pick}" if decision == "pick" else decision
    echo(f"{ref} {code}: {what} — consensus now: {', '.join(now_codes) or '(no code)'}")


def _report_step(outcome: Outcome, verb: str, as_json: bool) -> None:
    if as_json:
        emit_json({"action_id": outcome.action_id, "added": outcome.added,
                   "removed": outcome.removed})
    elif outcome.action_id is None:
        echo(f"nothing to be {verb}")
    else:
        changes = [f"+{c}" for c in outcome.added] + [f"-{c}" for c in outcome.removed]
        echo(f"{verb} consensus action {outcome.action_id}"
                   + (f": {' '.join(changes[:10])}" if changes else ""))


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Machine-readable output.")
@pass_state
def adjudications(state: State, as_json: bool) -> None:
    """The adjudication log: who decided what about which excerpt and code, why and when;
    a carry of the agreed codings is one entry with its counts."""
    from ..consensus import decision_log

    log = decision_log(state.store())
    if as_json:
        emit_json({"total": len(log), "adjudications": log})
        return
    if not log:
        echo("no adjudications yet; settle disagreements with 'qcoder consensus'")
        return
    from .agreement_view import print_wide

    rows = [[r["at"][:19].replace("T", " "), r["excerpt"] or "(all agreed)", r["code"],
             f"pick {r['source_coder']}" if r["decision"] == "pick" else r["decision"],
             r["decided_by"], r["reason"]] for r in log]
    print_wide(f"{len(log)} adjudications", ["when (UTC)", "excerpt", "code", "decision",
                                             "decided by", "reason"], rows, set())
