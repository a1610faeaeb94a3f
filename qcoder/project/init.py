"""A new, empty project folder: ``codebooks/`` with a commented example codebook, ``cases/``."""

from __future__ import annotations

from pathlib import Path

from ..errors import QcoderError

EXAMPLE_CODEBOOK = """\
# The codebook: every code a coder can apply. 'qcoder codebook check' reports problems as
# FILE:LINE; 'qcoder import' loads it (and again after each edit).
name: My study            # shown in the workbench and the appendix
version: 1                # raise it when the codes change: agreement reports are stamped with it
codes:
  - id: framing           # stable id: lowercase letters, digits and '-'; never reuse one
    label: Framing        # what coders and readers see
    definition: How a text presents the problem the policy is meant to solve.
    codes:                # children, any depth; a parent counts when a child is applied
      - id: framing-security
        label: Security framing
        key: s            # one key applies or removes the code in the workbench
        definition: Migration presented as a threat to be controlled.
        include: Talk of control, smuggling, irregular entry.
        exclude: Neutral mentions of border police.
        examples:
          - stop the flows before they reach the border
      - id: framing-development
        label: Development framing
        key: d
        definition: Migration presented as a lever for development at home.
  - id: form
    label: Form of cooperation
    exclusive: true       # at most one of its codes per excerpt and coder
    definition: The main form the cooperation takes.
    codes:
      - id: form-operational
        label: Operational
        key: o
        definition: Joint operations, returns, border work.
      - id: form-dialogue
        label: Policy dialogue
        key: p
        definition: Talks, declarations, frameworks.
"""

CODEBOOK_FILE = "codebook.yaml"


def init_project(root: Path) -> list[Path]:
    """Create a project in ``root`` (made if missing): ``codebooks/codebook.yaml`` with
    comments, and ``cases/``. Refuses a folder that already is a project. Returns what it
    created."""
    root = root.expanduser()
    if root.exists() and not root.is_dir():
        raise QcoderError(f"{root}: not a folder; give a folder for the new project")
    taken = [name for name in ("codebooks", "cases", "qcoder.yaml", "qcoder.db")
             if (root / name).exists()]
    if taken:
        raise QcoderError(f"{root}: already a qcoder project (it has {taken[0]}); run "
                          "'qcoder import' there, or give an empty folder")
    codebooks, cases = root / "codebooks", root / "cases"
    codebooks.mkdir(parents=True)
    cases.mkdir()
    book = codebooks / CODEBOOK_FILE
    book.write_text(EXAMPLE_CODEBOOK, encoding="utf-8")
    return [codebooks, book, cases]
