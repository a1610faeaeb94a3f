"""Navigation for one coder: corpus order, next unreviewed, filters, search, blindness."""

from __future__ import annotations

from pathlib import Path

import pytest

from qcoder.coding import Coding
from qcoder.importer import import_project
from qcoder.navigation import Filter, Navigation
from qcoder.project.folder import open_project
from qcoder.store.database import Store

CODEBOOK = """\
name: Tiny
version: 1
codes:
  - id: topic
    label: Topic
    definition: What the paragraph is about.
    codes:
      - id: topic-work
        label: Work
        key: w
        definition: Jobs and labour.
  - id: stance
    label: Stance
    exclusive: true
    definition: The speaker's position.
    codes:
      - id: stance-pro
        label: In favour
        key: "1"
        definition: Supports it.
      - id: stance-con
        label: Against
        key: "2"
        definition: Opposes it.
"""

DOCS = {
    "beta/notes.txt": "Beta one.\n\nBeta two.\n",
    "alpha/b-report.txt": "Report one about Straße work.\n\nReport two.\n",
    "alpha/a-interview.txt": ("---\nkind: interview\n---\nAsk: First question?\n\n"
                              "Reply: First answer about work.\n\nAsk: Second question?\n"),
}


@pytest.fixture
def store(tmp_path: Path) -> Store:
    (tmp_path / "codebooks").mkdir()
    (tmp_path / "codebooks" / "tiny.yaml").write_text(CODEBOOK, encoding="utf-8")
    for rel, text in DOCS.items():
        path = tmp_path / "cases" / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    (tmp_path / "cases" / "beta" / "empty.txt").write_text("\n", encoding="utf-8")
    project = open_project(tmp_path)
    store = Store(project.db_path)
    import_project(project, store)
    yield store
    store.close()


def ids(store: Store, *refs: str) -> list[int]:
    return [store.excerpt_by_ref(r).id for r in refs]


def test_documents_are_in_corpus_order_with_progress(store: Store) -> None:
    nav = Navigation(store, "ann")
    assert [(d.case_id, d.stem, d.total) for d in nav.documents] == [
        ("alpha", "a-interview", 3), ("alpha", "b-report", 2), ("beta", "empty", 0),
        ("beta", "notes", 2)]
    assert nav.totals() == (0, 7)
    Coding(store, nav.codebook, "ann").mark_reviewed(ids(store, "alpha/b-report#2")[0])
    nav.refresh_progress()
    assert [(c[0], c[2], c[3]) for c in nav.cases()] == [("alpha", 1, 5), ("beta", 0, 2)]


def test_first_unreviewed_skips_what_this_coder_reviewed_only(store: Store) -> None:
    first, second = ids(store, "alpha/a-interview#1", "alpha/a-interview#2")
    Coding(store, store.codebook(), "bob").mark_reviewed(first)
    assert Navigation(store, "ann").first_unreviewed() == first
    Coding(store, store.codebook(), "ann").apply(first, "topic-work")
    assert Navigation(store, "ann").first_unreviewed() == second


def test_next_unreviewed_crosses_documents_and_wraps_round(store: Store) -> None:
    coding = Coding(store, store.codebook(), "ann")
    every = ids(store, "alpha/a-interview#1", "alpha/a-interview#2", "alpha/a-interview#3",
                "alpha/b-report#1", "alpha/b-report#2", "beta/notes#1", "beta/notes#2")
    for excerpt in every[1:5]:
        coding.mark_reviewed(excerpt)
    nav = Navigation(store, "ann")
    assert nav.next_unreviewed(every[1]) == every[5]
    assert nav.next_unreviewed(every[6]) == every[0]
    for excerpt in (every[0], every[5]):
        coding.mark_reviewed(excerpt)
    assert nav.next_unreviewed(every[0]) == every[6]
    assert nav.next_unreviewed(every[6]) == every[6]
    coding.mark_reviewed(every[6])
    assert nav.next_unreviewed(every[6]) is None


def test_next_unreviewed_is_not_fooled_by_a_stale_cache(store: Store) -> None:
    coding = Coding(store, store.codebook(), "ann")
    *interview, report = ids(store, "alpha/a-interview#1", "alpha/a-interview#2",
                             "alpha/a-interview#3", "alpha/b-report#1")
    nav = Navigation(store, "ann")
    for doc in nav.documents:
        doc.reviewed = doc.total
    for excerpt in interview:
        coding.mark_reviewed(excerpt)
    assert nav.next_unreviewed(interview[-1]) == report


def test_step_moves_across_documents_and_stops_at_the_ends(store: Store) -> None:
    nav = Navigation(store, "ann")
    last_of_a, first_of_b, first, last = ids(store, "alpha/a-interview#3", "alpha/b-report#1",
                                             "alpha/a-interview#1", "beta/notes#2")
    assert nav.step(last_of_a, +1) == first_of_b
    assert nav.step(first_of_b, -1) == last_of_a
    assert nav.step(first, -1) is None
    assert nav.step(last, +1) is None
    assert nav.neighbours(first_of_b) == (None, ids(store, "alpha/b-report#2")[0])


def test_open_document_lands_on_its_first_unreviewed_excerpt(store: Store) -> None:
    nav = Navigation(store, "ann")
    doc = nav.documents[0].id
    first, second = ids(store, "alpha/a-interview#1", "alpha/a-interview#2")
    assert nav.open_document(doc) == first
    Coding(store, nav.codebook, "ann").mark_reviewed(first)
    assert nav.open_document(doc) == second
    assert nav.open_document(nav.documents[2].id) is None


def test_document_lines_page_through_with_this_coders_state_only(store: Store) -> None:
    first, second = ids(store, "alpha/a-interview#1", "alpha/a-interview#2")
    Coding(store, store.codebook(), "bob").apply(first, "topic-work")
    ann = Coding(store, store.codebook(), "ann")
    ann.apply(second, "stance-pro")
    ann.set_excerpt_memo(second, "ask about this")
    nav = Navigation(store, "ann")
    doc = nav.documents[0].id
    page = nav.document_lines(doc, 1, 5)
    assert [line.ref for line in page] == ["alpha/a-interview#2", "alpha/a-interview#3"]
    assert (page[0].reviewed, page[0].codes, page[0].memo) == (True, 1, True)
    assert page[0].speaker == "Reply"
    (line,) = nav.document_lines(doc, 0, 1)
    assert (line.reviewed, line.codes, line.memo) == (False, 0, False)
    assert nav.index_in_document(second) == 1
    assert [x.ref for x in nav.lines([second, first])] == ["alpha/a-interview#2",
                                                          "alpha/a-interview#1"]


def test_filters_keep_corpus_order_and_look_at_this_coder_only(store: Store) -> None:
    first, answer, report = ids(store, "alpha/a-interview#1", "alpha/a-interview#2",
                                "alpha/b-report#1")
    ann = Coding(store, store.codebook(), "ann")
    ann.apply(report, "topic-work")
    ann.apply(answer, "stance-con")
    ann.set_coding_memo(answer, "stance-con", "ironic?")
    Coding(store, store.codebook(), "bob").apply(first, "topic-work")
    nav = Navigation(store, "ann")
    assert list(nav.matching(Filter("code", "topic-work"))) == [report]
    assert list(nav.matching(Filter("code", "stance"))) == [answer]
    assert list(nav.matching(Filter("memo"))) == [answer]
    unreviewed = nav.matching(Filter("unreviewed"))
    assert report not in unreviewed and answer not in unreviewed and first in unreviewed
    assert len(unreviewed) == 5
    assert list(Navigation(store, "bob").matching(Filter("code", "topic"))) == [first]


def test_search_ignores_case_and_spacing_in_any_script(store: Store) -> None:
    nav = Navigation(store, "ann")
    answer, report = ids(store, "alpha/a-interview#2", "alpha/b-report#1")
    assert list(nav.matching(Filter("search", "ABOUT   "))) == [answer, report]
    assert list(nav.matching(Filter("search", "STRASSE"))) == [report]
    assert list(nav.matching(Filter("search", "about straße"))) == [report]
    assert list(nav.matching(Filter("search", "nowhere"))) == []


HOSTILE = ["STRASSE ist lang", "die Straße", "\u212aelvin and ke", "the ﬁle and FILE",
           "İstanbul", "a\x00 readmission after NUL", "100% of_them", "back\\slash",
           "Readmission\n  agreement", "READMISSION\tAGREEMENTS", "re admission",
           "ſtate", "Schloß  Straße", "ǰ and ẖ", "no match here"]
NEEDLES = ["strasse", "straße", "kelvin", "k", "file", "fi", "i̇stanbul", "istanbul",
           "readmission", "readmission agreement", "100%", "%", "of_them", "_", "\\",
           "back\\slash", "state", "schloss strasse", "ss str", "ǰ", "j", "h", "e", "nul",
           "straße ist", "ist straße", "die straße", "readmission\tagreement", "a"]


def test_the_text_filter_keeps_what_the_exact_check_keeps(store: Store) -> None:
    """The SQL prefilter drops no text the exact (Unicode case-folded) check keeps."""
    from qcoder.navigation import FOLDING_TO_ASCII, _contains, text_hint
    from qcoder.store import navigation as q

    folding = "".join(chr(c) for c in range(0x80, 0x110000) if not 0xD800 <= c <= 0xDFFF
                      and any(ord(f) < 0x80 for f in chr(c).casefold()))
    assert folding == FOLDING_TO_ASCII
    (doc_id,) = [r[0] for r in store.conn.execute("SELECT id FROM documents LIMIT 1")]
    start = store.conn.execute("SELECT max(id) FROM excerpts").fetchone()[0] + 1
    with store.conn:
        store.conn.execute("UPDATE excerpts SET active = 0")
        for k, text in enumerate(HOSTILE):
            store.conn.execute(
                "INSERT INTO excerpts (id, identity, document_id, n, text, active, start, "
                "\"end\") SELECT ?, ?, ?, ?, ?, 1, 0, 1",
                (start + k, f"hostile-{k}", doc_id, 1000 + k, text))
    hints = 0
    for raw in NEEDLES:
        needle = " ".join(raw.split()).casefold()
        hint = text_hint(needle)
        hints += hint is not None
        fast = q.matching(store, "ann", "search", (), needle, _contains, hint)
        exact = [start + k for k, t in enumerate(HOSTILE) if _contains(t, needle)]
        assert sorted(fast) == exact, raw
    assert hints >= 20  # most needles take the fast path
    nav = Navigation(store, "ann")
    assert len(nav.matching(Filter("search", "READMISSION"))) == 3


def test_coder_progress_counts_reviews_not_codes(store: Store) -> None:
    first, second = ids(store, "alpha/a-interview#1", "alpha/a-interview#2")
    Coding(store, store.codebook(), "bob").apply(first, "topic-work")
    Coding(store, store.codebook(), "bob").mark_reviewed(second)
    Coding(store, store.codebook(), "ann").mark_reviewed(second)
    assert Navigation(store, "ann").coder_progress() == {"ann": 1, "bob": 2}


def test_coder_progress_leaves_out_excerpts_no_longer_listed(store: Store) -> None:
    first, second = ids(store, "alpha/a-interview#1", "alpha/a-interview#2")
    for coder in ("ann", "bob"):
        Coding(store, store.codebook(), coder).mark_reviewed(first)
    Coding(store, store.codebook(), "bob").mark_reviewed(second)
    Coding(store, store.codebook(), "consensus").mark_reviewed(second)
    with store.conn:  # a re-import dropped the first paragraph (its codings are kept)
        store.conn.execute("UPDATE excerpts SET active = 0 WHERE id = ?", (first,))
    assert Navigation(store, "ann").coder_progress() == {"bob": 1}


def test_filter_descriptions_name_codes_by_label(store: Store) -> None:
    book = store.codebook()
    assert Filter("code", "stance-pro").describe(book) == "coded with In favour (or a span in it)"
    assert not Filter().active and Filter("memo").active


def test_document_and_filtered_lists_agree_on_positions(store: Store) -> None:
    from qcoder.navigation import DocumentLines, FilteredLines

    nav = Navigation(store, "ann")
    answer, report, notes = ids(store, "alpha/a-interview#2", "alpha/b-report#1",
                                "beta/notes#1")
    lines = DocumentLines(nav, nav.documents[0].id)
    assert len(lines) == 3 and lines.index_of(answer) == 1 and lines.index_of(report) is None
    assert [x.n for x in lines.lines(2, 10)] == [3]
    found = FilteredLines(nav, Filter("search", "one"), nav.matching(Filter("search", "one")))
    assert [x.ref for x in found.lines(0, 10)] == ["alpha/b-report#1", "beta/notes#1"]
    assert found.index_of(notes) == 1 and found.index_of(answer) is None


def test_next_unreviewed_within_a_filtered_list_wraps_round(store: Store) -> None:
    from qcoder.navigation import FilteredLines

    nav = Navigation(store, "ann")
    flt = Filter("search", "o")
    found = FilteredLines(nav, flt, nav.matching(flt))
    assert len(found) == 7
    coding = Coding(store, nav.codebook, "ann")
    for excerpt in list(found.ids)[3:6]:
        coding.mark_reviewed(excerpt)
    assert found.next_unreviewed(2) == 6
    assert found.next_unreviewed(6) == 0
    for excerpt in found.ids:
        coding.mark_reviewed(excerpt)
    assert found.next_unreviewed(0) is None


def test_progress_can_be_read_later_and_reports_what_changed(store: Store) -> None:
    nav = Navigation(store, "ann", progress=False)
    assert not nav.progress_known
    report = ids(store, "alpha/b-report#1")[0]
    Coding(store, nav.codebook, "ann").mark_reviewed(report)
    assert nav.first_unreviewed() == ids(store, "alpha/a-interview#1")[0]
    changed = nav.set_progress(nav.read_progress())
    assert nav.progress_known and len(changed) == len(nav.documents)
    assert nav.document(nav.documents[1].id).reviewed == 1
    Coding(store, nav.codebook, "ann").mark_reviewed(ids(store, "beta/notes#1")[0])
    assert nav.set_progress(nav.read_progress()) == [nav.documents[3].id]
    assert nav.knows(nav.documents[0].id) and not nav.knows(10_000)
