"""The core and the plain CLI commands import neither Textual nor python-docx nor matplotlib
(the figures import it inside the functions that draw)."""

from __future__ import annotations

import json
import pkgutil
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import qcoder

HEAVY = ("textual", "docx", "matplotlib")
# The workbench is the Textual layer; the Word writer is the one module that loads python-docx.
OUTSIDE_THE_WALL = ("qcoder.tui", "qcoder.export.docx")


def core_modules() -> list[str]:
    """Every qcoder module but those outside the wall (the CLI included: it loads the heavy
    parts only inside the commands that need them)."""
    found = pkgutil.walk_packages([str(Path(qcoder.__file__).parent)], prefix="qcoder.")
    return ["qcoder", *(m.name for m in found if not m.name.startswith(OUTSIDE_THE_WALL))]


CORE = core_modules()

PROBE = textwrap.dedent("""
    import json, sys
    {body}
    print(json.dumps(sorted({{m.split('.')[0] for m in sys.modules}})))
""")


def loaded_after(body: str, cwd: Path | None = None) -> set[str]:
    """Top-level packages in ``sys.modules`` after running ``body`` in a fresh interpreter."""
    out = subprocess.run([sys.executable, "-c", PROBE.format(body=body)], capture_output=True,
                         text=True, check=False, timeout=120, cwd=cwd)
    assert out.returncode == 0, out.stderr
    return set(json.loads(out.stdout.strip().splitlines()[-1]))


@pytest.mark.parametrize("module", CORE)
def test_core_module_imports_neither(module: str) -> None:
    loaded = loaded_after(f"import {module}")
    assert "qcoder" in loaded
    assert not loaded & set(HEAVY), module


def test_all_core_modules_together() -> None:
    assert {"qcoder.navigation", "qcoder.coding", "qcoder.cli.base"} <= set(CORE)
    loaded = loaded_after("\n".join(f"import {m}" for m in CORE))
    assert not loaded & set(HEAVY)


RUN_CLI = """
from qcoder.cli import cli
try:
    cli({args!r}, prog_name="qcoder")
except SystemExit as exc:
    assert not exc.code, exc.code
"""


def test_help_imports_neither() -> None:
    loaded = loaded_after(RUN_CLI.format(args=["--help"]))
    assert "click" in loaded
    assert not loaded & set(HEAVY)


def test_status_imports_neither(cli, project: Path) -> None:
    cli.ok("import")
    args = ["--project", str(project), "--db", str(cli.db), "status"]
    assert not loaded_after(RUN_CLI.format(args=args)) & set(HEAVY)
    assert not loaded_after(RUN_CLI.format(args=[*args, "--json"])) & set(HEAVY)


def test_codings_export_and_codebook_check_import_neither(cli, project: Path) -> None:
    cli.ok("import")
    base = ["--project", str(project), "--db", str(cli.db)]
    for args in (["codings", "export"], ["codebook", "check"]):
        assert not loaded_after(RUN_CLI.format(args=[*base, *args])) & set(HEAVY), args
