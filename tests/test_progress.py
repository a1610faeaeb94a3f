"""Progress bars: drawn on stderr only when stderr is a terminal (a real pseudo-terminal
here), never with --json, and stdout is the same with and without them."""

from __future__ import annotations

import os
import pty
import subprocess
import sys
import threading
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
        # stdout is read in a thread while the terminal is read here: a long command redraws
        # its bars past the terminal's buffer before it closes stdout
        chunks: list[bytes] = []
        reader = threading.Thread(target=lambda: chunks.append(
            proc.stdout.read() if proc.stdout else b""))
        reader.start()
        err = b""
        while True:
            try:
                chunk = os.read(master, 65536)
            except OSError:  # the other end closed (Linux raises EIO)
                break
            if not chunk:
                break
            err += chunk
        reader.join(timeout=120)
        stdout = b"".join(chunks)
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


CODINGS = """excerpt,code,coder
alpha/interview-1#1,,ann
alpha/interview-1#1,,bob
alpha/interview-1#2,{code},ann
alpha/interview-1#2,{code},bob
alpha/interview-1#3,{code},ann
alpha/interview-1#3,,bob
"""


@pytest.fixture
def coded(base: list[str], tmp_path: Path) -> list[str]:
    """The tiny project imported, with two coders' codings (set up in this process)."""
    from click.testing import CliRunner

    from qcoder.cli import cli
    from qcoder.project.codebook import load_codebook

    assert CliRunner().invoke(cli, [*base, "import"]).exit_code == 0

    code = next(c.id for c in load_codebook(next((Path(base[1]) / "codebooks").iterdir()))
                if not c.exclusive)
    csv = tmp_path / "two.csv"
    csv.write_text(CODINGS.format(code=code), encoding="utf-8")
    assert CliRunner().invoke(cli, [*base, "codings", "import", str(csv)]).exit_code == 0
    copy = CliRunner().invoke(cli, [*base, "export", "coder", "ann", str(tmp_path / "other.db")])
    assert copy.exit_code == 0, copy.output
    return base


COMMANDS = {
    "agreement --bootstrap": (["agreement", "--bootstrap", "200"], "codes resampled", None),
    "export csv": (["export", "csv", "-"], "cases written", None),
    "export json": (["export", "json", "OUT"], "cases written", "out.json"),
    "export docx": (["export", "docx", "OUT", "--bootstrap", "50", "--date", "2024-01-02"],
                    "appendices written", "out.docx"),
    "export qdpx": (["export", "qdpx", "OUT"], "documents written", "out.qdpx"),
    "merge": (["merge", "--dry-run", "OTHER"], "merge steps", None),
    "codings export": (["codings", "export", "--output", "OUT"], "codings written",
                       "out.csv"),
}


@pytest.mark.parametrize("name", list(COMMANDS))
def test_long_commands_draw_a_bar_on_a_terminal_and_print_the_same(
        name: str, coded: list[str], tmp_path: Path) -> None:
    words, label, out_name = COMMANDS[name]
    out = tmp_path / (out_name or "unused")
    args = [*coded, *[str(out) if w == "OUT" else str(tmp_path / "other.db") if w == "OTHER"
                      else w for w in words]]
    written = []
    runs = []
    for tty in (True, False):
        out.unlink(missing_ok=True)
        runs.append(run(args, tty))
        assert runs[-1][2] == 0, runs[-1]
        written.append(out.read_bytes() if out_name else b"")
    (shown, _, _), (plain, plain_err, _) = runs
    assert label.encode() in runs[0][1]
    assert label.encode() not in plain_err
    assert shown == plain
    assert written[0] == written[1]


@pytest.mark.parametrize("words", [["agreement", "--bootstrap", "200", "--json"],
                                   ["agreement"],
                                   ["merge", "--dry-run", "--json", "OTHER"]])
def test_no_bar_with_json_or_without_long_work(words: list[str], coded: list[str],
                                               tmp_path: Path) -> None:
    args = [*coded, *[str(tmp_path / "other.db") if w == "OTHER" else w for w in words]]
    shown = run(args, tty=True)
    assert shown[2] == 0, shown
    assert shown[1] == b""
    assert shown[0] == run(args, tty=False)[0]


def test_import_qdpx_draws_a_bar_on_a_terminal_only(coded: list[str], tmp_path: Path) -> None:
    qdpx = tmp_path / "p.qdpx"
    assert run([*coded, "export", "qdpx", str(qdpx)], tty=False)[2] == 0
    outputs = []
    for tty, name in ((True, "a"), (False, "b")):
        folder = tmp_path / name
        make_project(folder)
        for case in (folder / "cases").iterdir():
            for f in case.iterdir():
                if f.name != "case.yaml":
                    f.unlink()
        args = ["--project", str(folder), "--db", str(tmp_path / f"{name}.db"), "import",
                "qdpx", str(qdpx), "--case", "elsewhere"]
        outputs.append(run(args, tty))
        assert outputs[-1][2] == 0, outputs[-1]
    assert b"storing documents" in outputs[0][1]
    assert b"storing documents" not in outputs[1][1]
    quiet = run(["--project", str(tmp_path / "b"), "--db", str(tmp_path / "b.db"), "import",
                 "qdpx", str(qdpx), "--json"], tty=True)
    assert quiet[2] == 0, quiet
    assert quiet[1] == b""
