"""The excerpt with its neighbours as one line-drawn view (Textual's line API).

Three stacked auto-height widgets cost the whole screen two layout passes and three frames
whenever an excerpt of another length is shown; this view keeps one fixed size, renders the
three parts to lines once per excerpt and width, and redraws only itself.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.style import Style
from textual.visual import Visual, visualize
from textual.widget import Widget

from ..safe import safe

#: The parts, top to bottom: the end of the excerpt before, the excerpt, the next one's start.
PARTS = ("context-before", "excerpt-text", "context-after")


class ExcerptBody(ScrollView, can_focus=True):
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
        """Every line of the three parts at the current width (cached), one cell of margin
        drawn on each side."""
        width = self.scrollable_content_region.width
        if self._lines is not None and width == self._width:
            return self._lines
        if width != self._width:
            self._drawn.clear()
        self._width = width
        if self._styles is None:
            base = self.visual_style
            context = self.get_visual_style("excerpt-body--context")
            self._styles = (base, context, (base + Style(reverse=False)).rich_style,
                            (context + Style(reverse=False)).rich_style,
                            self.get_component_rich_style("excerpt-body--edge"))
        base, context, fill, dim_fill, edge_style = self._styles
        # as Textual pads a widget's lines; a neighbour's last cell takes its dimmed style
        pad, dim_pad, edge = Segment(" ", fill), (Segment(" ", dim_fill),), Segment("█",
                                                                                    edge_style)
        inner = max(1, width - 2)
        blank = Strip.blank(width, fill)

        def padded(strips: list[Strip], left: tuple[Segment, ...] = (),
                   right: tuple[Segment, ...] = ()) -> list[Strip]:
            return [Strip([pad, *left, *strip, *(right or (pad,))], width) for strip in strips]

        lines = padded(self._strips("context-before", inner, context), (), dim_pad)
        lines.append(blank)
        # the excerpt: a coloured edge, one cell of padding on each side
        lines += padded(self._strips("excerpt-text", inner - 3, base), (edge, pad), (pad, pad))
        lines.append(blank)
        lines += padded(self._strips("context-after", inner, context), (), dim_pad)
        self._lines = lines
        return lines

    def _strips(self, part: str, width: int, style: Style) -> list[Strip]:
        """A part's text wrapped as Textual wraps a widget's content (kept until it or the
        width changes)."""
        drawn = self._drawn.get(part)
        if drawn is None:
            visual = visualize(self, self.parts[part], markup=False)
            drawn = self._drawn[part] = (Visual.to_strips(self, visual, width, None, style,
                                                          pad=True) if width > 0 else [])
        return drawn

    def render_line(self, y: int) -> Strip:
        lines = self._render_lines()
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        if 0 <= index < len(lines):
            return lines[index].crop_extend(0, width, self.visual_style.rich_style)
        return Strip.blank(width, self.visual_style.rich_style)
