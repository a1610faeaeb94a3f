"""The workbench draws user text as text: a paragraph full of C0/C1 controls and OSC/CSI
sequences, a memo with colour codes and labels with Rich markup never send a terminal
command (nothing sets the title, wipes the screen or colours text) on any screen."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import CODEBOOK, NOTES, REPORT, drive, excerpt_id, open_store, screen_text
from textual.pilot import Pilot

from qcoder.coding import Coding
from qcoder.tui.app import QcoderApp

C0 = "".join(chr(c) for c in range(0x20) if chr(c) not in "\n\r\t\x0b\x0c\x1c\x1d\x1e")
C1 = "".join(chr(c) for c in range(0x80, 0xA0) if c != 0x85)
HOSTILE = (f"Official: returns \x1b]0;PWNED\x07 then \x1b[2J wiped \x1b[31mred\x1b[0m "
           f"[bold red]x[/] [link=file:///etc/passwd]y[/link] \u202e {C0} {C1} end.")

# What the workbench itself writes: colours (SGR), cursor moves, and its own mode switches.
OWN_SEQUENCES = re.compile(r"\x1b\[[0-9;:]*[mHJK]|\x1b\[\?[0-9;]*[hl]")


def hostile_project(root: Path) -> Path:
    (root / "codebooks").mkdir(parents=True)
    book = CODEBOOK.replace("label: Security framing",
                            'label: "Security [/oops] \\e]0;LABEL\\a"')
    (root / "codebooks" / "border-talks.yaml").write_text(book, encoding="utf-8")
    alpha, beta = root / "cases" / "alpha", root / "cases" / "beta"
    alpha.mkdir(parents=True)
    beta.mkdir(parents=True)
    (alpha / "case.yaml").write_text('name: "Alpha \\e]0;CASE\\a [b]x[/b]"\n', encoding="utf-8")
    (alpha / "interview.txt").write_text(
        "---\ntitle: \"Talks \\e[2J\"\nkind: interview\n---\nInterviewer: Start?\n\n"
        f"{HOSTILE}\n", encoding="utf-8")
    (alpha / "notes.md").write_text(NOTES, encoding="utf-8")
    (beta / "case.yaml").write_text("name: Beta programme\n", encoding="utf-8")
    (beta / "report.txt").write_text(REPORT, encoding="utf-8")
    return root


def terminal_output(app: QcoderApp) -> str:
    """Everything the screen would send to the terminal, as one string."""
    update = app.screen._compositor.render_full_update()
    return update.render_segments(app.console)


def assert_no_command(app: QcoderApp) -> str:
    out = terminal_output(app)
    rest = OWN_SEQUENCES.sub("", out)
    for raw in ("\x1b", "\x07", "\x9b", "\x90", "\u202e"):
        assert raw not in rest, (raw, rest[rest.find(raw) - 40:rest.find(raw) + 40])
    return out


def test_hostile_text_sends_no_terminal_command_on_any_screen(tmp_path: Path) -> None:
    from qcoder.importer import import_project
    from qcoder.project.folder import open_project
    from qcoder.store.database import Store

    root = hostile_project(tmp_path / "proj")
    project = open_project(root)
    with Store(project.db_path) as store:
        import_project(project, store)
    ref = "alpha/interview#2"
    target = excerpt_id(root, ref)
    with open_store(root) as store:
        coding = Coding(store, store.codebook(), "ann")
        coding.apply(target, "framing-security")
        coding.set_excerpt_memo(target, "memo \x1b[31mred\x1b]0;MEMO\x07 [b]bold[/b]")

    async def steps(app: QcoderApp, pilot: Pilot) -> list[str]:
        seen = []
        screen = app.screen
        screen.show(target)  # type: ignore[attr-defined]
        await pilot.pause()
        assert_no_command(app)
        seen.append("\n".join(screen_text(app)))
        for key in ("question_mark", "enter", "m", "slash", "C"):
            await pilot.press(key)
            await pilot.pause(0.3)
            await app.workers.wait_for_complete()
            await pilot.pause()
            assert_no_command(app)
            seen.append("\n".join(screen_text(app)))
            await pilot.press("escape")
            await pilot.pause()
        return seen

    seen = drive(root, steps, size=(160, 40))
    main = seen[0]
    assert "␛]0;PWNED␇" in main
    assert "[link=file:///etc/passwd]y[/link]" in main
    assert "Security [/oops]" in main
    assert "memo ␛[31mred" in main
    assert "Security [/oops]" in seen[1]  # help lists the code keys
    with open_store(root) as store:  # the memo screen closed unchanged: the bytes stay
        assert "\x1b]0;MEMO\x07" in store.memo_of(target, "ann")


def test_the_workbench_builds_styled_text_only_with_its_safe_text() -> None:
    """Rich's ``Text`` deletes BEL, BS, VT, FF and CR from a string before ``safe`` can show
    them (and shifts the styles after them): every TUI module takes ``Text`` from
    ``qcoder.tui.safe``, whose ``Text`` shows them as signs, one for one."""
    import ast

    import qcoder.tui
    from qcoder.tui.safe import Text

    assert Text("a\x07b\x08c\x0bd\x0ce\rf").plain == "a␇b␈c␋d␌e␍f"
    styled = Text.assemble(("x\x07", "bold"), "y")
    styled.append("\x07z", style="italic")
    assert styled.plain == "x␇y␇z" and styled.spans[-1].start == 3
    root = Path(qcoder.tui.__file__).parent
    found = []
    for path in sorted(root.rglob("*.py")):
        if path.name == "safe.py":
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom) and node.module in ("rich.text", "textual.content"):
                found.append(f"{path.relative_to(root)}: from {node.module} import ...")
    assert found == []
