"""Selection mode on the coding screen: select words or sentences of the current excerpt
and code just that span (a selection excerpt, one undoable action)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ...errors import QcoderError
from ...spans import codes_on_span, host_of, spans_in
from ..widgets.excerpt_view import ExcerptView
from ..widgets.span_select import SelectionBar

if TYPE_CHECKING:
    from ...spans import SpanLine
    from ...store.database import ExcerptRow


class SpanMode:
    """Mixed into the coding screen: ``V`` enters the mode; while it lasts a code's key (or
    the picker) toggles the code on the selected span rather than on the excerpt."""

    _span_return: Any = None

    @property
    def span_bar(self) -> SelectionBar:
        return self.query_one(SelectionBar)  # type: ignore[attr-defined]

    @property
    def selecting(self) -> bool:
        return self.span_bar.active

    def action_select_span(self) -> None:
        screen: Any = self
        if screen.current is None:
            return
        row = screen.session.store.excerpt(screen.current)
        if row is None:
            return
        self._span_return = screen.focused
        if not self.span_bar.start(row.text, screen.keymap):
            screen.notify("This excerpt has no text to select.", timeout=3)

    def on_selection_bar_changed(self, event: SelectionBar.Changed) -> None:
        view = self.query_one(ExcerptView)  # type: ignore[attr-defined]
        view.show_selection(event.selection)
        if event.selection is None:
            back, self._span_return = self._span_return, None
            if back is not None and back.is_attached and back.focusable:
                back.focus()
        view.call_after_refresh(view.update_hint)

    def span_shown(self, row: ExcerptRow) -> tuple[ExcerptRow, list[SpanLine]]:
        """The excerpt to show for ``row`` (a selection excerpt shows its paragraph) and this
        coder's spans in it; a different excerpt ends the mode."""
        screen: Any = self
        store = screen.session.store
        if row.n < 0:
            row = store.excerpt(host_of(store, row.id)) or row
        if row.id != screen.current:
            self.span_bar.stop()
        return row, spans_in(store, screen.session.coder, row)

    def span_codes(self) -> set[str] | None:
        """In selection mode: this coder's codes on the selected span (None: not in it)."""
        screen: Any = self
        sel = self.span_bar.selection
        if sel is None or screen.current is None:
            return None
        row = screen.session.store.excerpt(screen.current)
        return codes_on_span(screen.session.store, screen.session.coder, row.document_id,
                             row.start + sel.start, row.start + sel.end)

    def span_toggle(self, code_id: str) -> bool:
        """In selection mode: toggle ``code_id`` on the selected span (True: done here)."""
        screen: Any = self
        bar = self.span_bar
        if bar.selection is None or screen.current is None:
            return False
        excerpt = screen.current
        row = screen.session.store.excerpt(excerpt)
        sel = bar.selection
        try:
            outcome = screen.session.coding.toggle_span(
                row.document_id, row.start + sel.start, row.start + sel.end, code_id)
        except QcoderError as exc:
            screen.notify(screen.session.short(str(exc)), title="Not saved", severity="error",
                          timeout=10)
            return True
        screen.after_change(excerpt)
        verb = "Coded" if outcome.added else "Removed"
        codes = outcome.added or outcome.removed
        screen.notify(f"{verb} the span: {', '.join(codes)}", timeout=3)
        bar.focus()
        return True
