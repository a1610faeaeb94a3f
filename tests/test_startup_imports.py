"""What the workbench's start-up leaves unloaded: the command modules, the importer, the
exchange formats, the codebook file's editor, the help screen and the heavy libraries of
other commands (each checked in a fresh interpreter once the coding screen is up)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import qcoder.cli
from qcoder.cli.root import COMMAND_MODULES

#: Loaded by other commands or later in the workbench, never by its first screen.
NOT_AT_START = (*COMMAND_MODULES, "qcoder.importer", "qcoder.exchange.codings_csv",
                "qcoder.project.codebook_edit", "qcoder.tui.screens.help",
                "qcoder.tui.screens.picker", "qcoder.store.sync", "numpy", "krippendorff",
                "docx", "pypdf", "ruamel", "lxml", "matplotlib", "rich.progress")

PROBE = textwrap.dedent("""
    import json, sys
    {body}
    print(json.dumps(sorted(sys.modules)))
""")


def loaded_after(body: str) -> set[str]:
    done = subprocess.run([sys.executable, "-c", PROBE.format(body=body)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stderr
    return set(json.loads(done.stdout.strip().splitlines()[-1]))


def workbench(project: Path, db: Path, keys: tuple[str, ...] = ()) -> str:
    """The console entry point's imports, then the workbench until its coding screen is up
    and its start-up workers (progress, the codebook watch) are done; then ``keys``."""
    return textwrap.dedent(f"""
        import asyncio
        import qcoder.cli
        from qcoder.tui.app import create_app
        async def main():
            app = create_app({str(project)!r}, {str(db)!r}, coder="amira")
            async with app.run_test(size=(100, 30)) as pilot:
                for _ in range(300):
                    if app.ready:
                        break
                    await pilot.pause(0.02)
                assert app.ready
                await app.workers.wait_for_complete()
                for key in {keys!r}:
                    await pilot.press(key)
                await pilot.pause(0.1)
        asyncio.run(main())
    """)


def test_the_workbench_starts_without_what_its_first_screen_does_not_need(demo) -> None:
    loaded = loaded_after(workbench(demo.project, demo.db))
    assert "qcoder.tui.screens.coding" in loaded
    assert {m for m in NOT_AT_START if m in loaded} == set()


def test_the_probe_sees_them_load_when_used(demo) -> None:
    """A command looked up loads the command modules; the help key, the help screen."""
    after_help = loaded_after("from qcoder.cli import cli\ntry:\n    cli(['--help'])\n"
                              "except SystemExit as exc:\n    assert not exc.code")
    assert set(COMMAND_MODULES) <= after_help
    pressed = workbench(demo.project, demo.db, ("question_mark",))
    assert "qcoder.tui.screens.help" in loaded_after(pressed)


def test_every_command_module_is_listed() -> None:
    """A new ``cli/*_cmds.py`` registers its commands only if it is in COMMAND_MODULES."""
    found = {f"qcoder.cli.{m.name}" for m in pkgutil.iter_modules(qcoder.cli.__path__)
             if m.name.endswith("_cmds")}
    assert found == set(COMMAND_MODULES)
