"""The README documents every command the CLI has (the reference must not drift)."""

from __future__ import annotations

from pathlib import Path

import click

from qcoder.cli import cli

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def command_paths(group: click.Group, prefix: str = "qcoder") -> list[str]:
    """Every visible command as it is typed, e.g. ``qcoder codings import``."""
    paths = []
    for name, command in group.commands.items():
        if command.hidden:
            continue
        path = f"{prefix} {name}"
        if isinstance(command, click.Group):
            if command.invoke_without_command or not command.commands:
                paths.append(path)
            paths.extend(command_paths(command, path))
        else:
            paths.append(path)
    return paths


def documented() -> list[list[set[str]]]:
    """Each `qcoder ...` span of the README as a list of word alternatives (`csv|json`)."""
    spans = [part.split("`", 1)[0] for part in README.split("`qcoder")[1:]]
    return [[set(word.replace("\\|", "|").split("|")) for word in span.split()]
            for span in spans]


def test_every_command_is_in_the_readme() -> None:
    paths = command_paths(cli)
    assert "qcoder codings import" in paths and "qcoder export docx" in paths
    spans = documented()

    def found(path: str) -> bool:
        words = path.split()[1:]
        return any(len(span) >= len(words)
                   and all(w in alternatives for w, alternatives in zip(words, span, strict=False))
                   for span in spans)

    missing = [p for p in paths if not found(p)]
    assert not missing, f"commands missing from README.md: {missing}"


def test_readme_commands_exist() -> None:
    """Each `qcoder WORD` the README names is a real command (no stale documentation)."""
    known = {p.split()[1] for p in command_paths(cli)}
    named = {part.split()[0].strip("`") for part in README.split("`qcoder ")[1:]}
    named = {n for n in named if n and not n.startswith("-")}
    assert named <= known, f"README names unknown commands: {sorted(named - known)}"
