"""Ask before showing a coder other coders' codings (they code blind); the answer is logged."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Static

from ..safe import Text


class LeadPrompt(ModalScreen[bool]):
    """Returns True when the coder confirms with ``y``; Escape or ``n`` says no."""

    BINDINGS = [Binding("y", "answer(True)", "Yes", id="confirm_lead"),
                Binding("n,escape", "answer(False)", "No", id="close")]

    def __init__(self, what: str, coder: str) -> None:
        super().__init__()
        self.what = what
        self.coder = coder

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="lead"):
            yield Static(f"Open {self.what}?", classes="dialog-title")
            yield Static(Text.assemble(
                "This shows other coders' codings. Coders code blind: "
                "this is for the team's lead (start qcoder with --lead or QCODER_LEAD=1). If "
                "you go on, the log records that ", (self.coder, "bold"),
                f" opened {self.what} as the lead."), classes="dialog-text")
            yield Static("y: open as the lead (logged) · n or Esc: back to coding",
                         classes="dialog-hint")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)
