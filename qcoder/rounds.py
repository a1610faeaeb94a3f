"""Reliability rounds: a drawn sample (or whole documents) assigned to coders, then closed.

A sample is reproducible: in each stratum the excerpts are sorted by their content identity
(the same on every machine for the same project files) and drawn with a ``random.Random``
seeded by the round's seed and the stratum's name, so the same project and seed give the
same excerpts wherever the round is started. Each stratum gives ``PERCENT/100 × its
excerpts`` rounded half up, at least 1. Closing a round freezes what its coders had
reviewed and applied on its excerpts; later codings there are not part of it.
"""

from __future__ import annotations

import difflib
import json
import random
import re
import secrets
from collections.abc import Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Literal

from .coding import check_coder
from .errors import QcoderError
from .store import rounds as sql
from .store.database import CONSENSUS, Store, now

Strata = Literal["case", "document", "none"]
ROUND_NAME = re.compile(r"^[\w][\w.-]{0,39}$")


@dataclass(frozen=True)
class Round:
    """A round as stored: how it was drawn, its coders and its excerpts."""

    id: int
    name: str
    kind: str  # "sample" or "documents"
    percent: float | None
    strata: str
    seed: int | None
    from_unreviewed: bool
    pool: int
    strata_sizes: dict[str, list[int]]  # stratum -> [drawn, of]
    codebook_version: str
    started_by: str
    started: str
    closed: str | None
    coders: tuple[str, ...]
    excerpt_ids: tuple[int, ...] = field(repr=False)

    @property
    def is_open(self) -> bool:
        return self.closed is None

    @property
    def size(self) -> int:
        return len(self.excerpt_ids)

    @property
    def share(self) -> float:
        """The sample as a percentage (0-100) of the excerpts it was drawn from."""
        return round(100 * self.size / self.pool, 1) if self.pool else 0.0

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready description (no excerpt list): the ``round`` of agreement and show."""
        return {
            "name": self.name, "kind": self.kind, "excerpts": self.size, "pool": self.pool,
            "percent": self.percent, "share": self.share,
            "strata": {"by": self.strata, "sizes": [
                {"stratum": k, "excerpts": v[0], "of": v[1]}
                for k, v in self.strata_sizes.items()]},
            "seed": self.seed, "from_unreviewed": self.from_unreviewed,
            "coders": list(self.coders), "codebook_version": self.codebook_version,
            "started_by": self.started_by, "started": self.started, "closed": self.closed,
            "status": "open" if self.is_open else "closed",
        }


def _round(store: Store, row: dict[str, Any]) -> Round:
    return Round(
        id=row["id"], name=row["name"], kind=row["kind"], percent=row["percent"],
        strata=row["strata"], seed=row["seed"], from_unreviewed=bool(row["from_unreviewed"]),
        pool=row["pool"], strata_sizes=json.loads(row["strata_sizes"] or "{}"),
        codebook_version=row["codebook_version"], started_by=row["started_by"],
        started=row["started"], closed=row["closed"],
        coders=tuple(sql.round_coders(store.conn, row["id"])),
        excerpt_ids=tuple(sql.round_excerpt_ids(store.conn, row["id"])))


def rounds(store: Store) -> list[Round]:
    """Every round, oldest first."""
    return [_round(store, r) for r in sql.round_rows(store.conn)]


def get_round(store: Store, name: str) -> Round:
    """The round called ``name``; QcoderError naming the known rounds if there is none."""
    rows = sql.round_rows(store.conn, name)
    if rows:
        return _round(store, rows[0])
    known = [r["name"] for r in sql.round_rows(store.conn)]
    hint = near_miss(name, known)
    fix = (f"did you mean '{hint}'?" if hint else
           f"known rounds: {', '.join(known)}" if known else
           "start one with 'qcoder round start NAME --sample 20 --coders A,B'")
    raise QcoderError(f"no round '{name}'; {fix}")


def open_rounds_of(store: Store, coder: str | None) -> list[str]:
    """Names of the open rounds in which ``coder`` codes (none for no coder)."""
    return sql.open_rounds_of(store.conn, coder) if coder else []


def blind_excerpts(store: Store, coder: str) -> list[int]:
    """Excerpts of the open rounds ``coder`` codes in: others' work there stays hidden."""
    return sql.open_round_excerpts_of(store.conn, coder)


def in_open_round(store: Store, coder: str, excerpt_id: int) -> bool:
    """True when the excerpt belongs to an open round ``coder`` codes in."""
    return sql.in_open_round_of(store.conn, coder, excerpt_id)


def refuse_if_blind(store: Store, coder: str | None, what: str) -> None:
    """QcoderError when ``coder`` codes in an open round: ``what`` would show them others'
    codings on its excerpts."""
    names = open_rounds_of(store, coder)
    if names:
        raise QcoderError(
            f"{what} would show other coders' codings to {coder}, who codes in the open round "
            f"'{names[0]}'; run it as another coder, or after 'qcoder round close {names[0]}'")


# -- checks ---------------------------------------------------------------------------------
def near_miss(name: str, known: Sequence[str]) -> str | None:
    """A known name that differs from ``name`` only by case or by one letter (added,
    dropped or changed), if any."""
    low = name.casefold()
    for other in known:
        if other == name:
            continue
        o = other.casefold()
        if o == low or _one_edit(low, o):
            return other
    return None


def _one_edit(a: str, b: str) -> bool:
    if abs(len(a) - len(b)) > 1:
        return False
    if len(a) == len(b):
        return sum(x != y for x, y in zip(a, b, strict=True)) == 1
    short, long = (a, b) if len(a) < len(b) else (b, a)
    return any(long[:i] + long[i + 1:] == short for i in range(len(long)))


def check_coders(store: Store, coders: Sequence[str]) -> tuple[str, ...]:
    """Valid names, no consensus, none a near miss of a known coder (new names are fine)."""
    if not coders:
        raise QcoderError("no coders given; pass --coders A,B (new names are registered)")
    known = store.coders()
    out: list[str] = []
    for raw in coders:
        name = check_coder(raw)
        if name == CONSENSUS:
            raise QcoderError(f"'{CONSENSUS}' holds settled codings, not a coder's; choose "
                              "the coders who code the round, e.g. --coders amira,ben")
        if name not in known:
            hint = near_miss(name, known)
            if hint:
                raise QcoderError(f"coder '{name}' is new but close to the known coder "
                                  f"'{hint}'; did you mean '{hint}'? (pass a clearly "
                                  "different name for a new coder)")
        if name not in out:
            out.append(name)
    return tuple(out)


def _check_name(store: Store, name: str) -> str:
    name = (name or "").strip()
    if not ROUND_NAME.match(name):
        raise QcoderError(f"invalid round name '{name}': use letters, digits and . _ - "
                          "(at most 40 characters), e.g. pilot")
    if sql.round_rows(store.conn, name):
        raise QcoderError(f"round '{name}' exists; choose another name (see 'qcoder round "
                          "list')")
    return name


def stratum_size(percent: float, n: int) -> int:
    """``percent/100 × n`` rounded half up, at least 1 (0 for an empty stratum)."""
    if n == 0:
        return 0
    exact = Fraction(str(percent)) * n / 100
    return max(1, int(exact + Fraction(1, 2)))


# -- drawing --------------------------------------------------------------------------------
def draw_sample(pool: Sequence[tuple[int, str, str, str, int]], percent: float, by: Strata,
                seed: int, from_unreviewed: bool = False
                ) -> tuple[list[tuple[int, str]], dict[str, list[int]]]:
    """The drawn excerpts (id, stratum) in the pool's order, and each stratum's [drawn, of].

    ``pool`` rows are (id, identity, case id, stem, reviewed by someone). Each stratum's size
    comes from all its excerpts; with ``from_unreviewed`` they are drawn from those nobody
    reviewed (QcoderError when a stratum has too few).
    """
    strata: dict[str, list[tuple[str, int]]] = {}
    totals: dict[str, int] = {}
    for excerpt_id, identity, case_id, stem, reviewed in pool:
        key = case_id if by == "case" else f"{case_id}/{stem}" if by == "document" else ""
        totals[key] = totals.get(key, 0) + 1
        if not (from_unreviewed and reviewed):
            strata.setdefault(key, []).append((identity, excerpt_id))
    chosen: set[int] = set()
    sizes: dict[str, list[int]] = {}
    for key in sorted(totals):
        want = stratum_size(percent, totals[key])
        candidates = sorted(strata.get(key, []))
        if want > len(candidates):
            where = f" in {key}" if key else ""
            raise QcoderError(
                f"--sample {percent:g} needs {want} excerpts{where} but only "
                f"{len(candidates)} are unreviewed; lower --sample or drop --from-unreviewed")
        rng = random.Random(f"qcoder-round\0{seed}\0{key}")
        chosen.update(e for _, e in rng.sample(candidates, want))
        sizes[key] = [want, totals[key]]
    drawn = []
    for excerpt_id, _identity, case_id, stem, _reviewed in pool:
        if excerpt_id in chosen:
            key = case_id if by == "case" else f"{case_id}/{stem}" if by == "document" else ""
            drawn.append((excerpt_id, key))
    return drawn, sizes


def start_round(store: Store, name: str, percent: float, coders: Sequence[str], *,
                by: Strata = "case", seed: int | None = None, from_unreviewed: bool = False,
                started_by: str = "") -> Round:
    """Draw a stratified sample, assign it to every coder and open the round (one
    transaction: all of it is stored, or nothing)."""
    if not 0 < percent <= 100:
        raise QcoderError(f"--sample {percent:g}: give a percentage above 0 and at most 100, "
                          "e.g. --sample 20")
    if by not in ("case", "document", "none"):
        raise QcoderError(f"--by {by}: choose case, document or none")
    if seed is None:
        seed = secrets.randbelow(1_000_000)
    name = _check_name(store, name)
    chosen = check_coders(store, coders)
    with store.transaction() as conn:
        pool = sql.excerpt_pool(conn)
        if not pool:
            raise QcoderError("the project has no excerpts; run 'qcoder import' first")
        drawn, sizes = draw_sample(pool, percent, by, seed, from_unreviewed)
        stamp = now()
        round_id = sql.insert_round(conn, {
            "name": name, "kind": "sample", "percent": percent, "strata": by, "seed": seed,
            "from_unreviewed": int(from_unreviewed), "pool": len(pool),
            "strata_sizes": json.dumps(sizes, ensure_ascii=False),
            "codebook_version": store.meta("codebook_version", "") or "",
            "started_by": started_by, "started": stamp})
        sql.insert_round_coders(conn, round_id, chosen, stamp)
        sql.insert_round_excerpts(conn, round_id, drawn)
    return get_round(store, name)


def assign_documents(store: Store, name: str, documents: Sequence[str], coders: Sequence[str],
                     *, started_by: str = "") -> Round:
    """Assign whole documents (``case/stem``) to the coders as a round (one transaction)."""
    name = _check_name(store, name)
    chosen = check_coders(store, coders)
    if not documents:
        raise QcoderError("no documents given; pass --documents CASE/STEM,...")
    known = sql.document_refs(store.conn)
    with store.transaction() as conn:
        rows: list[tuple[int, str]] = []
        sizes: dict[str, list[int]] = {}
        for ref in dict.fromkeys(documents):
            case_id, _, stem = ref.partition("/")
            found = sql.document_excerpts(conn, case_id, stem) if stem else None
            if found is None:
                close = difflib.get_close_matches(ref, known, n=1)
                hint = near_miss(ref, known) or (close[0] if close else None)
                fix = f"did you mean '{hint}'?" if hint else "give CASE/STEM, see 'qcoder status'"
                raise QcoderError(f"no document '{ref}'; {fix}")
            rows.extend((excerpt_id, ref) for excerpt_id, _ in found)
            sizes[ref] = [len(found), len(found)]
        stamp = now()
        round_id = sql.insert_round(conn, {
            "name": name, "kind": "documents", "percent": None, "strata": "document",
            "seed": None, "from_unreviewed": 0, "pool": len(rows),
            "strata_sizes": json.dumps(sizes, ensure_ascii=False),
            "codebook_version": store.meta("codebook_version", "") or "",
            "started_by": started_by, "started": stamp})
        sql.insert_round_coders(conn, round_id, chosen, stamp)
        sql.insert_round_excerpts(conn, round_id, rows)
    return get_round(store, name)


def close_round(store: Store, name: str) -> Round:
    """Freeze the round: its coders' reviews and codings on its excerpts as they are now."""
    found = get_round(store, name)
    if not found.is_open:
        raise QcoderError(f"round '{name}' was closed on {found.closed}; nothing to do")
    with store.transaction() as conn:
        sql.close_round(conn, found.id, now())
    return get_round(store, name)


def progress(store: Store, found: Round) -> dict[str, int]:
    """Per coder of the round: its excerpts they reviewed (at close, for a closed round)."""
    counts = sql.reviewed_counts(store.conn, found.id, frozen=not found.is_open)
    return {c: counts.get(c, 0) for c in found.coders}


def excerpt_refs(store: Store, found: Round) -> list[dict[str, Any]]:
    """The round's excerpts in queue order: reference, stratum, active."""
    return sql.round_excerpt_refs(store.conn, found.id)


def show(store: Store, found: Round) -> dict[str, Any]:
    """The round, each coder's progress and its excerpts, JSON-ready."""
    done = progress(store, found)
    refs = excerpt_refs(store, found)
    return {
        "round": found.to_dict(),
        "coders": [{"coder": c, "reviewed": done[c], "total": found.size,
                    "percent": round(100 * done[c] / found.size, 1) if found.size else 0.0}
                   for c in found.coders],
        "excerpts": [{"excerpt": r["excerpt"], "stratum": r["stratum"],
                      "orphaned": not r["active"]} for r in refs],
    }


def queue_position(store: Store, found: Round, coder: str) -> tuple[int, int]:
    """(reviewed, total) of ``coder`` in the round: "round pilot: 12/58"."""
    return progress(store, found).get(coder, 0), found.size



def round_versions(store: Store, found: Round) -> list[tuple[str, int]]:
    """(codebook version, codings) of the round's coders on its excerpts."""
    from .store.codings import stamps_on

    return stamps_on(store.conn, list(found.excerpt_ids), list(found.coders))
