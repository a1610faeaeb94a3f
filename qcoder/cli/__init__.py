"""The ``qcoder`` command line: a thin click layer over the core."""

from __future__ import annotations

from .root import cli

# isort: split
# Each command module registers its commands on ``cli`` when imported.
from . import (  # noqa: F401
    agreement_cmds,
    compare_cmds,
    consensus_cmds,
    exchange_cmds,
    export_cmds,
    project_cmds,
    report_cmds,
    round_cmds,
    search_cmds,
    suggest_cmds,
)

__all__ = ["cli", "main"]


def main() -> None:
    """Console entry point."""
    cli(prog_name="qcoder")
