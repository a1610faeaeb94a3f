"""The codebook: the code tree with each code's key and a mark on the codes applied here,
and the highlighted code's definition, include/exclude rules and examples below it."""

from __future__ import annotations

from contextlib import suppress

from textual.app import ComposeResult
from textual.containers import Vertical, VerticalScroll
from textual.geometry import Region
from textual.message import Message
from textual.widgets import OptionList
from textual.widgets.option_list import Option, OptionDoesNotExist

from ...project.codebook import Code, Codebook
from ..safe import Static, Text, safe
from .steady import SteadyScrollbars


def definition_text(code: Code, codebook: Codebook) -> Text:
    """What a coder needs to decide: definition, include, exclude, examples."""
    text = Text()
    text.append(code.label, style="bold")
    if code.key:
        text.append(f"  [{code.key}]", style="bold cyan")
    if code.parent is not None:
        text.append("\n" + " › ".join(codebook.path_labels(code.id)[:-1]), style="dim")
    if code.exclusive:
        text.append("\nExclusive group: one of its codes per excerpt.", style="yellow")
    sections = (("Definition", code.definition), ("Include", code.include),
                ("Exclude", code.exclude))
    for title, body in sections:
        if body:
            text.append(f"\n{title}: ", style="bold")
            text.append(body)
    if code.examples:
        text.append("\nExamples:", style="bold")
        for example in code.examples:
            text.append(f"\n • {example}", style="italic")
    return text


class CodeTree(SteadyScrollbars, OptionList):
    """The codes in codebook order, indented by depth, each label in full (long ones wrap).

    Enter (or a click) asks for the code picker on the highlighted code: it never toggles a
    code by itself; a code's key does, and the picker does, both saying what changed.
    """

    class PickRequested(Message):
        def __init__(self, code_id: str) -> None:
            super().__init__()
            self.code_id = code_id

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.codebook: Codebook | None = None
        self.applied: set[str] = set()
        self.free_keys: set[str] = set()

    def fill(self, codebook: Codebook, free_keys: set[str]) -> None:
        self.codebook = codebook
        self.free_keys = free_keys
        keep = self.highlighted_option.id if self.highlighted_option is not None else None
        self.clear_options()
        self.add_options([Option(self._label(code), id=code.id) for code in codebook])
        if keep is not None and keep in codebook:
            self.highlight(keep)
        elif self.option_count:
            self.highlighted = 0

    def _label(self, code: Code) -> Text:
        assert self.codebook is not None
        applied = code.id in self.applied
        depth = len(self.codebook.ancestors(code.id))
        key = code.key if code.key and code.key in self.free_keys else " "
        text = Text(" " * depth)
        text.append("✓" if applied else " ", style="bold green")
        text.append(f"{key} ", style="bold cyan")
        text.append(code.label, style="bold" if applied or code.children else "")
        if code.exclusive:
            text.append(" (one of)", style="dim")
        return safe(text)

    def highlight(self, code_id: str) -> None:
        """Put the cursor on a code."""
        with suppress(OptionDoesNotExist):
            self.highlighted = self.get_option_index(code_id)

    def mark_applied(self, codes: set[str]) -> None:
        """Show which codes this coder applied to the current excerpt."""
        if self.codebook is None:
            return
        changed = codes ^ self.applied
        self.applied = set(codes)
        for code_id in changed:
            if code_id in self.codebook:
                self._relabel(code_id, self._label(self.codebook[code_id]))

    def _relabel(self, code_id: str, label: Text) -> None:
        """A code's new label, redrawing that code's lines only: ``replace_option_prompt``
        drops every option's rendered lines and redraws the whole list. The ✓ and bold
        change no width, so the lines stay where they are (else: the whole list again)."""
        try:
            index = self.get_option_index(code_id)
            option = self.get_option_at_index(index)
            heights, first = self._heights, self._index_to_line
            cache = self._option_render_cache
        except (OptionDoesNotExist, AttributeError):
            self.replace_option_prompt(code_id, label)
            return
        option._set_prompt(label)
        cached = cache.keys()  # an LRUCache: no iteration of its own
        for key in [k for k in cached if k[0] is option]:
            cache.discard(key)
        padding = self.get_component_styles("option-list--option").padding
        width = self.scrollable_content_region.width - padding.width
        height = heights.get(index)
        if height is None or index not in first or (
                self._get_visual(option).get_height(self.styles, width) != height):
            self._clear_caches()
            return
        self.refresh(Region(0, first[index] - self.scroll_offset.y,
                            self.scrollable_content_region.width, height))


class CodebookPanel(Vertical):
    """Code tree above, the highlighted code's definition below."""

    codebook: Codebook | None = None
    described: str | None = None
    _details = True  # the highlighted code's definition is shown (False until the first frame)

    def compose(self) -> ComposeResult:
        yield CodeTree(id="codes")
        with VerticalScroll(id="code-details"):
            yield Static(id="code-definition")

    @property
    def tree(self) -> CodeTree:
        return self.query_one(CodeTree)

    def fill(self, codebook: Codebook, free_keys: set[str], details: bool = True) -> None:
        """Show the codebook; ``free_keys`` are the code keys that work (no clash);
        ``details`` False: the highlighted code's definition waits for
        :meth:`describe_highlighted`."""
        self.codebook = codebook
        self.tree.fill(codebook, free_keys)
        self._details = details
        if details:
            self.describe_highlighted()

    def describe_highlighted(self) -> None:
        """Show the definition of the code under the list's cursor."""
        self._details = True
        option = self.tree.highlighted_option
        if option is not None and option.id is not None:
            self.describe(option.id)

    def highlight(self, code_id: str) -> None:
        """Put the list's cursor on a code (its definition shows below)."""
        self.tree.highlight(code_id)
        self.describe(code_id)

    def describe(self, code_id: str) -> None:
        if self.codebook is not None and code_id in self.codebook and code_id != self.described:
            self.described = code_id
            self.query_one("#code-definition", Static).update(
                definition_text(self.codebook[code_id], self.codebook))

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        event.stop()
        if event.option.id is not None and self._details:
            self.describe(event.option.id)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        if event.option.id is not None:
            self.post_message(CodeTree.PickRequested(event.option.id))
