"""User text on the workbench's screen: never markup, never terminal control.

Every widget that shows document text, memos, labels, coder or file names takes its content
through :func:`safe` (the ``Static`` here does it on every update, the trees on every label,
the app on every notification), and the TUI builds its styled text with the :class:`Text`
here, never Rich's: Rich (and Textual's ``Content``) *delete* BEL, backspace, VT, FF and CR
from every string given to them, so a ``safe`` applied afterwards finds nothing to show and
the offsets of the styles after them (a selection, a search hit) shift by one each.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text as RichText
from textual.widgets import Static as _Static

from ..safe_text import is_safe, visible


class Text(RichText):
    """A Rich ``Text`` whose strings are made :func:`~qcoder.safe_text.visible` before Rich
    sees them (one sign for one character: offsets into the text stay valid)."""

    def __init__(self, text: str = "", *args: Any, **kwargs: Any) -> None:
        super().__init__(visible(text), *args, **kwargs)

    def append(self, text: Any, style: Any = None) -> Text:
        if isinstance(text, str):
            text = visible(text)
        super().append(text, style)
        return self


def safe(content: Any, style: str = "") -> Any:
    """A ``Text`` of ``content`` with control characters visible; a string is never read
    as markup. A styled ``Text`` keeps its styles (the signs are one character for one).
    Other renderables pass through."""
    if content is None:
        return Text("", style=style)
    if isinstance(content, str):
        return Text(visible(content), style=style)
    if isinstance(content, RichText):
        if is_safe(content.plain):
            return content
        shown = content.copy()
        shown.plain = visible(content.plain)
        return shown
    return content


class Static(_Static):
    """``textual.widgets.Static`` whose content is always :func:`safe`."""

    def __init__(self, content: Any = "", **kwargs: Any) -> None:
        kwargs.pop("markup", None)
        super().__init__(safe(content), markup=False, **kwargs)

    def update(self, content: Any = "", *, layout: bool = True) -> None:
        super().update(safe(content), layout=layout)

    def update_fitting(self, content: Any = "") -> None:
        """Update, laying the screen out again only when the new content's height differs
        (a layout pass costs the whole screen, however small the change)."""
        if not self.display:  # hidden: showing it again lays the screen out anyway
            self.update(content, layout=False)
            return
        width = self.content_region.width
        if not width:
            self.update(content)
            return
        before = self.get_content_height(self.size, self.size, width)
        self.update(content, layout=False)
        if self.get_content_height(self.size, self.size, width) != before:
            self.refresh(layout=True)

    def _size_updated(self, size: Any, virtual_size: Any, container_size: Any,
                      layout: bool = True) -> bool:
        # A Static lays out nothing inside it: when its height changes, the layout pass
        # Textual would run again for its virtual size (the same as its size) changes
        # nothing but costs the whole screen another pass and another frame.
        return super()._size_updated(size, virtual_size, container_size, layout=False)


class SafeLabels:
    """Mixin for ``Tree`` subclasses: every node label is :func:`safe`."""

    def process_label(self, label: Any) -> Any:
        return super().process_label(safe(label))  # type: ignore[misc]
