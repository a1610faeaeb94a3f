"""Opening and living with the workbench: the coder prompt, problems shown calmly, two coders
on one database, a keymap, help, and codings that survive kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import codes_on, current_ref, drive, open_store, until_ready
from textual.pilot import Pilot
from textual.widgets import Static

from qcoder.errors import QcoderError
from qcoder.tui import session as session_module
from qcoder.tui.app import QcoderApp, create_app
from qcoder.tui.keymap import COMMANDS
from qcoder.tui.screens.coder_prompt import CoderPrompt
from qcoder.tui.screens.coding import CodingScreen
from qcoder.tui.screens.help import HelpScreen
from qcoder.tui.screens.message import MessageScreen


def message_of(app: QcoderApp) -> str:
    assert isinstance(app.screen, MessageScreen), app.screen
    return str(app.screen.query_one("#message-text", Static).render())


async def until_screen(app: QcoderApp, pilot: Pilot, kind: type) -> None:
    for _ in range(300):
        if isinstance(app.screen, kind):
            await pilot.pause()
            return
        await pilot.pause(0.02)
    raise AssertionError(f"expected {kind.__name__}, got {app.screen!r}")


def test_without_a_coder_the_workbench_asks_once_offering_known_coders(imported: Path) -> None:
    with open_store(imported) as store:
        from qcoder.coding import Coding

        Coding(store, store.codebook(), "zoe").mark_reviewed(
            store.excerpt_by_ref("beta/report#1").id)

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        await until_screen(app, pilot, CoderPrompt)
        offered = list(app.screen.known)
        await pilot.press(*"not valid!", "enter")
        error = str(app.screen.query_one("#coder-error", Static).render())
        await pilot.press(*["backspace"] * 10, "down", "enter")
        await until_ready(app, pilot)
        await pilot.press("s")
        return offered, error, app.session.coder, current_ref(app)

    offered, error, coder, ref = drive(imported, steps, coder=None, ready=False)
    assert offered == ["zoe"] and "invalid coder name" in error
    assert (coder, ref) == ("zoe", "alpha/interview#1")
    assert codes_on(imported, "alpha/interview#1", "zoe") == {"framing-security": None}


def test_a_broken_codebook_is_a_message_not_a_traceback(wb: Path) -> None:
    book = wb / "codebooks" / "border-talks.yaml"
    book.write_text(book.read_text().replace("    label: Framing\n", "    lable: Framing\n"))

    async def steps(app: QcoderApp, pilot: Pilot) -> str:
        await until_screen(app, pilot, MessageScreen)
        return message_of(app)

    text = drive(wb, steps, ready=False)
    assert text.startswith("codebooks/border-talks.yaml:5:") and "did you mean 'label'" in text


def test_a_missing_codebook_is_a_message(wb: Path) -> None:
    (wb / "codebooks" / "border-talks.yaml").unlink()

    async def steps(app: QcoderApp, pilot: Pilot) -> str:
        await until_screen(app, pilot, MessageScreen)
        return message_of(app)

    assert "no codebook" in drive(wb, steps, ready=False)


def test_an_empty_project_says_what_to_do(tmp_path: Path) -> None:
    root = tmp_path / "empty"
    (root / "codebooks").mkdir(parents=True)
    (root / "cases").mkdir()
    (root / "codebooks" / "c.yaml").write_text(
        "name: C\ncodes:\n  - id: a\n    label: A\n    definition: d\n")

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[str, str]:
        await until_screen(app, pilot, MessageScreen)
        return app.screen.title_text, message_of(app)

    title, text = drive(root, steps, ready=False)
    assert title == "Nothing to code yet" and "cases/<case-id>/" in text


def test_a_database_locked_by_another_writer_is_a_message(imported: Path, monkeypatch) -> None:
    monkeypatch.setattr(session_module, "WRITE_TIMEOUT_S", 0.2)
    blocker = sqlite3.connect(imported / "qcoder.db", isolation_level=None)
    blocker.execute("PRAGMA busy_timeout = 0")

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        blocker.execute("BEGIN EXCLUSIVE")
        await pilot.press("s")
        messages = [n.message for n in app._notifications]
        shown = set(app.screen.query_one("#codes").applied)
        blocker.execute("ROLLBACK")
        await pilot.press("s")
        return messages, shown

    try:
        messages, shown = drive(imported, steps)
    finally:
        blocker.close()
    assert any("locked by another writer" in m for m in messages)
    assert shown == set()
    assert codes_on(imported, "alpha/interview#1", "ann") == {"framing-security": None}


def test_a_locked_database_at_first_start_is_a_message(wb: Path, monkeypatch) -> None:
    monkeypatch.setattr(session_module, "WRITE_TIMEOUT_S", 0.2)
    blocker = sqlite3.connect(wb / "qcoder.db", isolation_level=None)
    blocker.execute("BEGIN EXCLUSIVE")
    blocker.execute("CREATE TABLE holding (x)")

    async def steps(app: QcoderApp, pilot: Pilot) -> str:
        await until_screen(app, pilot, MessageScreen)
        return message_of(app)

    try:
        text = drive(wb, steps, ready=False)
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert "locked by another writer" in text and "Traceback" not in text


def test_two_coders_in_two_apps_on_one_database_keep_everything(imported: Path) -> None:
    async def main() -> tuple:
        ann, bob = create_app(imported, coder="ann"), create_app(imported, coder="bob")
        async with ann.run_test(size=(100, 30)) as pa, bob.run_test(size=(100, 30)) as pb:
            await until_ready(ann, pa)
            await until_ready(bob, pb)
            for _ in range(3):
                await pa.press("s", "j")
                await pb.press("o", "j")
            await pb.press("space")
            await pa.press("f5")
            await ann.workers.wait_for_complete()
            await pa.pause()
            status = str(ann.screen.query_one("#status", Static).render())
            ann_marks = set(ann.screen.query_one("#codes").applied)
            return status, ann_marks

    status, ann_marks = asyncio.run(main())
    assert "bob 4" in status
    assert ann_marks == set()
    for n in (1, 2, 3):
        assert codes_on(imported, f"alpha/interview#{n}", "ann") == {"framing-security": None}
        assert codes_on(imported, f"alpha/interview#{n}", "bob") == {"ptype-operational": None}


def test_a_user_keymap_rebinds_commands_and_help_lists_it(imported: Path, tmp_path: Path,
                                                          monkeypatch) -> None:
    config = tmp_path / "config"
    config.mkdir()
    (config / "keymap.yaml").write_text("next_excerpt: J\nundo: [u, ctrl+z]\nnope: x\n")
    monkeypatch.setenv("QCODER_CONFIG", str(config))

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        warnings = [n.message for n in app._notifications]
        await pilot.press("J")
        moved = current_ref(app)
        await pilot.press("j")
        stayed = current_ref(app)
        await pilot.press("s", "ctrl+z")
        await pilot.press("question_mark")
        help_text = str(app.screen.query_one("#help-body Static", Static).render())
        await pilot.press("escape")
        return warnings, moved, stayed, help_text, isinstance(app.screen, CodingScreen)

    warnings, moved, stayed, help_text, back = drive(imported, steps)
    assert any("keymap.yaml:3: unknown command 'nope'" in w for w in warnings)
    assert moved == stayed == "alpha/interview#2"
    assert codes_on(imported, "alpha/interview#2", "ann") == {}
    assert back


def test_help_lists_every_command_and_every_code_key(imported: Path) -> None:
    async def steps(app: QcoderApp, pilot: Pilot) -> tuple[bool, str]:
        await pilot.press("question_mark")
        shown = isinstance(app.screen, HelpScreen)
        body = app.screen.body
        from rich.console import Console

        console = Console(width=200, record=True, file=open(os.devnull, "w"))  # noqa: SIM115
        console.print(body)
        return shown, console.export_text()

    shown, text = drive(imported, steps)
    assert shown
    for command in COMMANDS:
        assert command.id in text and command.description in text
    for label in ("Framing › Security framing", "Partnership type › Operational"):
        assert label in text


def test_a_code_key_that_collides_with_a_command_is_reported(wb: Path) -> None:
    book = wb / "codebooks" / "border-talks.yaml"
    book.write_text(book.read_text().replace("key: d\n", "key: n\n"))

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        warnings = [n.message for n in app._notifications]
        await pilot.press("n")
        return warnings, current_ref(app)

    warnings, ref = drive(wb, steps)
    assert any("'Development framing'" in w and "next_unreviewed" in w for w in warnings)
    assert ref == "alpha/interview#2"
    assert codes_on(wb, "alpha/interview#1", "ann") == {}


def test_create_app_refuses_a_folder_that_is_not_a_project(tmp_path: Path, wb: Path) -> None:
    with pytest.raises(QcoderError, match="not a qcoder project"):
        create_app(wb / "cases" / "alpha", coder="ann")
    with pytest.raises(QcoderError, match="invalid coder"):
        create_app(wb, coder="a b")


def test_the_cli_opens_the_workbench_through_the_same_factory(imported: Path,
                                                              monkeypatch) -> None:
    from click.testing import CliRunner

    from qcoder.cli import cli
    from qcoder.tui import app as app_module

    made: list[QcoderApp] = []
    real = app_module.create_app

    def spy(*args: object, **kwargs: object) -> QcoderApp:
        made.append(real(*args, **kwargs))  # type: ignore[arg-type]
        return made[-1]

    monkeypatch.setattr(app_module, "create_app", spy)
    monkeypatch.setattr(QcoderApp, "run", lambda self: None)
    result = CliRunner().invoke(cli, ["--project", str(imported), "--coder", "ann"])
    assert result.exit_code == 0, result.output
    assert len(made) == 1 and made[0].coder == "ann"
    assert made[0].project.root == imported.resolve()


CHILD = textwrap.dedent("""
    import asyncio, os, signal, sys
    sys.path.insert(0, {tests!r})
    from conftest import until_ready
    from qcoder.tui.app import create_app

    async def main():
        app = create_app({project!r}, coder="ann")
        async with app.run_test() as pilot:
            await until_ready(app, pilot)
            await pilot.press("s")
            os.kill(os.getpid(), signal.SIGKILL)

    asyncio.run(main())
""")


def test_a_coding_survives_kill_9_right_after_the_key(imported: Path) -> None:
    script = CHILD.format(tests=str(Path(__file__).parent), project=str(imported))
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120,
                          env={**os.environ, "HOME": os.environ["HOME"]})
    assert done.returncode == -signal.SIGKILL, done.stderr.decode()[-2000:]
    assert codes_on(imported, "alpha/interview#1", "ann") == {"framing-security": None}


def test_the_first_frame_of_the_coding_screen_shows_the_first_excerpt(imported: Path) -> None:
    """The screen is usable in its first frame; the highlighted code's details follow it."""
    first: dict[str, str] = {}

    async def main() -> QcoderApp:
        app = create_app(imported, coder="ann")
        real = app._display

        def display(screen, renderable):  # noqa: ANN001, ANN202 - the frame handed to the driver
            if isinstance(screen, CodingScreen) and renderable is not None and not first:
                first["ref"] = str(screen.query_one("#excerpt-ref", Static).render())
                first["definition"] = str(screen.query_one("#code-definition", Static).render())
                node = screen.query_one("#documents").cursor_node
                first["document"] = node.data[0] if node is not None and node.data else ""
            real(screen, renderable)

        app._display = display  # type: ignore[method-assign]
        async with app.run_test(size=(100, 30)) as pilot:
            await until_ready(app, pilot)
            first["later"] = str(app.screen.query_one("#code-definition", Static).render())
        return app

    asyncio.run(main())
    assert first["ref"].startswith("alpha/interview#1\nnot reviewed yet")
    assert first["document"] == "doc"  # the navigator's cursor on its document already
    assert first["definition"] == ""
    assert first["later"].startswith("Framing\nDefinition: How the speaker presents migration.")


def test_new_coder_and_follow_outside_reach_the_workbench(imported: Path, monkeypatch) -> None:
    """``qcoder --coder anm --new-coder`` (anm is one letter from ann) opens the workbench as
    the new coder without asking again; ``--follow-outside`` reaches its project."""
    from click.testing import CliRunner

    from qcoder.cli import cli
    from qcoder.tui import app as app_module

    with open_store(imported) as store:
        from qcoder.coding import Coding

        Coding(store, store.codebook(), "ann").mark_reviewed(
            store.excerpt_by_ref("alpha/interview#1").id)
    made: list[QcoderApp] = []
    real = app_module.create_app
    monkeypatch.setattr(app_module, "create_app",
                        lambda *a, **k: made.append(real(*a, **k)) or made[-1])
    monkeypatch.setattr(QcoderApp, "run", lambda self: None)
    result = CliRunner().invoke(cli, ["--project", str(imported), "--coder", "anm",
                                      "--new-coder", "--follow-outside"])
    assert result.exit_code == 0, result.output
    assert made[0].new_coder and made[0].project.follow_outside

    async def opened(app: QcoderApp, pilot: Pilot) -> tuple[list[str], str]:
        screens = []
        for _ in range(300):
            screens.append(type(app.screen).__name__)
            if app.ready:
                break
            await pilot.pause(0.02)
        return screens, app.session.coder

    async def main() -> tuple[list[str], str]:
        app = create_app(imported, coder="anm", new_coder=True)
        async with app.run_test(size=(100, 30)) as pilot:
            return await opened(app, pilot)

    screens, coder = asyncio.run(main())
    assert coder == "anm" and "CoderCheck" not in screens


def test_the_collectors_full_pass_waits_for_a_quiet_moment(
        imported: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Full collections run between key presses, not inside one, and the collector is
    left as it was when the app ends."""
    import gc

    from qcoder.tui import app as app_module

    monkeypatch.setattr(app_module, "QUIET_S", 0.5)
    before = gc.get_threshold()

    async def steps(app: QcoderApp, pilot: Pilot) -> tuple:
        during = gc.get_threshold()
        full = gc.get_stats()[2]["collections"]
        for _ in range(4):  # keys 0.05 s apart: never quiet for 0.5 s
            await pilot.press("j")
            await asyncio.sleep(0.05)
        busy = gc.get_stats()[2]["collections"] - full
        await asyncio.sleep(1.2)
        return during, busy, gc.get_stats()[2]["collections"] - full - busy

    during, busy, quiet = drive(imported, steps)
    assert during[2] > 10**6 and during[:2] == before[:2]
    assert busy == 0 and quiet >= 1
    assert gc.get_threshold() == before
