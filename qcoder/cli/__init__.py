"""The ``qcoder`` command line: a thin click layer over the core.

The command modules (:data:`root.COMMAND_MODULES`) register their commands on ``cli`` when
a command is first looked up or listed.
"""

from __future__ import annotations

from .root import cli

__all__ = ["cli", "main"]


def main() -> None:
    """Console entry point."""
    cli(prog_name="qcoder")
