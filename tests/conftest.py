"""Shared fixtures: a tiny project in ``tmp_path`` and a helper that runs the CLI on it."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

CODEBOOK = """\
name: Tiny partnerships
version: 1
codes:
  - id: framing
    label: Discursive framing
    definition: How actors present the partnership.
    codes:
      - id: framing-security
        label: Security framing
        definition: Migration presented as a threat to control.
        key: s
      - id: framing-development
        label: Development framing
        definition: Migration presented as a lever for development.
        key: d
        codes:
          - id: framing-remittances
            label: Remittances
            definition: Money sent home by migrants.
  - id: linkage
    label: Issue linkage
    definition: Other policy areas tied to migration.
    codes:
      - id: linkage-visa
        label: Mobility and visa
        definition: Visa facilitation offered or withheld.
        key: v
  - id: ptype
    label: Partnership type
    definition: The main form the partnership takes.
    exclusive: true
    codes:
      - id: ptype-operational
        label: Operational
        definition: Joint operations, returns, border work.
        key: o
      - id: ptype-dialogue
        label: Policy and dialogue
        definition: Talks, declarations, policy frameworks.
        key: p
      - id: ptype-capacity
        label: Capacity building
        definition: Training and equipment.
"""

INTERVIEW = """\
---
title: Interview with an official
kind: interview
date: 2024-03-01
role: official
---
Interviewer: How did the partnership start?

Official: It began with talks on returns.
Then money followed.

Interviewer: And visas?

Official: Visas were the carrot 🥕 in every meeting.
"""

NOTES = """\
# Background

The agreement was signed in 2016.

## Funding
Most of the money went to border equipment.

A second paragraph under funding.
"""

CASE_ALPHA = "name: Alpha partnership\ndescription: The first case.\nattributes:\n  region: EU\n"
CASE_BETA = "name: Beta partnership\ndescription: The second case.\n"

DOCX_PARAGRAPHS: list[tuple[str, str | None]] = [
    ("---", None),
    ("title: Joint declaration", None),
    ("kind: policy-document", None),
    ("---", None),
    ("Joint declaration", "Title"),
    ("Both parties agree to cooperate on migration.", None),
    ("Returns", "Heading 1"),
    ("Returns shall be organised within thirty days.", None),
    ("Visas", "Heading 2"),
    ("Visa fees are reduced for students.", None),
]


def write_docx(path: Path, paragraphs: list[tuple[str, str | None]]) -> Path:
    """Write a .docx whose paragraphs have the given texts and (optional) style names."""
    import docx

    document = docx.Document()
    for text, style in paragraphs:
        document.add_paragraph(text, style=style)
    document.save(str(path))
    return path


def make_project(root: Path) -> Path:
    """Write the tiny project (codebook, two cases with .txt, .md and .docx) under ``root``."""
    (root / "codebooks").mkdir(parents=True)
    (root / "codebooks" / "tiny.yaml").write_text(CODEBOOK, encoding="utf-8")
    alpha = root / "cases" / "alpha"
    beta = root / "cases" / "beta"
    alpha.mkdir(parents=True)
    beta.mkdir(parents=True)
    (alpha / "case.yaml").write_text(CASE_ALPHA, encoding="utf-8")
    (alpha / "interview-1.txt").write_text(INTERVIEW, encoding="utf-8")
    (alpha / "notes.md").write_text(NOTES, encoding="utf-8")
    (beta / "case.yaml").write_text(CASE_BETA, encoding="utf-8")
    write_docx(beta / "declaration.docx", DOCX_PARAGRAPHS)
    return root


@pytest.fixture(autouse=True)
def _clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests never pick up a developer's QCODER_* settings, nor a terminal width (the test
    runner's workers export ``COLUMNS``; tables fit it, see ``tests/test_cli_width.py``)."""
    for name in ("QCODER_DB", "QCODER_PROJECT", "QCODER_CODER", "QCODER_LEAD", "COLUMNS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A fresh tiny project folder (not imported yet)."""
    return make_project(tmp_path / "proj")


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "data" / "test.db"


@dataclass
class Cli:
    """Runs ``qcoder --project P --db D ARGS`` in-process with click's runner."""

    project: Path
    db: Path

    def __call__(self, *args: str, coder: str | None = None, input: str | None = None,
                 env: dict[str, str] | None = None) -> Result:
        from qcoder.cli import cli

        base = ["--project", str(self.project), "--db", str(self.db)]
        if coder:
            base += ["--coder", coder]
        return CliRunner().invoke(cli, [*base, *args], input=input, env=env,
                                  catch_exceptions=True)

    def ok(self, *args: str, **kwargs: object) -> Result:
        """Run and assert success."""
        result = self(*args, **kwargs)  # type: ignore[arg-type]
        assert result.exit_code == 0, (result.output, result.exception)
        return result

    def fails(self, *args: str, **kwargs: object) -> Result:
        """Run and assert a clean user error: non-zero exit, one message, no traceback."""
        result = self(*args, **kwargs)  # type: ignore[arg-type]
        assert_clean_failure(result)
        return result


def assert_clean_failure(result: Result) -> None:
    """A user error: exit status non-zero, no traceback, no exception escaping click."""
    assert result.exit_code != 0, result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit), repr(result.exception)


@pytest.fixture
def cli(project: Path, db_path: Path) -> Cli:
    db_path.parent.mkdir(parents=True, exist_ok=True)
    return Cli(project, db_path)


DEMO = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Cli:
    """A copy of the repository's demo project, imported (one per test module)."""
    root = tmp_path_factory.mktemp("demo")
    for part in ("cases", "codebooks", "codings"):
        shutil.copytree(DEMO / part, root / part)
    cli = Cli(root, root / "qcoder.db")
    cli.ok("import")
    return cli


@pytest.fixture
def store(cli: Cli):
    """The tiny project imported into a fresh database; the Store is closed afterwards."""
    from qcoder.store.database import Store

    cli.ok("import")
    s = Store(cli.db)
    yield s
    s.close()


@pytest.fixture
def coding_for(store) -> Callable:
    """``coding_for("ann")``: a Coding on the imported store with the stored codebook."""
    from qcoder.coding import Coding

    def make(coder: str):
        return Coding(store, store.codebook(), coder)

    return make
