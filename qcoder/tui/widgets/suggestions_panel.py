"""The suggestions on the current excerpt, under the excerpt: shown to a coder only once they
have reviewed it (or never, by ``suggestions:`` in qcoder.yaml), and never on an excerpt of
an open round they code in. One is highlighted; the accept and reject keys act on it."""

from __future__ import annotations

from typing import Any

from ...project.codebook import Codebook
from ..keymap import display
from ..safe import Static, Text


class SuggestionsPanel(Static):
    """Open suggestions on one excerpt, the highlighted one marked ``▸``; hidden when there
    are none to show."""

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.rows: list[dict[str, Any]] = []
        self.index = 0
        self.codebook: Codebook | None = None
        self.keys = ""
        self.next_key = ""
        self.display = False

    def set_keys(self, keymap: dict[str, str]) -> None:
        """Name the accept, reject and next keys in the panel's hint."""
        def key(command: str, default: str) -> str:
            return display(keymap.get(command, default).split(",")[0])

        self.keys = (f"{key('accept_suggestion', 'A')} accept · "
                     f"{key('reject_suggestion', 'X')} reject")
        self.next_key = f" · {key('next_suggestion', 'S')} next"

    def fill(self, rows: list[dict[str, Any]], codebook: Codebook) -> None:
        """Show these suggestions (keeping the highlight on the same one when it is still
        there)."""
        keep = self.highlighted["id"] if self.highlighted is not None else None
        self.rows = rows
        self.codebook = codebook
        ids = [r["id"] for r in rows]
        self.index = ids.index(keep) if keep in ids else 0
        self.display = bool(rows)
        self._render_rows()

    @property
    def highlighted(self) -> dict[str, Any] | None:
        return self.rows[self.index] if self.rows and self.index < len(self.rows) else None

    def cycle(self) -> None:
        """Highlight the next suggestion (round to the first)."""
        if self.rows:
            self.index = (self.index + 1) % len(self.rows)
            self._render_rows()

    def _render_rows(self) -> None:
        if not self.rows:
            self.update_fitting(Text(""))
            return
        more = self.next_key if len(self.rows) > 1 else ""
        text = Text.assemble(("Suggestions", "bold"), (f"  {self.keys}{more}", "dim"))
        for k, row in enumerate(self.rows):
            code = row["code_id"]
            label = (self.codebook[code].label if self.codebook is not None
                     and code in self.codebook else code)
            mine = k == self.index
            text.append("\n▸ " if mine else "\n  ", style="bold")
            text.append(label, style="reverse" if mine else "")
            # A search's reason names its source ("search: visa*"); a model's does not.
            reason = " ".join(str(row["reason"] or "").split())
            if not reason.startswith(str(row["source"])):
                reason = f"{row['source']}: {reason}" if reason else str(row["source"])
            text.append(f" · {reason}", style="dim italic")
        self.update_fitting(text)
