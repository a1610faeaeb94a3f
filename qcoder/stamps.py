"""Codebook versions stamped on codings: which codings predate their code's definition."""

from __future__ import annotations

from .project.codebook import Codebook, definition_hash
from .store.codings import definition_stamps
from .store.database import Store


def stale_definitions(store: Store, codebook: Codebook) -> dict[str, int]:
    """Per code: how many codings were made under an earlier definition (their stamped hash
    differs from the code's definition, include and exclude now). Unstamped codings
    (version 'unknown') are not counted."""
    now_hashes = {c.id: definition_hash(c) for c in codebook}
    stale: dict[str, int] = {}
    for code_id, stamped, _version, count in definition_stamps(store.conn):
        if code_id in now_hashes and stamped != now_hashes[code_id]:
            stale[code_id] = stale.get(code_id, 0) + count
    return stale

