"""Scroll views that keep their scrollbars as they are when a layout pass leaves them alone.

Textual's ``ScrollView`` compares the size the layout gives it with its own scrollable size,
which always differ for a list of 100,000 lines, so every layout pass of the screen (an
excerpt's codes one line taller) repaints the scrollbar of every list and tree on it, in a
second frame. Here a pass that changes neither the view's size nor its container's is
ignored: scrolling and content changes update the scrollbars through their own paths.
"""

from __future__ import annotations

from typing import Any


class SteadyScrollbars:
    """Mixin for ``ScrollView`` subclasses (lists, trees, the excerpt body)."""

    _steady_container: Any = None

    def _size_updated(self, size: Any, virtual_size: Any, container_size: Any,
                      layout: bool = True) -> bool:
        if size == self._size and container_size == self._steady_container:  # type: ignore[attr-defined]
            return False
        self._steady_container = container_size
        return super()._size_updated(size, virtual_size, container_size,  # type: ignore[misc]
                                     layout)
