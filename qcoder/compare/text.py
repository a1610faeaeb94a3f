"""Finished tables as plain rows, CSV and Markdown, and the number formats they share."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from typing import Any


def percent(part: int, whole: int) -> float | None:
    """``part`` as a percentage of ``whole`` (None when ``whole`` is 0)."""
    return 100.0 * part / whole if whole else None


def round_or_none(value: float | None, digits: int = 1) -> float | None:
    return None if value is None else round(value, digits)


def display(value: float | int | None) -> float | int | str:
    if value is None:
        return "–"
    return round(value, 1) if isinstance(value, float) else value




@dataclass(frozen=True)
class TextTable:
    """A finished table: title, header, rows of plain values, and the basis line."""

    title: str
    header: list[str]
    rows: list[list[Any]]
    basis: str
    notes: tuple[str, ...] = ()
    depths: list[int] | None = None
    totals: int = 0  # trailing rows that are totals, not data

    def to_csv(self) -> str:
        """CSV with ``#`` comment lines first (title, basis, notes)."""
        out = io.StringIO()
        for line in (self.title, f"basis: {self.basis}", *self.notes):
            out.write(f"# {line}\n")
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(self.header)
        writer.writerows(["" if v is None else v for v in row] for row in self.rows)
        return out.getvalue()

    def to_markdown(self) -> str:
        """A pipe table with the title above and the basis below, for papers."""
        def cell(value: Any) -> str:
            return str("" if value is None else value).replace("|", "\\|").replace("\n", "<br>")

        numeric = [all(isinstance(r[i], int | float) or r[i] in ("–", "", None)
                       for r in self.rows) and bool(self.rows) for i in range(len(self.header))]
        lines = [f"**{self.title}**", "", "| " + " | ".join(map(cell, self.header)) + " |",
                 "|" + "|".join("---:" if n else "---" for n in numeric) + "|"]
        lines += ["| " + " | ".join(cell(v) for v in row) + " |" for row in self.rows]
        lines += ["", f"*Basis: {self.basis}.*"]
        lines += [f"*{n}*" for n in self.notes]
        return "\n".join(lines) + "\n"


def display3(value: float | None) -> float | str:
    return "–" if value is None else round(value, 3)
