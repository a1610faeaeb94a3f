"""The code picker: type part of a label, Enter toggles the best match (keyed or not)."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.fuzzy import FuzzySearch
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ...project.codebook import Code, Codebook
from ..safe import Static, Text, safe
from ..widgets.codebook_panel import definition_text
from ..widgets.steady import SteadyOptionList
from .search_dialog import KeptChoices, SearchDialog

SEARCH = FuzzySearch()
#: What the picker returns, before the typed label, to ask for a new code (never an id:
#: ids are lowercase letters, digits and '-').
CREATE = "+new:"


def rank(codebook: Codebook, query: str, only: set[str] | None = None
         ) -> list[tuple[Code, list[int]]]:
    """Applicable codes best match first, with the matched offsets in each label.

    A substring of the label beats one of the id, which beats a scattered fuzzy match, which
    beats words of the definition, include rule or examples; the codebook order breaks ties.
    """
    query = query.strip()
    out: list[tuple[float, int, Code, list[int]]] = []
    for position, code in enumerate(codebook):
        if code.exclusive or (only is not None and code.id not in only):
            continue
        if not query:
            out.append((0.0, position, code, []))
            continue
        label_score, offsets = SEARCH.match(query, code.label)
        context = " ".join([*codebook.path_labels(code.id)[:-1], code.id])
        other_score = SEARCH.match(query, context)[0] * 0.5
        score = max(label_score, other_score)
        folded = query.casefold()
        if folded in code.label.casefold():
            score += 10
        elif folded in code.id:
            score += 6
        elif any(folded in (text or "").casefold() for text in (
                code.definition, code.include, *code.examples)):
            score = max(score, 3.0)  # found in what the code means: below any label match
        if code.key and query == code.key:
            score += 20
        if score > 0:
            out.append((score, position, code, list(offsets) if label_score else []))
    out.sort(key=lambda item: (-item[0], item[1]))
    return [(code, offsets) for _, _, code, offsets in out]


def listed(codebook: Codebook, ranked: list[tuple[Code, list[int]]]) -> tuple:
    """What the choices of ``ranked`` (an empty query's) show of each code, in order."""
    return tuple((code.id, code.key, code.label, code.parent and codebook[code.parent].label)
                 for code, _ in ranked)


class CodePicker(SearchDialog[str | None]):
    """Returns the chosen code id (None when closed with Escape)."""

    def __init__(self, codebook: Codebook, applied: set[str], only: set[str] | None = None,
                 title: str = "Apply or remove a code", preselect: str | None = None,
                 can_create: bool = False) -> None:
        super().__init__()
        self.preselect = preselect
        #: "No code matches" offers to create one: Enter returns ``CREATE + query``
        self.can_create = can_create
        self.codebook = codebook
        self.applied = applied
        self.only = only
        self.title_text = title
        self._described: tuple | None = None
        self._kept = KeptChoices()

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="picker"):
            yield Static(self.title_text, classes="dialog-title")
            yield Input(placeholder="part of a code's label, id or definition", id="query")
            yield SteadyOptionList(id="matches")
            yield Static(id="picker-definition")
            yield Static("Enter: choose · ↑↓: move · Esc: close", classes="dialog-hint")

    def _fill(self, query: str) -> None:
        matches = self.query_one(OptionList)
        matches.clear_options()
        ranked = rank(self.codebook, query, self.only)
        shown = None if query.strip() else listed(self.codebook, ranked)
        options = [self._option(code, offsets) if shown is None else self._kept.get(
                       shown, (code.id, code.id in self.applied),
                       lambda code=code: self._option(code, []))
                   for code, offsets in ranked]
        if self.can_create and query.strip():
            # Always offered last: a new code's words may fuzzily match codes it is not.
            options.append(Option(safe(Text.assemble(
                ("  + ", "bold green"), f"New code “{query.strip()}” …")),
                id=CREATE + query.strip()))
        matches.add_options(options)  # one refresh for the list, not one per code
        matches.highlighted = 0 if matches.option_count else None
        if self.preselect is not None and not query:
            for index, (code, _) in enumerate(rank(self.codebook, "", self.only)):
                if code.id == self.preselect:
                    matches.highlighted = index
        self._describe()

    def _option(self, code: Code, offsets: list[int]) -> Option:
        """The choice of ``code``: its mark, key, label (``offsets`` matched) and parent."""
        prompt = Text()
        prompt.append("✓ " if code.id in self.applied else "  ", style="bold green")
        prompt.append(f"{code.key or ' '} ", style="bold cyan")
        label = Text(code.label)
        for offset in offsets:
            label.stylize("bold reverse", offset, offset + 1)
        prompt.append_text(label)
        if code.parent is not None:
            prompt.append(f"  {self.codebook[code.parent].label}", style="dim")
        return Option(safe(prompt), id=code.id)

    @on(OptionList.OptionHighlighted)
    def _describe(self) -> None:
        matches = self.query_one(OptionList)
        option = matches.highlighted_option
        # the highlight message after a refill comes after the refill's own call: the same
        # words again would cost a frame of their own
        shown = (option.id if option is not None else None, self.query_one(Input).value,
                 matches.option_count, id(self.codebook))
        if shown == self._described:
            return
        self._described = shown
        definition = self.query_one("#picker-definition", Static)
        if option is not None and option.id is not None and option.id.startswith(CREATE):
            only_new = matches.option_count == 1
            definition.update_fitting(Text(("No code matches. " if only_new else "")
                                   + f"Enter: create a code “{option.id[len(CREATE):]}”.",
                                   style="italic"))
            return
        if option is None or option.id is None:
            query = self.query_one(Input).value.strip()
            offer = (f" Enter: create a code “{query}”." if self.can_create and query
                     else "")
            definition.update_fitting(Text(f"No code matches.{offer}", style="italic"))
        else:
            definition.update_fitting(definition_text(self.codebook[option.id], self.codebook))

    def _choose(self, option_id: str | None) -> None:
        if option_id is not None:
            self.dismiss(option_id)
        elif self.can_create and self.query_one(Input).value.strip():
            self.dismiss(CREATE + self.query_one(Input).value.strip())
