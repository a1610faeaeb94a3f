"""The Store: a project database (:class:`Connection`) with the reads every layer uses.

The plumbing (pragmas, migrations, transactions, error mapping) is in ``connection.py``;
each concern's statements are in a module of its own (``corpus``, ``codings``, ``events``,
``adjudications``, ``navigation``, ``sync``, ``merge``, ``reads``). Writes are functions
that take the connection of an open transaction; frequent reads are methods of the Store.
Nothing outside this package writes SQL (a test enforces it).
"""

from __future__ import annotations

from ..constants import CONSENSUS
from .adjudications import AdjudicationReads
from .codings import PROGRESS_RUNS, CodingReads
from .connection import BUSY_TIMEOUT_S, Connection, now
from .corpus import EXCERPT_SELECT, CorpusReads, ExcerptRow, SyncReport
from .events import log_import

__all__ = ["BUSY_TIMEOUT_S", "CONSENSUS", "EXCERPT_SELECT", "PROGRESS_RUNS", "ExcerptRow",
           "Store", "SyncReport", "log_import", "now"]


class Store(CorpusReads, CodingReads, AdjudicationReads, Connection):
    """A project database: WAL mode, busy timeout, migrations applied on open."""

    def __enter__(self) -> Store:
        return self
