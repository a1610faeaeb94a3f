"""The REFI-QDA reference material beside the repository (../shared), for the tests that
read it; those tests skip where it is absent."""

from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared" / "refi-qda"
SAMPLES = SHARED / "samples"
VALIDATE = SHARED / "validate.py"


def validate(path: Path) -> None:
    """The shared validator in strict mode accepts ``path`` (skipped where it is absent)."""
    if not VALIDATE.is_file():
        pytest.skip("../shared/refi-qda/validate.py absent")
    if not (importlib.util.find_spec("lxml") or importlib.util.find_spec("xmlschema")):
        pytest.skip("validate.py needs lxml or xmlschema")
    out = subprocess.run([sys.executable, str(VALIDATE), "--strict", str(path)],
                         capture_output=True, text=True, check=False)
    assert out.returncode == 0 and out.stdout.strip() == "OK", out.stdout + out.stderr
