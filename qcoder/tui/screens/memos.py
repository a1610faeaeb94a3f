"""All my memos, on excerpts and on codings: type to narrow them, Enter opens the excerpt."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ...project.codebook import Codebook
from ...store.memos import MemoRow
from ..safe import Static, Text, safe
from ..widgets.excerpt_view import code_label
from .search_dialog import SearchDialog


class MemoBrowser(SearchDialog[int | None]):
    """Returns the excerpt id of the chosen memo (None when closed with Escape)."""

    def __init__(self, memos: list[MemoRow], codebook: Codebook) -> None:
        super().__init__()
        self.memos = memos
        self.codebook = codebook

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="memos"):
            yield Static(f"My memos ({len(self.memos)})", classes="dialog-title")
            yield Input(placeholder="words of a memo, a reference or a code", id="query")
            yield OptionList(id="choices")
            yield Static("Enter: open the excerpt · ↑↓: move · Esc: close",
                         classes="dialog-hint")

    def _fill(self, query: str) -> None:
        choices = self.query_one(OptionList)
        choices.clear_options()
        words = query.casefold().split()
        for n, memo in enumerate(self.memos):
            on = "excerpt" if memo.code_id is None else code_label(self.codebook, memo.code_id)
            haystack = f"{memo.ref} {on} {memo.code_id or ''} {memo.text}".casefold()
            if all(w in haystack for w in words):
                prompt = Text.assemble((memo.ref, "bold"), "  ", (on, "cyan"), "\n",
                                       (" ".join(memo.text.split()), "italic"))
                choices.add_option(Option(safe(prompt), id=str(n)))
        if not choices.option_count:
            choices.add_option(Option(Text("No memo matches." if self.memos else
                                           "No memos yet: m writes one on an excerpt, M on "
                                           "a coding.", style="italic"), disabled=True))
            choices.highlighted = None
        else:
            choices.highlighted = 0

    def _choose(self, option_id: str | None) -> None:
        if option_id is not None:
            self.dismiss(self.memos[int(option_id)].excerpt_id)
