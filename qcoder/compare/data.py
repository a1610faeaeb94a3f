"""The selected coders' codings and reviews as sorted arrays of excerpt ids, and the SQL
that fetches them."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np

from ..store import reads
from ..store.database import Store
from .basis import Basis


def union_ids(arrays: Sequence[np.ndarray]) -> np.ndarray:
    """Sorted distinct values of all ``arrays`` (non-negative ids).

    Large inputs go through a boolean mask over the id range, small ones through a sort;
    both beat ``np.unique``'s hashing on this data.
    """
    arrays = [a for a in arrays if a.size]
    if not arrays:
        return np.empty(0, dtype=np.int64)
    if len(arrays) == 1 and _is_set(arrays[0]):
        return arrays[0]
    total = sum(a.size for a in arrays)
    if total > 4096:
        seen = np.zeros(max(int(a.max()) for a in arrays) + 1, dtype=bool)
        for a in arrays:
            seen[a] = True
        return np.flatnonzero(seen)
    joined = np.sort(np.concatenate(arrays))
    return joined[np.concatenate(([True], joined[1:] != joined[:-1]))]


def _is_set(a: np.ndarray) -> bool:
    """Sorted and without repeats."""
    return bool(a.size < 2 or np.all(a[1:] > a[:-1]))


def _ids(values: Iterable[int]) -> np.ndarray:
    return union_ids([np.fromiter(values, dtype=np.int64)])


@dataclass(frozen=True, eq=False)
class CodingData:
    """The codings and reviews of the selected coders, as sorted arrays of excerpt ids.

    ``document_of[excerpt_id]`` is the document of an active excerpt and -1 for an orphaned
    (or unknown) one; ``reviewed`` holds the reviews, and :meth:`reviewed_ids` adds every
    excerpt a selected coder coded (a coding counts as a review).
    """

    coded: dict[str, dict[str, np.ndarray]]  # code -> coder -> excerpt ids
    reviewed: np.ndarray
    document_of: np.ndarray

    @classmethod
    def from_rows(cls, excerpts: Iterable[tuple[int, int]],
                  codings: Iterable[tuple[int, str, str]],
                  reviews: Iterable[tuple[int, str]] = ()) -> CodingData:
        """Build from active ``(excerpt_id, document_id)``, ``(excerpt_id, code_id, coder)``
        codings and ``(excerpt_id, coder)`` reviews of the selected coders."""
        by_pair: dict[str, dict[str, list[int]]] = {}
        for excerpt_id, code_id, coder in codings:
            by_pair.setdefault(code_id, {}).setdefault(coder, []).append(excerpt_id)
        coded = {code: {coder: _ids(ids) for coder, ids in per.items()}
                 for code, per in by_pair.items()}
        pairs = list(excerpts)
        return cls(coded, _ids(r[0] for r in reviews), _document_index(pairs))

    def reviewed_ids(self) -> np.ndarray:
        """Excerpts reviewed or coded by any selected coder."""
        return union_ids([self.reviewed, *(a for per in self.coded.values() for a in per.values())])

    def excerpt_ids(self, code_ids: Iterable[str]) -> np.ndarray:
        """Excerpts coded with any of ``code_ids`` by any selected coder, each once."""
        return union_ids([a for c in code_ids for a in self.coded.get(c, {}).values()])

    def coder_counts(self, code_ids: Iterable[str]) -> tuple[np.ndarray, np.ndarray]:
        """Excerpts coded with any of ``code_ids`` and how many selected coders did so."""
        per_coder: dict[str, list[np.ndarray]] = {}
        for code in code_ids:
            for coder, ids in self.coded.get(code, {}).items():
                per_coder.setdefault(coder, []).append(ids)
        if not per_coder:
            return np.empty(0, dtype=np.int64), np.empty(0, dtype=np.int64)
        joined = np.sort(np.concatenate([union_ids(a) for a in per_coder.values()]))
        starts = np.concatenate(([True], joined[1:] != joined[:-1]))
        return joined[starts], np.diff(np.append(np.nonzero(starts)[0], joined.size))


def _document_index(pairs: Sequence[tuple[int, int]]) -> np.ndarray:
    if not pairs:
        return np.full(1, -1, dtype=np.int64)
    ids = np.fromiter((p[0] for p in pairs), dtype=np.int64, count=len(pairs))
    docs = np.fromiter((p[1] for p in pairs), dtype=np.int64, count=len(pairs))
    return _index_array(ids, docs)


def _index_array(ids: np.ndarray, values: np.ndarray) -> np.ndarray:
    out = np.full(int(ids.max(initial=0)) + 1, -1, dtype=np.int64)
    out[ids] = values
    return out


def load_codings(store: Store, basis: Basis, code_ids: Sequence[str] | None = None) -> CodingData:
    """Fetch the basis's codings (of ``code_ids``, default all) and reviews from the store.

    SQL groups by (code, coder) along the index ``codings_code_coder``; each group comes back
    as one packed list of excerpt ids.
    """
    coders = list(basis.coders)
    ids, docs = reads.active_excerpts(store)
    document_of = _index_array(ids, docs) if ids.size else np.full(1, -1, dtype=np.int64)
    if not coders:
        return CodingData({}, np.empty(0, dtype=np.int64), document_of)
    if code_ids is None:
        code_ids = sorted(store.active_code_ids())
    coded: dict[str, dict[str, np.ndarray]] = {}
    for (code_id, coder), ids in reads.coded_by_code_and_coder(store, coders, code_ids).items():
        coded.setdefault(code_id, {})[coder] = union_ids([ids])
    reviewed = list(reads.reviewed_by_coder(store, coders).values())
    return CodingData(coded, union_ids(reviewed), document_of)
