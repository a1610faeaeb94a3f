"""User text is data on the terminal: control characters (OSC title, CSI screen wipe, C1)
and Rich markup in documents, memos, labels and file names never reach a CLI table raw,
while files written keep the exact bytes."""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path

import pytest
from conftest import Cli

from qcoder.safe_text import json_safe, one_line, terminal_safe, visible

C0 = "".join(chr(c) for c in range(0x20) if chr(c) not in "\n\r\t\x0b\x0c\x1c\x1d\x1e")
C1 = "".join(chr(c) for c in range(0x80, 0xA0) if c != 0x85)
MARKUP = "[bold red]x[/] [link=file:///etc/passwd]y[/link]"
HOSTILE = (f"Returns {MARKUP} \x1b]0;PWNED\x07 then \x1b[2J wiped \x1b[31mred\x1b[0m "
           f"\x9b2J \u202egnp.exe {C0} {C1} end.")
RAW = ("\x1b", "\x07", "\x9b", "\x90", "\u202e")

CODEBOOK = """\
name: "Hostile \\e]0;BOOK\\a"
version: 1
codes:
  - id: security
    label: "Security [/oops] \\e]0;LABEL\\a"
    definition: Threats.
  - id: visa
    label: "[bold]Visa[/bold]"
    definition: Visas.
  - id: ptype
    label: Type
    exclusive: true
    codes:
      - {id: ptype-a, label: "A \\e[2J"}
      - {id: ptype-b, label: B}
"""


@pytest.fixture
def hostile(tmp_path: Path) -> Cli:
    """A project whose document, memo, labels and a case name carry escapes and markup,
    coded differently by two coders (so every table command has rows)."""
    root = tmp_path / "proj"
    (root / "codebooks").mkdir(parents=True)
    (root / "codebooks" / "book.yaml").write_text(CODEBOOK, encoding="utf-8")
    for case in ("alpha", "beta"):
        folder = root / "cases" / case
        folder.mkdir(parents=True)
        (folder / "case.yaml").write_text(
            f'name: "{case} \\e]0;CASE\\a [red]x[/red]"\nattributes:\n  region: "\\e[2J"\n',
            encoding="utf-8")
        paragraphs = [HOSTILE] + [f"Paragraph {n} on visas." for n in range(2, 13)]
        (folder / "talks.txt").write_text("\n\n".join(paragraphs) + "\n", encoding="utf-8")
    rows = [["excerpt", "code", "coder", "memo"]]
    for case in ("alpha", "beta"):
        for n in range(1, 13):
            ref = f"{case}/talks#{n}"
            rows.append([ref, "security", "ann", f"memo \x1b[31m{MARKUP}" if n == 1 else ""])
            rows.append([ref, "ptype-a", "ann", ""])
            rows.append([ref, "security" if n % 3 else "visa", "ben", ""])
            rows.append([ref, "ptype-a" if n % 2 else "ptype-b", "ben", ""])
    buffer = io.StringIO()
    csv.writer(buffer).writerows(rows)
    (root / "codings").mkdir()
    (root / "codings" / "codings.csv").write_text(buffer.getvalue(), encoding="utf-8")
    db = tmp_path / "q.db"
    cli = Cli(root, db)
    cli.ok("import")
    return cli


def assert_harmless(output: str) -> None:
    for raw in RAW:
        assert raw not in output, (raw, output[:400])


COMMANDS = [
    ("status",),
    ("agreement",),
    ("agreement", "--json"),
    ("disagreements",),
    ("disagreements", "--json"),
    ("consensus",),
    ("compare",),
    ("compare", "--framework"),
    ("compare", "--groups"),
    ("compare", "--cooccurrence"),
    ("compare", "--distinctive", "--all"),
    ("compare", "--by", "region"),
]


@pytest.mark.parametrize("args", COMMANDS, ids=lambda a: " ".join(a))
def test_no_escape_reaches_a_cli_table(hostile: Cli, args: tuple[str, ...]) -> None:
    result = hostile.ok(*args)
    assert_harmless(result.output)


def test_framework_shows_markup_literally_and_the_escape_as_a_sign(hostile: Cli) -> None:
    out = hostile.ok("compare", "--framework").output
    assert "␛]0;PWNED␇" in out
    assert "[link=file:///etc/passwd]" in out


def test_labels_with_stray_markup_do_not_crash_agreement(hostile: Cli) -> None:
    out = hostile.ok("agreement").output
    assert "Security [/oops]" in out
    assert "[bold]Visa[/bold]" in out


def test_consensus_decisions_and_the_adjudication_log_are_harmless(hostile: Cli) -> None:
    hostile.ok("consensus", "--excerpt", "alpha/talks#3", "--code", "visa", "--keep",
               "--reason", "agreed \x1b]0;WHY\x07 [b]x[/b]", coder="lead")
    out = hostile.ok("adjudications").output
    assert_harmless(out)
    assert "␛]0;WHY␇ [b]x[/b]" in out
    assert_harmless(hostile.ok("adjudications", "--json").output)


def test_data_to_a_pipe_or_file_keeps_the_bytes(hostile: Cli, tmp_path: Path) -> None:
    piped = hostile.ok("codings", "export").output
    assert "memo \x1b[31m" in piped
    assert "\x1b" in hostile.ok("export", "csv", "-").output
    out = tmp_path / "all.csv"
    hostile.ok("export", "csv", str(out))
    assert "\x1b]0;PWNED\x07" in out.read_text(encoding="utf-8")
    table = tmp_path / "framework.txt"
    hostile.ok("compare", "--framework", "--output", str(table))
    assert "\x1b]0;PWNED" in table.read_text(encoding="utf-8")  # a drawn table, to a file


def test_data_to_a_terminal_is_made_visible(hostile: Cli, monkeypatch: pytest.MonkeyPatch
                                            ) -> None:
    import sys

    from click.testing import CliRunner

    from qcoder.cli import cli

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    for args in (["codings", "export"], ["export", "csv", "-"], ["compare", "--format", "csv"]):
        terminal = Tty()
        runner = CliRunner()
        with runner.isolation() as _:
            monkeypatch.setattr(sys, "stdout", terminal)
            result = cli.main(["--project", str(hostile.project), "--db", str(hostile.db),
                               *args], standalone_mode=False)
        monkeypatch.undo()
        assert result is None
        assert_harmless(terminal.getvalue())


def test_control_characters_become_one_visible_sign_each() -> None:
    text = "a\x1b]0;T\x07b\x9bc\u202ed\r\n\te\x00\x7f"
    shown = visible(text)
    assert len(shown) == len(text)
    assert shown == "a␛]0;T␇b\ufffdc\ufffdd␍\n\te␀␡"
    assert one_line("a\nb\tc") == "a␊b␉c"
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f]", visible(C0 + C1))


def test_json_escapes_c1_and_bidi_and_stays_the_same_data() -> None:
    import json

    data = {"text": HOSTILE}
    encoded = json_safe(json.dumps(data, ensure_ascii=False, indent=2))
    assert not any(raw in encoded for raw in RAW)
    assert json.loads(encoded) == data


def test_terminal_safe_passes_a_pipe_through() -> None:
    pipe = io.StringIO()
    assert terminal_safe(pipe) is pipe
