"""User-facing errors: one line that says where, what is wrong and how to fix it."""

from __future__ import annotations

import difflib
from collections.abc import Iterable


class QcoderError(Exception):
    """An error the user can cause and fix; the CLI prints it on one line and exits non-zero."""

    exit_code = 1


class CodebookError(QcoderError):
    """The codebook is missing, unreadable or invalid."""


class CorpusError(QcoderError):
    """A case or document cannot be read."""


class StoreError(QcoderError):
    """The database cannot be used (locked too long, newer schema, not a qcoder database)."""


class InputError(QcoderError):
    """A file given on the command line is invalid (bad CSV row, unknown excerpt or code)."""


def located(path: object, line: int | None, message: str) -> str:
    """Format ``FILE:LINE: message`` (or ``FILE: message`` without a line)."""
    return f"{path}:{line}: {message}" if line else f"{path}: {message}"


def did_you_mean(value: str, known: Iterable[str], otherwise: str) -> str:
    """``did you mean 'X'?`` for the closest of ``known`` to ``value``, else ``otherwise``."""
    hint = difflib.get_close_matches(value, list(known), n=1)
    return f"did you mean '{hint[0]}'?" if hint else otherwise
