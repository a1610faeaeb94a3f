"""Codebook versions stamped on codings: which codings predate their code's definition."""

from __future__ import annotations

from .project.codebook import Codebook, definition_hash
from .store.codings import definition_hashes_on, definition_stamps
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



#: What the workbench's mark on a coding made under an earlier definition means.
STALE_MARK = "†"
STALE_LEGEND = "† coded under an earlier definition of the code"


class StaleCheck:
    """Which of a coder's codings on an excerpt predate their code's definition now (the
    codebook's hashes are computed once, not per excerpt shown)."""

    def __init__(self, store: Store, codebook: Codebook) -> None:
        self.store = store
        self.hashes = {c.id: definition_hash(c) for c in codebook}

    def stale_on(self, excerpt_id: int, coder: str) -> set[str]:
        """The codes of ``coder``'s codings on an excerpt whose stamped definition differs
        from the code's definition now (codings without a stamp are not counted)."""
        return {code for code, stamped in definition_hashes_on(
            self.store.conn, excerpt_id, coder).items()
            if stamped and code in self.hashes and stamped != self.hashes[code]}
