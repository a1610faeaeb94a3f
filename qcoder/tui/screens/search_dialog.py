"""A dialog with a query line over a list of choices: typing refills the list, ↑↓ move,
Enter chooses, Escape closes. The code picker and the filter are built on it."""

from __future__ import annotations

from collections.abc import Callable, Hashable, Iterable
from typing import Any, Generic, TypeVar

from rich.segment import Segment
from textual import on
from textual.app import App
from textual.binding import Binding
from textual.color import Color
from textual.renderables.background_screen import BackgroundScreen
from textual.screen import ModalScreen
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from ..keymap import bindings

Result = TypeVar("Result")


class DimmedScreen(BackgroundScreen):
    """The screen under a dialog, dimmed as Textual dims it, but each of its styles blended
    once, not each of its segments (a 120×40 screen has about 650 segments, of a few dozen
    styles): 2 ms less on every opening."""

    _blended: dict[tuple[Any, Color], Any] = {}

    @classmethod
    def process_segments(cls, segments: Iterable[Segment], color: Color) -> Iterable[Segment]:
        blended = cls._blended
        if len(blended) > 4096:
            blended.clear()
        for segment in segments:
            text, style, control = segment
            if control:
                yield segment
                continue
            dimmed = blended.get((style, color))
            if dimmed is None:
                dimmed = blended[style, color] = next(iter(super().process_segments(
                    [Segment(" ", style)], color))).style
            yield Segment(text, dimmed)


class SearchDialog(ModalScreen[Result], Generic[Result]):
    """Subclasses compose an ``Input`` and an ``OptionList`` and define ``_fill`` and
    ``_choose``."""

    BINDINGS = [*bindings("dialog"),
                Binding("down", "move(1)", show=False), Binding("up", "move(-1)", show=False)]
    # below 34 rows the screen has the class "-short" and the lists shrink (app.tcss), so
    # the whole dialog fits an 80×24 or 100×30 terminal
    VERTICAL_BREAKPOINTS = [(0, "-short"), (34, "-tall")]

    def render(self) -> Any:
        under = super().render()
        if isinstance(under, BackgroundScreen):
            return DimmedScreen(under.screen, under.color)
        return under

    def on_mount(self) -> None:
        if not self.query(OptionList):  # built ahead as the app closed: nothing to fill
            return
        self._fill("")
        # the query line is the dialog's first line: scrolling to it would only start a
        # 0.2 s scroll animation of the dialog, redrawn frame by frame
        self.query_one(Input).focus(scroll_visible=False)

    def prepare(self) -> None:
        """Start afresh (an empty query line over every choice) before the dialog is opened
        again (see :func:`kept`), so its first frame is already the right one."""
        if not self.is_mounted:
            return  # the first opening: mounting fills it
        query = self.query_one(Input)
        if query.value:
            with query.prevent(Input.Changed):
                query.value = ""
        self._fill("")
        if self.focused is not query:  # a click may have moved the focus to the list
            self.set_focus(query, scroll_visible=False)

    def on_screen_resume(self) -> None:
        # a kept dialog's cursor went on blinking while it was closed: it starts a new
        # cycle, shown, as on a dialog opened for the first time (not at any moment)
        self.query_one(Input)._restart_blink()

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


class KeptChoices:
    """The choices of an empty query, kept from one opening to the next while what they
    show is the same: a kept choice is drawn and measured already, where a new one costs
    the list a fresh measure (4 ms for 60 codes)."""

    def __init__(self) -> None:
        self._shown: Hashable = None
        self._choices: dict[Hashable, Option] = {}

    def get(self, shown: Hashable, key: Hashable, make: Callable[[], Option]) -> Option:
        """The choice ``key`` made by ``make``, or kept from an opening that showed
        ``shown`` too (any change of ``shown`` forgets every kept choice)."""
        if shown != self._shown:
            self._shown, self._choices = shown, {}
        choice = self._choices.get(key)
        if choice is None:
            choice = self._choices[key] = make()
        return choice


Dialog = TypeVar("Dialog", bound=SearchDialog)


def kept(app: App, name: str, make: Callable[[], Dialog]) -> Dialog:
    """The dialog installed as ``name`` (made by ``make`` the first time). A kept dialog
    opens without building and laying out its widgets again, and without the full layout
    pass of the screen under it that a new screen's first size brings."""
    if not app.is_screen_installed(name):
        app.install_screen(make(), name)
    return app.get_screen(name)  # type: ignore[return-value]


async def build_ahead(app: App, name: str, make: Callable[[], Dialog]) -> None:
    """Build, mount and lay out the kept dialog ``name`` now, unseen, so that its first
    opening costs no more than the next ones (a screen opened at a new size lays out
    itself and every screen under it again)."""
    dialog = kept(app, name, make)
    if dialog.is_running:
        return
    _, mounted = app._get_screen(dialog)  # registers and mounts it, as opening it would
    await mounted
    dialog._refresh_layout(app.size)  # shown nowhere: the screen under it stays current
    dialog._compositor.render_update(full=True)  # its widgets' lines, drawn and cached
    # its frame timer's first run waits a whole period (17 ms) before its first frame: run
    # it once now (not the current screen, it paints nothing) so the first opening's frame
    # comes as soon as the dialog is ready, as every later one does
    dialog._update_timer.resume()
