"""Edit a memo (on an excerpt or on one coding) in place, over the excerpt it belongs to.

Escape and Ctrl+S both save: typed text is never thrown away; an unwanted change is undone
with the undo key like any other action, and empty text removes the memo.
"""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import TextArea

from ...safe_text import visible
from ..safe import Static


class MemoScreen(ModalScreen[str | None]):
    """Returns the memo text (None when it is unchanged)."""

    BINDINGS = [
        Binding("escape", "save", "Save and close", id="close", priority=True),
        Binding("ctrl+s", "save", "Save and close", priority=True, id="save_memo"),
    ]

    def __init__(self, title: str, text: str) -> None:
        super().__init__()
        self.title_text = title
        self.original = text
        # The editor shows control characters as signs; saved only when the coder edits it.
        self.shown = visible(text)

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="memo"):
            yield Static(self.title_text, classes="dialog-title")
            yield TextArea(self.shown, id="memo-text", soft_wrap=True, show_line_numbers=False,
                           tab_behavior="focus")
            yield Static("Esc or Ctrl+S: save · empty text removes the memo · u: undo later",
                         classes="dialog-hint")

    def on_mount(self) -> None:
        area = self.query_one(TextArea)
        area.focus()
        area.move_cursor(area.document.end)

    def action_save(self) -> None:
        text = self.query_one(TextArea).text
        self.dismiss(None if text.strip() == self.shown.strip() else text)
