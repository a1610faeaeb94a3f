"""A dialog with a query line over a list of choices: typing refills the list, ↑↓ move,
Enter chooses, Escape closes. The code picker and the filter are built on it."""

from __future__ import annotations

from typing import Generic, TypeVar

from textual import on
from textual.binding import Binding
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList

from ..keymap import bindings

Result = TypeVar("Result")


class SearchDialog(ModalScreen[Result], Generic[Result]):
    """Subclasses compose an ``Input`` and an ``OptionList`` and define ``_fill`` and
    ``_choose``."""

    BINDINGS = [*bindings("dialog"),
                Binding("down", "move(1)", show=False), Binding("up", "move(-1)", show=False)]
    # below 30 rows the screen has the class "-short" and the lists shrink (app.tcss), so
    # the whole dialog fits an 80×24 terminal
    VERTICAL_BREAKPOINTS = [(0, "-short"), (30, "-tall")]

    def on_mount(self) -> None:
        self._fill("")
        # the query line is the dialog's first line: scrolling to it would only start a
        # 0.2 s scroll animation of the dialog, redrawn frame by frame
        self.query_one(Input).focus(scroll_visible=False)

    def _fill(self, query: str) -> None:
        raise NotImplementedError

    def _choose(self, option_id: str | None) -> None:
        raise NotImplementedError

    @on(Input.Changed)
    def _changed(self, event: Input.Changed) -> None:
        self._fill(event.value)

    def action_move(self, delta: int) -> None:
        choices = self.query_one(OptionList)
        if choices.option_count:
            current = choices.highlighted or 0
            choices.highlighted = max(0, min(choices.option_count - 1, current + delta))

    @on(Input.Submitted)
    def _submitted(self) -> None:
        option = self.query_one(OptionList).highlighted_option
        self._choose(option.id if option is not None else None)

    @on(OptionList.OptionSelected)
    def _selected(self, event: OptionList.OptionSelected) -> None:
        self._choose(event.option.id)

    def action_close(self) -> None:
        self.dismiss(None)
