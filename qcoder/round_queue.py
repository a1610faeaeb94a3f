"""A coder's queue in the workbench: the excerpts of their open rounds, in each round's order.

"Next unreviewed" goes through the queue first, round by round (oldest first), then through
the rest of the corpus; the coder can move anywhere else meanwhile. Blind like the rest of
navigation: only the coder's own reviews are read.
"""

from __future__ import annotations

from dataclasses import dataclass

from .store import rounds as sql
from .store.database import Store


@dataclass(frozen=True)
class QueueRound:
    """One open round of the coder: its id, name and number of excerpts."""

    id: int
    name: str
    size: int


class RoundQueue:
    """The open rounds ``coder`` codes in, as one queue (empty when there are none)."""

    def __init__(self, store: Store, coder: str) -> None:
        self.store = store
        self.coder = coder
        self.rounds: list[QueueRound] = []
        # the reviewed count of each round, valid while nothing is written (see ``_reviewed``)
        self._counts: dict[int, int] = {}
        self._counted_at: tuple[int, int] | None = None
        self.reload()

    def reload(self) -> None:
        """Read the coder's open rounds again (one may have been started or closed)."""
        self.rounds = [QueueRound(i, n, s) for i, n, s in
                       sql.open_rounds_with_size(self.store.conn, self.coder)]
        self._counted_at = None

    def _reviewed(self, entry: QueueRound) -> int:
        """How many of the round's excerpts the coder reviewed: counted again only after a
        write (of this workbench or of another process), else the count kept."""
        seen = sql.changes_seen(self.store.conn)
        if seen != self._counted_at:
            self._counts.clear()
            self._counted_at = seen
        if entry.id not in self._counts:
            self._counts[entry.id] = sql.reviewed_in_round(self.store.conn, entry.id,
                                                           self.coder)
        return self._counts[entry.id]

    def __bool__(self) -> bool:
        return bool(self.rounds)

    def progress(self) -> tuple[QueueRound, int] | None:
        """The round being worked through (the first with an excerpt left to review, else
        the last) and how many of its excerpts the coder reviewed; None without a round."""
        found = None
        for entry in self.rounds:
            found = (entry, self._reviewed(entry))
            if found[1] < entry.size:
                return found
        return found

    def label(self) -> str:
        """For the top bar: ``round pilot: 12/58`` (empty without a round)."""
        found = self.progress()
        if found is None:
            return ""
        entry, done = found
        return f"round {entry.name}: {done}/{entry.size}"

    def next_unreviewed(self, after: int | None = None) -> int | None:
        """The next excerpt of the queue the coder has not reviewed: after ``after`` when it
        is in the queue (wrapping round within its round), else from the queue's start;
        None when the whole queue is reviewed."""
        conn = self.store.conn
        start = 0
        position = None
        if after is not None:
            for k, entry in enumerate(self.rounds):
                position = sql.round_position(conn, entry.id, after)
                if position is not None:
                    start = k
                    break
        for k in range(len(self.rounds)):
            entry = self.rounds[(start + k) % len(self.rounds)]
            here = position if k == 0 and position is not None else -1
            found = sql.next_unreviewed_in_round(conn, entry.id, self.coder, here)
            if found is None and here >= 0:
                found = sql.next_unreviewed_in_round(conn, entry.id, self.coder, -1, here + 1)
            if found is not None:
                return found
        return None
