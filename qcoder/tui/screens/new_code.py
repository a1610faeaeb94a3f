"""Create a code from the picker's "No code matches": id, label, parent and definition,
checked as ``qcoder codebook check`` checks them; a problem shows in the dialog, which stays
open to fix it."""

from __future__ import annotations

import re
from collections.abc import Callable

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input

from ...project.codebook import Codebook
from ...project.codebook_edit import NewCode
from ..safe import Static


def slug(label: str) -> str:
    """A code id from a label: lowercase ASCII letters and digits joined by '-'."""
    return re.sub(r"[^a-z0-9]+", "-", label.casefold()).strip("-")


class NewCodeScreen(ModalScreen[str | None]):
    """Returns the new code's id once ``create`` accepted it (None: closed with Escape).

    ``create`` adds the code and returns None, or the one-line problem to show.
    """

    BINDINGS = [Binding("escape", "close", "Close", id="close", priority=True),
                Binding("ctrl+s", "create", "Create", id="create_code", priority=True)]

    def __init__(self, codebook: Codebook, label: str, parent: str | None,
                 create: Callable[[NewCode], str | None], where: str) -> None:
        super().__init__()
        self.codebook = codebook
        self.label_text = label.strip()
        self.parent_id = parent
        self.create = create
        self.where = where
        self.id_edited = False

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="new-code"):
            yield Static(f"New code in {self.where}", classes="dialog-title")
            yield Static("Label", classes="field-label")
            yield Input(self.label_text, id="new-label")
            yield Static("Id (lowercase letters, digits, '-')", classes="field-label")
            yield Input(slug(self.label_text), id="new-id")
            yield Static("Under (a code's id; empty: top level)", classes="field-label")
            yield Input(self.parent_id or "", id="new-parent")
            yield Static("Definition: when does it apply?", classes="field-label")
            yield Input(id="new-definition")
            yield Static(id="new-problem")
            yield Static("Enter: next field, on the last one create · Ctrl+S: create · "
                         "Esc: cancel", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#new-definition" if self.label_text else "#new-label", Input).focus()

    @on(Input.Changed, "#new-label")
    def _label_changed(self, event: Input.Changed) -> None:
        if not self.id_edited:
            self.query_one("#new-id", Input).value = slug(event.value)

    @on(Input.Changed, "#new-id")
    def _id_changed(self, event: Input.Changed) -> None:
        self.id_edited = event.value != slug(self.query_one("#new-label", Input).value)

    @on(Input.Submitted)
    def _submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "new-definition":
            self.action_create()
        else:
            self.focus_next()

    def action_create(self) -> None:
        def value(name: str) -> str:
            return self.query_one(f"#new-{name}", Input).value.strip()

        code = NewCode(value("id"), value("label"), value("definition"),
                       value("parent") or None)
        problem = self.create(code)
        if problem is None:
            self.dismiss(code.id)
        else:
            self.query_one("#new-problem", Static).update(problem)

    def action_close(self) -> None:
        self.dismiss(None)
