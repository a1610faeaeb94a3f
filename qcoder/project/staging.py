"""Files written beside a project first and moved into place together, or not at all."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from pathlib import Path

from ..errors import QcoderError


class Staging:
    """Stage files under a hidden folder of ``root``; :meth:`commit` moves them into place
    (new files never replace one that appeared meanwhile), :meth:`rollback` undoes that,
    :meth:`cleanup` removes the folder. Use ``commit`` as the last step before the
    database commits, and ``rollback`` if anything fails after it."""

    def __init__(self, root: Path) -> None:
        self.root = root
        try:
            self.dir = Path(tempfile.mkdtemp(prefix=".qcoder-import-", dir=root))
        except OSError as exc:
            raise QcoderError(f"{root}: cannot write in the project folder "
                              f"({exc.strerror or exc})") from None
        self.planned: list[tuple[Path, Path, bytes | None]] = []  # final, staged, replaced
        self.done: list[tuple[Path, bytes | None]] = []
        self.made: list[Path] = []

    def add(self, final: Path, data: bytes, rel: str, replaces: bytes | None = None) -> Path:
        """Stage ``data`` (as ``rel`` in the staging folder) for ``final``; ``replaces`` is
        the content ``final`` has now and may be replaced (None: ``final`` is new)."""
        staged = self.dir / rel
        staged.parent.mkdir(parents=True, exist_ok=True)
        staged.write_bytes(data)
        self.planned.append((final, staged, replaces))
        return staged

    def staged(self, rel: str) -> Path:
        return self.dir / rel

    def commit(self) -> None:
        for final, staged, replaces in self.planned:
            self._mkdirs(final.parent)
            if replaces is None:
                self._place_new(final, staged)
            else:
                if final.read_bytes() != replaces:
                    raise QcoderError(f"{final}: changed while importing; import again")
                os.replace(staged, final)
            self.done.append((final, replaces))

    def _place_new(self, final: Path, staged: Path) -> None:
        try:
            os.link(staged, final)  # fails if the file exists: never overwrites
        except FileExistsError:
            raise QcoderError(f"{final}: appeared while importing; import again") from None
        except OSError:
            if final.exists():
                raise QcoderError(f"{final}: appeared while importing; import again") from None
            os.replace(staged, final)

    def _mkdirs(self, folder: Path) -> None:
        missing = []
        while not folder.exists():
            missing.append(folder)
            folder = folder.parent
        for path in reversed(missing):
            path.mkdir()
            self.made.append(path)

    def rollback(self) -> None:
        for final, replaced in reversed(self.done):
            if replaced is None:
                final.unlink(missing_ok=True)
            else:
                tmp = final.with_name(f".{final.name}.restore")
                tmp.write_bytes(replaced)
                os.replace(tmp, final)
        for folder in reversed(self.made):
            with contextlib.suppress(OSError):
                folder.rmdir()
        self.done.clear()
        self.made.clear()

    def cleanup(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)
