"""The README's table of workbench keys says what the binding table does."""

from __future__ import annotations

import re
from pathlib import Path

from qcoder.tui.keymap import COMMANDS, display

README = Path(__file__).resolve().parents[2] / "README.md"
ROW = re.compile(r"^\| `(?P<key>[^`]+)` \| (?P<what>[^|]+) \| `(?P<id>[a-z_]+)` \|$", re.M)


def test_every_key_in_the_readme_is_the_default_of_its_command() -> None:
    rows = list(ROW.finditer(README.read_text(encoding="utf-8")))
    assert len(rows) >= 10
    commands = {c.id: c for c in COMMANDS if c.scope in ("app", "coding")}
    for row in rows:
        command = commands[row["id"]]
        assert (row["key"], row["what"].strip()) == (display(command.key), command.description)
