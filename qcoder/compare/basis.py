"""Whose codings a table counts: one coder, the consensus, or several coders pooled."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import QcoderError
from ..store import reads
from ..store.database import CONSENSUS, Store


@dataclass(frozen=True)
class Basis:
    """Whose codings a table counts: ``kind`` is ``consensus``, ``coder`` or ``pooled``."""

    kind: str
    coders: tuple[str, ...]
    default: bool = False
    everyone: bool = True  # pooled: every coder but consensus, not a chosen few

    def describe(self) -> str:
        if self.kind == "consensus":
            text = f"consensus codings (coder '{CONSENSUS}')"
        elif self.kind == "coder":
            text = f"codings of coder '{self.coders[0]}'"
        elif not self.coders:
            text = "all coders pooled (no codings yet)"
        elif len(self.coders) == 1:
            text = f"codings of coder '{self.coders[0]}' (the only coder)"
        else:
            who = "all coders" if self.everyone else "coders"
            text = (f"{who} pooled ({', '.join(self.coders)}): an excerpt is coded or "
                    "reviewed when any of them coded or reviewed it")
        if self.default:
            why = ("the project has consensus codings" if self.kind == "consensus"
                   else "no consensus codings yet")
            text += f" [default: {why}]"
        return text

    def __str__(self) -> str:
        return self.describe()

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "coders": list(self.coders), "default": self.default,
                "description": self.describe()}


def resolve_basis(store: Store, coders: Sequence[str] | None = None, consensus: bool = False,
                  pooled: bool = False) -> Basis:
    """The basis the user asked for; without a choice, the consensus where the project has
    consensus codings, else every coder but ``consensus`` pooled.

    Several ``coders`` are pooled. Unknown coders, or ``consensus`` without consensus
    codings, raise :class:`QcoderError`.
    """
    chosen = sum((bool(coders), consensus, pooled))
    if chosen > 1:
        raise QcoderError("choose one basis: --coder NAME (repeatable), --consensus or --pooled")
    known = store.coders()
    has_consensus = _has_consensus(store)
    if coders:
        unknown = [c for c in coders if c not in known]
        if unknown:
            raise QcoderError(f"unknown coder '{unknown[0]}'; known coders: "
                              f"{', '.join(known) or 'none yet'}")
        names = tuple(dict.fromkeys(coders))
        if names == (CONSENSUS,):
            return Basis("consensus", names)
        if len(names) == 1:
            return Basis("coder", names)
        return Basis("pooled", names, everyone=False)
    if consensus:
        if not has_consensus:
            raise QcoderError(f"the project has no consensus codings yet (coder '{CONSENSUS}');"
                              " use --pooled or --coder NAME")
        return Basis("consensus", (CONSENSUS,))
    everyone = tuple(c for c in known if c != CONSENSUS)
    if pooled:
        return Basis("pooled", everyone)
    if has_consensus:
        return Basis("consensus", (CONSENSUS,), default=True)
    return Basis("pooled", everyone, default=True)


def _has_consensus(store: Store) -> bool:
    return reads.has_consensus(store)
