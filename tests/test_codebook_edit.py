"""Adding a code to the codebook file (comments and layout kept byte for byte outside the new
block, the checks of 'qcoder codebook check'), and undoing it while no coding uses it."""

from __future__ import annotations

from pathlib import Path

import pytest

from qcoder.coding import Coding
from qcoder.errors import CodebookError, InputError
from qcoder.project.codebook import lint_text
from qcoder.project.codebook_edit import NewCode, with_code, without_code
from qcoder.project.init import EXAMPLE_CODEBOOK
from qcoder.store.database import Store

DEMO_BOOK = next((Path(__file__).resolve().parents[1] / "codebooks").glob("*.yaml"))
COMMENTED = EXAMPLE_CODEBOOK + "# the end of the codebook\n"
PATH = Path("codebooks/codebook.yaml")
FUNDING = NewCode("form-funding", "Funding", "Money offered for cooperation.", "form")


def inserted(old: str, new: str) -> tuple[list[str], list[str], list[str]]:
    """(lines before the new block, the block, lines after it), checking the rest is old."""
    a, b = old.splitlines(keepends=True), new.splitlines(keepends=True)
    start = next(i for i, (x, y) in enumerate(zip(a + [""], b, strict=False)) if x != y)
    size = len(b) - len(a)
    assert b[:start] == a[:start] and b[start + size:] == a[start:]
    return b[:start], b[start:start + size], b[start + size:]


@pytest.mark.parametrize("parent", ["form", "framing", "framing-security", None])
def test_a_new_code_is_one_block_and_every_other_byte_stays(parent: str | None) -> None:
    code = NewCode("funding", "Funding", "Money offered for cooperation.", parent)
    new, line = with_code(COMMENTED, PATH, code)
    before, block, after = inserted(COMMENTED, new)
    assert line == len(before) + 1
    assert "".join(block).lstrip().startswith(
        "codes:\n" if parent == "framing-security" else "- id: funding\n")
    # every comment of the file is still there, on its own line, byte for byte
    comments = [x for x in COMMENTED.splitlines(keepends=True) if "#" in x]
    assert [x for x in new.splitlines(keepends=True) if "#" in x] == comments
    book, problems = lint_text(new, PATH)
    assert problems == [] and book["funding"].parent == parent
    assert without_code(new, PATH, "funding") == COMMENTED  # and out again, to the byte


def test_the_demo_codebook_takes_a_code_with_nothing_else_changed() -> None:
    text = DEMO_BOOK.read_text(encoding="utf-8")
    new, _ = with_code(text, DEMO_BOOK, NewCode("framing-other", "Other framing",
                                                "A frame none of the others names.",
                                                "framing"))
    _, block, _ = inserted(text, new)
    assert [x.strip() for x in block] == ["- id: framing-other", "label: Other framing",
                                          "definition: A frame none of the others names."]


@pytest.mark.parametrize(("code", "message"), [
    (NewCode("Funding money", "Funding", "Money.", "form"), "invalid id 'Funding money'"),
    (NewCode("form-dialogue", "Funding", "Money.", "form"), "duplicate id 'form-dialogue'"),
    (NewCode("funding", "", "Money.", "form"), "code 'funding' has no label"),
    (NewCode("funding", "Funding", "", "form"), "code 'funding' has no definition"),
    (NewCode("funding", "Funding", "Money.", "nowhere"), "no code 'nowhere'"),
])
def test_a_bad_code_is_refused_with_the_linters_line(code: NewCode, message: str) -> None:
    with pytest.raises(CodebookError) as caught:
        with_code(COMMENTED, PATH, code)
    assert message in str(caught.value) and str(caught.value).startswith(f"{PATH}:")


@pytest.fixture
def coding(tmp_path: Path) -> tuple[Coding, Path]:
    from qcoder.importer import import_project
    from qcoder.project.folder import open_project
    from qcoder.project.init import init_project

    init_project(tmp_path)
    (tmp_path / "cases" / "a").mkdir(parents=True)
    (tmp_path / "cases" / "a" / "notes.txt").write_text("Money for returns.\n",
                                                       encoding="utf-8")
    project = open_project(tmp_path)
    store = Store(project.db_path)
    import_project(project, store)
    coding = Coding(store, store.codebook(), "ann")
    coding.codebook_file = project.codebook_path()
    return coding, project.codebook_path()


def test_create_is_one_undoable_action_on_file_and_store(coding) -> None:
    coder, path = coding
    original = path.read_bytes()
    outcome = coder.create_code(FUNDING)
    assert outcome.codebook_changed and "form-funding" in coder.store.codebook()
    assert "form-funding" in coder.codebook and b"id: form-funding" in path.read_bytes()
    undone = coder.undo()
    assert undone.action_id == outcome.action_id and undone.codebook_changed
    assert path.read_bytes() == original and "form-funding" not in coder.store.codebook()
    coder.redo()
    assert "form-funding" in coder.store.codebook() and path.read_bytes() != original


def test_undo_is_refused_while_a_coding_uses_the_new_code(coding) -> None:
    coder, path = coding
    coder.create_code(FUNDING)
    excerpt = coder.store.excerpts()[0].id
    coder.apply(excerpt, "form-funding")
    coder.undo()  # the coding
    other = Coding(Store(coder.store.path), coder.codebook, "bob")
    other.apply(excerpt, "form-funding")
    with pytest.raises(InputError, match="has 1 codings now"):
        coder.undo()
    assert "form-funding" in Store(coder.store.path).codebook()
    assert b"id: form-funding" in path.read_bytes()
