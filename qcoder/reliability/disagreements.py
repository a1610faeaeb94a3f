"""The excerpts on which coders differ, found and listed without an object per excerpt.

On a large project nearly every excerpt is in dispute somewhere (100,000 of them), so the
listing is built from columns. Each coder's codes on each excerpt are bits of 64-bit words
(codebook order, one word per 64 codes); the roll-up rule sets a parent's bit wherever a code
below it is set; the codes in dispute on an excerpt are the bits that some, but not all, of
its reviewers have. Every distinct set of codes gets one key, named once, and the excerpts
come back in batches of columns, in reading order, for the command line to write.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from ..project.codebook import Codebook
from ..project.corpus import format_ref
from ..store import reads
from ..store.database import Store
from .data import ROLLUP_RULE, load_arrays, rollup_rule, selection, trim_quote

WORD = 64
NOT_REVIEWED = -1  # the key of a coder who did not review the excerpt

#: What ``disagreements`` lists, stated in its JSON as the agreement report states its methods.
METHOD = {
    "unit": "excerpt",
    "disagreement": "an excerpt reviewed by two or more of the coders on which, for some code, "
                    "some but not all of them applied it: the codes in dispute (the codes of "
                    "an exclusive group each on its own)",
    "rollup": ROLLUP_RULE.split(";")[0],
    "coders": "each coder who reviewed the excerpt, with the codes they applied themselves "
              "(codebook order); a coder who did not review it is left out",
}


@dataclass(frozen=True)
class CodeSets:
    """Every coder's codes on every excerpt one of them reviewed, as bits.

    Bit ``b % 64`` of word ``b // 64`` stands for ``codes[b]`` (codebook order, then codes
    the codebook no longer has, by id). A coding counts as a review.
    """

    coders: tuple[str, ...]
    codes: tuple[str, ...]
    excerpt_ids: np.ndarray  # (N,) sorted
    reviewed: np.ndarray  # (K, N) bool
    bits: np.ndarray  # (W, K, N) uint64

    @classmethod
    def from_arrays(cls, reviews: Mapping[str, np.ndarray],
                    codings: Mapping[tuple[str, str], np.ndarray],
                    order: Sequence[str]) -> CodeSets:
        """From the excerpt ids each coder reviewed and coded with each code (as
        :func:`.data.load_arrays` reads them); ``order``: the codebook's codes."""
        coders = tuple(dict.fromkeys([*reviews, *(coder for _, coder in codings)]))
        known = set(order)
        codes = (*order, *sorted({c for c, _ in codings if c not in known}))
        excerpt_ids, rows = _rows([*reviews.values(), *codings.values()])
        column = {coder: k for k, coder in enumerate(coders)}
        bit = {code: b for b, code in enumerate(codes)}
        reviewed = np.zeros((len(coders), excerpt_ids.size), dtype=bool)
        bits = np.zeros((max(1, -(-len(codes) // WORD)), len(coders), excerpt_ids.size),
                        dtype=np.uint64)
        for coder, ids in reviews.items():
            reviewed[column[coder], rows(ids)] = True
        for (code, coder), ids in codings.items():
            at, k = rows(ids), column[coder]
            b = bit[code]
            bits[b // WORD, k, at] |= np.uint64(1 << (b % WORD))
            reviewed[k, at] = True
        return cls(coders, codes, excerpt_ids, reviewed, bits)

    def mask(self, code_ids: Sequence[str]) -> np.ndarray:
        """(W,) uint64: the bits of these codes (those it knows)."""
        out = np.zeros(self.bits.shape[0], dtype=np.uint64)
        index = {code: b for b, code in enumerate(self.codes)}
        for code in code_ids:
            if code in index:
                b = index[code]
                out[b // WORD] |= np.uint64(1 << (b % WORD))
        return out

    def rolled_up(self, rule: Mapping[str, Sequence[str]]) -> np.ndarray:
        """(W, K, N): the bits with each parent of ``rule`` set wherever a code below it is."""
        out = self.bits.copy()
        index = {code: b for b, code in enumerate(self.codes)}
        for parent, below in rule.items():
            if parent in index:
                hit = (self.bits & self.mask(below)[:, None, None]).any(axis=0)
                b = index[parent]
                out[b // WORD] |= hit.astype(np.uint64) << np.uint64(b % WORD)
        return out

    def names(self, words: np.ndarray) -> list[tuple[str, ...]]:
        """The codes of each row of ``words`` ((M, W) uint64), in bit order."""
        flags = np.unpackbits(np.ascontiguousarray(words, dtype="<u8").view(np.uint8),
                              axis=1, bitorder="little")[:, :len(self.codes)]
        rows, cols = np.nonzero(flags)
        labels = np.asarray(self.codes, dtype=object)[cols].tolist()
        bounds = np.searchsorted(rows, np.arange(words.shape[0] + 1)).tolist()
        return [tuple(labels[a:b]) for a, b in zip(bounds, bounds[1:], strict=False)]


def in_dispute(rolled: np.ndarray, reviewed: np.ndarray, wanted: np.ndarray) -> np.ndarray:
    """(W, N): the ``wanted`` bits that some but not all reviewers of an excerpt have, on
    the excerpts two or more coders reviewed (``rolled`` (W, K, N), ``reviewed`` (K, N))."""
    anyone = np.bitwise_or.reduce(rolled, axis=1)
    everyone = np.bitwise_and.reduce(np.where(reviewed, rolled, np.uint64(2**64 - 1)), axis=1)
    out = anyone & ~everyone & wanted[:, None]
    out[:, reviewed.sum(axis=0) < 2] = 0
    return out


@dataclass(frozen=True)
class Batch:
    """Some excerpts in dispute, in reading order, as columns."""

    refs: list[str]
    cases: list[str]
    texts: list[str]
    quotes: list[str]
    disputed: list[int]  # key of the codes in dispute
    applied: list[list[int]]  # per coder (``Disagreements.coders``): key of their codes
    marked: list[list[int]] | None = None  # per coder: key of their codes in dispute


@dataclass(frozen=True)
class Disagreements:
    """The coders compared, how many excerpts they differ on and, in batches, which.

    ``names[key]`` are the codes (codebook order) of a key in a batch; ``NOT_REVIEWED`` is
    a coder who did not review the excerpt. ``batches`` reads the store as it is consumed.
    """

    coders: tuple[str, ...]
    total: int
    names: list[tuple[str, ...]]
    batches: Iterator[Batch]


def project_disagreements(
    store: Store,
    codebook: Codebook | None = None,
    *,
    coders: Sequence[str] | None = None,
    case: str | None = None,
    code: str | None = None,
    limit: int | None = None,
    marks: bool = False,
    batch: int = 5000,
) -> Disagreements:
    """Each excerpt (in reading order, at most ``limit``) on which the selected coders
    (default: every coder but consensus) differ about a code that can be applied (``code``:
    only that one, or a group's codes), under the roll-up rule, with what each coder who
    reviewed it applied (raw codings, codebook order). QcoderError for an unknown coder,
    case or code. Only the excerpts shown are read. ``marks``: each batch also says which
    of each coder's codes are in dispute (``Batch.marked``).
    """
    codebook = codebook or store.codebook()
    chosen = selection(store, codebook, coders, case, [code] if code else None)
    code_ids = list(chosen.code_ids)
    if code is not None and codebook[code].exclusive:
        code_ids = list(chosen.groups[code])
    reviews, codings, _ = load_arrays(store, chosen.coders, chosen.case)
    sets = CodeSets.from_arrays(reviews, codings, list(codebook.codes))
    disputed = in_dispute(sets.rolled_up(rollup_rule(codebook)), sets.reviewed,
                          sets.mask(code_ids))
    found = np.flatnonzero(disputed.any(axis=0))
    ids = sets.excerpt_ids[found]
    shown = (ids.tolist() if limit is None or limit >= ids.size
             else reads.first_in_reading_order(store, ids.tolist(), limit))
    raw, at_issue = sets.bits[:, :, found], disputed[:, found]
    blocks = [raw, at_issue[:, None], *([raw & at_issue[:, None]] if marks else [])]
    unique, keys = _keys(np.concatenate(blocks, axis=1))
    order = [chosen.coders.index(c) for c in sets.coders]
    unseen = ~sets.reviewed[:, found]
    applied = np.full((len(chosen.coders), found.size), NOT_REVIEWED, dtype=np.int64)
    applied[order] = np.where(unseen, NOT_REVIEWED, keys[:len(order)])
    marked = None
    if marks:
        marked = np.full_like(applied, NOT_REVIEWED)
        marked[order] = np.where(unseen, NOT_REVIEWED, keys[len(order) + 1:])
    return Disagreements(chosen.coders, int(found.size), sets.names(unique),
                         _batches(store, shown, ids, applied, keys[len(order)], marked, batch))


def _keys(stacked: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct sets of ``stacked`` ((W, ...) uint64), as (M, W) words, and the key of
    each set (its row among them), shaped as ``stacked[0]``."""
    words = stacked.reshape(stacked.shape[0], -1)
    if words.shape[0] == 1:  # one word: the sets are plain integers
        unique, keys = np.unique(words[0], return_inverse=True)
        return unique[:, None], keys.reshape(stacked.shape[1:])
    unique, keys = np.unique(words.T, axis=0, return_inverse=True)
    return unique, keys.reshape(stacked.shape[1:])


def _batches(store: Store, shown: list[int], ids: np.ndarray, applied: np.ndarray,
             disputed: np.ndarray, marked: np.ndarray | None, size: int) -> Iterator[Batch]:
    for rows in reads.excerpts_in_reading_order(store, shown, size):
        at = np.searchsorted(ids, np.fromiter((r[0] for r in rows), np.int64, len(rows)))
        texts = [r[4] for r in rows]
        yield Batch(refs=[format_ref(r[1], r[2], r[3]) for r in rows],
                    cases=[r[1] for r in rows], texts=texts,
                    quotes=[trim_quote(t) for t in texts], disputed=disputed[at].tolist(),
                    applied=applied[:, at].tolist(),
                    marked=None if marked is None else marked[:, at].tolist())


def _rows(parts: Sequence[np.ndarray]):  # noqa: ANN202 - a closure
    """The sorted distinct excerpt ids of ``parts`` and a function mapping ids to rows."""
    parts = [np.asarray(p, dtype=np.int64) for p in parts if len(p)]
    if not parts:
        return np.empty(0, dtype=np.int64), lambda ids: np.asarray(ids, dtype=np.int64)[:0]
    high = max(int(p.max()) for p in parts)
    if high <= 8 * sum(p.size for p in parts) + 1024:  # row ids are dense: a lookup table
        seen = np.zeros(high + 1, dtype=bool)
        for p in parts:
            seen[p] = True
        row_of = np.cumsum(seen) - 1
        return np.flatnonzero(seen), lambda ids: row_of[ids]
    unique = np.unique(np.concatenate(parts))
    return unique, lambda ids: np.searchsorted(unique, ids)
