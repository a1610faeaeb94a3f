"""The workbench's text filter: exactly the excerpts whose text contains the needle, ignoring
case (Unicode case folding) with whitespace runs as one space, on hostile texts and needles."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

from qcoder.importer import import_project
from qcoder.navigation import FOLDING_TO_ASCII, Filter, Navigation
from qcoder.project.folder import open_project
from qcoder.store.database import Store

TEXTS = [
    "Die STRASSE ist lang.", "die straße ist lang", "Große Straẞe", "the STRAſSE",
    "visa\n\n  mobility", "visa\tmobility rules", "VISA MOBILITY", "mobility then visa",
    "visa\u00a0mobility", "visa\x1cmobility", "visa\u2003\u2003mobility", "visamobility",
    "a 100% rise_in 5_0", "a 100x rise in 500", "back\\slash here", "ﬁle and ﬂow",
    "file and flow", "\u212aelvin scale", "kelvin scale", "İstanbul", "istanbul",
    "before\x00readmission after", "nul\x00 then straße", "Ελληνικά ΣΟΦΙΑ", "σοφία",
    "日本語のテキスト", "emoji 🙂 visa", "", "   ", "ǰ ẖ ẗ ẘ ẙ ẚ ŉ",
]

NEEDLES = [
    "strasse", "STRASSE", "straße", "Straẞe", "visa mobility", "VISA   mobility",
    "visa\nmobility", " visa ", "100%", "rise_in", "5_0", "%", "_", "back\\slash", "\\",
    "file", "fi", "FLOW", "kelvin", "\u212aELVIN", "istanbul", "i̇stanbul", "readmission",
    "straße", "σοφια", "ΣΟΦΙΑ", "テキスト", "🙂 visa", "ss", "ǰ", "ẖ", "ʼn", "a", "zz",
    "ǰ ẖ", "ist lang", "lang.", "x", "e s", "a\x00b", "before\x00readmission", "\x07",
]


@pytest.fixture
def store(tmp_path: Path) -> Store:
    (tmp_path / "codebooks").mkdir()
    (tmp_path / "codebooks" / "tiny.yaml").write_text(
        "name: Tiny\nversion: 1\ncodes:\n  - id: topic\n    label: Topic\n"
        "    definition: What it is about.\n", encoding="utf-8")
    (tmp_path / "cases" / "alpha").mkdir(parents=True)
    (tmp_path / "cases" / "alpha" / "doc.txt").write_text(
        "\n\n".join(f"Paragraph {k}." for k in range(len(TEXTS))) + "\n", encoding="utf-8")
    project = open_project(tmp_path)
    store = Store(project.db_path)
    import_project(project, store)
    ids = list(Navigation(store, "ann").matching(Filter()))
    assert len(ids) == len(TEXTS)
    with store.conn:
        for excerpt_id, text in zip(ids, TEXTS, strict=True):
            store.conn.execute("UPDATE excerpts SET text = ? WHERE id = ?", (text, excerpt_id))
    return store


def _by_definition(store: Store, needle: str) -> list[int]:
    """The filter's definition, tested on every text in corpus order."""
    folded = " ".join(needle.split()).casefold()
    nav = Navigation(store, "ann")
    texts = dict(store.conn.execute("SELECT id, text FROM excerpts"))
    return [i for i in nav.matching(Filter())
            if not folded or folded in " ".join((texts[i] or "").split()).casefold()]


@pytest.mark.parametrize("needle", NEEDLES)
def test_text_filter_keeps_exactly_the_texts_containing_the_needle(
        store: Store, needle: str) -> None:
    expected = _by_definition(store, needle)
    assert list(Navigation(store, "ann").matching(Filter("search", needle))) == expected


def test_hostile_cases_do_match(store: Store) -> None:
    nav = Navigation(store, "ann")
    assert len(nav.matching(Filter("search", "strasse"))) == 5
    assert len(nav.matching(Filter("search", "visa mobility"))) == 6
    assert len(nav.matching(Filter("search", "readmission"))) == 1
    assert len(nav.matching(Filter("search", "kelvin"))) == 2


def test_the_characters_folding_into_ascii_are_all_listed() -> None:
    found = {c for c in map(chr, range(128, sys.maxunicode + 1))
             if any(x.isascii() for x in c.casefold())}
    assert found == set(FOLDING_TO_ASCII)
