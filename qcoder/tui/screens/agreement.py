"""Agreement between coders: each code's alpha and 95% interval as a one-line bar against
the .667 and .800 thresholds (see :mod:`qcoder.figures.bars`), the lowest first.

The numbers are those of ``qcoder agreement`` (:func:`qcoder.reliability.data.project_agreement`),
computed in a worker thread; ``b`` adds the bootstrap intervals (1000 resamples, seed 1, as
``agreement --bootstrap 1000``). For a lead only: it is computed from every coder's codings.
"""

from __future__ import annotations

import sqlite3

from textual import work
from textual.app import ComposeResult
from textual.screen import Screen
from textual.widgets import DataTable, Footer

from ...constants import DEFAULT_SEED
from ...errors import QcoderError
from ...figures.bars import LEGEND, bar_text, scale
from ..keymap import bindings
from ..safe import Static, Text, safe
from ..session import Session

RESAMPLES = 1000
ID_WIDTH = 20
def short_id(code_id: str, width: int = ID_WIDTH) -> str:
    return code_id if len(code_id) <= width else code_id[:width - 1] + "…"


class AgreementScreen(Screen[None]):
    """Alpha per code and exclusive group, worst first, each as a bar."""

    BINDINGS = bindings("agreement")
    AUTO_FOCUS = "#alpha"
    DEFAULT_CSS = """
    AgreementScreen #agreement-status { height: 1; padding: 0 1; background: $panel; }
    AgreementScreen #agreement-legend { height: auto; padding: 0 1; color: $text-muted; }
    AgreementScreen #alpha { height: 1fr; }
    """

    def __init__(self) -> None:
        super().__init__()
        self.came_from: int | None = getattr(self.app.screen, "current", None)
        self.resamples = 0

    @property
    def session(self) -> Session:
        return self.app.session  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Static(id="agreement-status")
        yield Static(LEGEND, id="agreement-legend")
        yield DataTable(id="alpha", cursor_type="row", zebra_stripes=False)
        yield Footer()

    def on_mount(self) -> None:
        table = self.query_one("#alpha", DataTable)
        table.add_column("code", key="code")
        table.add_column("alpha", key="alpha")
        table.add_column(scale(), key="bar")
        table.add_column("flag", key="flag")
        self._start()

    def _start(self) -> None:
        what = f"with {self.resamples} resamples " if self.resamples else ""
        self.query_one("#agreement-status", Static).update(f"Computing agreement {what}…")
        self._load(self.resamples)

    @work(thread=True, exclusive=True, group="agreement", exit_on_error=False)
    def _load(self, resamples: int) -> None:
        from ...reliability.data import project_agreement

        store = self.session.store
        try:
            result = project_agreement(store, store.codebook(), bootstrap=resamples,
                                       seed=DEFAULT_SEED)
        except (QcoderError, sqlite3.Error) as exc:
            self.app.call_from_thread(self._failed, str(exc))
            return
        self.app.call_from_thread(self._show, result)

    def _failed(self, message: str) -> None:
        self.query_one("#agreement-status", Static).update(Text(message, style="bold red"))

    def _show(self, result: object) -> None:
        from ...reliability.data import worst_first

        report = result.report  # type: ignore[attr-defined]
        table = self.query_one("#alpha", DataTable)
        table.clear()
        for title, items in (("codes", report.codes), ("exclusive groups", report.groups)):
            if not items:
                continue
            table.add_row(Text(title, style="bold italic"), "", "", "", key=f"__{title}")
            for r in worst_first(items):
                alpha = "–" if r.alpha is None else f"{r.alpha:.3f}"
                table.add_row(safe(short_id(r.id)), Text(alpha, justify="right"),
                              bar_text(r.alpha, r.ci, r.flag), safe(r.flag),
                              key=f"{title}:{r.id}")
        how = (f"95% intervals from {self.resamples} bootstrap resamples, seed {DEFAULT_SEED}"
               if self.resamples else "b adds the 95% intervals")
        self.query_one("#agreement-status", Static).update(Text(
            f"Alpha per code, worst first · {how} · {result.stamp()}",  # type: ignore
            no_wrap=True, overflow="ellipsis"))

    def action_bootstrap(self) -> None:
        self.resamples = RESAMPLES
        self._start()

    def action_close(self) -> None:
        if self.came_from is not None:
            self.session.start = self.came_from
        self.app.action_open("coding")  # type: ignore[attr-defined]
