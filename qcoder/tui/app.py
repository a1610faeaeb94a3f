"""The coding workbench: one factory, :func:`create_app`, used by the CLI and by the tests.

Start-up runs in a worker thread (open the database, import a never-imported project, read
the codebook and progress) behind a loading screen, so the interface never freezes; problems a
user can fix end on a message screen, never in a traceback.

Adding a screen (say, agreement reconciliation) and its key:

1. Write ``qcoder/tui/screens/reconcile.py`` with a ``Screen`` subclass. It reaches the open
   project as ``self.app.session`` (store, codebook, coder, coding, navigation) and calls the
   core for everything; it takes its keys with ``BINDINGS = bindings("reconcile")``.
2. Add its commands to ``COMMANDS`` in ``keymap.py`` with ``scope="reconcile"`` (and a title
   in ``SCOPE_TITLES``), plus one command that opens it, e.g.
   ``Command("open_reconcile", "R", "app.open('reconcile')", "Reconcile", "app")``.
3. Register it in :data:`SCREENS` below by where it lives,
   ``"reconcile": "qcoder.tui.screens.reconcile:ReconcileScreen"``: it is imported the first
   time it opens, so a screen never slows the workbench's start-up.

Every command then appears in the help screen and can be rebound in the user's keymap.
"""

from __future__ import annotations

import gc
import importlib
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from textual import events, work
from textual.app import App
from textual.notifications import SeverityLevel
from textual.screen import Screen

from ..coding import check_coder
from ..errors import QcoderError
from ..project.folder import Project, open_project
from ..safe_text import visible
from ..store.database import Store
from .keymap import bindings, code_keys, load_keymap
from .screens.coder_prompt import CoderPrompt
from .screens.coding import CodingScreen
from .screens.message import LoadingScreen, MessageScreen
from .session import EmptyProject, Session, open_session, open_store, shorten

if TYPE_CHECKING:
    from ..cli.base import State

#: Screens that :meth:`QcoderApp.action_open` can switch to, by name: a screen class, or
#: ``"module:Class"`` to import on first use.
SCREENS: dict[str, Callable[[], Screen] | str] = {
    "coding": CodingScreen,
    "reconcile": "qcoder.tui.screens.reconcile:ReconcileScreen",
    "compare": "qcoder.tui.screens.compare:CompareScreen",
    "agreement": "qcoder.tui.screens.agreement:AgreementScreen",
}


#: Seconds without a key after which the collector's full pass runs (see mark_ready).
QUIET_S = 2.0
FULL_PASS_NEVER = 10**9  # full passes counted by the collector itself: never reached

#: Screens that show other coders' codings: for a lead only (what each shows, for the prompt).
LEAD_SCREENS = {"reconcile": "reconciliation", "agreement": "agreement between the coders"}


def screen_factory(name: str) -> Callable[[], Screen]:
    """The registered screen ``name`` (importing its module the first time)."""
    entry = SCREENS[name]
    if isinstance(entry, str):
        module, _, attr = entry.partition(":")
        entry = SCREENS[name] = getattr(importlib.import_module(module), attr)
    return entry


class QcoderApp(App[None]):
    """The workbench. Build it with :func:`create_app`."""

    CSS_PATH = "app.tcss"
    TITLE = "qcoder"
    ENABLE_COMMAND_PALETTE = False
    BINDINGS = bindings("app")

    def __init__(self, project: Project, coder: str | None = None,
                 keymap: dict[str, str] | None = None,
                 keymap_warnings: list[str] | None = None, lead: bool = False,
                 new_coder: bool = False) -> None:
        super().__init__()
        self.project = project
        self.coder = coder
        #: ``--new-coder``: a coder name near a known one starts a new coder without asking.
        self.new_coder = new_coder
        #: Started as the team's lead (``--lead``), or confirmed being one (logged).
        self.lead = lead
        self.keymap = dict(keymap or {})
        self.keymap_warnings = list(keymap_warnings or [])
        self.session: Session | None = None
        self.store: Store | None = None
        self.known_coders: list[str] = []
        #: Set when the coding screen is up and usable (start-up benchmark, tests).
        self.ready = False
        self._last_key = 0.0  # time.monotonic() of the last key press
        self._thresholds: tuple[int, int, int] | None = None

    def notify(self, message: str, *, title: str = "", severity: SeverityLevel = "information",
               timeout: float | None = None, markup: bool = True) -> None:
        """Every notification is plain text: labels and names in it are never markup."""
        super().notify(visible(message), title=visible(title), severity=severity,
                       timeout=timeout, markup=False)

    # -- start-up ---------------------------------------------------------------------------
    def on_mount(self) -> None:
        if self.keymap:
            self.set_keymap(self.keymap)
        for warning in self.keymap_warnings:
            self.notify(warning, title="Keymap", severity="warning", timeout=15)
        self.push_screen(LoadingScreen(f"Opening {self.project.root.name} …"))
        self._open_store()

    def _say(self, message: str) -> None:
        if isinstance(self.screen, LoadingScreen):
            self.screen.say(message)

    def fail(self, error: BaseException, title: str = "The workbench cannot open") -> None:
        """Replace whatever is shown with a message screen."""
        self.switch_screen(MessageScreen(title, shorten(str(error), self.project)))

    @work(thread=True, exit_on_error=False, group="open")
    def _open_store(self) -> None:
        try:
            store = open_store(self.project, lambda m: self.call_from_thread(self._say, m))
            known = store.coders()
        except (QcoderError, sqlite3.Error) as exc:
            self.call_from_thread(self.fail, exc)
            return
        self.call_from_thread(self._store_open, store, known)

    def _store_open(self, store: Store, known: list[str]) -> None:
        self.store = store
        self.known_coders = known
        if self.coder:
            self._coder_chosen(self.coder)
        else:
            self.push_screen(CoderPrompt(known), self._coder_chosen)

    def _coder_chosen(self, coder: str | None) -> None:
        """Open the session, after asking when a new name is a near miss of a known one."""
        if not coder:
            return
        if coder not in self.known_coders and not self.new_coder:
            from ..rounds import near_miss
            from .screens.coder_check import CoderCheck

            near = near_miss(coder, self.known_coders)
            if near is not None:
                self.push_screen(CoderCheck(coder, near), self._coder_confirmed)
                return
        self._coder_confirmed(coder)

    def _coder_confirmed(self, coder: str | None) -> None:
        if coder:
            self.coder = coder
            self._open_session(coder)

    @work(thread=True, exit_on_error=False, group="open")
    def _open_session(self, coder: str) -> None:
        assert self.store is not None
        self.call_from_thread(self._say, f"Reading the corpus for {coder} …")
        try:
            session = open_session(self.project, self.store, coder)
        except EmptyProject as exc:
            self.call_from_thread(self.fail, exc, "Nothing to code yet")
            return
        except (QcoderError, sqlite3.Error) as exc:
            self.call_from_thread(self.fail, exc)
            return
        self.call_from_thread(self._session_open, session)

    def _session_open(self, session: Session) -> None:
        self.session = session
        self.switch_screen(CodingScreen())

    def mark_ready(self) -> None:
        """Called by the coding screen once its first excerpt is on screen."""
        self.ready = True
        # What opening made (styles, widgets, codebook) lives as long as the app: keep it out
        # of the collector's full passes, which otherwise pause a key press for ~50 ms here.
        gc.freeze()
        # A full pass still costs 10-15 ms (the render caches), once every 15 keys or so:
        # it runs when no key has come for a while instead, never inside a key press.
        self._thresholds = gc.get_threshold()
        gc.set_threshold(*self._thresholds[:2], FULL_PASS_NEVER)
        self.set_interval(QUIET_S, self._collect_when_quiet)

    async def on_event(self, event: events.Event) -> None:
        if isinstance(event, events.Key):
            self._last_key = time.monotonic()
        await super().on_event(event)

    def _collect_when_quiet(self) -> None:
        if time.monotonic() - self._last_key >= QUIET_S:
            gc.collect()

    # -- commands ---------------------------------------------------------------------------
    def action_help(self) -> None:
        from .screens.help import HelpScreen, help_renderable

        if isinstance(self.screen, HelpScreen):
            self.pop_screen()
            return
        codebook = self.session.codebook if self.session is not None else None
        keys, warnings = code_keys(codebook, self.keymap) if codebook is not None else ({}, [])
        self.push_screen(HelpScreen(help_renderable(self.keymap, codebook, keys,
                                                    self.keymap_warnings + warnings)))

    def action_open(self, name: str) -> None:
        """Switch to a registered screen (see :data:`SCREENS`); those in :data:`LEAD_SCREENS`
        show other coders' codings and open only for a lead (see :meth:`as_lead`)."""
        if self.session is None or name not in SCREENS:
            return
        if name in LEAD_SCREENS:
            self.as_lead(LEAD_SCREENS[name], lambda: self.switch_screen(screen_factory(name)()))
        else:
            self.switch_screen(screen_factory(name)())

    def as_lead(self, what: str, then: Callable[[], None]) -> None:
        """Run ``then`` if this coder may see other coders' codings: never during a blind
        round that includes them; at once for a lead; else after a confirmation, logged."""
        from ..blindness import blind_for, record_unblinding
        from .screens.lead_prompt import LeadPrompt

        session = self.session
        if session is None:
            return
        blind = blind_for(session.store, session.coder)
        if blind is not None:
            self.notify(f"{what.capitalize()} would show other coders' codings: {blind}.",
                        title="Blind", severity="warning", timeout=8)
            return
        if self.lead:
            then()
            return

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            try:
                record_unblinding(session.store, session.coder, what)
            except (QcoderError, sqlite3.Error) as exc:
                self.notify(session.short(str(exc)), title="Not opened", severity="error")
                return
            self.lead = True
            then()

        self.push_screen(LeadPrompt(what, session.coder), confirmed)

    def on_unmount(self) -> None:
        if self.store is not None:
            self.store.close()
        if self._thresholds is not None:
            gc.set_threshold(*self._thresholds)  # the collector as it was before the app


def create_app(project_dir: str | Path | None = None, db: str | Path | None = None,
               coder: str | None = None, keymap_file: Path | None = None,
               lead: bool = False, new_coder: bool = False,
               follow_outside: bool = False) -> QcoderApp:
    """The workbench for a project folder (default: the current one) and coder (None: ask);
    ``lead``: the coder leads the team and may see the other coders' codings; ``new_coder``:
    a name one letter or the case away from a known coder is a new coder (not asked about);
    ``follow_outside``: read files that are symlinks out of the project folder.

    Raises :class:`QcoderError` when the folder is not a project or the coder name is
    invalid; everything after that is reported inside the app.
    """
    project = open_project(project_dir, db, follow_outside)
    keymap, warnings = load_keymap(keymap_file)
    return QcoderApp(project, check_coder(coder) if coder else None, keymap, warnings, lead,
                     new_coder)


def run_app(state: State) -> None:
    """Open the workbench for the CLI's options (``qcoder`` with no command)."""
    create_app(state.project_dir, state.db, state.coder, lead=state.lead,
               new_coder=state.new_coder, follow_outside=state.follow_outside).run()
