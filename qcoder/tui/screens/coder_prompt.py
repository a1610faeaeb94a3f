"""Ask once who is coding (when neither --coder nor QCODER_CODER says), offering known coders."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen
from textual.widgets import Input, OptionList

from ...coding import check_coder
from ...errors import QcoderError
from ...store.database import CONSENSUS
from ..safe import Static


class CoderPrompt(Screen[str]):
    """Returns a valid coder name; Escape quits (there is nothing to code without one)."""

    BINDINGS = [Binding("escape", "app.quit", "Quit", id="close"),
                Binding("down", "to_list", show=False)]

    def __init__(self, known: list[str]) -> None:
        super().__init__()
        self.known = [k for k in known if k != CONSENSUS]

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="coder"):
            yield Static("Who is coding?", classes="dialog-title")
            yield Static("Your name goes on every coding you make. Next time, pass "
                         "--coder NAME or set QCODER_CODER.", classes="dialog-text")
            yield Input(placeholder="your name, e.g. amira", id="coder-name")
            if self.known:
                yield Static("Known coders (↓ to choose):", classes="dialog-text")
                yield OptionList(*self.known, id="known-coders")
            yield Static("", id="coder-error")
            yield Static("Enter: start coding · Esc: quit", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def action_to_list(self) -> None:
        if self.known:
            self.query_one(OptionList).focus()

    @on(Input.Submitted)
    def _typed(self, event: Input.Submitted) -> None:
        self._choose(event.value)

    @on(OptionList.OptionSelected)
    def _picked(self, event: OptionList.OptionSelected) -> None:
        self._choose(self.known[event.option_index])

    def _choose(self, name: str) -> None:
        try:
            coder = check_coder(name)
        except QcoderError as exc:
            self.query_one("#coder-error", Static).update(str(exc))
            return
        if coder == CONSENSUS:
            self.query_one("#coder-error", Static).update(
                f"'{CONSENSUS}' is reserved for consensus codings; choose your own name")
            return
        self.dismiss(coder)
