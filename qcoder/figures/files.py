"""Figures written as files with stable names (``codes-by-case.png`` ...)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from .collect import Figures


def plan_files(figures: Figures, folder: Path, fmt: str) -> dict[Path, object]:
    """The file each figure goes to, in figure order."""
    return {folder / f"{name}.{fmt}": data for name, data in figures.named()}


def write_figures(planned: dict[Path, object], fmt: str, dpi: int,
                  progress: Callable[[int, int], None] | None = None) -> list[Path]:
    """Draw and write each planned figure (each file whole or not at all)."""
    from ..export.atomic import write_bytes
    from .draw import draw, render

    written = []
    for done, (path, data) in enumerate(planned.items(), 1):
        write_bytes(path, render(draw(data), fmt, dpi))
        written.append(path)
        if progress:
            progress(done, len(planned))
    return written
