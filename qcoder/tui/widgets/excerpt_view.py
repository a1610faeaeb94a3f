"""The current excerpt in full, its neighbours dimmed, and this coder's codes and memos
above it."""

from __future__ import annotations

from dataclasses import dataclass, field

from rich.cells import cell_len
from textual.app import ComposeResult
from textual.containers import Vertical

from ...project.codebook import Codebook
from ...project.formats.model import timecode
from ...spans import Selection, SpanLine
from ...stamps import STALE_LEGEND, STALE_MARK
from ...store.database import ExcerptRow
from ..safe import RichText, Static, Text
from .excerpt_body import PARTS, ExcerptBody
from .span_select import SelectionBar

CONTEXT_LINES = 3


@dataclass
class ExcerptState:
    """Everything the view shows about one excerpt, read from the store by the screen."""

    excerpt: ExcerptRow
    title: str = ""
    position: str = ""
    before: ExcerptRow | None = None
    after: ExcerptRow | None = None
    codes: dict[str, str | None] = field(default_factory=dict)
    memo: str = ""
    reviewed: bool = False
    hits: list[tuple[int, int]] = field(default_factory=list)  # highlighted: a filter's matches
    stale: set[str] = field(default_factory=set)  # codes coded under an earlier definition
    spans: list[SpanLine] = field(default_factory=list)  # this coder's spans coded inside it


def _context(row: ExcerptRow | None, tail: bool, chars: int) -> Text:
    """A neighbour, cut to about ``chars`` characters: its end before, its start after."""
    if row is None:
        return Text("(start of document)" if tail else "(end of document)", style="italic")
    text = " ".join(row.text.split())
    if len(text) > chars:
        text = ("…" + text[-chars:]) if tail else (text[:chars] + "…")
    return Text(f"#{row.n}  {text}")


def code_label(codebook: Codebook, code_id: str) -> str:
    """``Parent › Child`` for a code, its id when the codebook no longer has it."""
    if code_id not in codebook:
        return code_id
    return " › ".join(codebook.path_labels(code_id))


def ref_text(ref: str, width: int) -> Text:
    """An excerpt reference that never breaks mid-word: when it is wider than ``width`` it
    breaks after the case's ``/`` (and each part folds only if it alone is too wide)."""
    if cell_len(ref) <= width or "/" not in ref:
        return Text(ref, style="bold")
    case, _, rest = ref.partition("/")
    return Text(f"{case}/\n{rest}", style="bold")


class ExcerptView(Vertical):
    """Reads like a page: the reference and this coder's codes and memo on top, always in
    view; below them the previous excerpt, the excerpt and the next one, scrolling."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._shown: dict[str, object] = {}
        self._batch: tuple[str, ...] = ()  # body parts set together by show (one fit)
        #: What the hint says about scrolling and the full-width key (set by the screen).
        self.scroll_hint = ""
        self._body = Text()  # the excerpt's text as styled without a selection
        self._state: tuple[ExcerptState, Codebook] | None = None  # what is shown

    def _set(self, part: str, content: Text) -> None:
        """Update one part only when it changed, and lay the screen out again only when its
        height changed (a layout pass costs the whole screen)."""
        if self._shown.get(part) == content:
            return
        self._shown[part] = content
        if part in PARTS:
            self.body.set_part(part, content, fit=part not in self._batch)
            return
        self.query_one(f"#{part}", Static).update_fitting(content)

    def part(self, part: str) -> Text | None:
        """What a part shows (``excerpt-text``, ``excerpt-codes``, …)."""
        shown = self._shown.get(part)
        return shown if isinstance(shown, RichText) else None

    def compose(self) -> ComposeResult:
        yield Static(id="excerpt-ref")
        yield Static(id="excerpt-codes")
        yield Static(id="excerpt-memo")
        yield ExcerptBody(id="excerpt-body")
        yield Static(id="excerpt-hint")
        yield SelectionBar(id="selection-bar")

    @property
    def body(self) -> ExcerptBody:
        return self.query_one(ExcerptBody)

    def _ref(self, state: ExcerptState) -> Text:
        """The reference (folded to the view's width), reviewed or not, and where it is."""
        e = state.excerpt
        # Before the first layout the width is unknown: unfolded (the resize folds it).
        ref = ref_text(e.ref, max(10, self.size.width - 2) if self.size.width else len(e.ref))
        ref.append("\n")
        ref.append("reviewed" if state.reviewed else "not reviewed yet",
                   style="green" if state.reviewed else "yellow")
        details = [part for part in (
            f"speaker: {e.speaker}" if e.speaker else "",
            f"p. {e.page}" if e.page is not None else "",
            f"{timecode(e.media_start)}–{timecode(e.media_end)}"
            if e.media_start is not None else "",
            f"section: {e.section}" if e.section else "",
            state.title, state.position) if part]
        if details:
            ref.append(" · " + " · ".join(details), style="dim")
        return ref

    def show(self, state: ExcerptState, codebook: Codebook) -> None:
        e = state.excerpt
        self._state = (state, codebook)
        width = max(10, self.size.width - 2)
        self._set("excerpt-ref", self._ref(state))
        chars = max(60, (width - 2) * CONTEXT_LINES - 8)
        self._batch = PARTS
        self._set("context-before", _context(state.before, True, chars))
        body = Text(e.text)
        for line in state.spans:
            body.stylize("underline", line.start, line.end)
        for start, end in state.hits:
            body.stylize("reverse bold", start, end)
        self._body = body
        self.show_selection(self.query_one(SelectionBar).selection)
        self._set("context-after", _context(state.after, False, chars))
        self._batch = ()
        self.body.fit()
        codes = Text()
        if not state.codes:
            codes.append("My codes: none" + (" (reviewed with no code)" if state.reviewed
                                              else ""), style="dim")
        else:
            codes.append("My codes", style="bold")
            for code_id, memo in state.codes.items():
                key = codebook[code_id].key if code_id in codebook else None
                codes.append(f"\n {key or ' '} ", style="bold cyan")
                codes.append(code_label(codebook, code_id))
                if code_id in state.stale:
                    codes.append(STALE_MARK, style="bold yellow")
                if memo:
                    codes.append(f"\n     ✎ {memo}", style="italic")
            if state.stale:
                codes.append(f"\n{STALE_LEGEND}", style="dim italic")
        if state.spans:
            codes.append("\nMy spans", style="bold")
        for line in state.spans:
            quote = " ".join(line.text.split())
            quote = quote if len(quote) <= 40 else quote[:39] + "…"
            codes.append(f"\n #{line.ref.rsplit('#', 1)[1]} ", style="bold cyan")
            codes.append(f"“{quote}” ", style="underline")
            codes.append(", ".join(code_label(codebook, c) for c in line.codes))
        self._set("excerpt-codes", codes)
        self._set("excerpt-memo", Text.assemble(("My memo  ", "bold"), (state.memo, "italic"))
                  if state.memo else Text(""))
        self.query_one("#excerpt-memo").display = bool(state.memo)
        if self._shown.get("excerpt") != e.id:
            self._shown["excerpt"] = e.id
            self.body.scroll_home(animate=False, immediate=True)
        self.update_hint()

    def show_selection(self, selection: Selection | None) -> None:
        """The excerpt's text with ``selection`` (offsets in it) shown reversed."""
        body = self._body
        if selection is not None:
            body = body.copy()
            body.stylize("reverse", selection.start, selection.end)
        self._set("excerpt-text", body)

    def update_hint(self) -> None:
        """Say how to scroll when the excerpt does not fit."""
        hint = self.query_one("#excerpt-hint", Static)
        more = self.body.max_scroll_y > 0
        if hint.display != more:
            hint.display = more
        if more:
            self._set("excerpt-hint", Text(self.scroll_hint, style="dim italic"))

    def on_resize(self) -> None:
        if self._state is not None:  # shown before the first layout: fold to the width now
            self.show(*self._state)
        self.call_after_refresh(self.update_hint)

    def show_nothing(self, message: str) -> None:
        self._state = None
        for part in ("excerpt-ref", "context-before", "context-after", "excerpt-codes",
                     "excerpt-memo"):
            self._set(part, Text(""))
        self._set("excerpt-text", Text(message, style="italic"))
