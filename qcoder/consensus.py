"""Consensus: settle the coders' disagreements into the codings of the ``consensus`` coder.

For each (excerpt, code) on which the selected coders differ, someone decides:

- ``keep``: consensus applies the code (in an exclusive group it replaces consensus's
  other code of that group);
- ``drop``: consensus does not have the code;
- ``pick``: consensus takes one coder's decision about that code, memo included.

Each decision is one undoable action of the consensus coder: its codings, its review of the
excerpt and a row of the adjudication log (who decided what, why and when) change together,
and ``undo`` takes all of them back. Codings on which all the coders agree can be carried
into consensus in one action first, so that only the disagreements need a decision.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .coding import Coding, Outcome, check_coder
from .errors import InputError, QcoderError
from .project.codebook import Codebook
from .reliability.agreement import (
    CONSENSUS,
    MIN_UNITS,
    AgreementData,
    disagreement_pairs,
    needs_decision,
    report,
)
from .reliability.data import excerpt_refs, load_agreement_data, select_case, select_coders
from .store import codings as db
from .store import events
from .store.adjudications import write_adjudication
from .store.database import Store, now
from .store.reports import carry_log

DECISIONS = ("keep", "drop", "pick")


@dataclass(frozen=True)
class Pending:
    """A disagreement still to decide, the alpha of its code (None: undefined) and the
    pairable excerpts it stands on (fewer than ``MIN_UNITS``: too few units)."""

    excerpt_id: int
    code_id: str
    alpha: float | None
    units: int = 0


@dataclass(frozen=True)
class Version:
    """One coder's side: whether they applied the code in dispute (and its memo), every
    code they applied to the excerpt (with memos) and their memo on the excerpt."""

    coder: str
    applied: bool
    memo: str | None
    codes: dict[str, str | None]
    excerpt_memo: str


@dataclass(frozen=True)
class Item:
    """Everything needed to decide one disagreement."""

    excerpt_id: int
    ref: str
    case_id: str
    text: str
    code_id: str
    alpha: float | None
    versions: tuple[Version, ...]
    consensus: dict[str, str | None]  # consensus's codes on the excerpt so far, with memos
    units: int = 0

    @property
    def too_few(self) -> bool:
        """The code's alpha stands on fewer than ``MIN_UNITS`` pairable excerpts."""
        return self.units < MIN_UNITS

    def to_dict(self) -> dict[str, Any]:
        return {
            "excerpt": self.ref,
            "case": self.case_id,
            "code": self.code_id,
            "alpha": self.alpha,
            "units": self.units,
            "flag": "too few units" if self.too_few else None,
            "text": self.text,
            "coders": [
                {"coder": v.coder, "applied": v.applied, "memo": v.memo or "",
                 "codes": list(v.codes), "excerpt_memo": v.excerpt_memo}
                for v in self.versions
            ],
            "consensus": list(self.consensus),
        }


@dataclass(frozen=True)
class Progress:
    """How far the consensus is: disagreements among the coders (excerpt, code) that need a
    decision (as the queue lists them) and how many are decided; excerpts reviewed by two or
    more coders, and how many are unsettled (an open disagreement, or no consensus review
    yet)."""

    disagreements: int
    settled: int
    excerpts: int
    unsettled: int

    @property
    def open(self) -> int:
        return self.disagreements - self.settled

    @property
    def finished(self) -> bool:
        return self.open == 0 and self.unsettled == 0

    def statement(self) -> str:
        """"N of M disagreements settled; K excerpts unsettled", the words of every note."""
        return (f"{self.settled} of {self.disagreements} disagreement"
                f"{'s' if self.disagreements != 1 else ''} settled; {self.unsettled} "
                f"excerpt{'s' if self.unsettled != 1 else ''} unsettled")

    def to_dict(self) -> dict[str, Any]:
        return {"disagreements": self.disagreements, "settled": self.settled,
                "open": self.open, "excerpts": self.excerpts, "unsettled": self.unsettled,
                "finished": self.finished}


@dataclass(frozen=True)
class Carried:
    """What carrying the agreed codings did (``action_id`` None: nothing to carry)."""

    action_id: int | None
    codings: int
    excerpts: int

    def to_dict(self) -> dict[str, Any]:
        return {"action_id": self.action_id, "codings": self.codings, "excerpts": self.excerpts}


class _ConsensusCoding(Coding):
    """The consensus coder's actions: one decision, or the agreed codings in bulk."""

    def adjudicate(self, excerpt_id: int, code_id: str, want: bool, memo: str | None,
                   set_memo: bool, record: dict[str, Any]) -> Outcome:
        """Make consensus have the code (``want``) or not, log ``record``; one action."""
        with self.store.transaction() as conn:
            self._check_excerpt(conn, excerpt_id)
            present = db.codes_present(conn, excerpt_id, self.coder)
            action = self._new_action(conn)
            added: list[str] = []
            removed: list[str] = []
            if want:
                removed = self._replace_siblings(conn, action, excerpt_id, code_id, present)
                if code_id not in present:
                    self._add(conn, action, excerpt_id, code_id, memo)
                    added.append(code_id)
                elif set_memo and present[code_id] != memo:
                    db.update_coding_memo(conn, excerpt_id, code_id, self.coder, memo)
                    self._event(conn, action, "coding-memo", excerpt_id, code_id,
                                before=present[code_id], after=memo)
            elif code_id in present:
                self._remove(conn, action, excerpt_id, code_id)
                removed.append(code_id)
            self._review(conn, action, excerpt_id)
            write_adjudication(conn, excerpt_id, code_id, record, action)
            self._event(conn, action, "adjudication", excerpt_id, code_id, after=record)
            return Outcome(action, added, removed, excerpt_id)

    def carry(self, codings: list[tuple[int, str]], reviews: list[int],
              decided_by: str = "") -> int:
        """Add ``(excerpt_id, code_id)`` codings and reviews in one action; its id. A
        ``carry`` event records who carried how much: the adjudication log shows it as one
        entry (undo and redo pass over it, as it changes nothing by itself)."""
        with self.store.transaction() as conn:
            action = self._new_action(conn)
            stamp = now()
            summary = {"decided_by": decided_by, "codings": len(codings),
                       "excerpts": len({e for e, _ in codings} | set(reviews)), "at": stamp}
            self._event(conn, action, "carry", None, after=summary)
            db.insert_codings(conn, [(e, c, self.coder, stamp) for e, c in codings],
                              self._stamps)
            db.insert_reviews(conn, [(e, self.coder, stamp) for e in reviews])
            events.append_many(conn, [(action, self.coder, stamp, "add", e, c, None, json.dumps(
                {"memo": None, "created": stamp,
                 "stamp": list(self._stamps.get(c, ("unknown", "")))}), "done")
                for e, c in codings])
            events.append_many(conn, [(action, self.coder, stamp, "review", e, None, None, None,
                                       "done") for e in reviews])
            return action


class Consensus:
    """Adjudication of the disagreements among ``coders`` (default: every coder but
    consensus), decided by ``decided_by`` (None: look, but decide nothing)."""

    def __init__(self, store: Store, codebook: Codebook, decided_by: str | None,
                 coders: Sequence[str] | None = None) -> None:
        self.decided_by = check_coder(decided_by) if decided_by is not None else None
        if self.decided_by == CONSENSUS:
            raise QcoderError(f"'{CONSENSUS}' cannot decide; pass your own name with --coder")
        self.store = store
        self.codebook = codebook
        self.coders = select_coders(store, coders)
        self.coding = _ConsensusCoding(store, codebook, CONSENSUS)

    # -- what is left to decide -------------------------------------------------------------
    def _code_ids(self, code: str | None) -> list[str]:
        """The codes to list: all that can be applied, or ``code`` and the codes below it
        (an exclusive group: its codes), whose decisions settle ``code``'s disagreements."""
        if code is None:
            return [c.id for c in self.codebook if not c.exclusive]
        if code not in self.codebook:
            raise QcoderError(f"unknown code '{code}'; see 'qcoder codebook check' for the ids")
        below = [c for c in self.codebook.descendants(code) if not self.codebook[c].exclusive]
        return below if self.codebook[code].exclusive else [code, *below]

    def _data(self, case: str | None) -> AgreementData:
        return load_agreement_data(self.store, self.coders, select_case(self.store, case),
                                   codebook=self.codebook)

    def queue(self, case: str | None = None, code: str | None = None) -> list[Pending]:
        """Disagreements not decided yet: the code with the lowest alpha first, then in the
        order of the excerpts (case by case). A parent's disagreement is listed only where a
        coder applied the parent itself; elsewhere the decisions on the codes below it
        settle it (``agreement.needs_decision``)."""
        data = self._data(case)
        code_ids = self._code_ids(code)
        excerpts, codes = disagreement_pairs(data, code_ids, list(self.coders), decisions=True)
        if not excerpts.size:
            return []
        disputed = [code_ids[i] for i in np.unique(codes).tolist()]
        results = {r.id: r for r in report(data, disputed, coders=self.coders).codes}
        alphas = {c: r.alpha for c, r in results.items()}
        order = sorted(disputed, key=lambda c: (alphas[c] is None, alphas[c] or 0.0))
        rank = np.zeros(len(code_ids), dtype=np.int64)
        rank[[code_ids.index(c) for c in order]] = np.arange(len(order))
        done = self._decided()
        if done:
            keep = [(e, code_ids[c]) not in done for e, c in
                    zip(excerpts.tolist(), codes.tolist(), strict=True)]
            excerpts, codes = excerpts[keep], codes[keep]
        by_rank = np.argsort(rank[codes], kind="stable")  # stable: keeps the excerpt order
        return [Pending(e, code_ids[c], alphas[code_ids[c]], results[code_ids[c]].units)
                for e, c in zip(excerpts[by_rank].tolist(), codes[by_rank].tolist(), strict=True)]

    def _decided(self) -> set[tuple[int, str]]:
        return self.store.decided_pairs()

    def item(self, pending: Pending) -> Item:
        """The excerpt, each coder's version and consensus's codes so far."""
        excerpt_id, code_id = pending.excerpt_id, pending.code_id
        ref, case_id, text = excerpt_refs(self.store, [excerpt_id])[excerpt_id]
        versions = []
        for coder in self.coders:
            codes = self.store.codes_of(excerpt_id, coder)
            if not codes and not self.store.is_reviewed(excerpt_id, coder):
                continue
            versions.append(Version(coder, code_id in codes, codes.get(code_id), codes,
                                    self.store.memo_of(excerpt_id, coder)))
        return Item(excerpt_id, ref, case_id, text, code_id, pending.alpha, tuple(versions),
                    self.store.codes_of(excerpt_id, CONSENSUS), pending.units)

    # -- deciding ---------------------------------------------------------------------------
    def _decider(self) -> str:
        if self.decided_by is None:
            raise QcoderError("no coder given; pass --coder NAME (who decides) or set "
                              "QCODER_CODER")
        return self.decided_by

    def decide(self, excerpt_id: int, code_id: str, decision: str,
               source_coder: str | None = None, reason: str = "") -> Outcome:
        """Record one decision (keep, drop, or pick ``source_coder``'s version) as one
        undoable action of the consensus coder, logged with ``reason``."""
        decided_by = self._decider()
        if decision not in DECISIONS:
            raise InputError(f"unknown decision '{decision}'; use one of {', '.join(DECISIONS)}")
        if code_id not in self.codebook or self.codebook[code_id].exclusive:
            raise InputError(f"'{code_id}' is not a code that can be applied; see "
                             "'qcoder codebook check' for the ids")
        memo: str | None = None
        set_memo = False
        if decision == "pick":
            if source_coder not in self.coders:
                raise InputError(f"pick needs one of the coders: {', '.join(self.coders)}")
            codes = self.store.codes_of(excerpt_id, source_coder)
            if not codes and not self.store.is_reviewed(excerpt_id, source_coder):
                raise InputError(f"{source_coder} has not reviewed this excerpt; pick a coder "
                                 "who has")
            want, memo, set_memo = code_id in codes, codes.get(code_id), True
        elif source_coder is not None:
            raise InputError(f"'{decision}' takes no coder; use pick to take a coder's version")
        else:
            want = decision == "keep"
            if want:
                memo = self.store.codes_of(excerpt_id, CONSENSUS).get(code_id)
        record = {"decision": decision, "source_coder": source_coder,
                  "reason": (reason or "").strip(), "decided_by": decided_by, "at": now()}
        return self.coding.adjudicate(excerpt_id, code_id, want, memo, set_memo, record)

    def carry_agreed(self, case: str | None = None) -> Carried:
        """In one action, give consensus every coding on which all the coders who reviewed
        an excerpt (two or more) agree, and mark reviewed the excerpts they agree on
        entirely. Never changes what consensus already has, nor a decided (excerpt, code)."""
        self._decider()
        data = self._data(case)
        code_ids = [c.id for c in self.codebook if not c.exclusive and c.id in data.code_ids]
        reviewers = data.reviewed.sum(axis=0)
        pairable = reviewers >= 2
        # One roll-up rule (agreement's and the queue's): a code is agreed where every
        # reviewer applied it or a code below it. It is carried where some reviewer applied
        # the code itself (``needs_decision``): a parent coded only through its children
        # comes with them, as consensus then has the parent exactly when it has one of them.
        disputed_ids, _ = disagreement_pairs(data, self._code_ids(None), list(self.coders))
        disputed = np.isin(data.excerpt_ids, disputed_ids)
        have = self.store.coded_pairs(CONSENSUS)
        held = {e for e, _ in have}
        skip = have | self._decided()
        groups = {c: self.codebook.group_of(c) for c in code_ids}
        taken = {(e, groups[c]) for e, c in have if groups.get(c)}
        codings: list[tuple[int, str]] = []
        for code_id in code_ids:
            appliers = (data.rolled_up(code_id) & data.reviewed).sum(axis=0)
            agreed_on = pairable & (appliers == reviewers) & needs_decision(data, code_id)
            for excerpt_id in data.excerpt_ids[agreed_on].tolist():
                if (excerpt_id, code_id) in skip or (excerpt_id, groups[code_id]) in taken:
                    continue
                codings.append((excerpt_id, code_id))
        reviewed = self.store.reviewed_ids(CONSENSUS)
        agreed = set(data.excerpt_ids[pairable & ~disputed].tolist())
        reviews = sorted((agreed | {e for e, _ in codings}) - reviewed - held)
        if not codings and not reviews:
            return Carried(None, 0, 0)
        action = self.coding.carry(codings, reviews, self._decider())
        return Carried(action, len(codings), len({e for e, _ in codings} | set(reviews)))

    def progress(self, case: str | None = None) -> Progress:
        """How many disagreements are decided, and how many excerpts reviewed by two or more
        coders still have an open disagreement or no consensus review."""
        data = self._data(case)
        code_ids = self._code_ids(None)
        excerpts, codes = disagreement_pairs(data, code_ids, list(self.coders), decisions=True)
        done = self._decided()
        open_excerpts = {e for e, c in zip(excerpts.tolist(), codes.tolist(), strict=True)
                         if (e, code_ids[c]) not in done}
        settled = sum(1 for e, c in zip(excerpts.tolist(), codes.tolist(), strict=True)
                      if (e, code_ids[c]) in done)
        sub = data.subset(coders=list(self.coders))
        pairable = set(sub.excerpt_ids[sub.reviewed.sum(axis=0) >= 2].tolist())
        reviewed = self.store.reviewed_ids(CONSENSUS)
        unsettled = open_excerpts | (pairable - reviewed)
        return Progress(int(excerpts.size), settled, len(pairable), len(unsettled & pairable))

    def undo(self) -> Outcome:
        """Undo consensus's latest action (a decision or a carry), adjudication row included."""
        self._decider()
        return self.coding.undo()

    def redo(self) -> Outcome:
        """Redo the consensus action undone last."""
        self._decider()
        return self.coding.redo()


def decision_log(store: Store) -> list[dict[str, Any]]:
    """The adjudication log with each bulk carry of agreed codings as one entry (decision
    ``carry-agreed``, no excerpt or code, ``codings`` and ``excerpts`` its counts), in the
    order taken."""
    carries = [{"excerpt": "", "code": "", "decision": "carry-agreed", "source_coder": "",
                "reason": f"{c['codings']} agreed codings on {c['excerpts']} excerpts carried",
                "decided_by": c.get("decided_by", ""), "at": c["at"],
                "codings": c["codings"], "excerpts": c["excerpts"]}
               for c in carry_log(store)]
    return sorted([*carries, *store.adjudication_log()], key=lambda r: r["at"])


def count_pending(queue: Sequence[Pending]) -> dict[str, int]:
    """How many disagreements are left per code."""
    out: dict[str, int] = {}
    for p in queue:
        out[p.code_id] = out.get(p.code_id, 0) + 1
    return out
