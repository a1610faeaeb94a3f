"""The YAML codebook: loading, the code tree, linting with FILE:LINE, choosing the codebook."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from conftest import CODEBOOK, assert_clean_failure

from qcoder.errors import CodebookError, QcoderError
from qcoder.project.codebook import (
    codebook_from_dict,
    codebook_to_dict,
    lint_codebook,
    load_codebook,
)
from qcoder.project.folder import open_project


def write(tmp_path: Path, text: str, name: str = "book.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def line_of(text: str, fragment: str, nth: int = 1) -> int:
    """1-based line number of the nth line containing ``fragment`` as a whole token."""
    token = re.compile(re.escape(fragment) + r"(?![\w-])")
    hits = [i for i, line in enumerate(text.splitlines(), 1) if token.search(line)]
    return hits[nth - 1]


def findings(path: Path) -> list[tuple[str, int, str]]:
    _, problems = lint_codebook(path)
    return [(p.path, p.line, p.message) for p in problems]


# -- loading ----------------------------------------------------------------------------------
def test_load_builds_the_tree_in_document_order(tmp_path: Path) -> None:
    book = load_codebook(write(tmp_path, CODEBOOK))
    assert book.name == "Tiny partnerships"
    assert list(book.codes)[:5] == ["framing", "framing-security", "framing-development",
                                    "framing-remittances", "linkage"]
    assert [c.id for c in book.roots()] == ["framing", "linkage", "ptype"]
    assert book["framing-remittances"].depth == 2
    assert book.ancestors("framing-remittances") == ["framing", "framing-development"]
    assert book.descendants("framing") == ["framing-security", "framing-development",
                                           "framing-remittances"]
    assert book.path_labels("framing-security") == ["Discursive framing", "Security framing"]


def test_exclusive_groups_and_keys(tmp_path: Path) -> None:
    book = load_codebook(write(tmp_path, CODEBOOK))
    assert [g.id for g in book.exclusive_groups()] == ["ptype"]
    assert book.group_of("ptype-dialogue") == "ptype"
    assert book.group_of("framing-security") is None
    assert book.by_key()["s"].id == "framing-security"
    assert book.by_key()["o"].id == "ptype-operational"


def test_each_code_knows_its_line(tmp_path: Path) -> None:
    book = load_codebook(write(tmp_path, CODEBOOK))
    assert book["linkage-visa"].line == line_of(CODEBOOK, "id: linkage-visa")


def test_dict_round_trip_keeps_every_field(tmp_path: Path) -> None:
    book = load_codebook(write(tmp_path, CODEBOOK))
    again = codebook_from_dict(codebook_to_dict(book))
    assert list(again.codes) == list(book.codes)
    assert [(c.label, c.definition, c.key, c.exclusive, c.parent) for c in again] == [
        (c.label, c.definition, c.key, c.exclusive, c.parent) for c in book]


def test_load_refuses_a_broken_codebook_with_file_and_line(tmp_path: Path) -> None:
    text = CODEBOOK.replace("        label: Security framing\n", "")
    path = write(tmp_path, text)
    with pytest.raises(CodebookError) as err:
        load_codebook(path)
    assert str(err.value).startswith(f"{path}:{line_of(text, 'id: framing-security')}: ")
    assert "label" in str(err.value)


def test_missing_file_is_a_codebook_error(tmp_path: Path) -> None:
    with pytest.raises(CodebookError, match="not found"):
        load_codebook(tmp_path / "absent.yaml")


# -- lint findings ----------------------------------------------------------------------------
def test_invalid_yaml_names_the_line(tmp_path: Path) -> None:
    text = "name: Broken\nversion: 1\ncodes:\n  - id: a\n    label: A: B\n    definition: x\n"
    path = write(tmp_path, text)
    [(where, line, message)] = findings(path)
    assert (where, line) == (str(path), 5)
    assert message.startswith("invalid YAML")


def test_unknown_field_suggests_the_right_one(tmp_path: Path) -> None:
    text = CODEBOOK.replace("definition: Visa facilitation", "defintion: Visa facilitation")
    path = write(tmp_path, text)
    unknown = [f for f in findings(path) if "unknown field" in f[2]]
    assert len(unknown) == 1
    assert unknown[0][1] == line_of(text, "defintion:")
    assert "did you mean 'definition'" in unknown[0][2]


def test_unknown_top_level_field(tmp_path: Path) -> None:
    text = CODEBOOK.replace("version: 1", "version: 1\nauthor: someone")
    found = [f for f in findings(write(tmp_path, text)) if "unknown field 'author'" in f[2]]
    assert [f[1] for f in found] == [line_of(text, "author:")]


def test_duplicate_id_points_at_the_second_and_names_the_first(tmp_path: Path) -> None:
    text = CODEBOOK + "  - id: linkage\n    label: Again\n    definition: Twice.\n"
    found = [f for f in findings(write(tmp_path, text)) if "duplicate id" in f[2]]
    assert len(found) == 1
    assert found[0][1] == line_of(text, "id: linkage", 2)
    assert f"line {line_of(text, 'id: linkage')}" in found[0][2]


def test_duplicate_key(tmp_path: Path) -> None:
    text = CODEBOOK.replace("key: v", "key: s")
    found = [f for f in findings(write(tmp_path, text)) if "duplicate key" in f[2]]
    assert len(found) == 1
    assert found[0][1] == line_of(text, "key: s", 2)
    assert f"line {line_of(text, 'key: s')}" in found[0][2]


def test_missing_label_is_an_error(tmp_path: Path) -> None:
    text = CODEBOOK.replace("    label: Issue linkage\n", "")
    path = write(tmp_path, text)
    book, problems = lint_codebook(path)
    assert book is None
    [problem] = problems
    assert problem.blocking and "no label" in problem.message
    assert problem.line == line_of(text, "id: linkage")


def test_missing_definition_is_reported_as_a_warning(tmp_path: Path) -> None:
    text = CODEBOOK.replace("    definition: Other policy areas tied to migration.\n", "")
    book, problems = lint_codebook(write(tmp_path, text))
    [problem] = problems
    assert "no definition" in problem.message and not problem.blocking
    assert problem.line == line_of(text, "id: linkage")
    assert book is not None


def test_exclusive_group_without_children(tmp_path: Path) -> None:
    text = CODEBOOK + ("  - id: empty-group\n    label: Empty\n    definition: x\n"
                       "    exclusive: true\n")
    found = [f for f in findings(write(tmp_path, text)) if "exclusive group" in f[2]]
    assert [f[1] for f in found] == [line_of(text, "exclusive: true", 2)]
    assert "empty-group" in found[0][2]


def test_every_problem_is_reported_not_just_the_first(tmp_path: Path) -> None:
    text = (CODEBOOK.replace("key: v", "key: s").replace("defintion", "definition")
            .replace("    label: Issue linkage\n", "")
            + "  - id: framing\n    label: Again\n    definition: x\n")
    messages = [f[2] for f in findings(write(tmp_path, text))]
    assert any("duplicate key" in m for m in messages)
    assert any("no label" in m for m in messages)
    assert any("duplicate id" in m for m in messages)


# -- qcoder codebook check --------------------------------------------------------------------
LINE = re.compile(r"^(?P<file>.+?):(?P<line>\d+): (?P<message>.+)$")


def test_check_a_good_codebook_exits_zero(cli, project: Path) -> None:
    result = cli.ok("codebook", "check")
    assert "tiny.yaml" in result.output and "OK" in result.output


def test_check_prints_file_line_findings_and_exits_one(cli, tmp_path: Path) -> None:
    text = CODEBOOK.replace("key: v", "key: s").replace(
        "definition: Visa facilitation", "defintion: Visa facilitation")
    path = write(tmp_path, text)
    result = cli.fails("codebook", "check", str(path))
    assert result.exit_code == 1
    lines = [m for m in map(LINE.match, result.stdout.splitlines()) if m]
    assert {int(m["line"]) for m in lines} >= {line_of(text, "defintion:"),
                                               line_of(text, "key: s", 2)}
    assert all(m["file"] == str(path) for m in lines)


def test_missing_definition_fails_check_but_not_import(cli, project: Path) -> None:
    path = project / "codebooks" / "tiny.yaml"
    text = path.read_text(encoding="utf-8")
    removed = "    definition: Other policy areas tied to migration.\n"
    assert removed in text
    path.write_text(text.replace(removed, ""), encoding="utf-8")
    result = cli.fails("codebook", "check")
    assert result.exit_code == 1
    line = line_of(text.replace(removed, ""), "id: linkage")
    assert f"{path}:{line}: code 'linkage' has no definition" in result.output
    assert "codes" in cli.ok("import").output


def test_check_invalid_yaml_and_missing_file(cli, tmp_path: Path) -> None:
    bad = write(tmp_path, "name: x\ncodes:\n  - id: a\n    label: A: B\n")
    assert f"{bad}:4: invalid YAML" in cli.fails("codebook", "check", str(bad)).output
    missing = tmp_path / "nope.yaml"
    assert f"{missing}: codebook file not found" in cli.fails(
        "codebook", "check", str(missing)).output


# -- which codebook ---------------------------------------------------------------------------
def test_one_codebook_needs_no_config(project: Path) -> None:
    assert open_project(project).codebook_path() == project / "codebooks" / "tiny.yaml"


def test_several_codebooks_need_qcoder_yaml(project: Path, cli) -> None:
    (project / "codebooks" / "other.yaml").write_text(CODEBOOK, encoding="utf-8")
    with pytest.raises(QcoderError) as err:
        open_project(project).codebook_path()
    message = str(err.value)
    assert "several codebooks" in message and "other.yaml" in message
    assert "qcoder.yaml" in message and "codebook: codebooks/" in message
    result = cli.fails("import")
    assert "qcoder.yaml" in result.output
    (project / "qcoder.yaml").write_text("codebook: codebooks/other.yaml\n", encoding="utf-8")
    assert open_project(project).codebook_path() == project / "codebooks" / "other.yaml"
    cli.ok("import")


def test_config_naming_a_missing_codebook(project: Path) -> None:
    (project / "qcoder.yaml").write_text("# chosen codebook\ncodebook: codebooks/gone.yaml\n",
                                         encoding="utf-8")
    with pytest.raises(QcoderError) as err:
        open_project(project).codebook_path()
    assert str(err.value).startswith(f"{project / 'qcoder.yaml'}:2: ")


def test_no_codebook_at_all(project: Path, cli) -> None:
    (project / "codebooks" / "tiny.yaml").unlink()
    result = cli.fails("import")
    assert "no codebook" in result.output
    assert_clean_failure(result)
