"""A new coder name next to a known one ("Amira" beside "amira"): ask which is meant, so a
typo never starts a second coder silently."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen

from ..safe import Static, Text


class CoderCheck(Screen[str]):
    """Returns the name to code as: the known one (Enter or y) or the new one (n)."""

    BINDINGS = [Binding("enter,y", "choose('known')", "Known coder", id="confirm_known"),
                Binding("n", "choose('new')", "New coder", id="confirm_new"),
                Binding("escape", "app.quit", "Quit", id="close")]

    def __init__(self, typed: str, known: str) -> None:
        super().__init__()
        self.typed = typed
        self.known = known

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="coder"):
            yield Static(f"Did you mean {self.known}?", classes="dialog-title")
            yield Static(Text.assemble(
                (self.typed, "bold"), " has not coded in this project; ", (self.known, "bold"),
                " has. A new name starts a new coder, with no codings yet."),
                classes="dialog-text")
            yield Static(f"Enter or y: code as {self.known} · n: start the new coder "
                         f"{self.typed} · Esc: quit", classes="dialog-hint")

    def action_choose(self, which: str) -> None:
        self.dismiss(self.known if which == "known" else self.typed)
