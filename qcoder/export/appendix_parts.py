"""The parts of an appendix that its sections share: the table, the basis in words and
the depth of a code in the exported tree (a leaf module: every appendix module imports it)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from ..compare import Basis
from ..project.codebook import Codebook


@dataclass(frozen=True)
class FigureImage:
    """A figure for an appendix: a PNG of ``width`` x ``height`` inches, its caption title,
    the alternative text that describes it to a reader who cannot see it, and its note."""

    png: bytes
    width: float
    height: float
    title: str
    alt: str
    note: str = ""


@dataclass
class Table:
    """A table for an appendix: every cell is text; a line break starts a new paragraph.

    ``widths`` are relative column widths; ``indents`` the hierarchy level of each row's first
    cell; ``wide`` asks for a landscape page; ``note`` is the line under the caption (basis,
    statistic, n, what each column means); ``figures`` follow the table.
    """

    title: str
    columns: list[str]
    rows: list[list[str]]
    widths: list[float] | None = None
    indents: list[int] | None = None
    note: str = ""
    wide: bool = False
    figures: list[FigureImage] = field(default_factory=list)  # shown right after the table


def describe_basis(basis: Basis) -> str:
    """Whose codings, in a few words: "consensus codings", "codings of ann, bob (pooled)"."""
    if basis.kind == "consensus":
        return "consensus codings"
    names = ", ".join(basis.coders) or "no coder"
    return f"codings of {names} (pooled)" if len(basis.coders) > 1 else f"codings of {names}"


def relative_depths(codebook: Codebook, code_ids: Sequence[str]) -> dict[str, int]:
    """How many of each code's ancestors are selected too: its level in the exported tree."""
    chosen = set(code_ids)
    return {c: sum(1 for a in codebook.ancestors(c) if a in chosen) for c in code_ids}
