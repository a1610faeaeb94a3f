"""The bottom line: the most used keys, from the binding table (after the user's keymap).

A plain line instead of Textual's Footer: it is drawn once, not rebuilt on every focus change.
"""

from __future__ import annotations

from ..keymap import COMMANDS, display
from ..safe import Static, Text


def hints(keymap: dict[str, str], scopes: tuple[str, ...]) -> Text:
    """``n next unreviewed  space reviewed, no code …`` for the commands marked ``show``."""
    text = Text(no_wrap=True, overflow="ellipsis")
    for scope in scopes:
        for command in COMMANDS:
            if command.show and command.scope == scope:
                text.append(f" {display(keymap.get(command.id, command.key))} ", style="bold")
                text.append(f"{command.description} ")
    return text


class KeyHints(Static):
    """One line of key hints for a screen's scopes."""

    def __init__(self, keymap: dict[str, str], scopes: tuple[str, ...], *,
                 id: str | None = None) -> None:
        super().__init__(hints(keymap, scopes), id=id)
