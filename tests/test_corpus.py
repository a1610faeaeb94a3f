"""Cases and documents: segmentation, speakers, sections, offsets, references, identity."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import write_docx
from hypothesis import given, settings
from hypothesis import strategies as st

from qcoder.errors import CorpusError
from qcoder.project.corpus import load_case, load_corpus, load_document, parse_ref


def doc(tmp_path: Path, name: str, text: str | bytes, case: str = "alpha"):
    folder = tmp_path / case
    folder.mkdir(exist_ok=True)
    path = folder / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return load_document(case, path)


def texts(document) -> list[str]:
    return [e.text for e in document.excerpts]


def assert_offsets(document) -> None:
    """Every excerpt is exactly its slice of the document's plain text."""
    for e in document.excerpts:
        assert document.text[e.start:e.end] == e.text


# -- segmentation -----------------------------------------------------------------------------
def test_paragraphs_are_blank_line_separated(tmp_path: Path) -> None:
    d = doc(tmp_path, "report.txt", "First line\nstill first.\n\n\n  Second.  \n\nThird.")
    assert texts(d) == ["First line\nstill first.", "Second.", "Third."]
    assert all(e.speaker is None for e in d.excerpts)
    assert_offsets(d)


def test_front_matter_gives_metadata_and_is_not_an_excerpt(tmp_path: Path) -> None:
    d = doc(tmp_path, "i.txt", "---\ntitle: A talk\nkind: interview\ndate: 2023-05-02\n"
            "interviewer: ZK\n---\nA: Hello.\n")
    assert (d.title, d.kind, d.date) == ("A talk", "interview", "2023-05-02")
    assert d.attributes == {"interviewer": "ZK"}
    assert texts(d) == ["A: Hello."]


def test_title_defaults_to_the_file_stem(tmp_path: Path) -> None:
    assert doc(tmp_path, "field-notes.txt", "Text.").title == "field-notes"


def test_speaker_turns_in_interviews(tmp_path: Path) -> None:
    d = doc(tmp_path, "i.txt", "---\nkind: interview\n---\nInterviewer: Why?\n\n"
            "Ms Ruiz: Because of visas.\nAnd trade.\n\nNo speaker here, just notes.")
    assert [e.speaker for e in d.excerpts] == ["Interviewer", "Ms Ruiz", None]
    assert texts(d)[1] == "Ms Ruiz: Because of visas.\nAnd trade."
    assert_offsets(d)


def test_no_speakers_outside_interviews(tmp_path: Path) -> None:
    d = doc(tmp_path, "p.txt", "---\nkind: policy-document\n---\nArticle 3: Returns.\n")
    assert [e.speaker for e in d.excerpts] == [None]


def test_markdown_headings_are_sections_not_excerpts(tmp_path: Path) -> None:
    d = doc(tmp_path, "n.md", "Before any heading.\n\n# Origins\n\nSigned in 2016.\n\n"
            "## Money\nMost went to borders.\n\n# Later\n## Results\n\nFew returns.\n")
    assert texts(d) == ["Before any heading.", "Signed in 2016.", "Most went to borders.",
                        "Few returns."]
    assert [e.section for e in d.excerpts] == [None, "Origins", "Money", "Results"]
    assert_offsets(d)


def test_a_hash_that_is_not_a_heading_stays_text(tmp_path: Path) -> None:
    d = doc(tmp_path, "n.md", "# Campaign\n\n#MeToo and #1 priorities were named.\n")
    assert texts(d) == ["#MeToo and #1 priorities were named."]
    assert d.excerpts[0].section == "Campaign"


def test_docx_paragraphs_headings_and_front_matter(tmp_path: Path) -> None:
    folder = tmp_path / "beta"
    folder.mkdir()
    path = write_docx(folder / "decl.docx", [
        ("---", None), ("title: Declaration", None), ("kind: interview", None),
        ("signed: 2019", None), ("---", None),
        ("Preamble", "Heading 1"),
        ("Chair: We open the session.", None),
        ("", None),
        ("Second paragraph 😀 with emoji.", None),
        ("Annex", "Heading 2"),
        ("Annex text.", None),
    ])
    d = load_document("beta", path)
    assert (d.title, d.kind, d.attributes) == ("Declaration", "interview", {"signed": 2019})
    assert texts(d) == ["Chair: We open the session.", "Second paragraph 😀 with emoji.",
                        "Annex text."]
    assert [e.section for e in d.excerpts] == ["Preamble", "Preamble", "Annex"]
    assert [e.speaker for e in d.excerpts] == ["Chair", None, None]
    assert "Preamble" in d.text and "---" not in d.text
    assert_offsets(d)


def test_damaged_docx_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"bad\.docx: cannot read \.docx"):
        doc(tmp_path, "bad.docx", b"not a zip file")


# -- offsets ----------------------------------------------------------------------------------
def test_offsets_count_code_points_not_bytes(tmp_path: Path) -> None:
    body = "Café 🇨🇭 and 𝄞 music.\n\nSecond 😀 paragraph.\n\nThird."
    d = doc(tmp_path, "e.txt", body)
    assert d.text == body
    assert [(e.start, e.end) for e in d.excerpts][1][0] == body.index("Second")
    assert d.excerpts[2].start == body.index("Third")
    assert_offsets(d)


def test_crlf_files_are_read_as_lines_and_offsets_still_hold(tmp_path: Path) -> None:
    raw = "---\r\ntitle: Windows\r\n---\r\nOne 😀\r\nline two.\r\n\r\nTwo.\r\n"
    d = doc(tmp_path, "w.txt", raw.encode("utf-8"))
    assert d.title == "Windows"
    assert texts(d) == ["One 😀\nline two.", "Two."]
    assert "\r" not in d.text
    assert_offsets(d)


def test_byte_order_mark_is_ignored(tmp_path: Path) -> None:
    d = doc(tmp_path, "b.txt", "\ufeff---\ntitle: BOM\n---\nText.".encode())
    assert (d.title, texts(d)) == ("BOM", ["Text."])


# -- references and identity ------------------------------------------------------------------
def test_references_are_case_stem_and_one_based_number(tmp_path: Path) -> None:
    d = doc(tmp_path, "talk-1.txt", "A.\n\nB.\n\nC.")
    assert [e.ref for e in d.excerpts] == ["alpha/talk-1#1", "alpha/talk-1#2", "alpha/talk-1#3"]
    assert parse_ref("alpha/talk-1#3") == ("alpha", "talk-1", 3)
    assert parse_ref("alpha/talk-1#0") is None
    assert parse_ref("no reference") is None


def test_identity_survives_edits_and_insertions_elsewhere(tmp_path: Path) -> None:
    first = doc(tmp_path, "t.txt", "Keep one.\n\nChange me.\n\nKeep two.")
    second = doc(tmp_path, "t.txt", "New opening.\n\nKeep one.\n\nChanged.\n\nKeep two.")
    before = {e.text: e.identity for e in first.excerpts}
    after = {e.text: e.identity for e in second.excerpts}
    assert after["Keep one."] == before["Keep one."]
    assert after["Keep two."] == before["Keep two."]
    assert after["Changed."] not in before.values()
    assert [e.n for e in second.excerpts if e.text == "Keep one."] == [2]


def test_identity_ignores_rewrapping_but_not_words(tmp_path: Path) -> None:
    a = doc(tmp_path, "t.txt", "Same words\nwrapped here.")
    b = doc(tmp_path, "t.txt", "Same words wrapped\nhere.")
    c = doc(tmp_path, "t.txt", "Same words wrapped there.")
    assert a.excerpts[0].identity == b.excerpts[0].identity != c.excerpts[0].identity


def test_repeated_paragraphs_get_distinct_identities(tmp_path: Path) -> None:
    d = doc(tmp_path, "t.txt", "Yes.\n\nNo.\n\nYes.")
    assert len({e.identity for e in d.excerpts}) == 3


def test_identity_depends_on_case_and_document(tmp_path: Path) -> None:
    a = doc(tmp_path, "t.txt", "Same.", case="alpha")
    b = doc(tmp_path, "u.txt", "Same.", case="alpha")
    c = doc(tmp_path, "t.txt", "Same.", case="beta")
    assert len({x.excerpts[0].identity for x in (a, b, c)}) == 3


# -- bad input --------------------------------------------------------------------------------
def test_unclosed_front_matter(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"x\.txt:1: front matter .* never closed"):
        doc(tmp_path, "x.txt", "---\ntitle: t\n\nText.")


def test_invalid_front_matter_yaml_names_the_file_line(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"x\.txt:3: invalid YAML"):
        doc(tmp_path, "x.txt", "---\ntitle: t\nkind: a: b\n---\nText.")


def test_not_utf8_names_the_line(tmp_path: Path) -> None:
    with pytest.raises(CorpusError, match=r"x\.txt:2: not UTF-8"):
        doc(tmp_path, "x.txt", "fine\ncaf\xe9\n".encode("latin-1"))


def test_case_yaml_and_document_listing(tmp_path: Path) -> None:
    folder = tmp_path / "cases" / "gamma"
    folder.mkdir(parents=True)
    (folder / "case.yaml").write_text("name: Gamma\nattributes:\n  year: 2020\n",
                                      encoding="utf-8")
    (folder / "b.txt").write_text("B.", encoding="utf-8")
    (folder / "a.md").write_text("A.", encoding="utf-8")
    (folder / "README.md").write_text("About this folder.", encoding="utf-8")
    (folder / "image.png").write_bytes(b"\x89PNG")
    [case] = load_corpus(tmp_path / "cases")
    assert (case.id, case.name, case.attributes) == ("gamma", "Gamma", {"year": 2020})
    assert [d.stem for d in case.documents] == ["a", "b"]


def test_case_yaml_unknown_field(tmp_path: Path) -> None:
    folder = tmp_path / "delta"
    folder.mkdir()
    (folder / "case.yaml").write_text("name: D\nregion: EU\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"case\.yaml:2: unknown field 'region'"):
        load_case(folder)


def test_bad_case_folder_name(tmp_path: Path) -> None:
    (tmp_path / "cases" / "Bad Name").mkdir(parents=True)
    with pytest.raises(CorpusError, match="not a valid case id"):
        load_corpus(tmp_path / "cases")


def _blocks_line_by_line(body: str) -> list[tuple[int, int]]:
    """The definition of a paragraph, line by line: a run of lines (as ``str.splitlines``
    cuts them) that are not blank, from its first to its last non-space character."""
    spans, start, last_end, pos = [], None, 0, 0
    for line in body.splitlines(keepends=True):
        if line.strip():
            if start is None:
                start = pos + (len(line) - len(line.lstrip()))
            last_end = pos + len(line.rstrip())
        elif start is not None:
            spans.append((start, last_end))
            start = None
        pos += len(line)
    if start is not None:
        spans.append((start, last_end))
    return spans


@settings(max_examples=500, deadline=None)
@given(st.text(alphabet=st.sampled_from(list("ab \t\n\x1f\xa0\u3000é")), max_size=40)
       | st.text(alphabet=st.sampled_from(
           list("ab \t\n\r\x0b\x0c\x1c\x1d\x1e\x1f\x85\xa0\u2028\u2029\u3000é")), max_size=40))
def test_paragraphs_are_runs_of_non_blank_lines(body: str) -> None:
    from qcoder.project.corpus import _blocks

    assert list(_blocks(body)) == _blocks_line_by_line(body)
