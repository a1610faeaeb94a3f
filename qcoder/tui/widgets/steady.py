"""Scroll views that keep their scrollbars as they are when a layout pass leaves them alone.

Textual's ``ScrollView`` compares the size the layout gives it with its own scrollable size,
which always differ for a list of 100,000 lines, so every layout pass of the screen (an
excerpt's codes one line taller) repaints the scrollbar of every list and tree on it, in a
second frame. Here a pass that changes neither the view's size nor its container's is
ignored: scrolling and content changes update the scrollbars through their own paths.
"""

from __future__ import annotations

from typing import Any

from textual.scrollbar import ScrollBar
from textual.widgets import OptionList


class SteadyScrollBar(ScrollBar):
    """A scrollbar that a new height only repaints. Textual stores a resized widget's
    virtual size as a layout-changing value, so a scrollbar made taller or shorter by a
    layout pass asks for another pass, and the screen paints a second frame; a scrollbar's
    size comes from its view, never from its own layout."""

    def _size_updated(self, size: Any, virtual_size: Any, container_size: Any,
                      layout: bool = True) -> bool:
        return super()._size_updated(size, virtual_size, container_size, layout=False)

    #: True while the view's layout pass moves or resizes this bar: the pass paints it
    quiet = False
    #: a refresh was asked while quiet
    hushed = False

    def refresh(self, *args: Any, **kwargs: Any) -> SteadyScrollBar:
        # a refresh asked during a layout pass arrives after that pass's frame, and would
        # paint the bar again in a second one
        if self.quiet:
            self.hushed = True
            return self
        super().refresh(*args, **kwargs)
        return self


class SteadyScrollbars:
    """Mixin for ``ScrollView`` subclasses (lists, trees, the excerpt body)."""

    _steady_container: Any = None

    @property
    def vertical_scrollbar(self) -> ScrollBar:
        """The vertical scrollbar, created on first use as Textual does, but steady."""
        if self._vertical_scrollbar is None:  # type: ignore[has-type]
            bar = SteadyScrollBar(vertical=True, name="vertical",
                                  thickness=self.scrollbar_size_vertical)  # type: ignore[attr-defined]
            bar.display = False
            self._vertical_scrollbar = bar
            self.app._start_widget(self, bar)  # type: ignore[attr-defined]
        return self._vertical_scrollbar

    def _arrange_scrollbars(self, region: Any) -> Any:
        # The layout pass sets the bar's window to the view's new height before placing
        # the bar: a bar of a new size is painted by that pass, so its refresh is not
        # asked again (it would come after the pass's frame, in a second one).
        bar = self._vertical_scrollbar  # type: ignore[has-type]
        if not isinstance(bar, SteadyScrollBar):
            yield from super()._arrange_scrollbars(region)  # type: ignore[misc]
            return
        bar.quiet, bar.hushed = True, False
        try:
            for widget, where in super()._arrange_scrollbars(region):  # type: ignore[misc]
                if widget is bar and bar.quiet:
                    bar.quiet = False
                    if bar.hushed and where.size == bar.size:  # the same place: not painted
                        bar.refresh()
                yield widget, where
        finally:
            bar.quiet = False

    def _size_updated(self, size: Any, virtual_size: Any, container_size: Any,
                      layout: bool = True) -> bool:
        if size == self._size and container_size == self._steady_container:  # type: ignore[attr-defined]
            return False
        self._steady_container = container_size
        bar = self._vertical_scrollbar  # type: ignore[has-type]
        # a new size moves or resizes the bar, so the pass paints it with its new values
        quiet = isinstance(bar, SteadyScrollBar) and size != self._size  # type: ignore[attr-defined]
        if quiet:
            bar.quiet = True
        try:
            return super()._size_updated(size, virtual_size,  # type: ignore[misc]
                                         container_size, layout)
        finally:
            if quiet:
                bar.quiet = False


class SteadyOptionList(SteadyScrollbars, OptionList):
    """An ``OptionList`` (a dialog's choices) with steady scrollbars."""
