"""REFI-QDA reading and writing (qcoder.exchange.refi.qdpx)."""

from __future__ import annotations

import copy
import io
import re
import uuid
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from refi_support import SAMPLES, validate

from qcoder.errors import QcoderError
from qcoder.exchange.refi import qdpx as refi
from qcoder.exchange.refi.qdpx import (
    RefiCase,
    RefiCode,
    RefiCoding,
    RefiError,
    RefiNote,
    RefiProject,
    RefiSelection,
    RefiSource,
    RefiUser,
    stable_guid,
)

SAMPLE_FILES = (sorted(p.name for p in SAMPLES.iterdir() if p.suffix in (".qdc", ".qdpx"))
                if SAMPLES.is_dir() else [])
needs_samples = pytest.mark.skipif(not SAMPLE_FILES, reason="../shared/refi-qda/samples absent")

# The quirk each sample is known for (samples/README.md) and a phrase of its warning.
EXPECTED_WARNINGS = {
    "atlasti-win-23.4.0_codebook.qdc": ["uppercase", "codebook:0:4"],
    "taguette-1.5.2_codebook.qdc": ["flattened into names", "empty <Sets/>"],
    "refi-spec-1.5_annexA1_codebook.qdc": ["braces"],
    "qc-1.3.2_demo.qdpx": ["without 'internal://'"],
    "nvivo-mac-15.0.0_from-qc.qdpx": ["have no text", "no codings", "rich-text"],
}

EMOJI_TEXT = "Grüße 😀 aus Zürich.\n\nThe 🇨🇭 flag and 日本語 text; then 𝄞 music ends."



def local(el: ET.Element) -> str:
    return el.tag.rsplit("}", 1)[-1]


def count_xml(xml: bytes) -> dict[str, int]:
    """Count elements by local name, independently of the reader under test."""
    counts: dict[str, int] = {}
    for el in ET.fromstring(xml).iter():
        counts[local(el)] = counts.get(local(el), 0) + 1
    return counts


def guids_of(xml: bytes, name: str) -> set[str]:
    return {el.get("guid").strip("{}").lower() for el in ET.fromstring(xml).iter()
            if local(el) == name}


def all_codes(codes):
    return [c for c, _ in refi.iter_codes(codes)]


def canonical(project: RefiProject) -> RefiProject:
    """The project with selections and codings in the order the writer uses."""
    project = copy.deepcopy(project)
    for source in project.sources:
        source.selections.sort(key=lambda s: (s.start, s.end, s.guid))
        for sel in source.selections:
            sel.codings.sort(key=lambda c: (c.user_guid, c.code_guid))
    return project


def make_qdpx(path: Path, qde: str, files: dict[str, bytes | str], qde_name="project.qde"):
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr(qde_name, qde)
        for name, data in files.items():
            zf.writestr(name, data)
    return path


def utf16_offset(text: str, cp: int) -> int:
    return len(text[:cp].encode("utf-16-le")) // 2


# ------------------------------------------------------------------------- samples


@needs_samples
@pytest.mark.parametrize("name", SAMPLE_FILES)
def test_sample_reads_everything_it_holds(name):
    path = SAMPLES / name
    if path.suffix == ".qdc":
        xml = path.read_bytes()
        codes, warnings = refi.read_qdc(path)
        assert {c.guid for c in all_codes(codes)} == guids_of(xml, "Code")
    else:
        with zipfile.ZipFile(path) as zf:
            xml = zf.read("project.qde")
        project, warnings = refi.read_qdpx(path)
        counts = count_xml(xml)
        assert {c.guid for c in all_codes(project.codes)} == guids_of(xml, "Code")
        assert {s.guid for s in project.sources} == guids_of(xml, "TextSource")
        assert {u.guid for u in project.users} == guids_of(xml, "User")
        selections = [x for s in project.sources for x in s.selections]
        assert {x.guid for x in selections} == guids_of(xml, "PlainTextSelection")
        assert sum(len(x.codings) for x in selections) == counts.get("CodeRef", 0)
    for phrase in EXPECTED_WARNINGS.get(name, []):
        assert any(phrase in w for w in warnings), (phrase, warnings)
    assert all("\n" not in w for w in warnings)


@needs_samples
def test_taguette_hierarchy_is_rebuilt():
    codes, _ = refi.read_qdc(SAMPLES / "taguette-1.5.2_codebook.qdc")
    assert [c.name for c in codes] == ["interesting", "people"]
    assert [c.name for c in codes[0].children] == ["places"]


@needs_samples
def test_qc_sample_offsets_are_code_points_and_users_kept():
    project, warnings = refi.read_qdpx(SAMPLES / "qc-1.3.2_demo.qdpx")
    assert not any("converted to code points" in w for w in warnings)
    assert [u.name for u in project.users] == ["cp"]
    board = next(s for s in project.sources if s.name == "board_2017")
    with zipfile.ZipFile(SAMPLES / "qc-1.3.2_demo.qdpx") as zf:
        text = zf.read("sources/board_2017.txt").decode("utf-8")
    assert board.text == text
    first = board.selections[0]
    assert first.end > first.start
    assert board.text[first.start:first.end].startswith("This district goal")


@needs_samples
@pytest.mark.parametrize("name", [n for n in SAMPLE_FILES if n.endswith(".qdpx")])
def test_sample_project_reexport_validates(name, tmp_path):
    project, _ = refi.read_qdpx(SAMPLES / name)
    out = tmp_path / "again.qdpx"
    refi.write_qdpx(project, out)
    validate(out)
    again, warnings = refi.read_qdpx(out)
    assert again == canonical(project)
    assert warnings == [] or all("no text" in w or "no codings" in w for w in warnings)


@needs_samples
@pytest.mark.parametrize("name", [n for n in SAMPLE_FILES if n.endswith(".qdc")])
def test_sample_codebook_reexport_validates(name, tmp_path):
    codes, _ = refi.read_qdc(SAMPLES / name)
    out = tmp_path / "again.qdc"
    refi.write_qdc(codes, out)
    validate(out)
    assert refi.read_qdc(out) == (codes, [])


# ---------------------------------------------------------------------- round trips


def sample_codes() -> list[RefiCode]:
    return [
        RefiCode(stable_guid("t", "framing"), "Discursive framing", "How actors frame it.",
                 "#1F77B4", codable=False, children=[
                     RefiCode(stable_guid("t", "sec"), "Security framing", "Threat & order",
                              "#ff7f0e"),
                     RefiCode(stable_guid("t", "eco"), "Économie <marché>", children=[
                         RefiCode(stable_guid("t", "deep"), "Deeper 😀 level")]),
                 ]),
        RefiCode(stable_guid("t", "type"), "Partnership type", 'Quotes " and \\ backslash'),
    ]


def sample_project() -> RefiProject:
    alice, bob = stable_guid("user", "alice"), stable_guid("user", "bob")
    sec, eco, deep = stable_guid("t", "sec"), stable_guid("t", "eco"), stable_guid("t", "deep")
    text = EMOJI_TEXT
    flag = text.index("🇨🇭")
    music = text.index("𝄞")
    return RefiProject(
        name="Migration partnerships",
        users=[RefiUser(alice, "alice"), RefiUser(bob, "Bøb")],
        codes=sample_codes(),
        sources=[
            RefiSource(stable_guid("doc", "a"), "case-a/interview-1", text, selections=[
                RefiSelection(stable_guid("sel", 1), 0, 7, codings=[
                    RefiCoding(sec, alice, note="Greeting with emoji"),
                    RefiCoding(eco, alice),
                    RefiCoding(sec, bob),
                ], notes=[RefiNote(stable_guid("memo", 1), "Excerpt memo ✍", alice)]),
                RefiSelection(stable_guid("sel", 2), flag, flag + 2,
                              codings=[RefiCoding(deep, bob)]),
                RefiSelection(stable_guid("sel", 3), music, len(text),
                              codings=[RefiCoding(eco, bob)]),
            ]),
            RefiSource(stable_guid("doc", "b"), "case-b/report", "Plain ASCII.\n\nSecond."),
        ],
        notes=[RefiNote(stable_guid("memo", "p"), "Project memo", None, "About")],
        cases=[RefiCase(stable_guid("case", "a"), "case-a", "First case",
                        [stable_guid("doc", "a")]),
               RefiCase(stable_guid("case", "b"), "case-b", "", [stable_guid("doc", "b")])],
    )


def test_qdc_round_trip_validates_and_is_byte_stable(tmp_path):
    codes = sample_codes()
    out = tmp_path / "codebook.qdc"
    refi.write_qdc(codes, out)
    validate(out)
    read, warnings = refi.read_qdc(out)
    assert warnings == []
    assert read == codes
    assert refi.dump_qdc(codes) == out.read_bytes() == refi.dump_qdc(read)


def test_qdpx_round_trip_validates_and_is_byte_stable(tmp_path):
    project = sample_project()
    out = tmp_path / "project.qdpx"
    refi.write_qdpx(project, out, created="2024-05-01T10:00:00Z")
    validate(out)
    read, warnings = refi.read_qdpx(out)
    assert warnings == []
    assert read == canonical(project)
    assert read.origin == "qcoder"
    again = refi.dump_qdpx(read, created="2024-05-01T10:00:00Z")
    assert again == out.read_bytes()
    assert refi.dump_qdpx(project) != again  # the creation time is the only difference


def test_qdpx_layout_follows_the_spec(tmp_path):
    out = tmp_path / "p.qdpx"
    refi.write_qdpx(sample_project(), out)
    with zipfile.ZipFile(out) as zf:
        names = zf.namelist()
        assert names[0] == "project.qde"
        assert all(i.date_time == (1980, 1, 1, 0, 0, 0) for i in zf.infolist())
        root = ET.fromstring(zf.read("project.qde"))
        src = stable_guid("doc", "a")
        assert zf.read(f"sources/{src}.txt").decode("utf-8") == EMOJI_TEXT
    assert sorted(names[1:]) == names[1:]
    order = [local(el) for el in root]
    assert order == ["Users", "CodeBook", "Cases", "Sources", "Notes", "NoteRef"]
    users = {u.get("guid") for u in root.iter("{urn:QDA-XML:project:1.0}User")}
    codings = list(root.iter("{urn:QDA-XML:project:1.0}Coding"))
    assert len(codings) == 5
    for coding in codings:
        assert len(coding.findall("{urn:QDA-XML:project:1.0}CodeRef")) == 1
        assert coding.get("creatingUser") in users
    paths = [s.get("plainTextPath") for s in root.iter("{urn:QDA-XML:project:1.0}TextSource")]
    assert paths == [f"internal://{stable_guid('doc', x)}.txt" for x in ("a", "b")]


def test_empty_containers_are_never_written(tmp_path):
    project = RefiProject(name="bare", sources=[RefiSource(stable_guid("s"), "s", "text")])
    out = tmp_path / "bare.qdpx"
    refi.write_qdpx(project, out)
    validate(out)
    with zipfile.ZipFile(out) as zf:
        root = ET.fromstring(zf.read("project.qde"))
    assert [local(el) for el in root] == ["Sources"]
    assert refi.read_qdpx(out)[0] == project


def test_offsets_written_are_code_points(tmp_path):
    out = tmp_path / "p.qdpx"
    refi.write_qdpx(sample_project(), out)
    with zipfile.ZipFile(out) as zf:
        root = ET.fromstring(zf.read("project.qde"))
    ends = sorted(int(s.get("endPosition"))
                  for s in root.iter("{urn:QDA-XML:project:1.0}PlainTextSelection"))
    assert ends[-1] == len(EMOJI_TEXT)  # not the UTF-16 length
    read, _ = refi.read_qdpx(out)
    sels = read.sources[0].selections
    assert [EMOJI_TEXT[s.start:s.end] for s in sels] == ["Grüße 😀", "🇨🇭", "𝄞 music ends."]


# ------------------------------------------------------------------ hand-made files


def hand_qde(text_attr: str, selections: list[tuple[int, int]], ns="urn:QDA-XML:project:1.0",
             content: str | None = None, user_attr='guid="{U}"', coding_user=True) -> str:
    user = "0A1B2C3D-0000-4000-8000-00000000000A"
    code = "{0a1b2c3d-0000-4000-8000-00000000000b}"
    sels = "".join(
        f'<PlainTextSelection guid="0a1b2c3d-0000-4000-8000-0000000001{i:02d}" '
        f'startPosition="{s}" endPosition="{e}"><Coding guid="0a1b2c3d-0000-4000-8000-'
        f'0000000002{i:02d}"{f" creatingUser={chr(34)}{user}{chr(34)}" if coding_user else ""}>'
        f'<CodeRef targetGUID="{code}"/></Coding></PlainTextSelection>'
        for i, (s, e) in enumerate(selections))
    body = f"<PlainTextContent>{content}</PlainTextContent>" if content is not None else ""
    return (f'<?xml version="1.0" encoding="utf-8"?><Project xmlns="{ns}" name="hand" '
            f'origin="hand"><Users><User {user_attr.format(U=user)} name="Ana"/></Users>'
            f'<CodeBook><Codes><Code guid="{code}" name="c" isCodable="true"/></Codes>'
            f'</CodeBook><Sources><TextSource guid="0a1b2c3d-0000-4000-8000-00000000000c" '
            f'name="doc" {text_attr}>{body}{sels}</TextSource></Sources></Project>')


def spans_of(text: str, words: list[str]) -> list[tuple[int, int]]:
    return [(text.index(w), text.index(w) + len(w)) for w in words]


WORDS = ["Grüße", "Zürich", "flag", "日本語", "music"]
SRC = "sources/0a1b2c3d-0000-4000-8000-00000000000c.txt"
PATH = 'plainTextPath="internal://0a1b2c3d-0000-4000-8000-00000000000c.txt"'


def test_hand_made_code_point_offsets_land_on_the_right_characters(tmp_path):
    spans = spans_of(EMOJI_TEXT, WORDS)
    path = make_qdpx(tmp_path / "cp.qdpx", hand_qde(PATH, spans), {SRC: EMOJI_TEXT})
    project, warnings = refi.read_qdpx(path)
    source = project.sources[0]
    assert [source.text[s.start:s.end] for s in source.selections] == WORDS
    assert not any("converted" in w for w in warnings)
    assert project.users[0].guid == "0a1b2c3d-0000-4000-8000-00000000000a"
    assert project.codes[0].guid == "0a1b2c3d-0000-4000-8000-00000000000b"
    assert source.selections[0].codings == [RefiCoding(project.codes[0].guid,
                                                       project.users[0].guid)]


def test_utf16_offsets_are_detected_and_converted(tmp_path):
    spans = [(utf16_offset(EMOJI_TEXT, s), utf16_offset(EMOJI_TEXT, e))
             for s, e in spans_of(EMOJI_TEXT, WORDS)]
    assert spans != spans_of(EMOJI_TEXT, WORDS)
    path = make_qdpx(tmp_path / "u16.qdpx", hand_qde(PATH, spans),
                     {SRC: "\ufeff" + EMOJI_TEXT})
    project, warnings = refi.read_qdpx(path)
    source = project.sources[0]
    assert source.text == EMOJI_TEXT  # the BOM is gone
    assert [source.text[s.start:s.end] for s in source.selections] == WORDS
    assert any("UTF-16 code units" in w and "'doc'" in w for w in warnings), warnings


def test_utf16_offset_past_the_end_is_detected(tmp_path):
    # Only the last selection tells: in code points it runs past the end of the text.
    text = "😀😀 tail"
    spans = [(0, 0), (utf16_offset(text, 3), utf16_offset(text, len(text)))]
    path = make_qdpx(tmp_path / "end.qdpx", hand_qde(PATH, spans), {SRC: text})
    project, warnings = refi.read_qdpx(path)
    last = project.sources[0].selections[-1]
    assert text[last.start:last.end] == "tail"
    assert any("UTF-16" in w for w in warnings)


def test_crlf_counted_as_one_character_is_detected(tmp_path):
    text = "First line here.\r\nSecond line with Zürich.\r\nThird line: flag."
    lf = text.replace("\r\n", "\n")
    spans = spans_of(lf, ["Second", "Zürich", "flag"])
    path = make_qdpx(tmp_path / "crlf.qdpx", hand_qde(PATH, spans), {SRC: text.encode()})
    project, warnings = refi.read_qdpx(path)
    source = project.sources[0]
    assert [source.text[s.start:s.end] for s in source.selections] == ["Second", "Zürich", "flag"]
    assert any("CRLF" in w for w in warnings), warnings


def test_inline_text_old_namespace_and_guid_quirks(tmp_path):
    spans = spans_of(EMOJI_TEXT, WORDS[:2])
    qde = hand_qde("", spans, ns="urn:QDA-XML:project:1:0", content=EMOJI_TEXT,
                   user_attr='id="{U}"', coding_user=False)
    path = make_qdpx(tmp_path / "old.qdpx", qde, {})
    project, warnings = refi.read_qdpx(path)
    source = project.sources[0]
    assert [source.text[s.start:s.end] for s in source.selections] == WORDS[:2]
    joined = " | ".join(warnings)
    for phrase in ("project:1:0", "braces", "uppercase", "'id' instead of 'guid'",
                   "no creatingUser; attributed to 'Ana'"):
        assert phrase in joined
    assert [u.name for u in project.users] == ["Ana"]
    assert all(c.user_guid == project.users[0].guid
               for s in source.selections for c in s.codings)


def test_bare_paths_and_folder_case_are_tolerated(tmp_path):
    qde = hand_qde('plainTextPath="Doc One.txt"', spans_of(EMOJI_TEXT, WORDS[:1]))
    path = make_qdpx(tmp_path / "bare.qdpx", qde, {"Sources/Doc One.txt": EMOJI_TEXT})
    project, warnings = refi.read_qdpx(path)
    assert project.sources[0].text == EMOJI_TEXT
    assert any("internal://" in w for w in warnings)
    assert any("'Sources'" in w for w in warnings)


def test_empty_document_and_unplaceable_selection_warn(tmp_path):
    qde = hand_qde(PATH, [(0, 0), (3, 9)])
    path = make_qdpx(tmp_path / "empty.qdpx", qde, {SRC: ""})
    project, warnings = refi.read_qdpx(path)
    assert [(s.start, s.end) for s in project.sources[0].selections] == [(0, 0)]
    assert any("have no text" in w for w in warnings)
    assert any("outside its text" in w and "3-9" in w for w in warnings)


def test_cjk_code_point_offsets_are_not_mistaken_for_utf16(tmp_path):
    text = "😀日本語の文章です。𝄞テストの文"
    words = ["本語", "文章", "テスト", "の文"]
    spans = [(text.index(w), text.index(w) + len(w)) for w in words]
    spans[-1] = (text.rindex("の文"), len(text))
    path = make_qdpx(tmp_path / "cjk.qdpx", hand_qde(PATH, spans), {SRC: text})
    project, warnings = refi.read_qdpx(path)
    source = project.sources[0]
    assert [source.text[s.start:s.end] for s in source.selections] == words
    assert not any("converted" in w for w in warnings)


def test_codings_other_tools_get_wrong_are_tolerated(tmp_path):
    code = "0a1b2c3d-0000-4000-8000-00000000000b"
    other = "0a1b2c3d-0000-4000-8000-0000000000ff"
    qde = hand_qde(PATH, [(0, 5)]).replace(
        "</Coding>", f'<CodeRef targetGUID="{other}"/><CodeRef targetGUID="{code}"/></Coding>'
    ).replace("</Sources>", '<PDFSource guid="0a1b2c3d-0000-4000-8000-0000000000ee" '
                            'name="scan"/></Sources>')
    project, warnings = refi.read_qdpx(make_qdpx(tmp_path / "q.qdpx", qde, {SRC: EMOJI_TEXT}))
    assert len(project.sources[0].selections[0].codings) == 1
    joined = " | ".join(warnings)
    for phrase in ("holds 3 <CodeRef>s", "refer to codes not in the codebook",
                   "repeat a code", "skipped 1 PDFSource"):
        assert phrase in joined, joined


def test_resolve_offsets_prefers_code_points_on_ties():
    text = "a 😀 b"
    assert refi.resolve_offsets(text, [(0, 1), (4, 5)]) == ("code points", [(0, 1), (4, 5)])
    assert refi.resolve_offsets(text, [(5, 6)])[0].startswith("UTF-16")
    assert refi.resolve_offsets(text, [(9, 12)]) == ("code points", [None])


# ---------------------------------------------------------------------------- errors


def assert_one_line(exc: pytest.ExceptionInfo, *phrases: str) -> None:
    message = str(exc.value)
    assert "\n" not in message
    assert isinstance(exc.value, QcoderError)
    for phrase in phrases:
        assert phrase in message, message


def test_malformed_zip(tmp_path):
    path = tmp_path / "broken.qdpx"
    path.write_bytes(b"PK\x03\x04 this is not really a zip")
    with pytest.raises(RefiError) as exc:
        refi.read_qdpx(path)
    assert_one_line(exc, "broken.qdpx", "not a zip archive")


def test_zip_without_project_qde(tmp_path):
    path = make_qdpx(tmp_path / "noqde.qdpx", "", {SRC: "x"}, qde_name="readme.txt")
    with pytest.raises(RefiError) as exc:
        refi.read_qdpx(path)
    assert_one_line(exc, "noqde.qdpx", "no project.qde")


def test_malformed_project_xml(tmp_path):
    path = make_qdpx(tmp_path / "bad.qdpx", "<Project name='x'><Users></Project>", {})
    with pytest.raises(RefiError) as exc:
        refi.read_qdpx(path)
    assert_one_line(exc, "bad.qdpx: project.qde", "not well-formed XML", "line 1")


def test_malformed_codebook_xml(tmp_path):
    path = tmp_path / "bad.qdc"
    path.write_text('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>', encoding="utf-8")
    with pytest.raises(RefiError) as exc:
        refi.read_qdc(path)
    assert_one_line(exc, "bad.qdc", "not well-formed XML")


def test_wrong_kind_of_file(tmp_path):
    out = tmp_path / "p.qdpx"
    refi.write_qdpx(sample_project(), out)
    with pytest.raises(RefiError) as exc:
        refi.read_qdc(out)
    assert_one_line(exc, "import it as .qdpx")
    with pytest.raises(RefiError) as exc:
        refi.read_qdpx(tmp_path / "missing.qdpx")
    assert_one_line(exc, "file not found")


def test_structural_problems_are_listed(tmp_path):
    path = tmp_path / "struct.qdc"
    path.write_text('<CodeBook xmlns="urn:QDA-XML:codebook:1.0"><Codes>'
                    '<Code name="a" isCodable="true"/>'
                    '<Code guid="nope" name="b" isCodable="true"/>'
                    '<Code guid="0a1b2c3d-0000-4000-8000-00000000000b" isCodable="true"/>'
                    '<Code guid="0a1b2c3d-0000-4000-8000-00000000000b" name="d" isCodable="1"/>'
                    '<Code guid="zz" name="e" isCodable="true"/>'
                    "</Codes></CodeBook>", encoding="utf-8")
    with pytest.raises(RefiError) as exc:
        refi.read_qdc(path)
    assert_one_line(exc, "not a valid REFI-QDA codebook", "<Code name='a'> has no guid",
                    "'nope' is not a GUID", "has no name", "(and 2 more)")


def test_selection_without_positions_and_missing_text_file(tmp_path):
    qde = hand_qde(PATH, [(0, 1)]).replace('startPosition="0" ', "")
    with pytest.raises(RefiError) as exc:
        refi.read_qdpx(make_qdpx(tmp_path / "a.qdpx", qde, {SRC: "text"}))
    assert_one_line(exc, "no integer startPosition")
    with pytest.raises(RefiError) as exc:
        refi.read_qdpx(make_qdpx(tmp_path / "b.qdpx", hand_qde(PATH, [(0, 1)]), {}))
    assert_one_line(exc, "is not in the archive")


def test_writer_refuses_inconsistent_models(tmp_path):
    project = sample_project()
    project.sources[0].selections[0].codings.append(RefiCoding(stable_guid("nope"),
                                                               project.users[0].guid))
    with pytest.raises(RefiError, match="not in the codebook"):
        refi.write_qdpx(project, tmp_path / "x.qdpx")
    project = sample_project()
    project.sources[1].selections.append(RefiSelection(stable_guid("s"), 0, 999))
    with pytest.raises(RefiError, match="outside its text"):
        refi.write_qdpx(project, tmp_path / "x.qdpx")
    project = sample_project()
    project.users.append(RefiUser(project.users[0].guid, "twin"))
    with pytest.raises(RefiError, match="used twice"):
        refi.write_qdpx(project, tmp_path / "x.qdpx")
    with pytest.raises(RefiError, match="without codes"):
        refi.write_qdc([], tmp_path / "x.qdc")
    assert not (tmp_path / "x.qdpx").exists()


def test_writer_error_in_a_late_source_leaves_the_old_file_and_no_partial_one(tmp_path):
    out = tmp_path / "x.qdpx"
    refi.write_qdpx(sample_project(), out)
    before = out.read_bytes()
    project = sample_project()
    project.sources[-1].selections.append(RefiSelection(stable_guid("late"), 0, 10**6))
    with pytest.raises(RefiError, match="outside its text"):
        refi.write_qdpx(project, out)
    assert out.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["x.qdpx"]


def test_project_qde_is_laid_out_as_lxml_writes_its_tree(tmp_path):
    """The sources are written as text: the document is the one lxml writes (two-space
    indentation) for the same elements, with awkward names and memos escaped alike."""
    from lxml import etree

    project = sample_project()
    project.name = 'Quotes " & <angles> \ttab'
    project.sources[1].name = "R&D <draft> \"final\"\nsecond line"
    project.sources[0].selections[0].codings[1].note = "a <memo> & more\r\nline"
    with zipfile.ZipFile(io.BytesIO(refi.dump_qdpx(project, created="2024-05-01T10:00:00Z"))) \
            as zf:
        written = zf.read("project.qde")
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_DEFLATED}
    root = etree.fromstring(written)
    etree.indent(root, space="  ")
    assert etree.tostring(root, encoding="utf-8", xml_declaration=True) + b"\n" == written
    assert b"<Sources>" in written and written.count(b"<TextSource ") == 2


# ------------------------------------------------------------------ GUIDs, codebook


def test_stable_guid():
    g = stable_guid("code", "framing")
    assert g == stable_guid("code", "framing") != stable_guid("code", "framing2")
    assert g == g.lower() and refi.normalize_guid(g) == g and len(g) == 36
    assert refi.normalize_guid("{0A1B2C3D-0000-4000-8000-00000000000B}") == (
        "0a1b2c3d-0000-4000-8000-00000000000b")


CODEBOOK_DATA = {
    "name": "Migration partnerships",
    "version": 1,
    "codes": [
        {"id": "framing", "label": "Discursive framing", "definition": "How it is framed.",
         "color": "#1F77B4", "codes": [
             {"id": "framing-security", "label": "Security framing", "definition": "Threat."},
             {"id": "framing-economy", "label": "Économie", "definition": "Jobs."},
         ]},
        {"id": "partnership-type", "label": "Partnership type", "definition": "Kind.",
         "exclusive": True, "codes": [
             {"id": "bilateral", "label": "Bilateral", "definition": "Two states."}]},
    ],
}


class FakeCode:
    def __init__(self, id, label, definition="", color=None, parent=None, children=()):
        self.id, self.label, self.definition = id, label, definition
        self.color, self.parent, self.children = color, parent, tuple(children)


class FakeCodebook:
    def __init__(self, codes):
        self.codes = {c.id: c for c in codes}


def test_codes_from_duck_typed_codebook():
    book = FakeCodebook([FakeCode("a", "A", "def", "#aabbcc", None, ["b"]),
                         FakeCode("b", "B", parent="a")])
    codes = refi.codes_from_codebook(book)
    assert codes == [RefiCode(refi.code_guid("a"), "A", "def", "#aabbcc", True, [
        RefiCode(refi.code_guid("b"), "B")])]
    assert refi.codes_from_codebook(book, scope="p2")[0].guid != codes[0].guid


def test_codebook_round_trip_through_qdc(tmp_path):
    codebook_mod = pytest.importorskip("qcoder.project.codebook")
    book = codebook_mod.codebook_from_dict(CODEBOOK_DATA)
    out = tmp_path / "book.qdc"
    refi.write_qdc(refi.codes_from_codebook(book), out)
    validate(out)
    codes, warnings = refi.read_qdc(out)
    assert warnings == []
    data = refi.codebook_dict_from_codes(codes, book.name)
    again = codebook_mod.codebook_from_dict(data)
    assert list(again.codes) == ["discursive-framing", "security-framing", "economie",
                                 "partnership-type", "bilateral"]
    assert [c.label for c in again] == [c.label for c in book]
    assert [c.definition for c in again] == [c.definition for c in book]
    assert [c.color for c in again] == [c.color for c in book]
    assert [c.depth for c in again] == [c.depth for c in book]


def test_code_ids_are_unique_slugs():
    codes = [RefiCode("g1", "Programming", children=[RefiCode("g2", "Programming")]),
             RefiCode("g3", "cs_as_programming", children=[RefiCode("g4", "Programming")]),
             RefiCode("g5", "日本語"), RefiCode("g6", "日本"), RefiCode("g7", "  --Ünïcödé!!  ")]
    ids = refi.code_ids(codes)
    assert ids == {"g1": "programming", "g2": "programming-programming",
                   "g3": "cs-as-programming", "g4": "cs-as-programming-programming",
                   "g5": "code", "g6": "code-2", "g7": "unicode"}
    assert all(re.match(r"^[a-z0-9][a-z0-9-]*$", i) for i in ids.values())


@needs_samples
def test_sample_codebooks_become_valid_yaml_codebooks():
    codebook_mod = pytest.importorskip("qcoder.project.codebook")
    for name in SAMPLE_FILES:
        path = SAMPLES / name
        codes = (refi.read_qdc(path) if path.suffix == ".qdc" else
                 (refi.read_qdpx(path)[0].codes, []))[0]
        book = codebook_mod.codebook_from_dict(refi.codebook_dict_from_codes(codes, name))
        assert len(book) == len(all_codes(codes))


@settings(max_examples=200, deadline=None)
@given(st.lists(st.text() | st.integers(), max_size=4))
def test_stable_guid_is_the_rfc_4122_name_based_uuid(keys):
    """Version 5 (SHA-1) UUIDs of RFC 4122 section 4.3, as Python's ``uuid.uuid5`` makes
    them, over the fixed namespace: what earlier exports wrote, so GUIDs stay the same."""
    name = "\x1f".join(str(k) for k in keys)
    assert refi.stable_guid(*keys) == str(uuid.uuid5(refi.GUID_NAMESPACE, name))
