"""Choose what the navigator lists: all, not yet reviewed, with a memo, coded with a code,
or excerpts whose text contains what was typed."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ...navigation import Filter
from ...project.codebook import Code, Codebook
from ..safe import Static, Text, safe
from ..widgets.steady import SteadyOptionList
from .picker import listed, rank
from .search_dialog import KeptChoices, SearchDialog

FIXED = (("unreviewed", "Not yet reviewed by me"), ("memo", "With a memo of mine"),
         ("all", "All excerpts (no filter)"))


class FilterScreen(SearchDialog[Filter | None]):
    """Returns the chosen :class:`Filter` (None when closed with Escape)."""

    def __init__(self, codebook: Codebook) -> None:
        super().__init__()
        self.codebook = codebook
        self._kept = KeptChoices()

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="filter"):
            yield Static("Show which excerpts?", classes="dialog-title")
            yield Input(placeholder="text to search for, or part of a code's label", id="query")
            yield SteadyOptionList(id="choices")
            yield Static("Enter: choose · ↑↓: move · Esc: close", classes="dialog-hint")

    def _fill(self, query: str) -> None:
        choices = self.query_one(OptionList)
        choices.clear_options()
        query = query.strip()
        options = []
        if query:
            options.append(Option(safe(Text.assemble("Text contains ",
                                                     (f"“{query}”", "bold"))), id="search"))
            options.append(Option(safe(Text.assemble(
                "Words ", (query, "bold"), (' (search: "a phrase", prefix*, OR, NOT)', "dim"))),
                id="words"))
        options += [Option(label, id=kind) for kind, label in FIXED]
        ranked = rank(self.codebook, query)
        shown = None if query else listed(self.codebook, ranked)
        options += [self._coded_with(code) if shown is None else self._kept.get(
                        shown, code.id, lambda code=code: self._coded_with(code))
                    for code, _ in ranked]
        choices.add_options(options)  # one refresh for the list, not one per choice
        choices.highlighted = 0

    @staticmethod
    def _coded_with(code: Code) -> Option:
        return Option(safe(Text.assemble(("Coded with ", "dim"), code.label)),
                      id=f"code:{code.id}")

    def _choose(self, option_id: str | None) -> None:
        if option_id is None:
            return
        if option_id in ("search", "words"):
            self.dismiss(Filter(option_id, self.query_one(Input).value.strip()))
        elif option_id.startswith("code:"):
            self.dismiss(Filter("code", option_id.removeprefix("code:")))
        else:
            self.dismiss(Filter(option_id))  # type: ignore[arg-type]
