"""Selection mode: a bar under the excerpt that holds the keys moving and extending a
selection by words and sentences while it has focus; a code's key codes just that span."""

from __future__ import annotations

from textual.message import Message

from ... import spans
from ...safe_text import one_line
from ..keymap import bindings, display
from ..safe import Static, Text


class SelectionBar(Static, can_focus=True):
    """Shown, and focused, only in selection mode; says what is selected and the keys."""

    BINDINGS = bindings("selection")

    class Changed(Message):
        """The selection moved, or the mode ended (``selection`` None)."""

        def __init__(self, selection: spans.Selection | None) -> None:
            super().__init__()
            self.selection = selection

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.text = ""
        self.selection: spans.Selection | None = None
        self.keymap: dict[str, str] = {}

    @property
    def active(self) -> bool:
        return self.selection is not None

    def start(self, text: str, keymap: dict[str, str]) -> bool:
        """Enter the mode on an excerpt's ``text``, its first sentence selected."""
        self.text, self.keymap = text, keymap
        self.selection = spans.first(text)
        if self.selection is None:
            return False
        self.display = True
        self._say()
        self.focus()
        self.post_message(self.Changed(self.selection))
        return True

    def stop(self) -> None:
        """Leave the mode (the screen gives focus back)."""
        if self.selection is None:
            return
        self.selection = None
        self.display = False
        self.post_message(self.Changed(None))

    def _key(self, command: str, default: str) -> str:
        return display(self.keymap.get(command, default).split(",")[0])

    def _say(self) -> None:
        sel = self.selection
        if sel is None:
            return
        quote = one_line(" ".join(sel.quote(self.text).split()))
        if len(quote) > 60:
            quote = quote[:28] + " … " + quote[-28:]
        keys = (f"{self._key('span_previous_word', 'left')}{self._key('span_next_word', 'right')}"
                f" word · {self._key('span_previous_sentence', 'up')}"
                f"{self._key('span_next_sentence', 'down')} sentence · shift: extend · "
                f"a code key: code it · {self._key('span_leave', 'escape')}: done")
        self.update(Text.assemble(("Selected ", "bold"), (f"“{quote}”", "reverse"),
                                  (f" {sel.end - sel.start} chars\n", "dim"), (keys, "dim")))

    def _set(self, sel: spans.Selection) -> None:
        if sel != self.selection:
            self.selection = sel
            self._say()
            self.post_message(self.Changed(sel))

    def action_span_move(self, unit: str, delta: int) -> None:
        if self.selection is not None:
            self._set(spans.move(self.text, self.selection, unit, delta))

    def action_span_extend(self, unit: str, delta: int) -> None:
        if self.selection is not None:
            self._set(spans.extend(self.text, self.selection, unit, delta))

    def action_span_leave(self) -> None:
        self.stop()

    def on_blur(self) -> None:
        self.stop()
