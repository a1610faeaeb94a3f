"""Reconciliation: walk the coders' disagreements (the code with the lowest alpha first), see
each coder's codes and memos side by side, and decide per code: keep, drop, or pick a coder's
version, with a reason. Decisions go to the ``consensus`` coder and the adjudication log
through :mod:`qcoder.consensus`; undo takes the last decision back.

Reading the queue and the bootstrap interval of each code run in worker threads, each on its
own connection, so the screen never freezes on a large project.
"""

from __future__ import annotations

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen, Screen
from textual.widgets import Footer, Input

from ...coding import Outcome
from ...consensus import Consensus, Item, Pending, Version
from ...errors import QcoderError
from ...reliability.agreement import CodeAgreement
from ...reliability.data import DEFAULT_SEED, project_agreement
from ...store.database import CONSENSUS, Store
from ..keymap import bindings
from ..safe import Static, Text
from ..session import Session
from ..widgets.excerpt_view import code_label

BOOTSTRAP = 1000


class ReasonPrompt(ModalScreen[str | None]):
    """Asks why; Enter records the decision (the reason may be empty), Escape cancels it."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="close", priority=True)]

    def __init__(self, title: str) -> None:
        super().__init__()
        self.title_text = title

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="reason"):
            yield Static(self.title_text, classes="dialog-title")
            yield Input(placeholder="why? (goes to the adjudication log)", id="reason")
            yield Static("Enter: decide · Esc: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        self.dismiss(event.value.strip())

    def action_cancel(self) -> None:
        self.dismiss(None)


class ReconcileScreen(Screen[None]):
    """One disagreement at a time: the excerpt, then one column per coder and consensus."""

    BINDINGS = bindings("reconcile")

    def __init__(self) -> None:
        super().__init__()
        self.queue: list[Pending] = []
        self.index = 0
        self.item: Item | None = None
        self.intervals: dict[str, CodeAgreement] = {}
        self.consensus: Consensus | None = None
        self.problem: str | None = None

    @property
    def session(self) -> Session:
        return self.app.session  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Static(id="reconcile-status")
        with VerticalScroll(id="reconcile-body"):
            yield Static(id="reconcile-excerpt")
            yield Horizontal(id="reconcile-versions")
        yield Footer()

    def on_mount(self) -> None:
        session = self.session
        try:
            self.consensus = Consensus(session.store, session.codebook, session.coder)
        except QcoderError as exc:
            self.problem = session.short(str(exc))
            self._show_nothing(self.problem)
            return
        self.query_one("#reconcile-status", Static).update("Reading the disagreements …")
        self._load_queue()

    # -- workers ----------------------------------------------------------------------------
    @work(thread=True, exclusive=True, group="reconcile-queue", exit_on_error=False)
    def _load_queue(self, focus: int | None = None) -> None:
        session = self.session
        try:
            with Store(session.store.path, timeout=session.store.timeout) as store:
                queue = Consensus(store, session.codebook, None).queue()
        except QcoderError as exc:
            self.app.call_from_thread(self._show_nothing, session.short(str(exc)))
            return
        self.app.call_from_thread(self._queue_ready, queue, focus)

    @work(thread=True, exclusive=True, group="reconcile-bootstrap", exit_on_error=False)
    def _bootstrap(self, codes: list[str]) -> None:
        """95% intervals of the disputed codes' alphas (Hayes & Krippendorff 2007)."""
        session = self.session
        try:
            with Store(session.store.path, timeout=session.store.timeout) as store:
                result = project_agreement(store, session.codebook, codes=codes,
                                           bootstrap=BOOTSTRAP, seed=DEFAULT_SEED)
        except QcoderError:
            return  # the interval is extra information; the screen works without it
        found = {r.id: r for r in result.report.codes}
        self.app.call_from_thread(self._intervals_ready, found)

    def _queue_ready(self, queue: list[Pending], focus: int | None) -> None:
        self.queue = queue
        self.index = 0
        if focus is not None:
            self.index = next((i for i, p in enumerate(queue) if p.excerpt_id == focus), 0)
        codes = list(dict.fromkeys(p.code_id for p in queue))
        if codes and not self.intervals:
            self._bootstrap(codes)
        self._show_current()

    def _intervals_ready(self, found: dict[str, CodeAgreement]) -> None:
        self.intervals = found
        self._update_status()

    # -- showing ----------------------------------------------------------------------------
    def _show_nothing(self, message: str) -> None:
        self.item = None
        self.query_one("#reconcile-status", Static).update(Text("Reconcile", style="bold"))
        self.query_one("#reconcile-excerpt", Static).update(Text(message))
        self.query_one("#reconcile-versions", Horizontal).remove_children()

    def _show_current(self) -> None:
        if not self.queue:
            self._show_nothing("No disagreement left to decide. Esc: back to coding.")
            return
        assert self.consensus is not None
        self.index = min(self.index, len(self.queue) - 1)
        self.item = self.consensus.item(self.queue[self.index])
        self._update_status()
        item, book = self.item, self.session.codebook
        excerpt = Text.assemble((item.ref, "bold"), "  ", (f"case {item.case_id}", "dim"),
                                "\n\n", item.text)
        self.query_one("#reconcile-excerpt", Static).update(excerpt)
        versions = self.query_one("#reconcile-versions", Horizontal)
        versions.remove_children()
        panels = [Static(self._version_text(n, v), classes="version")
                  for n, v in enumerate(item.versions, 1)]
        consensus = Text.assemble((CONSENSUS, "bold"), " so far\n")
        for code_id, memo in item.consensus.items():
            consensus.append(f"• {code_label(book, code_id)}\n")
            if memo:
                consensus.append(f"  {memo}\n", style="italic")
        if not item.consensus:
            consensus.append("(nothing yet)", style="dim")
        panels.append(Static(consensus, classes="version consensus"))
        versions.mount_all(panels)

    def _version_text(self, n: int, version: Version) -> Text:
        assert self.item is not None
        book = self.session.codebook
        text = Text.assemble((f"{n} ", "bold cyan"), (version.coder, "bold"), "\n")
        label = code_label(book, self.item.code_id)
        if version.applied:
            text.append(f"✓ applied {label}\n", style="green")
        else:
            text.append(f"✗ did not apply {label}\n", style="red")
        if version.memo:
            text.append(f"  {version.memo}\n", style="italic")
        text.append("\nCodes:\n", style="dim")
        for code_id, memo in version.codes.items():
            text.append(f"• {code_label(book, code_id)}\n",
                        style="bold" if code_id == self.item.code_id else "")
            if memo and code_id != self.item.code_id:
                text.append(f"  {memo}\n", style="italic")
        if not version.codes:
            text.append("(no code)\n", style="dim")
        if version.excerpt_memo:
            text.append("\nMemo: ", style="dim")
            text.append(version.excerpt_memo, style="italic")
        return text

    def _update_status(self) -> None:
        if self.item is None:
            return
        item = self.item
        alpha = "–" if item.alpha is None else f"{item.alpha:.3f}"
        text = Text.assemble(("Reconcile", "bold"), f" {self.index + 1}/{len(self.queue)} · ",
                             (code_label(self.session.codebook, item.code_id), "bold"),
                             f" · alpha {alpha}")
        if item.too_few:
            text.append(f" · too few units ({item.units})", style="bold yellow")
        interval = self.intervals.get(item.code_id)
        if interval is not None and interval.ci is not None:
            low, high = interval.ci
            text.append(f" (95% CI {_signed(low)} to {_signed(high)})", style="dim")
        elif not self.intervals:
            text.append(" (interval …)", style="dim")
        text.append(f" · {self.session.coder} decides", style="dim")
        self.query_one("#reconcile-status", Static).update(text)

    # -- actions ----------------------------------------------------------------------------
    def action_decide(self, decision: str) -> None:
        self._ask(decision, None)

    def action_pick(self, n: int) -> None:
        if self.item is None:
            return
        if not 1 <= n <= len(self.item.versions):
            self.notify(f"There is no coder {n} here.", timeout=3)
            return
        self._ask("pick", self.item.versions[n - 1].coder)

    def _ask(self, decision: str, coder: str | None) -> None:
        item = self.item
        if item is None or self.consensus is None:
            return
        what = f"Take {coder}'s version of" if coder else decision.capitalize()
        title = f"{what} {code_label(self.session.codebook, item.code_id)} on {item.ref}"

        def decided(reason: str | None) -> None:
            if reason is not None:
                self._decide(item, decision, coder, reason)

        self.app.push_screen(ReasonPrompt(title), decided)

    def _decide(self, item: Item, decision: str, coder: str | None, reason: str) -> None:
        assert self.consensus is not None
        try:
            self.consensus.decide(item.excerpt_id, item.code_id, decision, coder, reason)
        except QcoderError as exc:
            self.notify(self.session.short(str(exc)), title="Not saved", severity="error",
                        timeout=10)
            return
        self.queue = [p for p in self.queue
                      if (p.excerpt_id, p.code_id) != (item.excerpt_id, item.code_id)]
        self.notify(f"{decision}{' ' + coder if coder else ''}: "
                    f"{code_label(self.session.codebook, item.code_id)} on {item.ref}",
                    timeout=3)
        self._show_current()

    def action_step(self, delta: int) -> None:
        if self.queue:
            self.index = (self.index + delta) % len(self.queue)
            self._show_current()

    def action_undo(self) -> None:
        self._replay(True)

    def action_redo(self) -> None:
        self._replay(False)

    def _replay(self, undo: bool) -> None:
        if self.consensus is None:
            return
        try:
            outcome: Outcome = self.consensus.undo() if undo else self.consensus.redo()
        except QcoderError as exc:
            self.notify(self.session.short(str(exc)), title="Not saved", severity="error")
            return
        if outcome.action_id is None:
            self.notify("Nothing to undo." if undo else "Nothing to redo.", timeout=3)
            return
        self.notify("Undone." if undo else "Redone.", timeout=3)
        self._load_queue(outcome.excerpt_id if undo else None)

    def action_close(self) -> None:
        self.app.action_open("coding")  # type: ignore[attr-defined]


def _signed(value: float) -> str:
    """Two decimals, and never "-0.00" for a value that rounds to zero."""
    text = f"{value:.2f}"
    return "0.00" if text == "-0.00" else text
