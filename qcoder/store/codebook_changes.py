"""What a codebook import changes that counts no code added or removed: edited labels,
definitions and rules, and groups made exclusive over codings that already break the rule."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable
from dataclasses import dataclass

from ..project.codebook import Codebook
from ..project.corpus import format_ref

FIELDS = ("parent", "label", "definition", "include", "exclude", "examples", "key",
          "exclusive", "color")
SAMPLE = 5


def stored_codes(conn: sqlite3.Connection) -> dict[str, tuple]:
    """The active codes as stored, each as a tuple in the order of :data:`FIELDS`."""
    return {r[0]: tuple(r[1:]) for r in conn.execute(
        """SELECT id, parent_id, label, definition, include, exclude, examples, key,
           exclusive, color FROM codes WHERE active = 1""")}


def code_fields(codebook: Codebook) -> dict[str, tuple]:
    """The codebook's codes as tuples comparable with :func:`stored_codes`."""
    return {c.id: (c.parent, c.label, c.definition, c.include, c.exclude,
                   json.dumps(list(c.examples), ensure_ascii=False), c.key, int(c.exclusive),
                   c.color) for c in codebook.codes.values()}


def changed_fields(before: dict[str, tuple], after: dict[str, tuple]) -> dict[str, list[str]]:
    """Code id → the names of its fields that differ, for codes in both."""
    return {code: [name for name, a, b in zip(FIELDS, before[code], now, strict=True)
                   if a != b]
            for code, now in after.items() if code in before and before[code] != now}


@dataclass
class Conflict:
    """An excerpt on which one coder holds several codes of one exclusive group."""

    ref: str
    coder: str
    group: str
    codes: list[str]

    def __str__(self) -> str:
        return f"{self.ref}: {self.coder} has {', '.join(self.codes)} of '{self.group}'"


def exclusive_conflicts(conn: sqlite3.Connection, groups: Iterable[str]
                        ) -> tuple[int, list[Conflict]]:
    """How many (excerpt, coder) pairs hold two or more active children of one of the
    exclusive ``groups``, and the first few of them."""
    groups = sorted(set(groups))
    if not groups:
        return 0, []
    marks = ",".join("?" * len(groups))
    rows = conn.execute(f"""
        SELECT k.parent_id, d.case_id, d.stem, e.n, c.coder, group_concat(c.code_id, ', ')
        FROM codes k JOIN codings c ON c.code_id = k.id
        JOIN excerpts e ON e.id = c.excerpt_id AND e.active = 1
        JOIN documents d ON d.id = e.document_id
        WHERE k.parent_id IN ({marks}) AND k.active = 1
        GROUP BY k.parent_id, c.excerpt_id, c.coder HAVING COUNT(*) > 1
        ORDER BY d.case_id, d.stem, e.n, c.coder, k.parent_id""", groups).fetchall()
    return len(rows), [Conflict(format_ref(r[1], r[2], r[3]), r[4], r[0],
                                sorted(r[5].split(", "))) for r in rows[:SAMPLE]]
