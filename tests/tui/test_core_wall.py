"""The other side of the wall checked in tests/test_import_hygiene.py: the workbench itself
does load Textual, so the probe that finds none in the core can tell."""

from __future__ import annotations

import subprocess
import sys

CHECK = """
import importlib, sys
for name in sys.argv[1:]:
    importlib.import_module(name)
loaded = sorted(m for m in sys.modules if m == "textual" or m.startswith("textual."))
print(",".join(loaded))
"""


def test_the_workbench_does_import_textual() -> None:
    done = subprocess.run([sys.executable, "-c", CHECK, "qcoder.tui.app"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert "textual" in done.stdout.split(",")
