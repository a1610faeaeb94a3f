"""The click root group, shared options and output helpers for every command module."""

from __future__ import annotations

import contextlib
import importlib
import json
import os
import sqlite3
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from ..errors import QcoderError
from ..safe_text import json_safe, one_line, visible

if TYPE_CHECKING:  # the store is loaded only by the commands that need it
    from ..project.folder import Project
    from ..store.database import Store


def _quiet_broken_pipe() -> None:
    """The reader of our output left (``qcoder codings export | head -1``): stop quietly,
    exit 0, as command-line tools do; nothing more is written to the closed pipe."""
    devnull = os.open(os.devnull, os.O_WRONLY)
    with contextlib.suppress(OSError, ValueError):
        os.dup2(devnull, sys.stdout.fileno())
    raise SystemExit(0)


class QcoderGroup(click.Group):
    """Prints a :class:`QcoderError` as one line (exit 1) instead of a traceback.

    ``command_modules``: the modules that register this group's commands when imported,
    imported the first time a command is looked up or listed, so the workbench (the root
    command alone) starts without them.
    """

    def __init__(self, *args: Any, command_modules: tuple[str, ...] = (),
                 **kwargs: Any) -> None:
        self._command_modules = tuple(command_modules)
        self._registering = 0
        super().__init__(*args, **kwargs)

    @property  # type: ignore[override]
    def commands(self) -> dict[str, click.Command]:
        if self._command_modules and not self._registering:
            modules, self._command_modules = self._command_modules, ()
            for module in modules:
                importlib.import_module(module)
        return self._commands

    @commands.setter
    def commands(self, value: dict[str, click.Command]) -> None:
        self._commands = value

    def add_command(self, cmd: click.Command, name: str | None = None) -> None:
        self._registering += 1  # a module registering a command does not load the others
        try:
            super().add_command(cmd, name)
        finally:
            self._registering -= 1

    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except BrokenPipeError:
            _quiet_broken_pipe()
        except QcoderError as exc:
            _discard_new_database(ctx)
            raise click.ClickException(visible(str(exc))) from None
        except (sqlite3.DatabaseError, MemoryError) as exc:
            # A damaged or read-only database fails in whichever query touches it first.
            message = ctx.obj.database_failure(exc) if isinstance(ctx.obj, State) else None
            _discard_new_database(ctx)
            if message is None:
                raise
            raise click.ClickException(visible(message)) from None
        except BaseException:
            _discard_new_database(ctx)
            raise


def _discard_new_database(ctx: click.Context) -> None:
    if isinstance(ctx.obj, State):
        ctx.obj.discard_new_database()


@dataclass
class State:
    """Options of the root command, and the project and store opened on demand."""

    project_dir: str | None = None
    db: str | None = None
    coder: str | None = None
    #: ``--coder`` typed before the command (not from QCODER_CODER)
    coder_typed: bool = False
    lead: bool = False
    follow_outside: bool = False
    #: ``--new-coder``: the coder name is new even when it is a near miss of a known one
    new_coder: bool = False
    _project: Project | None = field(default=None, repr=False)
    _store: Store | None = field(default=None, repr=False)
    _new_db: bool = field(default=False, repr=False)  # this run created the database file

    def project(self) -> Project:
        if self._project is None:
            from ..project.folder import open_project

            self._project = open_project(self.project_dir, self.db, self.follow_outside)
        return self._project

    def store(self, auto_import: bool = True) -> Store:
        """The project's store; a database that never saw ``qcoder import`` gets one first."""
        if self._store is None:
            from ..importer import import_project, needs_import
            from ..store.database import Store

            path = self.project().db_path
            self._new_db = not path.exists() or path.stat().st_size == 0
            self._store = Store(path)
            if auto_import and needs_import(self._store):
                import_project(self.project(), self._store)
            self._check_coder_name(self._store)
        return self._store

    def _check_coder_name(self, store: Store) -> None:
        """A coder name next to a known one ("Amira" beside "amira", "amria") is asked
        about on a terminal and refused otherwise: a typo would start a new coder, and a
        new coder is not blind to a round the real one is in."""
        if not self.coder or self.new_coder:
            return
        from ..errors import did_you_mean
        from ..rounds import near_miss

        known = store.coders()
        near = None if self.coder in known else near_miss(self.coder, known)
        if near is None:
            return
        hint = did_you_mean(self.coder, [near], f"did you mean '{near}'?")
        if interactive():
            if click.confirm(f"'{self.coder}' is not a coder of this project yet; {hint} "
                             f"Go on as the new coder '{self.coder}'?", default=False,
                             err=True):
                self.new_coder = True
                return
            raise QcoderError(f"stopped; run again with --coder {near}")
        raise QcoderError(f"'{self.coder}' is not a coder of this project; {hint} Use "
                          f"--coder {near}, or --new-coder to start the new coder "
                          f"'{self.coder}'")

    def discard_new_database(self) -> None:
        """After a failure: a database this run created and left without documents is
        removed, so a failed first import leaves no empty database behind."""
        if not self._new_db or self._store is None:
            return
        from ..importer import needs_import

        store, self._store, self._new_db = self._store, None, False
        try:
            empty = needs_import(store)
        except Exception:  # noqa: BLE001 - a database that cannot even be read is not kept
            empty = True
        store.close()
        if empty:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{store.path}{suffix}").unlink(missing_ok=True)

    def database_failure(self, exc: BaseException) -> str | None:
        """The one-line message for an SQLite failure (or SQLite's MemoryError on a
        damaged file) of this run's database; None when it is not the database's fault."""
        from ..store.connection import database_error, is_damaged

        if self._store is None:
            return None
        path = self._store.path
        if isinstance(exc, MemoryError) and not is_damaged(path):
            return None
        return str(database_error(path, exc))

    def protected(self) -> dict[Path, str]:
        """The files an export never writes over: database, codebook, configuration, cases."""
        from ..project.folder import CONFIG_FILE

        project = self.project()
        kept = {project.db_path: "database", Path(f"{project.db_path}-wal"): "database",
                Path(f"{project.db_path}-shm"): "database",
                project.root / CONFIG_FILE: "configuration", project.cases_dir: "cases folder",
                project.codings_dir: "codings folder"}
        with contextlib.suppress(QcoderError):  # no codebook yet: nothing to keep
            kept[project.codebook_path()] = "codebook"
        for book in project.codebooks_dir.glob("*.y*ml"):
            kept.setdefault(book, "codebook")
        return kept

    def check_output(self, out: str | Path, force: bool = False) -> None:
        """The guard every export runs before writing ``out`` ('-' is standard output)."""
        from ..export.atomic import check_target

        if str(out) != "-":
            check_target(out, self.protected(), force)

    def own_coders(self, command: str, given: object) -> None:
        """The root ``--coder`` says who is coding, everywhere. A command that chooses whose
        codings it writes has its own ``--coder``: refuse the root one there rather than
        silently export everyone's."""
        if self.coder_typed and not given:
            raise QcoderError(f"'qcoder --coder {self.coder} {command}' does not choose whose "
                              f"codings: --coder before a command says who is coding; write "
                              f"'qcoder {command} --coder {self.coder}' for {self.coder}'s "
                              "codings only")

    def require_coder(self) -> str:
        from ..coding import check_coder

        if not self.coder:
            raise QcoderError("no coder given; pass --coder NAME or set QCODER_CODER")
        return check_coder(self.coder)


pass_state = click.make_pass_decorator(State)


def interactive() -> bool:
    """Someone at a terminal can answer a question (standard input and error are TTYs)."""
    return sys.stdin.isatty() and sys.stderr.isatty()


def echo(message: object = "", err: bool = False, nl: bool = True) -> None:
    """``click.echo`` for lines that carry user text: control characters made visible."""
    click.echo(visible(message), err=err, nl=nl)


def data_out(text: str) -> None:
    """Write data (CSV, JSON, Markdown) to standard output: byte-faithful into a pipe or
    file, control characters made visible only when it is a terminal."""
    click.echo(visible(text) if sys.stdout.isatty() else text, nl=False)


def cell(value: object, multiline: bool = True) -> Any:
    """A table cell or title holding user text: a rich ``Text`` (never markup), control
    characters visible."""
    from rich.text import Text

    text = "" if value is None else str(value)
    return Text(visible(text) if multiline else one_line(text))


def emit_json(data: Any) -> None:
    """Print data as indented JSON (UTF-8 kept readable; C1 and bidi controls escaped)."""
    click.echo(json_safe(json.dumps(data, indent=2, ensure_ascii=False, default=str)))


def print_table(title: str | None, columns: list[str], rows: list[list[Any]],
                justify_numbers: bool = True) -> None:
    """A readable table on the terminal, fitted to its width (see :mod:`.render`); whole
    rows when output is piped."""
    from .render import print_fitted

    print_fitted(None if title is None else cell(title), columns, rows, sys.stdout,
                 numeric=None if justify_numbers else [False] * len(columns), show=cell)


def split_ids(value: str | None) -> list[str] | None:
    """``"a,b, c"`` → ``["a", "b", "c"]``; None stays None."""
    if not value:
        return None
    return [v.strip() for v in value.split(",") if v.strip()]


force_option = click.option("--force", is_flag=True,
                            help="Replace OUT if it exists (never the project's database, "
                                 "codebook or case files, nor any SQLite file).")
