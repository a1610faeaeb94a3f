"""The wall between the core and the workbench: the core (and the CLI, until the workbench is
opened) imports without Textual, so every rule is usable and testable without a terminal."""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import qcoder

CHECK = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(",".join(loaded))
"""


def core_modules() -> list[str]:
    root = Path(qcoder.__file__).parent
    names = ["qcoder"]
    for info in pkgutil.walk_packages([str(root)], prefix="qcoder."):
        if info.name.startswith("qcoder.tui"):
            continue
        names.append(info.name)
    return names


def test_the_core_and_the_cli_import_without_textual() -> None:
    modules = core_modules()
    assert "qcoder.navigation" in modules and "qcoder.coding" in modules
    assert "qcoder.cli" in modules
    done = subprocess.run([sys.executable, "-c", CHECK, *modules], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == ""


def test_the_workbench_does_import_textual() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK, "qcoder.tui.app"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "textual" in done.stdout.split(",")
