"""Every key, generated from the binding table (and the codebook's keys), never typed twice."""

from __future__ import annotations

from pathlib import Path

from rich.console import Group
from rich.table import Table
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen

from ...project.codebook import Codebook
from ..keymap import COMMANDS, SCOPE_TITLES, display, keymap_path
from ..safe import Static, Text, safe


def help_renderable(keymap: dict[str, str], codebook: Codebook | None,
                    code_keys: dict[str, str], warnings: list[str]) -> Group:
    """Commands by scope (key, what it does, id for the keymap), then the code keys."""
    table = Table(show_edge=False, pad_edge=False, expand=True, box=None)
    table.add_column("key", style="bold cyan", no_wrap=True)
    table.add_column("what it does")
    table.add_column("id", style="dim", no_wrap=True)
    scopes = dict(SCOPE_TITLES)
    for command in COMMANDS:
        scopes.setdefault(command.scope, command.scope.capitalize())
    for scope, title in scopes.items():
        commands = [c for c in COMMANDS if c.scope == scope]
        if not commands:
            continue
        table.add_row(Text(title, style="bold underline"), "", "")
        for command in commands:
            table.add_row(safe(display(keymap.get(command.id, command.key))), command.description,
                          command.id)
    parts: list = [table]
    if codebook is not None:
        codes = Table(show_edge=False, pad_edge=False, expand=True, box=None)
        codes.add_column("key", style="bold cyan", no_wrap=True)
        codes.add_column("toggles the code")
        for key, code_id in code_keys.items():
            codes.add_row(safe(display(key)), safe(" › ".join(codebook.path_labels(code_id))))
        parts += [Text("\nCode keys (from the codebook)", style="bold underline"), codes]
    where = str(keymap_path()).replace(str(Path.home()), "~", 1)
    parts.append(Text(f"\nRebind a command by its id in {where}, e.g. "
                      "'next_unreviewed: n'.", style="dim"))
    parts += [safe(w, style="yellow") for w in warnings]
    return Group(*parts)


class HelpScreen(ModalScreen[None]):
    """All bindings; Escape, ? or q closes."""

    BINDINGS = [Binding("escape,question_mark,q", "close", "Close", id="close")]

    def __init__(self, body: Group) -> None:
        super().__init__()
        self.body = body

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="help"):
            yield Static("Keys", classes="dialog-title")
            with VerticalScroll(id="help-body"):
                yield Static(self.body)
            yield Static("↑↓ PgUp PgDn Home End: scroll · Esc: close", classes="dialog-hint")

    def on_mount(self) -> None:
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        self.dismiss(None)
