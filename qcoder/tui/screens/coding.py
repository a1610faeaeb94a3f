"""The coding screen: navigator, excerpt and codebook side by side; every key is one action
on the core (``qcoder.coding``), committed before the screen shows its result."""

from __future__ import annotations

import gc
import sqlite3
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.screen import Screen

from ...coding import Outcome
from ...errors import QcoderError
from ...navigation import (
    DocumentLines,
    Filter,
    FilteredLines,
    Navigation,
    coder_progress,
    read_progress,
)
from ...project.codebook import Codebook
from ...project.corpus import number_text
from ...spans import host_of
from ...stamps import StaleCheck
from ...store.database import Store
from ..codebook_watch import CodebookWatch
from ..keymap import bindings, code_keys, display
from ..safe import Static, Text
from ..session import Session
from ..widgets.codebook_panel import CodebookPanel, CodeTree
from ..widgets.excerpt_list import ExcerptList
from ..widgets.excerpt_view import ExcerptState, ExcerptView, code_label
from ..widgets.key_hints import KeyHints
from ..widgets.navigator import Navigator
from ..widgets.suggestions_panel import SuggestionsPanel
from .span_mode import SpanMode

if TYPE_CHECKING:
    from .filter import FilterScreen
    from .picker import CodePicker

REFRESH_S = 30.0
#: The names the kept dialogs are installed under (see search_dialog.kept).
PICKER, FILTER = "code-picker", "filter"


class CodingScreen(SpanMode, Screen[None]):
    """Where a coder spends the day. Blind: only this coder's codings are ever read."""

    BINDINGS = bindings("coding")
    AUTO_FOCUS = "#excerpts"

    def __init__(self) -> None:
        super().__init__()
        self.current: int | None = None
        self.filtered: FilteredLines | None = None
        self.key_codes: dict[str, str] = {}
        self.others: dict[str, int] = {}
        self.queue_done = False  # the round queue's end was said
        self._covering = False  # a kept dialog is being opened over this screen
        self._refresh_due = False  # the progress was due while another screen was shown
        self._outside = 0  # the database's data version at the last progress read

    def refresh(self, *regions: Any, **kwargs: Any) -> CodingScreen:
        # Opening a dialog repaints the whole screen under it, for nothing changes there;
        # through the dialog's dimmed backdrop that is a second, full frame
        if self._covering and not regions and not any(kwargs.values()):
            return self
        super().refresh(*regions, **kwargs)
        return self

    def open_dialog(self, dialog: Screen, done: Callable[[Any], None]) -> None:
        """Show ``dialog`` over this screen (``done`` gets its result)."""
        self._covering = True
        try:
            self.app.push_screen(dialog, done)
        finally:
            self._covering = False

    @property
    def session(self) -> Session:
        return self.app.session  # type: ignore[attr-defined]

    @property
    def navigation(self) -> Navigation:
        return self.session.navigation

    @property
    def keymap(self) -> dict[str, str]:
        return self.app.keymap  # type: ignore[attr-defined]

    def compose(self) -> ComposeResult:
        yield Static(id="status")
        with Horizontal(id="panels"):
            yield Navigator(id="navigator")
            with Vertical(id="middle"):
                yield ExcerptView(id="excerpt")
                yield SuggestionsPanel(id="suggestions")
            yield CodebookPanel(id="codebook")
        yield KeyHints(self.keymap, ("coding", "app"), id="key-hints")

    def on_mount(self) -> None:
        session = self.session
        self.stale = StaleCheck(session.store, session.codebook)
        self.query_one(SuggestionsPanel).set_keys(self.keymap)
        self._fill_codebook(session.codebook, details=False)
        self.query_one(ExcerptView).scroll_hint = self._scroll_hint()
        self.query_one(Navigator).tree.fill(self.navigation)
        self.update_status()
        # The first excerpt is shown before the first frame, so that frame is the usable
        # screen; the highlighted code's details wait until it is painted.
        self._first_show()

    def _fill_codebook(self, codebook: Codebook, details: bool = True) -> None:
        """Code keys and the codebook panel for ``codebook``; key clashes are said;
        ``details`` False leaves the highlighted code's definition for later."""
        self.key_codes, warnings = code_keys(codebook, self.keymap)
        for warning in warnings:
            self.notify(warning, title="Key clash", severity="warning", timeout=15)
        free = {codebook[c].key or "" for c in self.key_codes.values()}
        self.query_one(CodebookPanel).fill(codebook, free, details)

    def use_codebook(self, codebook: Codebook) -> None:
        """Code with a reloaded codebook from now on: panel, keys, picker, the excerpt."""
        session = self.session
        session.codebook = codebook
        session.coding.use(codebook)
        self.stale = StaleCheck(session.store, codebook)
        self.navigation.codebook = codebook
        self._fill_codebook(codebook)
        self.update_status()
        if self.current is not None:
            self.show(self.current, from_list=True)

    def _first_show(self) -> None:
        start = self.session.start
        if start is not None:
            self.show(start)
        else:
            self.query_one(ExcerptView).show_nothing("No excerpt to show.")
        self.call_after_refresh(self._ready)

    def _ready(self) -> None:
        self.app.mark_ready()  # type: ignore[attr-defined]
        self.query_one(CodebookPanel).describe_highlighted()
        # Progress is read once the first screen is up: on a big project it is the slow part.
        self._outside = self.navigation.outside_writes()
        self.action_refresh()
        self.set_interval(REFRESH_S, self._refresh_if_written)
        self.codebook_watch = CodebookWatch(self, self.use_codebook)
        self.codebook_watch.start()
        self.set_timer(0.3, self._build_dialogs)

    async def _build_dialogs(self) -> None:
        from .search_dialog import build_ahead

        await build_ahead(self.app, PICKER, self._make_picker)
        await build_ahead(self.app, FILTER, self._make_filter)
        gc.freeze()  # they live as long as the app, as what opening made (see mark_ready)

    def _scroll_hint(self) -> str:
        def key(command: str, default: str) -> str:
            return display(self.keymap.get(command, default).split(",")[0])

        return (f"More below: tab here, then ↓ PgDn · {key('wide_excerpt', 'z')}: full width")

    def action_toggle_wide(self) -> None:
        """The excerpt over the whole width, or the three panels again."""
        panels = self.query_one("#panels")
        panels.toggle_class("wide")
        view = self.query_one(ExcerptView)
        if panels.has_class("wide"):
            view.body.focus()
        view.call_after_refresh(view.update_hint)

    # -- showing ----------------------------------------------------------------------------
    def show(self, excerpt_id: int, from_list: bool = False) -> None:
        """Make an excerpt current: excerpt view, codebook marks, navigator cursor."""
        store = self.session.store
        row = store.excerpt(excerpt_id)
        if row is None or not row.active:
            self.notify("That excerpt is no longer in the corpus (its document changed); "
                        "its codings are kept as orphaned.", timeout=6)
            return
        row, spans = self.span_shown(row)
        excerpt_id = row.id
        if not self.navigation.knows(row.document_id):
            # Another qcoder imported new documents since this screen read them.
            self.navigation.reload(progress=False)
            self.query_one(Navigator).tree.fill(self.navigation)
            self.action_refresh()
        self.current = excerpt_id
        # Where the coding screen reopens when another screen hands back to it.
        self.session.start = excerpt_id
        before, after = self.navigation.neighbours(excerpt_id)
        doc = self.navigation.document(row.document_id)
        state = ExcerptState(
            excerpt=row, title=doc.title or doc.stem,
            position=f"{row.n} of {doc.total}",
            before=store.excerpt(before) if before else None,
            after=store.excerpt(after) if after else None,
            codes=store.codes_of(excerpt_id, self.session.coder),
            memo=store.memo_of(excerpt_id, self.session.coder),
            reviewed=store.is_reviewed(excerpt_id, self.session.coder),
            hits=self._hits(excerpt_id, row.text),
            stale=self.stale.stale_on(excerpt_id, self.session.coder), spans=spans)
        self.query_one(ExcerptView).show(state, self.session.codebook)
        self.query_one(CodebookPanel).tree.mark_applied(set(state.codes))
        self._show_suggestions(excerpt_id, state.reviewed)
        if not from_list:
            self._point_list(excerpt_id)

    def _hits(self, excerpt_id: int, text: str) -> list[tuple[int, int]]:
        """Where the text or word filter in force matches this excerpt."""
        from ...search import contained_spans, hit_spans

        flt = self.filtered.filter if self.filtered is not None else None
        if flt is None or flt.kind not in ("search", "words"):
            return []
        spans = (hit_spans(self.session.store, excerpt_id, flt.value) if flt.kind == "words"
                 else contained_spans(text, flt.value))
        return [(s.start, s.end) for s in spans]

    def _point_list(self, excerpt_id: int) -> None:
        navigator = self.query_one(Navigator)
        if self.filtered is not None and self.filtered.index_of(excerpt_id) is not None:
            title = Text.assemble(("/", "reverse"), " ",
                                  (f"{len(self.filtered)} ", "bold"),
                                  self.filtered.filter.describe(self.session.codebook, True))
            navigator.show(self.navigation, self.filtered, excerpt_id, title)
            return
        if self.filtered is not None:
            self.filtered = None
            self.notify("Left the filter: this excerpt is not in it.", timeout=4)
        where = self.navigation.locate(excerpt_id)
        if where is None:
            return
        doc = self.navigation.document(where[0])
        navigator.show(self.navigation, DocumentLines(self.navigation, doc.id), excerpt_id,
                       Text.assemble((doc.case_id + "/", "dim"), (doc.stem, "bold")))

    def update_status(self) -> None:
        session = self.session
        reviewed, total = self.navigation.totals()
        if not self.navigation.progress_known:
            progress = f"… of {total} reviewed"
        else:
            percent = f"{100 * reviewed / total:.0f}%" if total else "–"
            progress = f"{reviewed}/{total} reviewed ({percent})"
        text = Text.assemble((session.codebook.name or "qcoder", "bold"), "  ",
                             ("coder ", "dim"), (session.coder, "bold"), "  ")
        if session.queue:
            text.append(session.queue.label(), style="bold")
            text.append("  ")
        text.append(progress)
        others = [f"{name} {count}" for name, count in self.others.items()
                  if name != session.coder]
        if others:
            line = "  others: " + ", ".join(others)
            room = self.size.width - 2 - text.cell_len
            if len(line) > room:  # never a name cut in half: how many, and the range
                counts = [c for n, c in self.others.items() if n != session.coder]
                line = (f"  {len(others)} others: {min(counts)}–{max(counts)}"
                        if min(counts) != max(counts) else f"  {len(others)} others: {counts[0]}")
            text.append(line, style="dim")
        self.query_one("#status", Static).update(text, layout=False)  # always one line

    def after_change(self, excerpt_id: int) -> None:
        """Re-read what an action changed: the excerpt, its list line, progress."""
        where = self.navigation.locate(excerpt_id)
        if where is not None and self.navigation.progress_known:
            before = self.navigation.document(where[0]).reviewed
            if self.navigation.refresh_document(where[0]).reviewed != before:
                self.query_one(Navigator).tree.update_progress(self.navigation, [where[0]])
                self.update_status()
        self.query_one(ExcerptList).refresh_excerpt(excerpt_id)
        self.show(excerpt_id)

    # -- events from the panels -------------------------------------------------------------
    @on(ExcerptList.Highlighted)
    def _list_moved(self, event: ExcerptList.Highlighted) -> None:
        self.show(event.excerpt_id, from_list=True)

    @on(Navigator.DocumentChosen)
    def _document_chosen(self, event: Navigator.DocumentChosen) -> None:
        target = self.navigation.open_document(event.document_id)
        if target is None:
            self.notify("This document has no excerpts.", timeout=4)
            return
        self.filtered = None
        self.show(target)
        self.query_one(ExcerptList).focus()

    @on(CodeTree.PickRequested)
    def _pick_requested(self, event: CodeTree.PickRequested) -> None:
        self.action_pick_code(event.code_id)

    def on_key(self, event: events.Key) -> None:
        """A code's key toggles it, whichever panel has focus (command keys come first)."""
        code_id = self.key_codes.get(event.key)
        if code_id is not None:
            event.stop()
            event.prevent_default()
            self.action_toggle_code(code_id)

    # -- coding actions ---------------------------------------------------------------------
    def _act(self, action: Callable[[int], Outcome]) -> Outcome | None:
        """Run one core action on the current excerpt; errors become a message, not a crash."""
        if self.current is None:
            return None
        excerpt = self.current
        try:
            return action(excerpt)
        except QcoderError as exc:
            self.notify(self.session.short(str(exc)), title="Not saved", severity="error",
                        timeout=10)
            return None
        finally:
            self.after_change(excerpt)

    def action_toggle_code(self, code_id: str) -> None:
        if self.span_toggle(code_id):
            self.query_one(CodebookPanel).highlight(code_id)
            return
        outcome = self._act(lambda e: self.session.coding.toggle(e, code_id))
        self.query_one(CodebookPanel).highlight(code_id)
        if outcome is not None:
            self._say_removed(outcome)

    def _say_removed(self, outcome: Outcome) -> None:
        """Any code removed is said, with the key that brings it back."""
        if not outcome.removed:
            return
        book = self.session.codebook
        undo = display(self.keymap.get("undo", "u").split(",")[0])
        removed = ", ".join(_label(book, c) for c in outcome.removed)
        if outcome.added:
            message = f"{removed} → {', '.join(_label(book, c) for c in outcome.added)}"
        else:
            message = f"Removed {removed}"
        self.notify(f"{message} · {undo}: undo", timeout=5)

    def action_mark_reviewed(self) -> None:
        """Decided: no code applies. The excerpt is done, so go on to the next one to do."""
        if self._act(self.session.coding.mark_reviewed) is not None:
            self.action_next_unreviewed()

    def action_clear_codes(self) -> None:
        outcome = self._act(self.session.coding.clear)
        if outcome is not None:
            self._say_removed(outcome)

    def action_undo(self) -> None:
        self._replay(self.session.coding.undo, "Undone", "Nothing to undo.")

    def action_redo(self) -> None:
        self._replay(self.session.coding.redo, "Redone", "Nothing to redo.")

    def _replay(self, step: Callable[[], Outcome], verb: str, nothing: str) -> None:
        try:
            outcome = step()
        except QcoderError as exc:
            self.notify(self.session.short(str(exc)), title="Not saved", severity="error")
            return
        if outcome.action_id is None:
            self.notify(nothing, timeout=3)
            return
        if outcome.codebook_changed:
            self.use_codebook(self.session.coding.codebook)
            self.notify(f"{verb}: the code added from the picker "
                        f"{'is back in' if verb == 'Redone' else 'is out of'} the codebook",
                        timeout=4)
            return
        target = outcome.excerpt_id if outcome.excerpt_id is not None else self.current
        if target is not None:
            row = self.session.store.excerpt(target)
            self.after_change(host_of(self.session.store, target))
            book = self.session.codebook
            changes = [f"+{_label(book, c)}" for c in outcome.added]
            changes += [f"−{_label(book, c)}" for c in outcome.removed]
            where = f"#{number_text(row.n)}" if row else ""
            self.notify(f"{verb} {where}: {', '.join(changes) or 'review or memo'}", timeout=3)

    # -- suggestions ------------------------------------------------------------------------
    def _show_suggestions(self, excerpt_id: int, reviewed: bool) -> None:
        from ...suggestions import for_excerpt

        session = self.session
        rows = for_excerpt(session.store, session.coder, excerpt_id, reviewed,
                           session.suggestions)
        self.query_one(SuggestionsPanel).fill(rows, session.codebook)

    def action_next_suggestion(self) -> None:
        self.query_one(SuggestionsPanel).cycle()

    def action_decide_suggestion(self, accept: bool) -> None:
        """Accept the highlighted suggestion (it becomes this coder's coding) or reject it;
        both undoable."""
        from ...suggestions import decide

        row = self.query_one(SuggestionsPanel).highlighted
        if row is None or self.current != row["excerpt_id"]:
            self.notify("No suggestion here to decide.", timeout=3)
            return
        session = self.session

        def act(excerpt_id: int) -> Outcome:
            decide(session.store, session.coder, [row["id"]], accept, session.coding)
            return Outcome(None, [], [])

        if self._act(act) is None:
            return
        undo = display(self.keymap.get("undo", "u").split(",")[0])
        verb = "Accepted" if accept else "Rejected"
        self.notify(f"{verb} {_label(session.codebook, row['code_id'])} ({row['source']}) · "
                    f"{undo}: undo", timeout=5)

    # -- moving -----------------------------------------------------------------------------
    def action_next_unreviewed(self) -> None:
        if self.current is None:
            return
        if self.filtered is not None:
            index = self.filtered.index_of(self.current)
            found = self.filtered.next_unreviewed(index if index is not None else -1)
            target = None if found is None else self.filtered.ids[found]
        else:
            target = self._next_in_queue()
            if target is None:
                target = self.navigation.next_unreviewed(self.current)
        if target is None:
            self.notify("Everything here is reviewed by you.", timeout=4)
        elif target == self.current:
            self.notify("This is the last excerpt you have not reviewed.", timeout=4)
        else:
            self.show(target)

    def _next_in_queue(self) -> int | None:
        """The next excerpt of the coder's open round to review; once the round is done,
        None (said once), and next unreviewed goes on through the rest of the corpus."""
        queue = self.session.queue
        if not queue or self.current is None:
            return None
        target = queue.next_unreviewed(self.current)
        if target is None and not self.queue_done:
            self.queue_done = True
            self.notify(f"Your round queue is done ({queue.label()}); next unreviewed goes "
                        "on through the rest of the corpus.", title="Round done", timeout=8)
        return target

    def action_step(self, delta: int) -> None:
        if self.current is None:
            return
        if self.filtered is not None:
            self.query_one(ExcerptList).action_move(delta)
            return
        target = self.navigation.step(self.current, delta)
        if target is not None:
            self.show(target)

    def action_jump(self, where: str) -> None:
        lines = self.query_one(ExcerptList)
        lines.move_to(0 if where == "first" else lines.count - 1)

    # -- dialogs ----------------------------------------------------------------------------
    def action_pick_code(self, code_id: str | None = None) -> None:
        """The code picker; ``code_id``: the code to highlight first (from the codebook)."""
        from .picker import CREATE
        from .search_dialog import kept

        if self.current is None:
            return
        applied = self.span_codes()
        if applied is None:
            applied = set(self.session.store.codes_of(self.current, self.session.coder))

        def picked(code_id: str | None) -> None:
            if code_id is not None and code_id.startswith(CREATE):
                self._new_code(code_id.removeprefix(CREATE))
            elif code_id is not None:
                self.action_toggle_code(code_id)

        picker = kept(self.app, PICKER, self._make_picker)
        picker.codebook, picker.applied, picker.preselect = (self.session.codebook, applied,
                                                             code_id)
        picker.prepare()
        self.open_dialog(picker, picked)

    def _make_picker(self) -> CodePicker:
        from .picker import CodePicker

        return CodePicker(self.session.codebook, set(), can_create=True)

    def _new_code(self, label: str) -> None:
        """Ask for a new code (id, label, parent, definition), add it to the codebook file
        and apply it here; undo takes the coding back, then the code."""
        from ...project.codebook_edit import NewCode
        from .new_code import NewCodeScreen

        coding = self.session.coding
        if coding.codebook_file is None:
            self.notify("No codebook file to add the code to.", severity="error")
            return
        where = self.session.short(str(coding.codebook_file))
        highlighted = self.query_one(CodebookPanel).tree.highlighted_option
        code = self.session.codebook.codes.get(highlighted.id) if highlighted else None
        parent = (code.parent if code is not None and not code.children else
                  code.id if code is not None else None)

        def create(new: NewCode) -> str | None:
            try:
                coding.create_code(new)
            except QcoderError as exc:
                return self.session.short(str(exc))
            return None

        def created(code_id: str | None) -> None:
            if code_id is None:
                return
            self.use_codebook(coding.codebook)
            undo = display(self.keymap.get("undo", "u").split(",")[0])
            self.notify(f"Added {code_label(coding.codebook, code_id)} to {where} · "
                        f"{undo}: undo", timeout=6)
            self.action_toggle_code(code_id)

        self.app.push_screen(NewCodeScreen(self.session.codebook, label, parent, create,
                                           where), created)

    def action_excerpt_memo(self) -> None:
        from .memo import MemoScreen

        if self.current is None:
            return
        excerpt = self.current
        row = self.session.store.excerpt(excerpt)

        def save(text: str | None) -> None:
            if text is not None:
                self._act_on(excerpt, lambda e: self.session.coding.set_excerpt_memo(e, text))

        self.app.push_screen(MemoScreen(f"Memo on {row.ref if row else excerpt}",
                                        self.session.store.memo_of(excerpt,
                                                                   self.session.coder)), save)

    def action_coding_memo(self) -> None:
        from .picker import CodePicker

        if self.current is None:
            return
        excerpt = self.current
        codes = self.session.store.codes_of(excerpt, self.session.coder)
        if not codes:
            self.notify("Apply a code first: a coding memo belongs to one of your codes.",
                        timeout=5)
            return
        if len(codes) == 1:
            self._edit_coding_memo(excerpt, next(iter(codes)))
            return

        def chosen(code_id: str | None) -> None:
            if code_id is not None:
                self._edit_coding_memo(excerpt, code_id)

        self.app.push_screen(CodePicker(self.session.codebook, set(codes), only=set(codes),
                                        title="Memo on which of your codes?"), chosen)

    def _edit_coding_memo(self, excerpt: int, code_id: str) -> None:
        from .memo import MemoScreen

        codes = self.session.store.codes_of(excerpt, self.session.coder)
        row = self.session.store.excerpt(excerpt)
        label = code_label(self.session.codebook, code_id)

        def save(text: str | None) -> None:
            if text is not None:
                self._act_on(excerpt, lambda e: self.session.coding.set_coding_memo(
                    e, code_id, text))

        self.app.push_screen(MemoScreen(f"Memo on {label} · {row.ref if row else excerpt}",
                                        codes.get(code_id) or ""), save)

    def _act_on(self, excerpt: int, action: Callable[[int], Outcome]) -> None:
        self.current = excerpt
        self._act(action)

    def action_memo_browser(self) -> None:
        """Every memo of mine; the chosen one's excerpt becomes current."""
        from ...store.memos import memos_of
        from .memos import MemoBrowser

        memos = memos_of(self.session.store.conn, self.session.coder)

        def chosen(excerpt_id: int | None) -> None:
            if excerpt_id is not None:
                self.show(excerpt_id)
                self.query_one(ExcerptList).focus()

        self.app.push_screen(MemoBrowser(memos, self.session.codebook), chosen)

    def _make_filter(self) -> FilterScreen:
        from .filter import FilterScreen

        return FilterScreen(self.session.codebook)

    def action_filter(self) -> None:
        from .search_dialog import kept

        dialog = kept(self.app, FILTER, self._make_filter)
        dialog.codebook = self.session.codebook
        dialog.prepare()
        self.open_dialog(dialog, self._apply_filter)

    def _apply_filter(self, flt: Filter | None) -> None:
        if flt is None:
            return
        if not flt.active:
            self.action_clear_filter()
            return
        self.query_one("#list-title", Static).update(Text("Filtering…", style="italic"),
                                                     layout=False)
        self._run_filter(flt)

    @work(thread=True, exclusive=True, group="filter", exit_on_error=False)
    def _run_filter(self, flt: Filter) -> None:
        session = self.session
        try:
            with Store(session.store.path, timeout=session.store.timeout) as store:
                ids = Navigation(store, session.coder, session.codebook,
                                 progress=False).matching(flt)
        except (QcoderError, sqlite3.Error) as exc:
            self.app.call_from_thread(self._filter_failed, session.short(str(exc)))
            return
        self.app.call_from_thread(self._filtered, flt, ids)

    def _filter_failed(self, message: str) -> None:
        self.notify(message, severity="error")
        if self.current is not None:  # the list says what it lists again, not "Filtering…"
            self._point_list(self.current)

    def _filtered(self, flt: Filter, ids: object) -> None:
        found = FilteredLines(self.navigation, flt, ids)  # type: ignore[arg-type]
        if not len(found):
            self.notify(f"No excerpt is {flt.describe(self.session.codebook)}.", timeout=4)
            if self.current is not None:
                self._point_list(self.current)
            return
        self.filtered = found
        keep = self.current is not None and found.index_of(self.current) is not None
        self.show(self.current if keep else found.ids[0])  # type: ignore[arg-type]
        self.query_one(ExcerptList).focus()

    def action_clear_filter(self) -> None:
        if self.filtered is None:
            return
        self.filtered = None
        if self.current is not None:
            self._point_list(self.current)

    # -- refresh ----------------------------------------------------------------------------
    def _refresh_if_written(self) -> None:
        """The periodic read, skipped when nothing but this workbench wrote since the last
        one: its own codings and reviews are counted as they are made."""
        outside = self.navigation.outside_writes()
        if outside != self._outside:
            self._outside = outside
            self.action_refresh()

    def action_refresh(self) -> None:
        if not self.is_active:  # a dialog is open over it: read once it is closed, for
            self._refresh_due = True  # what changes under a dialog is redrawn through it
            return
        self._refresh_progress()

    def on_screen_resume(self) -> None:
        if self._refresh_due:
            self._refresh_due = False
            self.action_refresh()

    def action_reload(self) -> None:
        """Re-read the codebook file (as ``qcoder import`` does) and the progress."""
        watch = getattr(self, "codebook_watch", None)
        if watch is not None:
            watch.reload()
        self._refresh_progress()

    @work(thread=True, exclusive=True, group="refresh", exit_on_error=False)
    def _refresh_progress(self) -> None:
        """Re-read progress (this coder's per document, everyone's totals) off the UI thread."""
        session = self.session
        try:
            with Store(session.store.path, timeout=session.store.timeout) as store:
                progress = read_progress(store, session.coder)
                self.app.call_from_thread(self._progress_read, progress)
                others = coder_progress(store)
        except (QcoderError, sqlite3.Error):
            return  # a busy database only delays the next refresh
        self.app.call_from_thread(self._others_read, others)

    def _progress_read(self, progress: dict[int, int]) -> None:
        if self.session.queue is not None:  # a round started or closed since
            self.session.queue.reload()
        changed = self.navigation.set_progress(progress)
        # A coding made while the worker was reading is newer than what it read.
        where = self.navigation.locate(self.current) if self.current is not None else None
        if where is not None:
            self.navigation.refresh_document(where[0])
        if changed:
            self.query_one(Navigator).tree.update_progress(self.navigation, changed)
            lines = self.query_one(ExcerptList)
            listed = getattr(lines.source, "document_id", None)
            if listed is None or listed in changed:
                lines.invalidate()
        self.update_status()

    def _others_read(self, others: dict[str, int]) -> None:
        if others != self.others:
            self.others = others
            self.update_status()


def _label(codebook: Codebook, code_id: str) -> str:
    return codebook[code_id].label if code_id in codebook else code_id
