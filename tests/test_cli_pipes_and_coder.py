"""The root ``--coder`` is who is coding, everywhere: a command that chooses whose codings
it writes refuses it rather than exporting everyone's; and output into a closed pipe
(``| head -1``) ends quietly with exit 0."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from conftest import Cli


@pytest.fixture
def coded(cli: Cli) -> Cli:
    cli.ok("import")
    cli.ok("codings", "import", str(_codings(cli.project)))
    return cli


def _codings(root: Path) -> Path:
    path = root.parent / "in.csv"
    path.write_text("excerpt,code,coder\nalpha/interview-1#1,linkage-visa,ann\n"
                    "alpha/interview-1#1,framing-security,ben\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("args", [["codings", "export"], ["export", "csv", "-"],
                                  ["export", "json", "out.json"],
                                  ["export", "qdpx", "out.qdpx"],
                                  ["export", "docx", "out.docx"]])
def test_the_root_coder_is_refused_where_a_command_chooses_whose_codings(
        coded: Cli, args: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    failed = coded.fails(*args, coder="ann")
    assert f"write 'qcoder {' '.join(args[:2]) if args[0] == 'export' else 'codings export'}" \
        f" --coder ann'" in failed.output
    assert not (tmp_path / "out.json").exists()


def test_the_command_own_coder_and_the_environment_still_work(coded: Cli) -> None:
    only = coded.ok("codings", "export", "--coder", "ann").output
    assert "ann" in only and "ben" not in only
    everyone = coded.ok("codings", "export", env={"QCODER_CODER": "ann"}).output
    assert "ann" in everyone and "ben" in everyone
    both = coded.ok("codings", "export", "--coder", "ben", coder="ann").output
    assert "ben" in both and ",ann," not in both


def test_a_closed_pipe_ends_quietly_with_exit_0(tmp_path: Path) -> None:
    root = tmp_path / "p"
    (root / "codebooks").mkdir(parents=True)
    (root / "codebooks" / "b.yaml").write_text(
        "name: B\nversion: 1\ncodes:\n  - {id: c, label: C, definition: d}\n", encoding="utf-8")
    (root / "cases" / "a").mkdir(parents=True)
    (root / "cases" / "a" / "case.yaml").write_text("name: A\n", encoding="utf-8")
    (root / "cases" / "a" / "doc.txt").write_text(
        "\n\n".join(f"Paragraph {i} of the document." for i in range(1, 3001)) + "\n",
        encoding="utf-8")
    (root / "codings").mkdir()
    (root / "codings" / "c.csv").write_text(
        "excerpt,code,coder,memo\n" + "".join(f"a/doc#{i},c,ann,a memo of some words {i}\n"
                                              for i in range(1, 3001)), encoding="utf-8")
    qcoder = [sys.executable, "-c", "from qcoder.cli import main; main()"]
    subprocess.run([*qcoder, "--project", str(root), "import"], check=True,
                   capture_output=True)
    for args in (["codings", "export"], ["export", "csv", "-"]):
        proc = subprocess.Popen([*qcoder, "--project", str(root), *args],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.readline().startswith(b"excerpt,")
        proc.stdout.close()  # like `head -1`: the reader leaves
        err = proc.stderr.read()
        assert proc.wait(timeout=60) == 0, err
        assert err == b""


@pytest.mark.parametrize("name", ["Ann", "anm", "annn"])
def test_a_coder_name_next_to_a_known_one_is_refused_off_a_terminal(coded: Cli,
                                                                     name: str) -> None:
    failed = coded.fails("status", coder=name)
    assert f"'{name}' is not a coder of this project; did you mean 'ann'?" in failed.output
    assert "--new-coder" in failed.output
    assert "did you mean 'ann'?" in coded.fails("status", env={"QCODER_CODER": name}).output
    coded.ok("--new-coder", "status", coder=name)
    coded.ok("status", coder="ann")  # the known name itself, and a name far from any
    coded.ok("status", coder="zoe")


def test_on_a_terminal_a_near_miss_is_asked_about(coded: Cli,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("qcoder.cli.base.interactive", lambda: True)
    asked = coded("status", coder="Ann", input="n\n")
    assert asked.exit_code == 1 and "Go on as the new coder 'Ann'?" in asked.output
    assert "run again with --coder ann" in asked.output
    went_on = coded("status", coder="Ann", input="y\n")
    assert went_on.exit_code == 0 and "case" in went_on.output
