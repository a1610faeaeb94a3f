"""A project on disk: its folder, its codebook, its cases, seed codings and database path."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from ..errors import QcoderError, located
from . import yaml_io
from .outside import OPT_IN, OutsideError, check_inside

CONFIG_FILE = "qcoder.yaml"
DB_FILE = "qcoder.db"
#: When the workbench shows suggestions (``suggestions:`` in qcoder.yaml), the default first.
SUGGESTIONS_MODES = ("after-review", "never")


@dataclass(frozen=True)
class Project:
    """Where a project's files and database are."""

    root: Path
    db_path: Path
    follow_outside: bool = False  # read symlinked files that resolve outside ``root``

    @property
    def within(self) -> Path | None:
        """The folder every file read must resolve into (None: anywhere)."""
        return None if self.follow_outside else self.root

    @property
    def cases_dir(self) -> Path:
        return self.root / "cases"

    @property
    def codebooks_dir(self) -> Path:
        return self.root / "codebooks"

    @property
    def codings_dir(self) -> Path:
        """CSV files of codings that ``qcoder import`` loads once each (the demo's codings)."""
        return self.root / "codings"

    def codebook_path(self) -> Path:
        """The project's codebook: the only YAML in ``codebooks/`` or the one qcoder.yaml names."""
        config = self.root / CONFIG_FILE
        if config.exists():
            chosen = _read_config(config).get("codebook")
            if chosen:
                path = self.root / str(chosen)
                if self.within is not None and not _inside(path, self.within):
                    raise OutsideError(located(config, _line_of(config, "codebook"),
                                               f"codebook '{chosen}' is outside the project "
                                               f"folder; qcoder reads no file from outside "
                                               f"it: copy it into codebooks/, or pass "
                                               f"{OPT_IN} to read it"))
                if not path.exists():
                    raise QcoderError(located(config, _line_of(config, "codebook"),
                                              f"codebook '{chosen}' does not exist; fix the "
                                              "path (relative to the project folder)"))
                return path
        found = sorted(p for p in self.codebooks_dir.glob("*.y*ml") if p.is_file())
        if not found:
            raise QcoderError(f"{self.codebooks_dir}: no codebook (.yaml) found; add one, "
                              "for example codebooks/codebook.yaml")
        for path in found:
            check_inside(path, self.within)
        if len(found) > 1:
            names = ", ".join(p.name for p in found)
            raise QcoderError(f"{config}: several codebooks in codebooks/ ({names}); create "
                              f"{CONFIG_FILE} with a line 'codebook: codebooks/NAME.yaml'")
        return found[0]


    def suggestions_mode(self) -> str:
        """When the workbench shows a coder the suggestions on an excerpt: ``after-review``
        (the default: once the coder has reviewed it) or ``never`` (``suggestions:`` in
        qcoder.yaml)."""
        config = self.root / CONFIG_FILE
        if not config.exists():
            return SUGGESTIONS_MODES[0]
        value = _read_config(config).get("suggestions", SUGGESTIONS_MODES[0])
        if value not in SUGGESTIONS_MODES:
            raise QcoderError(located(config, _line_of(config, "suggestions"),
                                      f"suggestions: {value!r} is not a choice; write "
                                      "'suggestions: after-review' or 'suggestions: never'"))
        return str(value)


def _inside(path: Path, root: Path) -> bool:
    real, base = path.resolve(), root.resolve()
    return real == base or base in real.parents


def _read_config(path: Path) -> dict:
    data = yaml_io.load(yaml_io.read_text(path), path) or {}
    if not isinstance(data, dict):
        raise QcoderError(located(path, 1, "expected 'codebook: codebooks/NAME.yaml'"))
    return data


def _line_of(path: Path, key: str) -> int:
    for i, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        if line.lstrip().startswith(f"{key}:"):
            return i
    return 1


def open_project(project: str | Path | None = None, db: str | Path | None = None,
                 follow_outside: bool = False) -> Project:
    """Resolve the project folder (``--project``/``QCODER_PROJECT``/cwd) and database path
    (``--db``/``QCODER_DB``/``<project>/qcoder.db``); ``follow_outside`` lets symlinks
    lead out of the project folder."""
    root = Path(project or os.environ.get("QCODER_PROJECT") or ".").expanduser().resolve()
    if not root.is_dir():
        raise QcoderError(f"{root}: project folder not found; pass --project DIR")
    if not (root / "codebooks").is_dir() and not (root / "cases").is_dir():
        raise QcoderError(f"{root}: not a qcoder project (no codebooks/ or cases/ folder); "
                          "run inside a project or pass --project DIR")
    db_path = Path(db or os.environ.get("QCODER_DB") or root / DB_FILE).expanduser()
    return Project(root=root, db_path=db_path.resolve(), follow_outside=follow_outside)
