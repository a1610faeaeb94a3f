"""Figures as PNG images for the Word appendices."""

from __future__ import annotations

from ..export.appendix_parts import FigureImage
from .data import AlphaChart, GroupShares, HeatMap, Progress, describe

DOCX_DPI = 200
TITLES = {
    HeatMap: "Codes by case: share of each case's reviewed excerpts",
    AlphaChart: "Krippendorff's alpha per code with its 95% interval",
    Progress: "Excerpts reviewed by each coder, per case",
}


def figure_image(data: object, dpi: int = DOCX_DPI) -> FigureImage:
    """The figure of ``data`` as a PNG with its caption title and alternative text."""
    from .draw import draw, render

    fig = draw(data)
    width, height = (float(v) for v in fig.get_size_inches())
    png = render(fig, "png", dpi)
    title = (f"{data.title.split(':')[0]}: share of each code by case"
             if isinstance(data, GroupShares) else TITLES[type(data)])
    return FigureImage(png, width, height, title, describe(data))
