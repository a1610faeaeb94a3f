"""Full-screen messages: loading (while a worker opens the project) and problems the user can
fix (broken codebook, empty project, locked database), shown calmly instead of a traceback."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import Screen

from ..safe import Static


class LoadingScreen(Screen[None]):
    """Shown while the project opens; :meth:`say` updates what is happening."""

    BINDINGS = [Binding("q,escape", "app.quit", "Quit", id="close")]

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="loading"):
            yield Static("qcoder", classes="dialog-title")
            yield Static(self.message, id="loading-message")

    def say(self, message: str) -> None:
        self.query_one("#loading-message", Static).update(message)


class MessageScreen(Screen[None]):
    """A problem that stops the workbench from opening, and what to do about it."""

    BINDINGS = [Binding("q,escape", "app.quit", "Quit", id="close")]

    def __init__(self, title: str, message: str) -> None:
        super().__init__()
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="message"):
            yield Static(self.title_text, classes="dialog-title")
            yield Static(self.message, id="message-text", markup=False)
            yield Static("q or Esc: quit", classes="dialog-hint")
