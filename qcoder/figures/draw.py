"""The figures, drawn with matplotlib (imported inside the functions: only the commands
that draw load it; the figure objects are created without pyplot, on the Agg canvas).

Each ``draw_*`` takes the data object of :mod:`.data` and returns a matplotlib ``Figure``;
:func:`render` turns it into the bytes of a PNG, SVG or PDF file. Output is deterministic:
one bundled font (DejaVu Sans), no dates in the metadata, a fixed SVG id salt.
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from .data import AlphaChart, GroupShares, HeatMap, Progress

if TYPE_CHECKING:
    from matplotlib.figure import Figure

FORMATS = ("png", "svg", "pdf")
FONT = "DejaVu Sans"
CREATOR = "qcoder"
SEQUENTIAL = "cividis"
# Okabe & Ito (2008), "Color Universal Design": distinguishable with any colour vision.
CATEGORICAL = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442",
               "#000000")
HATCHES = ("", "//", "..", "xx", "\\\\", "++", "--", "oo")
FLAG_STYLE = {  # colour, marker: the flag reads from the shape as well
    "reliable": ("#0072B2", "o"),
    "tentative": ("#E69F00", "s"),
    "unreliable": ("#D55E00", "D"),
}
RC = {
    "font.family": "sans-serif",
    "font.sans-serif": [FONT],
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "svg.hashsalt": "qcoder-figures",
    "svg.fonttype": "path",
    "pdf.fonttype": 42,
    "figure.dpi": 100,
}
ROW_INCHES = 0.28
LABEL_CHARS = 38


_BREAK_AFTER = re.compile(r"(?<=[–—/-])(?=\w)")


def wrap_label(text: str, width: int = LABEL_CHARS, lines: int = 2) -> str:
    """``text`` wrapped into at most ``lines`` lines of ``width`` characters, between words
    or after a dash or slash ("government–" / "Mexican"), a word longer than a line cut; the
    last line ends in an ellipsis when something had to go."""
    # (piece, glued): a piece after a dash or slash inside a word joins without a space
    words = [(piece, k > 0) for word in str(text).split()
             for k, piece in enumerate(_BREAK_AFTER.split(word))]
    out: list[str] = []
    line = ""
    for word, glued in words:
        glue = "" if not line or glued else " "
        if len(line) + len(glue) + len(word) <= width:
            line += glue + word
            continue
        if line:
            out.append(line)
        while len(word) > width:
            out.append(word[:width - 1] + "-")
            word = word[width - 1:]
        line = word
    if line or not out:
        out.append(line)
    if len(out) <= lines:
        return "\n".join(out)
    kept = out[:lines]
    kept[-1] = kept[-1][:width - 1].rstrip(" ,;:–-") + "…"
    return "\n".join(kept)


def _row_label(label: str, depth: int) -> str:
    """A code's label on one line; codes two or more levels down are marked "› " per level
    below the first (top-level codes are set in bold)."""
    mark = "› " * max(depth - 1, 0)
    return mark + wrap_label(label, LABEL_CHARS - len(mark), 1)


@contextmanager
def style() -> Iterator[None]:
    """The fixed font and settings every figure is drawn and saved with."""
    import matplotlib

    with matplotlib.rc_context(RC):
        yield


def _figure(width: float, height: float) -> Figure:
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def render(fig: Figure, fmt: str = "png", dpi: int = 200) -> bytes:
    """The figure as the bytes of a ``fmt`` file (the same figure: the same bytes)."""
    import io

    if fmt not in FORMATS:
        raise ValueError(f"unknown format {fmt!r}")
    metadata: dict[str, Any] = {
        "png": {"Software": CREATOR},
        "svg": {"Date": None, "Creator": CREATOR},
        "pdf": {"CreationDate": None, "ModDate": None, "Creator": CREATOR,
                "Producer": CREATOR},
    }[fmt]
    buffer = io.BytesIO()
    with style():
        # constrained layout keeps every label and legend inside the figure: no second
        # drawing pass for bbox_inches="tight"
        fig.savefig(buffer, format=fmt, dpi=dpi, metadata=metadata, facecolor="white")
    data = buffer.getvalue()
    return _number_clip_ids(data) if fmt == "svg" else data


_CLIP_ID = re.compile(rb"\bp[0-9a-f]{10}\b")


def _number_clip_ids(svg: bytes) -> bytes:
    """Clip paths numbered in order of appearance: matplotlib names them by a hash of their
    rectangle, whose last float digits can differ between two layouts of the same figure."""
    names: dict[bytes, bytes] = {}

    def number(match: re.Match[bytes]) -> bytes:
        return names.setdefault(match.group(0), b"clip%d" % (len(names) + 1))

    return _CLIP_ID.sub(number, svg)


def _frame(fig: Figure, title: str, note: str, legend_columns: int = 0, ax: Any = None
           ) -> None:
    """Title on top, then the legend (if any), the note under the plot: constrained layout
    keeps the three clear of each other and of the axes."""
    fig.suptitle(wrap_label(title, 90, 2), fontsize=10, fontweight="bold")
    if legend_columns:
        ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncols=legend_columns,
                  frameon=False, fontsize=8, borderaxespad=0.3)
    fig.supxlabel(_wrap_note(note), fontsize=7, color="#404040")


def _wrap_note(text: str, width: int = 120) -> str:
    import textwrap

    return "\n".join(textwrap.wrap(text, width))


# --- heat map -------------------------------------------------------------------------------


def draw_heat_map(data: HeatMap) -> Figure:
    """Codes x cases, each cell its percentage (annotated), top-level codes as bands."""
    import numpy as np

    with style():
        n_rows, n_cols = len(data.row_ids), len(data.column_ids)
        labels = [_row_label(lab, d) for lab, d in zip(data.row_labels, data.depths,
                                                       strict=True)]
        width = min(max(2.9 + 0.95 * n_cols + 1.0, 6.5), 16.0)
        fig = _figure(width, max(2.4, 1.7 + ROW_INCHES * n_rows))
        grid = fig.add_gridspec(1, 3, width_ratios=[0.18, max(n_cols, 1), 0.25])
        band_ax = fig.add_subplot(grid[0, 0])
        ax = fig.add_subplot(grid[0, 1], sharey=band_ax)
        cbar_ax = fig.add_subplot(grid[0, 2])
        values = np.array([[np.nan if v is None else v for v in row] for row in data.percents],
                          dtype=float).reshape(n_rows, n_cols)
        top = float(np.nanmax(values)) if np.isfinite(values).any() else 0.0
        cmap = _colormap(SEQUENTIAL).with_extremes(bad="#d9d9d9")
        image = ax.imshow(np.ma.masked_invalid(values), cmap=cmap, vmin=0,
                          vmax=max(top, 1.0), aspect="auto", interpolation="nearest")
        shades = cmap(image.norm(np.nan_to_num(values)))  # every cell's colour at once
        light = shades[..., 0] * 0.299 + shades[..., 1] * 0.587 + shades[..., 2] * 0.114
        for i in range(n_rows):
            for j in range(n_cols):
                v = values[i, j]
                if np.isnan(v):
                    ax.text(j, i, "–", ha="center", va="center", fontsize=7, color="#404040",
                            in_layout=False)
                    continue
                ax.text(j, i, f"{v:.1f}", ha="center", va="center", fontsize=7,
                        color="black" if light[i, j] > 0.55 else "white", in_layout=False)
        for band in data.bands[1:]:
            for a in (ax, band_ax):
                a.axhline(band.start - 0.5, color="white", linewidth=2.0)
        for k, band in enumerate(data.bands):
            band_ax.axhspan(band.start - 0.5, band.stop - 0.5,
                            color="#4d4d4d" if k % 2 == 0 else "#a6a6a6", linewidth=0)
        band_ax.set_xlim(0, 1)
        band_ax.set_xticks([])
        band_ax.set_yticks(range(n_rows), labels)
        for tick, depth in zip(band_ax.get_yticklabels(), data.depths, strict=True):
            if depth == 0:
                tick.set_fontweight("bold")
        for side in ("top", "right", "bottom", "left"):
            band_ax.spines[side].set_visible(False)
        band_ax.tick_params(axis="y", length=0)
        ax.tick_params(axis="y", labelleft=False, length=0)
        columns = [f"{wrap_label(c, 16, 3)}\nn = {n:,}"
                   for c, n in zip(data.column_labels, data.reviewed, strict=True)]
        ax.set_xticks(range(n_cols), columns, fontsize=8)
        ax.xaxis.tick_top()
        ax.tick_params(axis="x", length=0)
        if n_cols > 8:
            for tick in ax.get_xticklabels():
                tick.set_rotation(45)
                tick.set_ha("left")
        ax.set_ylim(n_rows - 0.5, -0.5)
        bar = fig.colorbar(image, cax=cbar_ax)
        bar.set_label("% of the case's reviewed excerpts")
        _frame(fig, data.title, f"Basis: {data.basis}. Parent codes roll up their children "
                                "(an excerpt counts once). n: the case's reviewed excerpts; "
                                "–: none reviewed.")
    return fig


def _colormap(name: str) -> Any:
    import matplotlib

    return matplotlib.colormaps[name]


# --- exclusive-group shares -----------------------------------------------------------------


def draw_group_shares(data: GroupShares) -> Figure:
    """One stacked bar per case: each code's share of the group's codings there."""
    with style():
        n_cases, n_codes = len(data.column_ids), len(data.code_ids)
        fig = _figure(6.5, max(2.6, 1.9 + 0.45 * n_cases + 0.2 * math.ceil(n_codes / 3)))
        ax = fig.add_subplot()
        y = list(range(n_cases))
        left = [0.0] * n_cases
        for k, (code, label) in enumerate(zip(data.code_ids, data.code_labels, strict=True)):
            widths = [row[k] or 0.0 for row in data.shares]
            bars = ax.barh(y, widths, left=left, height=0.62, label=wrap_label(label, 28, 2),
                           color=CATEGORICAL[k % len(CATEGORICAL)],
                           hatch=HATCHES[(k // len(CATEGORICAL)) % len(HATCHES)],
                           edgecolor="white", linewidth=0.8, gid=code)
            for rect, w, x0 in zip(bars, widths, left, strict=True):
                if w >= 7:
                    shade = CATEGORICAL[k % len(CATEGORICAL)]
                    ax.text(x0 + w / 2, rect.get_y() + rect.get_height() / 2, f"{w:.0f}",
                            ha="center", va="center", fontsize=7,
                            color="black" if shade in ("#E69F00", "#F0E442", "#56B4E9")
                            else "white", in_layout=False)
            left = [a + b for a, b in zip(left, widths, strict=True)]
        ax.set_yticks(y, [wrap_label(c, 26, 3) for c in data.column_labels])
        ax.set_ylim(n_cases - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of the group's codings in the case")
        for i, n in enumerate(data.excerpts):
            ax.text(101, i, f"n = {n:,}", va="center", ha="left", fontsize=7, color="#404040",
                    clip_on=False)
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        _frame(fig, data.title, f"Basis: {data.basis}. n: excerpts with a code of the group.",
               min(n_codes, 3), ax)
    return fig


# --- alpha ----------------------------------------------------------------------------------


def draw_alpha(data: AlphaChart) -> Figure:
    """Alpha per code as a dot with its 95% interval, against the .667 and .800 lines."""
    with style():
        points = data.points
        n = len(points)
        fig = _figure(6.5, max(2.6, 1.8 + ROW_INCHES * n))
        ax = fig.add_subplot()
        lows = [p.ci[0] for p in points if p.ci] + [p.alpha for p in points
                                                    if p.alpha is not None]
        x_min = min(-0.05, math.floor(min(lows, default=0.0) * 10) / 10 - 0.02)
        ax.set_xlim(x_min, 1.04)
        for k, band in enumerate(data.bands):
            if k % 2 == 1:
                ax.axhspan(band.start - 0.5, band.stop - 0.5, color="#f0f0f0", linewidth=0,
                           zorder=0)
        tentative, reliable = data.thresholds
        for value in (tentative, reliable):
            ax.axvline(value, color="#404040", linestyle="--", linewidth=0.8, zorder=1)
            ax.text(value, -0.6, f" {value:.3f}".replace("0.", "."), ha="left", va="bottom",
                    fontsize=7, color="#404040")
        ax.axvline(0, color="#bdbdbd", linewidth=0.6, zorder=1)
        for flag, (colour, marker) in FLAG_STYLE.items():
            rows = [(i, p) for i, p in enumerate(points) if p.alpha is not None
                    and p.flag == flag]
            _dots(ax, rows, colour, marker, flag)
        other = [(i, p) for i, p in enumerate(points) if p.alpha is not None
                 and p.flag not in FLAG_STYLE]
        _dots(ax, other, "#7f7f7f", "v", "too few units")
        for i, p in enumerate(points):
            if p.alpha is None:
                ax.text(x_min + 0.01, i, "undefined" if p.flag == "undefined" else p.flag,
                        va="center", fontsize=7, style="italic", color="#595959")
        labels = [_row_label(p.label, p.depth) for p in points]
        ax.set_yticks(range(n), labels)
        for tick, p in zip(ax.get_yticklabels(), points, strict=True):
            if p.depth == 0:
                tick.set_fontweight("bold")
        ax.set_ylim(n - 0.5, -1.0)
        ax.tick_params(axis="y", length=0)
        ax.set_xlabel("Krippendorff's alpha (nominal)")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        _frame(fig, data.title, f"{data.stamp}. Dashed lines: tentative ≥ .667, reliable ≥ "
                                ".800. Blocks: top-level codes, the lowest alpha first; in a "
                                "block the top-level code (bold), its exclusive group, then "
                                "the codes below it, the lowest first.", 4, ax)
    return fig


def _dots(ax: Any, rows: list[tuple[int, Any]], colour: str, marker: str, label: str) -> None:
    if not rows:
        return
    ys = [i for i, _ in rows]
    xs = [p.alpha for _, p in rows]
    lo = [p.alpha - p.ci[0] if p.ci else 0.0 for _, p in rows]
    hi = [p.ci[1] - p.alpha if p.ci else 0.0 for _, p in rows]
    ax.errorbar(xs, ys, xerr=[lo, hi], fmt=marker, color=colour, ecolor=colour,
                elinewidth=1.2, capsize=2.5, markersize=5, label=label, zorder=3, gid=label)


# --- progress -------------------------------------------------------------------------------


def draw_progress(data: Progress) -> Figure:
    """Per case, one bar per coder: the share of the case's excerpts they reviewed."""
    with style():
        n_cases, n_coders = len(data.case_ids), len(data.coders)
        slot = 0.8 / max(n_coders, 1)
        fig = _figure(6.5, max(2.6, 1.6 + n_cases * (0.25 + 0.2 * n_coders)))
        ax = fig.add_subplot()
        for k, coder in enumerate(data.coders):
            ys = [i - 0.4 + slot * (k + 0.5) for i in range(n_cases)]
            widths = [data.percent(i, k) for i in range(n_cases)]
            ax.barh(ys, widths, height=slot * 0.9, color=CATEGORICAL[k % len(CATEGORICAL)],
                    hatch=HATCHES[(k // len(CATEGORICAL)) % len(HATCHES)],
                    label=wrap_label(coder, 24, 1), gid=coder)
            if n_coders <= 8:
                for i, y in enumerate(ys):
                    ax.text(101, y, f"{data.reviewed[i][k]}/{data.totals[i]}", va="center",
                            ha="left", fontsize=6.5, color="#404040", clip_on=False)
        ax.set_yticks(range(n_cases), [wrap_label(c, 26, 3) for c in data.case_labels])
        ax.set_ylim(n_cases - 0.5, -0.5)
        ax.set_xlim(0, 100)
        ax.set_xlabel("% of the case's excerpts reviewed")
        for side in ("top", "right"):
            ax.spines[side].set_visible(False)
        _frame(fig, data.title, "Reviewed: coded, or marked as reviewed with no code (the "
                                "consensus is not shown).", min(n_coders, 5), ax)
    return fig


def draw(data: object) -> Figure:
    """The figure of any data object of :mod:`.data`."""
    for kind, function in ((HeatMap, draw_heat_map), (GroupShares, draw_group_shares),
                           (AlphaChart, draw_alpha), (Progress, draw_progress)):
        if isinstance(data, kind):
            return function(data)  # type: ignore[operator]
    raise TypeError(f"no figure for {type(data).__name__}")
