"""Who may see other coders' codings while coding.

A coder codes blind: the workbench shows them only their own codings. Other coders' codings
(reconciliation, the comparison of other bases) are for a *lead*: a coder started with
``--lead`` (or ``QCODER_LEAD=1``), or one who confirms, which is logged. Nobody sees them
during an open blind round that includes them: :func:`blind_for` says so.
"""

from __future__ import annotations

from .rounds import open_rounds_of
from .store.audit import log_entry
from .store.database import Store


def blind_for(store: Store, coder: str) -> str | None:
    """Why ``coder`` may not see other coders' codings now (an open reliability round in
    which they code), or None when nothing forbids it."""
    names = open_rounds_of(store, coder)
    if not names:
        return None
    return (f"{coder} codes in the open round '{names[0]}'; after 'qcoder round close "
            f"{names[0]}' it opens")


def record_unblinding(store: Store, coder: str, what: str) -> None:
    """Log that ``coder``, not started as a lead, chose to see other coders' codings."""
    with store.transaction() as conn:
        log_entry(conn, coder, "unblind", {"screen": what})
