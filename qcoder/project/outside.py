"""Files from outside the project are never read unless the user says so.

A symlinked case folder or document, or a codebook that ``qcoder.yaml`` names with ``..``,
may point anywhere on the machine (``/etc/passwd``); read, it would become a document and
travel in every export. Each path qcoder reads from the project folder is checked here.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import QcoderError

OPT_IN = "--follow-outside"


class OutsideError(QcoderError):
    """A project file that resolves to a place outside the project folder."""


def check_inside(path: Path, root: Path | None) -> Path:
    """``path`` itself when it resolves inside ``root`` (None: anywhere is allowed)."""
    if root is None:
        return path
    real = path.resolve()
    base = root.resolve()
    if real != base and base not in real.parents:
        how = "links to" if path.is_symlink() else "resolves to"
        raise OutsideError(f"{path}: {how} {real}, outside the project folder; qcoder reads "
                           f"no file from outside it: copy the file into the project, or pass "
                           f"{OPT_IN} to read it")
    return path
