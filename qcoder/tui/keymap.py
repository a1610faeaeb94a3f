"""Every key of the workbench in one table, with ids a user keymap can rebind.

The screens take their ``BINDINGS`` from :data:`COMMANDS` and the help screen lists the same
table, so the two never drift. A user keymap (YAML, ``binding_id: key``) comes from
``$QCODER_CONFIG`` (a folder holding ``keymap.yaml``, or the file itself), else
``~/.config/qcoder/keymap.yaml``; for example::

    next_unreviewed: n
    undo: u, ctrl+z
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import yaml
from textual.binding import Binding
from textual.keys import _character_to_key, format_key

from ..errors import located
from ..project import yaml_io
from ..project.codebook import Codebook

KEYMAP_FILE = "keymap.yaml"


@dataclass(frozen=True)
class Command:
    """One bindable command: ``scope`` is the screen it belongs to (``app``: everywhere);
    ``footer``, when given, is the shorter name a footer shows (the help screen and the
    footer's tooltip give ``description``)."""

    id: str
    key: str
    action: str
    description: str
    scope: str
    show: bool = False
    priority: bool = False
    footer: str = ""


COMMANDS: tuple[Command, ...] = (
    Command("quit", "q", "app.quit", "Quit", "app", show=True),
    Command("help", "question_mark", "app.help", "Keys", "app", show=True),
    Command("next_unreviewed", "n", "next_unreviewed", "Next unreviewed", "coding", show=True),
    Command("mark_reviewed", "space", "mark_reviewed", "No code, next", "coding", show=True,
            priority=True),
    Command("pick_code", "enter", "pick_code", "Pick a code", "coding", show=True),
    Command("undo", "u", "undo", "Undo", "coding", show=True),
    Command("redo", "r", "redo", "Redo", "coding"),
    Command("excerpt_memo", "m", "excerpt_memo", "Memo", "coding", show=True),
    Command("coding_memo", "M", "coding_memo", "Memo on a coding", "coding"),
    Command("memo_browser", "f2", "memo_browser", "All my memos", "coding"),
    Command("filter", "slash", "filter", "Filter", "coding", show=True),
    Command("clear_filter", "escape", "clear_filter", "Show all excerpts", "coding"),
    Command("clear_codes", "x", "clear_codes", "Remove my codes here", "coding"),
    Command("next_excerpt", "j", "step(1)", "Next excerpt", "coding"),
    Command("previous_excerpt", "k", "step(-1)", "Previous excerpt", "coding"),
    Command("wide_excerpt", "z", "toggle_wide", "Excerpt full width (again: the panels)",
            "coding"),
    Command("select_span", "V", "select_span", "Select a span to code (words, sentences)",
            "coding"),
    Command("first_excerpt", "g", "jump('first')", "First excerpt of the list", "coding"),
    Command("last_excerpt", "G", "jump('last')", "Last excerpt of the list", "coding"),
    Command("focus_left", "h", "app.focus_previous", "Panel to the left", "coding"),
    Command("focus_right", "l", "app.focus_next", "Panel to the right", "coding"),
    Command("refresh", "f5", "reload", "Reload the codebook, refresh progress", "coding"),
    Command("accept_suggestion", "A", "decide_suggestion(True)", "Accept the suggestion",
            "coding"),
    Command("reject_suggestion", "X", "decide_suggestion(False)", "Reject the suggestion",
            "coding"),
    Command("next_suggestion", "S", "next_suggestion", "Next suggestion", "coding"),
    Command("open_reconcile", "R", "app.open('reconcile')", "Reconcile the coders' codings",
            "coding"),
    Command("span_next_word", "right", "span_move('word', 1)", "Next word", "selection"),
    Command("span_previous_word", "left", "span_move('word', -1)", "Previous word",
            "selection"),
    Command("span_next_sentence", "down", "span_move('sentence', 1)", "Next sentence",
            "selection"),
    Command("span_previous_sentence", "up", "span_move('sentence', -1)", "Previous sentence",
            "selection"),
    Command("span_extend_word", "shift+right", "span_extend('word', 1)", "Extend by a word",
            "selection"),
    Command("span_shrink_word", "shift+left", "span_extend('word', -1)", "Shrink by a word",
            "selection"),
    Command("span_extend_sentence", "shift+down", "span_extend('sentence', 1)",
            "Extend by a sentence", "selection"),
    Command("span_shrink_sentence", "shift+up", "span_extend('sentence', -1)",
            "Shrink by a sentence", "selection"),
    Command("span_leave", "escape", "span_leave", "Leave selection mode", "selection"),
    Command("keep", "k", "decide('keep')", "Keep", "reconcile", show=True),
    Command("drop", "d", "decide('drop')", "Drop", "reconcile", show=True),
    *(Command(f"pick_{n}", str(n), f"pick({n})", f"Pick coder {n}", "reconcile",
              show=n == 1) for n in range(1, 10)),
    Command("next_disagreement", "n,right", "step(1)", "Next", "reconcile", show=True),
    Command("previous_disagreement", "p,left", "step(-1)", "Previous", "reconcile"),
    Command("undo", "u", "undo", "Undo", "reconcile", show=True),
    Command("redo", "r", "redo", "Redo", "reconcile"),
    Command("close", "escape", "close", "Back to coding", "reconcile", show=True),
    Command("open_compare", "C", "app.open('compare')", "Compare the cases", "coding"),
    Command("close", "escape", "close", "Back to coding", "compare", show=True,
            footer="Back"),
    Command("compare_measure", "m", "cycle_measure", "Measure",
            "compare", show=True),
    Command("compare_by", "b", "cycle_by", "Columns", "compare",
            show=True),
    Command("compare_depth", "d", "cycle_depth", "Depth", "compare", show=True),
    Command("compare_basis", "w", "cycle_basis", "Whose codings", "compare", show=True),
    Command("compare_go", "g", "go_to_excerpt", "Open the excerpt to code", "compare"),
    Command("compare_next_columns", "right_square_bracket", "columns(1)",
            "Next columns (when they do not all fit)", "compare"),
    Command("compare_previous_columns", "left_square_bracket", "columns(-1)",
            "Previous columns", "compare"),
    Command("open_agreement", "a", "app.open('agreement')", "Agreement (alpha per code)",
            "compare", show=True, footer="Agreement"),
    Command("close", "escape", "close", "Back to coding", "agreement", show=True),
    Command("agreement_bootstrap", "b", "bootstrap", "95% intervals (1000 resamples)",
            "agreement", show=True),
    Command("close", "escape", "close", "Close", "dialog"),
)

SCOPE_TITLES = {"app": "Everywhere", "coding": "Coding",
                "selection": "Selection mode (V)",
                "reconcile": "Reconcile",
                "compare": "Comparing cases", "agreement": "Agreement", "dialog": "Dialogs"}


def bindings(scope: str) -> list[Binding]:
    """The Textual bindings of one scope, each with its command id."""
    return [Binding(c.key, c.action, c.footer or c.description, show=c.show,
                    priority=c.priority, tooltip=c.description if c.footer else "", id=c.id)
            for c in COMMANDS if c.scope == scope]


def key_name(text: str) -> str:
    """A key as Textual names it: ``?`` → ``question_mark``; names pass through."""
    text = text.strip()
    return _character_to_key(text) if len(text) == 1 else text


def display(keys: str) -> str:
    """Keys for people: ``question_mark,ctrl+z`` → ``? ctrl+z``."""
    return " ".join(format_key(k) for k in keys.split(","))


def keymap_path() -> Path:
    """Where the user's keymap is read from (it need not exist)."""
    configured = os.environ.get("QCODER_CONFIG")
    if configured:
        path = Path(configured).expanduser()
        return path / KEYMAP_FILE if path.is_dir() else path
    base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "qcoder" / KEYMAP_FILE


def load_keymap(path: Path | None = None) -> tuple[dict[str, str], list[str]]:
    """The user's keymap (command id → Textual keys) and one-line warnings about it.

    A missing file is an empty keymap; a broken file or entry is skipped with a warning
    ("FILE:LINE: what; how to fix"), so a typo never stops the workbench from opening.
    """
    path = path or keymap_path()
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return {}, []
    except (OSError, UnicodeDecodeError) as exc:
        return {}, [located(path, None, f"cannot read the keymap ({exc}); save it as UTF-8")]
    try:
        root = yaml_io.compose(text, path)
    except yaml_io.YamlError as exc:
        return {}, [located(path, exc.line, f"{exc.what}; keymap ignored")]
    warnings_dup = [located(path, line, yaml_io.duplicate_message(key, first) + "; the last "
                            "one is used") for line, key, first in yaml_io.duplicate_keys(root)]
    if root is None:
        return {}, []
    if not isinstance(root, yaml.MappingNode):
        return {}, [located(path, 1, "expected lines like 'next_unreviewed: n'; keymap ignored")]
    known = {c.id for c in COMMANDS}
    keymap: dict[str, str] = {}
    warnings: list[str] = warnings_dup
    for key_node, value_node in root.value:
        line = key_node.start_mark.line + 1
        command = str(key_node.value)
        if command not in known:
            warnings.append(located(path, line, f"unknown command '{command}'; use one of the "
                                    "ids listed by '?' in the workbench"))
            continue
        if isinstance(value_node, yaml.SequenceNode):
            keys = [str(v.value) for v in value_node.value]
        elif isinstance(value_node, yaml.ScalarNode):
            raw = str(value_node.value)
            keys = [raw] if raw == " " else raw.split(",")
        else:
            keys = []
        keys = ["space" if k == " " else key_name(k) for k in keys if k.strip() or k == " "]
        if not keys:
            warnings.append(located(path, line, f"no key given for '{command}'; write e.g. "
                                    f"'{command}: n'"))
            continue
        keymap[command] = ",".join(keys)
    return keymap, warnings


def effective_keys(keymap: dict[str, str], scopes: Iterable[str]) -> dict[str, str]:
    """Key name → command id for the commands of these scopes, after the user's keymap."""
    out: dict[str, str] = {}
    for command in COMMANDS:
        if command.scope in scopes:
            for key in keymap.get(command.id, command.key).split(","):
                out.setdefault(key, command.id)
    return out


def code_keys(codebook: Codebook, keymap: dict[str, str],
              scopes: Iterable[str] = ("app", "coding")) -> tuple[dict[str, str], list[str]]:
    """Key name → code id for the codebook's keys that are free, and a warning per clash.

    A command's key wins over a code's key; the code stays reachable with the picker.
    """
    taken = effective_keys(keymap, scopes)
    free: dict[str, str] = {}
    warnings: list[str] = []
    for code in codebook:
        if not code.key:
            continue
        key = key_name(code.key)
        if key in taken:
            pick = keymap.get("pick_code", "enter")
            warnings.append(f"code key '{code.key}' of '{code.label}' is also the key of "
                            f"'{taken[key]}'; pick that code with {display(pick)}, or change "
                            f"its key in the codebook or '{taken[key]}' in {KEYMAP_FILE}")
        elif code.exclusive:
            warnings.append(f"code key '{code.key}' belongs to the exclusive group "
                            f"'{code.label}', which cannot be applied; give the key to one of "
                            "its codes")
        else:
            free[key] = code.id
    return free, warnings
