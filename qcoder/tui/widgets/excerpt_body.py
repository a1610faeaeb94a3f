"""The excerpt with its neighbours as one line-drawn view (Textual's line API).

Three stacked auto-height widgets cost the whole screen two layout passes and three frames
whenever an excerpt of another length is shown; this view keeps one fixed size, renders the
three parts to lines once per excerpt and width, and redraws only itself.
"""

from __future__ import annotations

from rich.segment import Segment
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual, visualize
from textual.widget import Widget

from ..safe import Text, safe
from .steady import SteadyScrollbars

#: The parts, top to bottom: the end of the excerpt before, the excerpt, the next one's start.
PARTS = ("context-before", "excerpt-text", "context-after")


class ExcerptBody(SteadyScrollbars, ScrollView, can_focus=True):
    """Scrolls (↑↓, PgUp PgDn) when it is focused. The excerpt sits between a blank line
    above and below, after a coloured edge; the neighbours are dimmed."""

    COMPONENT_CLASSES = {"excerpt-body--context", "excerpt-body--edge"}

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.parts: dict[str, Text] = {part: Text() for part in PARTS}
        self._lines: list[Strip] | None = None
        self._width = 0
        self._drawn: dict[str, list[Strip]] = {}  # each part's lines at ``_width``
        self._styles: tuple | None = None
        self._fitted = 0  # the width the scrollable height was last set for

    def set_part(self, part: str, content: Text, fit: bool = True) -> None:
        """Show ``content`` (user text: never markup) as one of :data:`PARTS`; ``fit``
        False leaves sizing to one :meth:`fit` after several parts."""
        self.parts[part] = safe(content)
        self._drawn.pop(part, None)
        self._lines = None
        if fit:
            self.fit()

    def fit(self) -> None:
        """Size the scrollable height to the parts and redraw (if a part changed)."""
        if self._lines is None:
            self._fit()
            self.refresh()

    # -- size -------------------------------------------------------------------------------
    def _fit(self) -> None:
        """Set the scrollable height to the lines' without a layout pass, unless the
        scrollbar appears or goes (that changes the width)."""
        if not self.size:
            return
        height = len(self._render_lines())
        self._fitted = self._width
        window = self.scrollable_content_region.height
        before = self.virtual_size.height > window
        size = Size(self.scrollable_content_region.width, height)
        if before != (height > window):
            self.virtual_size = size  # a layout pass: the scrollbar shows or hides
            return
        self.set_reactive(Widget.virtual_size, size)
        if self.show_vertical_scrollbar:
            bar = self.vertical_scrollbar
            bar.window_virtual_size = height
            bar.window_size = window
            bar.refresh()
        if self.scroll_y > self.max_scroll_y:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True, force=True)

    def _forget(self) -> None:
        self._lines = None
        self._drawn.clear()
        self._styles = None

    def on_resize(self) -> None:
        if self._lines is not None and self.scrollable_content_region.width == self._fitted:
            # only the height changed (the lines above it grew or shrank): the layout pass
            # has already set the scrollbar and clamped the offset, and the lines still hold
            return
        self._forget()
        self._fit()

    def on_focus(self) -> None:
        self._lines = self._styles = None  # only the edge changes colour
        self.refresh()

    def on_blur(self) -> None:
        self._lines = self._styles = None
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._forget()

    # -- drawing ----------------------------------------------------------------------------
    def _render_lines(self) -> list[Strip]:
        """Every line of the three parts at the current width (cached), after one cell of
        margin (the right one is the widget's padding)."""
        width = self.scrollable_content_region.width
        if self._lines is not None and width == self._width:
            return self._lines
        if width != self._width:
            self._drawn.clear()
        self._width = width
        if self._styles is None:
            base = self.visual_style
            context = self.get_visual_style("excerpt-body--context")
            under, over = self.background_colors
            # blank cells as Textual draws a widget's padding: its background only
            self._styles = (base, context, Style(background=under + over).rich_style,
                            self.get_component_rich_style("excerpt-body--edge"))
        base, context, fill, edge_style = self._styles
        pad, edge = Segment(" ", fill), Segment("█", edge_style)
        inner = max(1, width - 1)  # the right margin is CSS padding: the scrollbar is left of it
        blank = Strip.blank(width, fill)

        def padded(strips: list[Strip], left: tuple[Segment, ...] = (),
                   right: tuple[Segment, ...] = ()) -> list[Strip]:
            return [Strip([pad, *left, *strip, *right], width) for strip in strips]

        lines = padded(self._strips("context-before", inner, context))
        lines.append(blank)
        # the excerpt: a coloured edge, one cell of padding on each side
        lines += padded(self._strips("excerpt-text", inner - 3, base), (edge, pad), (pad,))
        lines.append(blank)
        lines += padded(self._strips("context-after", inner, context))
        self._lines = lines
        return lines

    def _strips(self, part: str, width: int, style: Style) -> list[Strip]:
        """A part's text wrapped as Textual wraps a widget's content (kept until it or the
        width changes)."""
        drawn = self._drawn.get(part)
        if drawn is None:
            visual = visualize(self, self.parts[part], markup=False)
            fill = self._styles[2] if self._styles is not None else None
            drawn = self._drawn[part] = [
                strip.extend_cell_length(width, fill)
                for strip in Visual.to_strips(self, visual, width, None, style)
            ] if width > 0 else []
        return drawn

    def render_line(self, y: int) -> Strip:
        lines = self._render_lines()
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        fill = self._styles[2] if self._styles is not None else None
        if 0 <= index < len(lines):
            return lines[index].crop_extend(0, width, fill)
        return Strip.blank(width, fill)
