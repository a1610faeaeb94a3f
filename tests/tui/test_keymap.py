"""The binding table, the user's keymap file and code-key clashes (no app needed)."""

from __future__ import annotations

from pathlib import Path

import pytest

from qcoder.project.codebook import codebook_from_dict
from qcoder.tui.keymap import (
    COMMANDS,
    bindings,
    code_keys,
    display,
    key_name,
    keymap_path,
    load_keymap,
)


def test_every_command_has_a_unique_id_within_its_scope_and_a_binding_id() -> None:
    seen = {(c.scope, c.id) for c in COMMANDS}
    assert len(seen) == len(COMMANDS)
    coding = bindings("coding")
    assert {b.id for b in coding} == {c.id for c in COMMANDS if c.scope == "coding"}
    assert all(b.id for b in coding)


def test_keys_are_named_as_textual_names_them() -> None:
    assert [key_name(k) for k in ("?", "/", "n", "G", "1", "ctrl+z")] == [
        "question_mark", "slash", "n", "G", "1", "ctrl+z"]
    assert display("question_mark,ctrl+z") == "? ctrl+z"


def test_a_keymap_file_rebinds_by_id_and_reports_mistakes_with_lines(tmp_path: Path) -> None:
    path = tmp_path / "keymap.yaml"
    path.write_text("next_unreviewed: N\nundo: [u, ctrl+z]\nfilter: '?'\nnope: x\n"
                    "redo: ''\nmark_reviewed: ' '\n", encoding="utf-8")
    keymap, warnings = load_keymap(path)
    assert keymap == {"next_unreviewed": "N", "undo": "u,ctrl+z", "filter": "question_mark",
                      "mark_reviewed": "space"}
    assert warnings[0].startswith(f"{path}:4: unknown command 'nope'")
    assert warnings[1].startswith(f"{path}:5: no key given for 'redo'")


@pytest.mark.parametrize("text", ["next_unreviewed: [n\n", "- n\n"])
def test_a_broken_keymap_is_ignored_with_a_warning(tmp_path: Path, text: str) -> None:
    path = tmp_path / "keymap.yaml"
    path.write_text(text, encoding="utf-8")
    keymap, warnings = load_keymap(path)
    assert keymap == {} and len(warnings) == 1 and "keymap ignored" in warnings[0]


def test_a_missing_keymap_is_empty(tmp_path: Path) -> None:
    assert load_keymap(tmp_path / "absent.yaml") == ({}, [])


def test_the_keymap_is_found_through_qcoder_config(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("QCODER_CONFIG", str(tmp_path))
    assert keymap_path() == tmp_path / "keymap.yaml"
    monkeypatch.setenv("QCODER_CONFIG", str(tmp_path / "mine.yaml"))
    assert keymap_path() == tmp_path / "mine.yaml"
    monkeypatch.delenv("QCODER_CONFIG")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "xdg"))
    assert keymap_path() == tmp_path / "xdg" / "qcoder" / "keymap.yaml"


BOOK = codebook_from_dict({"name": "K", "codes": [
    {"id": "a", "label": "Alpha", "definition": "d", "key": "a"},
    {"id": "n", "label": "Next-ish", "definition": "d", "key": "n"},
    {"id": "g", "label": "Group", "definition": "d", "key": "e", "exclusive": True,
     "codes": [{"id": "g1", "label": "One", "definition": "d", "key": "1"}]},
]})


def test_code_keys_that_clash_with_commands_are_left_to_the_picker() -> None:
    free, warnings = code_keys(BOOK, {})
    assert free == {"a": "a", "1": "g1"}
    assert any("'Next-ish'" in w and "'next_unreviewed'" in w for w in warnings)
    assert any("exclusive group 'Group'" in w for w in warnings)


def test_rebinding_a_command_frees_its_old_key_for_a_code() -> None:
    free, warnings = code_keys(BOOK, {"next_unreviewed": "N"})
    assert free["n"] == "n"
    assert not any("Next-ish" in w for w in warnings)
