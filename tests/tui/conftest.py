"""A small, fixed project for the workbench tests (snapshots depend on its text), and helpers
that start the app through the same factory the CLI uses."""

from __future__ import annotations

import asyncio
import html
import re
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from qcoder.importer import import_project
from qcoder.project.folder import open_project
from qcoder.store.database import Store
from qcoder.tui.app import QcoderApp, create_app

CODEBOOK = """\
name: Border talks
version: 2
codes:
  - id: framing
    label: Framing
    definition: How the speaker presents migration.
    codes:
      - id: framing-security
        label: Security framing
        key: s
        definition: Migration as a threat to be controlled.
        include: Talk of control, smuggling, irregular entry.
        exclude: Neutral mentions of border police.
        examples:
          - stop the flows before they reach the border
      - id: framing-development
        label: Development framing
        key: d
        definition: Migration as a lever for development at home.
  - id: ptype
    label: Partnership type
    exclusive: true
    definition: The main form the partnership takes.
    codes:
      - id: ptype-operational
        label: Operational
        key: o
        definition: Joint operations, returns, border work.
      - id: ptype-dialogue
        label: Policy dialogue
        key: p
        definition: Talks, declarations, frameworks.
      - id: ptype-capacity
        label: Capacity building
        definition: Training and equipment, no key on purpose.
"""

INTERVIEW = """\
---
title: Interview with a border official
kind: interview
---
Interviewer: How did the cooperation start?

Official: With talks on returns, and then money for equipment followed.

Interviewer: Were visas part of it?

Official: Visas were the carrot in every meeting, and everybody knew it.
"""

NOTES = """\
# Background

The agreement was signed in spring after two years of talks.

Training for border guards was the largest budget line.
"""

REPORT = """\
Remittances paid for a school and a road in the home town.

Nobody asked the migrants what they thought of the returns.
"""


def make_workbench_project(root: Path) -> Path:
    (root / "codebooks").mkdir(parents=True)
    (root / "codebooks" / "border-talks.yaml").write_text(CODEBOOK, encoding="utf-8")
    alpha, beta = root / "cases" / "alpha", root / "cases" / "beta"
    alpha.mkdir(parents=True)
    beta.mkdir(parents=True)
    (alpha / "case.yaml").write_text("name: Alpha accord\n", encoding="utf-8")
    (alpha / "interview.txt").write_text(INTERVIEW, encoding="utf-8")
    (alpha / "notes.md").write_text(NOTES, encoding="utf-8")
    (beta / "case.yaml").write_text("name: Beta programme\n", encoding="utf-8")
    (beta / "report.txt").write_text(REPORT, encoding="utf-8")
    return root


@pytest.fixture(autouse=True)
def _no_user_keymap(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's keymap; help shows the same path everywhere."""
    monkeypatch.delenv("QCODER_CONFIG", raising=False)
    monkeypatch.delenv("XDG_CONFIG_HOME", raising=False)
    monkeypatch.setenv("HOME", str(tmp_path / "home"))


@pytest.fixture
def wb(tmp_path: Path) -> Path:
    """The workbench project folder (not imported: the app imports it on first start)."""
    return make_workbench_project(tmp_path / "proj")


@pytest.fixture
def imported(wb: Path) -> Path:
    """The project, imported (so tests can prepare codings before opening the app)."""
    project = open_project(wb)
    with Store(project.db_path) as store:
        import_project(project, store)
    return wb


def open_store(project_dir: Path) -> Store:
    """A separate connection, as another process would have."""
    return Store(open_project(project_dir).db_path)


def excerpt_id(project_dir: Path, ref: str) -> int:
    with open_store(project_dir) as store:
        return store.excerpt_by_ref(ref).id


def codes_on(project_dir: Path, ref: str, coder: str) -> dict[str, str | None]:
    with open_store(project_dir) as store:
        return store.codes_of(store.excerpt_by_ref(ref).id, coder)


async def until_ready(app: QcoderApp, pilot: Pilot) -> None:
    """Wait for the worker that opens the project (bounded: a hang fails the test)."""
    for _ in range(400):
        if app.ready:
            await app.workers.wait_for_complete()
            await pilot.pause()
            return
        await pilot.pause(0.02)
    raise AssertionError(f"the workbench did not open; screen is {app.screen!r}")


def drive(project_dir: Path, steps: Callable[[QcoderApp, Pilot], Awaitable[Any]],
          coder: str | None = "ann", size: tuple[int, int] = (100, 30),
          ready: bool = True, lead: bool = False) -> Any:
    """Start the workbench with :func:`create_app`, run ``steps`` with a Pilot, close it."""

    async def main() -> Any:
        app = create_app(project_dir, coder=coder, lead=lead)
        async with app.run_test(size=size) as pilot:
            if ready:
                await until_ready(app, pilot)
            return await steps(app, pilot)

    return asyncio.run(main())


def current_ref(app: QcoderApp) -> str:
    screen = app.screen
    return app.session.store.excerpt(screen.current).ref  # type: ignore[attr-defined]


def screen_text(app: QcoderApp) -> list[str]:
    """What the terminal shows, as plain lines (read back from the app's SVG screenshot)."""
    svg = app.export_screenshot()
    rows: dict[int, dict[int, str]] = {}
    for m in re.finditer(r'<text class="[^"]*" x="([\d.]+)" y="[\d.]+" textLength="[\d.]+" '
                         r'clip-path="url\(#[\w-]*line-(\d+)\)">([^<]*)</text>', svg):
        row = rows.setdefault(int(m[2]), {})
        for i, ch in enumerate(html.unescape(m[3]).replace("\xa0", " ")):
            row[round(float(m[1]) / 12.2) + i] = ch
    return ["".join(r.get(i, " ") for i in range(max(r) + 1)) if r else ""
            for _, r in sorted(rows.items())]
