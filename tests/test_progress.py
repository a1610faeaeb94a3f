"""Progress bars: drawn on stderr only when stderr is a terminal (a real pseudo-terminal
here), never with --json, and stdout is the same with and without them."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import make_project

MAIN = "import sys; from qcoder.cli import cli; cli(sys.argv[1:], prog_name='qcoder')"


def run(args: list[str], tty: bool) -> tuple[bytes, bytes, int]:
    """Run qcoder with stdout a pipe and stderr a pseudo-terminal (``tty``) or a pipe."""
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "100", "LINES": "40"}
    env.pop("NO_COLOR", None)
    if not tty:
        out = subprocess.run([sys.executable, "-c", MAIN, *args], capture_output=True,
                             env=env, check=False, timeout=120)
        return out.stdout, out.stderr, out.returncode
    master, slave = pty.openpty()
    try:
        proc = subprocess.Popen([sys.executable, "-c", MAIN, *args], stdout=subprocess.PIPE,
                                stderr=slave, stdin=subprocess.DEVNULL, env=env)
        os.close(slave)
        stdout = proc.stdout.read() if proc.stdout else b""
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end closed (Linux raises EIO)
                break
            if not chunk:
                break
            err += chunk
        proc.wait(timeout=120)
    finally:
        os.close(master)
    return stdout, err, proc.returncode


@pytest.fixture
def base(tmp_path: Path) -> list[str]:
    project = make_project(tmp_path / "proj")
    return ["--project", str(project), "--db", str(tmp_path / "p.db")]


def test_import_draws_a_bar_on_a_terminal_only(base: list[str], tmp_path: Path) -> None:
    shown = run([*base, "import"], tty=True)
    assert shown[2] == 0, shown
    assert b"storing documents" in shown[1]
    assert b"3/3" in shown[1]  # the tiny project's three documents
    plain = run(["--project", base[1], "--db", str(tmp_path / "q.db"), "import"], tty=False)
    assert plain[2] == 0
    assert b"storing documents" not in plain[1]
    assert plain[0] == shown[0]


def test_json_never_draws_a_bar_even_on_a_terminal(base: list[str], tmp_path: Path) -> None:
    shown = run([*base, "import", "--json"], tty=True)
    assert shown[2] == 0, shown
    assert shown[1] == b""
    plain = run(["--project", base[1], "--db", str(tmp_path / "q.db"), "import", "--json"],
                tty=False)
    assert plain[0] == shown[0]


def test_codings_import_draws_a_bar_on_a_terminal_only(base: list[str],
                                                        tmp_path: Path) -> None:
    assert run([*base, "import"], tty=False)[2] == 0
    csv = tmp_path / "c.csv"
    csv.write_text("excerpt,code,coder\nalpha/interview-1#1,,ann\n", encoding="utf-8")
    shown = run([*base, "codings", "import", str(csv)], tty=True)
    assert shown[2] == 0, shown
    assert b"reading codings" in shown[1]
    again = run([*base, "codings", "import", str(csv)], tty=False)
    assert b"reading codings" not in again[1]
    quiet = run([*base, "codings", "import", "--json", str(csv)], tty=True)
    assert quiet[1] == b""
