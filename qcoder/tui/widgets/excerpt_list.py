"""A virtual list of excerpt lines: it draws only the rows on screen and reads them a page
at a time from the core, so 100,000 excerpts cost no more than 100 (no widget per row)."""

from __future__ import annotations

from collections import OrderedDict
from typing import Protocol

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from ...navigation import ExcerptLine
from ...safe_text import one_line
from .steady import SteadyScrollbars

PAGE = 64
PAGES_KEPT = 8


class LineSource(Protocol):
    """What the list shows (see ``DocumentLines`` and ``FilteredLines`` in the core)."""

    show_ref: bool

    def __len__(self) -> int: ...

    def lines(self, offset: int, limit: int) -> list[ExcerptLine]: ...

    def index_of(self, excerpt_id: int) -> int | None: ...


def status_mark(line: ExcerptLine) -> tuple[str, str]:
    """The one-cell state of a line and its component class: · not reviewed yet,
    – reviewed with no code, ✓ coded."""
    if not line.reviewed:
        return "·", "excerpt-list--todo"
    if not line.codes:
        return "–", "excerpt-list--none"
    return "✓", "excerpt-list--coded"


class ExcerptList(SteadyScrollbars, ScrollView, can_focus=True):
    """The excerpts of a document (or of a filter), one line each, with a cursor."""

    COMPONENT_CLASSES = {"excerpt-list--cursor", "excerpt-list--todo", "excerpt-list--none",
                         "excerpt-list--coded", "excerpt-list--memo", "excerpt-list--number",
                         "excerpt-list--speaker"}
    BINDINGS = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "move_to(0)", "First", show=False),
        Binding("end", "move_to(-1)", "Last", show=False),
    ]

    class Highlighted(Message):
        """The cursor moved to an excerpt (by the user)."""

        def __init__(self, excerpt_id: int) -> None:
            super().__init__()
            self.excerpt_id = excerpt_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source: LineSource | None = None
        self.cursor = 0
        self._pages: OrderedDict[int, list[ExcerptLine]] = OrderedDict()
        self._strips: dict[tuple[int, bool, int], Strip] = {}

    # -- data -------------------------------------------------------------------------------
    def set_source(self, source: LineSource, index: int = 0) -> None:
        self.source = source
        self._pages.clear()
        self._strips.clear()
        self.virtual_size = Size(self.size.width, len(source))
        self.cursor = max(0, min(index, len(source) - 1))
        self.scroll_to(y=0, animate=False, immediate=True, force=True)
        self._scroll_to_cursor()
        self.refresh()

    def invalidate(self) -> None:
        """Forget every cached line (progress changed) and redraw what is visible."""
        self._pages.clear()
        self._strips.clear()
        if self.source is not None:
            self.virtual_size = Size(self.size.width, len(self.source))
        self.refresh()

    def refresh_excerpt(self, excerpt_id: int) -> None:
        """Re-read one excerpt's line (after an action on it) and redraw just that row."""
        if self.source is None:
            return
        index = self.source.index_of(excerpt_id)
        if index is None:
            return
        page = index // PAGE
        if page in self._pages:
            fresh = self.source.lines(index, 1)
            rows = self._pages[page]
            offset = index - page * PAGE
            if fresh and offset < len(rows):
                rows[offset] = fresh[0]
        for key in [k for k in self._strips if k[0] == index]:
            del self._strips[key]
        self.refresh_lines(index)

    def line_at(self, index: int) -> ExcerptLine | None:
        if self.source is None or not 0 <= index < len(self.source):
            return None
        page = index // PAGE
        if page not in self._pages:
            self._pages[page] = self.source.lines(page * PAGE, PAGE)
            while len(self._pages) > PAGES_KEPT:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(page)
        rows = self._pages[page]
        offset = index - page * PAGE
        return rows[offset] if offset < len(rows) else None

    @property
    def count(self) -> int:
        return len(self.source) if self.source is not None else 0

    # -- cursor -----------------------------------------------------------------------------
    def move_to(self, index: int, announce: bool = True) -> None:
        if not self.count:
            return
        index = max(0, min(index, self.count - 1))
        old = self.cursor
        self.cursor = index
        top = self.scroll_offset.y
        self._scroll_to_cursor()
        if self.scroll_offset.y == top:
            self.refresh_lines(old)
            self.refresh_lines(index)
        else:
            self.refresh()
        line = self.line_at(index)
        if announce and line is not None:
            self.post_message(self.Highlighted(line.id))

    def _scroll_to_cursor(self) -> None:
        height = max(1, self.scrollable_content_region.height)
        top = self.scroll_offset.y
        # force: right after a new source the scrollbar is not shown yet, and Textual would
        # refuse to scroll a view it thinks is not scrollable.
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True, force=True)
        elif self.cursor >= top + height:
            self.scroll_to(y=self.cursor - height + 1, animate=False, immediate=True,
                           force=True)

    def action_move(self, delta: int) -> None:
        self.move_to(self.cursor + delta)

    def action_page(self, delta: int) -> None:
        self.move_to(self.cursor + delta * max(1, self.scrollable_content_region.height - 1))

    def action_move_to(self, index: int) -> None:
        self.move_to(self.count - 1 if index < 0 else index)

    def on_click(self, event: Click) -> None:
        self.focus()
        self.move_to(self.scroll_offset.y + event.y)

    def on_resize(self) -> None:
        self._strips.clear()
        self.virtual_size = Size(self.size.width, self.count)
        self._scroll_to_cursor()

    # -- drawing ----------------------------------------------------------------------------
    def on_focus(self) -> None:
        self._strips.clear()
        self.refresh()

    def on_blur(self) -> None:
        self._strips.clear()
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._strips.clear()

    def render_line(self, y: int) -> Strip:
        index = self.scroll_offset.y + y
        width = self.scrollable_content_region.width
        key = (index, index == self.cursor, width)
        strip = self._strips.get(key)
        if strip is None:
            if len(self._strips) > 512:
                self._strips.clear()
            strip = self._strips[key] = self._render_row(index, width, key[1])
        return strip

    def _render_row(self, index: int, width: int, cursor: bool) -> Strip:
        base = self.rich_style
        line = self.line_at(index)
        if line is None:
            return Strip([Segment(" " * width, base)], width)
        style = self.get_component_rich_style
        mark, mark_class = status_mark(line)
        speaker = line.speaker or ""
        body = " ".join(line.text.split())
        if speaker and body.startswith(f"{speaker}:"):
            body = body[len(speaker) + 1:].lstrip()
        if speaker:
            # Narrow lists keep a speaker's first letters: enough to tell the turns apart.
            short = speaker[:3] if width < 40 and len(speaker) > 4 else speaker[:12]
            speaker = f"{short}: "
        if self.source is not None and self.source.show_ref:
            # Under a filter the rows come from many documents: name each, shortened (a
            # narrow list: the initials of the stem's words, "interview-us-official" → "iuo").
            stem = line.ref.split("/", 1)[-1].rsplit("#", 1)[0]
            short_stem = stem[:14] if width >= 40 else "".join(
                w[:1] for w in stem.split("-") if w)[:5]
            number = f"{short_stem}#{line.n} "
        else:
            number = f"{line.n:>3} "
        head = [(mark, style(mark_class)),
                ("✎" if line.memo else " ", style("excerpt-list--memo")),
                (number, style("excerpt-list--number")),
                (speaker, style("excerpt-list--speaker"))]
        room = width - sum(cell_len(one_line(t)) for t, _ in head)
        parts = head + _with_match(body, _needle(self.source), room)
        extra = style("excerpt-list--cursor") if cursor else None
        segments: list[Segment] = []
        used = 0
        for text, part_style in parts:
            room = width - used
            if room <= 0 or not text:
                continue
            text = one_line(text)  # document text: never terminal control
            cells = cell_len(text)
            if cells > room:
                text = set_cell_size(text, room - 1) + "…"
                cells = room
            combined = base + part_style
            segments.append(Segment(text, combined + extra if extra else combined))
            used += cells
        if used < width:
            segments.append(Segment(" " * (width - used), base + extra if extra else base))
        return Strip(segments, width)


MATCH = Style(reverse=True, bold=True)


def _needle(source: object) -> str:
    """What a text or word filter looks for, to highlight in the rows ("" for none)."""
    flt = getattr(source, "filter", None)
    if flt is None or flt.kind not in ("search", "words"):
        return ""
    if flt.kind == "search":
        return " ".join(flt.value.split())
    words = [w.strip('"*()') for w in flt.value.split()
             if w not in ("AND", "OR", "NOT") and not w.startswith("NEAR")]
    return next((w for w in words if w), "")


def _with_match(body: str, needle: str, room: int) -> list[tuple[str, Style]]:
    """The row's text with the first match of ``needle`` highlighted and, when it would
    fall past the edge, the text shown from a little before it ("…the match…")."""
    at = body.lower().find(needle.lower()) if needle else -1
    if at < 0:
        return [(body, Style())]
    if at + len(needle) > room - 1:
        lead = max(0, min(6, room - len(needle) - 2))  # context before it, if there is room
        start = max(0, at - lead)
        body, at = "…" + body[start:], at - start + 1
    end = at + len(needle)
    return [(body[:at], Style()), (body[at:end], MATCH), (body[end:], Style())]
