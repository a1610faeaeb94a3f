"""Hostile YAML in every qcoder file: aliases (bombs, self-reference), tags, invalid dates,
duplicate keys and bad bytes are refused with one ``FILE:LINE:`` line, never a traceback,
and the database is left as it was."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path

import pytest
from conftest import CODEBOOK, Cli

from qcoder.project import yaml_io
from qcoder.project.codebook import lint_text


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Nested anchors, each level a list of ``width`` aliases to the one below: expanded,
    ``width ** levels`` strings (387,420,489 for 9 x 9)."""
    lines = ['a0: &a0 "lol"']
    for n in range(1, levels + 1):
        lines.append(f"a{n}: &a{n} [{', '.join([f'*a{n - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def db_state(cli: Cli) -> tuple[str, str]:
    """What the database holds that a failed import must not touch."""
    from qcoder.store.database import Store

    with Store(cli.db) as store:
        rows = store.conn.execute("SELECT * FROM codes ORDER BY id").fetchall()
        excerpts = store.conn.execute("SELECT id, text FROM excerpts ORDER BY id").fetchall()
    digest = hashlib.sha1(repr((rows, excerpts)).encode()).hexdigest()
    return digest, str(len(excerpts))


def one_line_error(output: str, file: str, line: int, words: str) -> None:
    lines = [ln for ln in output.splitlines() if ln.strip()]
    assert "Traceback" not in output
    assert any(re.search(rf"{re.escape(file)}:{line}: .*{words}", ln) for ln in lines), output


@pytest.fixture
def imported(cli: Cli) -> Cli:
    cli.ok("import")
    return cli


def codebook_file(cli: Cli) -> Path:
    return cli.project / "codebooks" / "tiny.yaml"


def test_alias_bomb_in_the_codebook_is_refused_at_once(imported: Cli) -> None:
    before = db_state(imported)
    book = codebook_file(imported)
    book.write_text(alias_bomb() + CODEBOOK.replace(
        "label: Security framing", "label: *a9"), encoding="utf-8")
    one_line_error(imported.fails("codebook", "check").output, "tiny.yaml", 2,
                   "alias '\\*a0' is not accepted")
    one_line_error(imported.fails("import").output, "tiny.yaml", 2, "alias")
    assert db_state(imported) == before


def test_self_referencing_alias_is_refused(imported: Cli) -> None:
    before = db_state(imported)
    book = codebook_file(imported)
    book.write_text(CODEBOOK.replace("    label: Security framing\n",
                                     "    label: Security framing\n    examples: &e [*e]\n"),
                    encoding="utf-8")
    out = imported.fails("import").output
    one_line_error(out, "tiny.yaml", 10, "alias")
    assert db_state(imported) == before


@pytest.mark.parametrize("value, words", [
    ("!!python/object/apply:os.system ['true']", "tag '!!python/object/apply:os.system'"),
    ("!!binary 'zz*'", "tag '!!binary'"),
    ("!custom x", "tag '!custom'"),
])
def test_tags_beyond_plain_data_are_refused(imported: Cli, value: str, words: str) -> None:
    before = db_state(imported)
    codebook_file(imported).write_text(
        CODEBOOK.replace("label: Discursive framing", f"label: {value}"), encoding="utf-8")
    one_line_error(imported.fails("codebook", "check").output, "tiny.yaml", 5, words)
    one_line_error(imported.fails("import").output, "tiny.yaml", 5, words)
    assert db_state(imported) == before


@pytest.mark.parametrize("date", ["2024-13-45", "2020-02-31"])
def test_invalid_dates_say_where_they_are(imported: Cli, date: str) -> None:
    before = db_state(imported)
    book = codebook_file(imported)
    good = book.read_text(encoding="utf-8")
    book.write_text(good.replace("version: 1", f"version: {date}"), encoding="utf-8")
    one_line_error(imported.fails("codebook", "check").output, "tiny.yaml", 2,
                   f"'{date}' is not a valid date")
    book.write_text(good, encoding="utf-8")

    case = imported.project / "cases" / "alpha" / "case.yaml"
    case.write_text(case.read_text(encoding="utf-8") + f"  signed: {date}\n", encoding="utf-8")
    one_line_error(imported.fails("import").output, "case.yaml", 5, "not a valid date")
    case.write_text("name: Alpha partnership\n", encoding="utf-8")

    doc = imported.project / "cases" / "alpha" / "interview-1.txt"
    doc.write_text(doc.read_text(encoding="utf-8").replace("date: 2024-03-01", f"date: {date}"),
                   encoding="utf-8")
    one_line_error(imported.fails("import").output, "interview-1.txt", 4, "not a valid date")
    assert db_state(imported) == before


def test_duplicate_keys_are_linted_with_both_lines(imported: Cli) -> None:
    before = db_state(imported)
    codebook_file(imported).write_text(CODEBOOK.replace(
        "    label: Discursive framing\n",
        "    label: Discursive framing\n    label: Framing, again\n"), encoding="utf-8")
    out = imported.fails("codebook", "check").output
    one_line_error(out, "tiny.yaml", 6, "duplicate key 'label' \\(first at line 5\\)")
    imported.fails("import")
    assert db_state(imported) == before


def test_duplicate_keys_in_front_matter_and_case_files_are_refused(imported: Cli) -> None:
    doc = imported.project / "cases" / "alpha" / "interview-1.txt"
    doc.write_text(doc.read_text(encoding="utf-8").replace("kind: interview\n",
                                                           "kind: interview\nkind: notes\n"),
                   encoding="utf-8")
    one_line_error(imported.fails("import").output, "interview-1.txt", 4,
                   "duplicate key 'kind' \\(first at line 3\\)")
    doc.write_text(doc.read_text(encoding="utf-8").replace("kind: notes\n", ""),
                   encoding="utf-8")
    (imported.project / "qcoder.yaml").write_text(
        "codebook: codebooks/tiny.yaml\ncodebook: codebooks/other.yaml\n", encoding="utf-8")
    one_line_error(imported.fails("import").output, "qcoder.yaml", 2, "duplicate key")


def test_a_non_utf8_codebook_names_the_line_not_a_byte_offset(imported: Cli) -> None:
    raw = CODEBOOK.replace("Security framing", "Security fr\xe4ming").encode("latin-1")
    codebook_file(imported).write_bytes(raw)
    out = imported.fails("codebook", "check").output
    one_line_error(out, "tiny.yaml", 9, "not UTF-8 \\(byte 0xe4 at column 27\\)")
    assert "position" not in out and "byte offset" not in out


def test_codebook_check_reports_each_duplicate_id() -> None:
    text = CODEBOOK + """\
  - id: framing
    label: Framing twice
    definition: Again.
    codes:
      - id: linkage-visa
        label: Visa twice
        definition: Again.
"""
    _, problems = lint_text(text, "book.yaml")
    dupes = [str(p) for p in problems if "duplicate id" in p.message]
    assert dupes == [
        "book.yaml:44: duplicate id 'framing' (first defined at line 4); give each code its "
        "own id",
        "book.yaml:48: duplicate id 'linkage-visa' (first defined at line 24); give each code "
        "its own id"]


def test_the_loader_refuses_deep_nesting_and_control_characters() -> None:
    with pytest.raises(yaml_io.YamlError, match=r"^f.yaml:1: nested more than 200"):
        yaml_io.load("x: " + "[" * 300 + "]" * 300, "f.yaml")
    with pytest.raises(yaml_io.YamlError, match=r"^f.yaml:2: character #x001b"):
        yaml_io.load("a: 1\nb: \x1b[2J\n", "f.yaml")
    assert yaml_io.load("a: 2024-03-01\nb: [1, x]\n", "f.yaml")["b"] == [1, "x"]


def test_a_keymap_with_an_alias_is_ignored_with_a_warning(tmp_path: Path) -> None:
    from qcoder.tui.keymap import load_keymap

    path = tmp_path / "keymap.yaml"
    path.write_text("undo: &u u\nredo: *u\n", encoding="utf-8")
    keymap, warnings = load_keymap(path)
    assert keymap == {}
    assert warnings and warnings[0].startswith(f"{path}:2: YAML alias '*u'")
