"""Document formats: PDF, WebVTT/SRT transcripts, ODT, HTML and RTF files made here, read
into excerpts with their pages and times; damaged, encrypted, empty and inflating files
give one line and import nothing."""

from __future__ import annotations

import csv
import io
import json
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import Cli, write_docx

from qcoder.errors import CorpusError
from qcoder.project.corpus import load_case, load_document
from qcoder.project.formats import archive
from qcoder.store.database import Store

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "scripts"))
from minipdf import pdf_bytes, write_pdf  # noqa: E402

HEADER = "Mobility Partnership Review"
PAGES = [
    [HEADER, "The parties agree to cooperate on the manage-",
     "ment of migration and on legal pathways for", "students and workers.", "",
     "Returns are the second pillar of the partner-", "ship and its most disputed",
     "part, say both sides", "Page 1 of 2"],
    [HEADER, "in their annual reports.", "", "Funding comes last.", "Page 2 of 2"],
]

VTT = """\
WEBVTT

00:00:01.000 --> 00:00:04.000
<v Ana Ruiz>How did the partnership
<v Ana Ruiz>start?

00:00:04.500 --> 00:00:09.250
<v Official>It began with talks &amp; returns.

00:00:09.250 --> 00:00:12.000
then visas followed.

00:00:12.500 --> 00:00:14.000
Ana Ruiz: And money?
"""

SRT = """\
1
00:00:01,000 --> 00:00:03,000
Interviewer: Who funds it?

2
00:00:03,500 --> 00:00:06,000
Official: The Union does.

3
00:00:06,000 --> 00:00:08,000
Official: Mostly for borders.
"""


def texts(doc) -> list[str]:  # noqa: ANN001
    return [e.text for e in doc.excerpts]


def place(tmp_path: Path, name: str, data: bytes | str) -> Path:
    folder = tmp_path / "alpha"
    folder.mkdir(exist_ok=True)
    path = folder / name
    path.write_bytes(data.encode() if isinstance(data, str) else data)
    return path


def assert_offsets(doc) -> None:  # noqa: ANN001
    for e in doc.excerpts:
        assert doc.text[e.start:e.end] == e.text


# -- PDF --------------------------------------------------------------------------------------
def test_pdf_paragraphs_rebuilt_with_pages_and_without_running_lines(tmp_path: Path) -> None:
    d = load_document("alpha", write_pdf(tmp_path / "review.pdf", PAGES))
    assert texts(d) == [
        "The parties agree to cooperate on the management of migration and on legal pathways "
        "for students and workers.",
        "Returns are the second pillar of the partnership and its most disputed part, say "
        "both sides in their annual reports.",
        "Funding comes last.",
    ]
    assert [e.page for e in d.excerpts] == [1, 1, 2]
    assert HEADER not in d.text and "Page" not in d.text
    assert_offsets(d)


def test_scanned_pdf_needs_ocr(tmp_path: Path) -> None:
    path = place(tmp_path, "scan.pdf", pdf_bytes([[], []], images_only=True))
    with pytest.raises(CorpusError, match=r"scan\.pdf: the PDF has no text layer .*needs OCR"):
        load_document("alpha", path)


def test_encrypted_pdf_is_refused_in_one_line(tmp_path: Path) -> None:
    from pypdf import PdfReader, PdfWriter

    writer = PdfWriter(clone_from=PdfReader(io.BytesIO(pdf_bytes(PAGES))))
    writer.encrypt(user_password="secret", algorithm="RC4-128")
    out = io.BytesIO()
    writer.write(out)
    path = place(tmp_path, "locked.pdf", out.getvalue())
    with pytest.raises(CorpusError, match=r"locked\.pdf: the PDF is encrypted") as err:
        load_document("alpha", path)
    assert "\n" not in str(err.value)


@pytest.mark.parametrize(("name", "data", "message"), [
    ("broken.pdf", b"%PDF-1.4\nthis is not really a PDF", r"cannot read the PDF"),
    ("empty.pdf", b"", r"the file is empty"),
    ("broken.odt", b"PK\x03\x04 truncated", r"cannot read \.odt"),
    ("broken.rtf", b"plain words, no RTF", r"not an RTF file"),
    ("broken.vtt", "00:00:01.000 --> 00:00:02.000\nno header\n", r"not a WebVTT transcript"),
    ("silent.vtt", "WEBVTT\n\n", r"no cues with text"),
    ("latin1.html", "<p>caf\xe9</p>".encode("latin-1"), r"latin1\.html:1: not UTF-8"),
])
def test_damaged_files_give_one_line(tmp_path: Path, name: str, data: bytes | str,
                                     message: str) -> None:
    path = place(tmp_path, name, data)
    with pytest.raises(CorpusError, match=message) as err:
        load_document("alpha", path)
    assert str(err.value).startswith(str(path)) and "\n" not in str(err.value)


# -- transcripts ------------------------------------------------------------------------------
def test_vtt_turns_merge_cues_of_one_speaker_and_keep_times(tmp_path: Path) -> None:
    d = load_document("alpha", place(tmp_path, "talk.vtt", VTT))
    assert texts(d) == ["Ana Ruiz: How did the partnership start?",
                        "Official: It began with talks & returns. then visas followed.",
                        "Ana Ruiz: And money?"]
    assert [e.speaker for e in d.excerpts] == ["Ana Ruiz", "Official", "Ana Ruiz"]
    assert [(e.media_start, e.media_end) for e in d.excerpts] == [
        (1000, 4000), (4500, 12000), (12500, 14000)]
    assert d.kind == "interview"
    assert_offsets(d)


def test_srt_speakers_from_name_prefix(tmp_path: Path) -> None:
    d = load_document("alpha", place(tmp_path, "talk.srt", SRT))
    assert texts(d) == ["Interviewer: Who funds it?",
                        "Official: The Union does. Mostly for borders."]
    assert [(e.speaker, e.media_start, e.media_end) for e in d.excerpts] == [
        ("Interviewer", 1000, 3000), ("Official", 3500, 8000)]


# -- ODT, HTML, RTF ---------------------------------------------------------------------------
def write_odt(path: Path) -> Path:
    from odf.opendocument import OpenDocumentText
    from odf.text import H, P

    document = OpenDocumentText()
    document.text.addElement(H(outlinelevel=1, text="Returns"))
    document.text.addElement(P(text="Returns shall be organised within thirty days."))
    document.text.addElement(H(outlinelevel=2, text="Visas"))
    document.text.addElement(P(text="Visa fees are reduced for students 🎓."))
    document.save(str(path))
    return path


def test_odt_paragraphs_and_headings(tmp_path: Path) -> None:
    d = load_document("alpha", write_odt(tmp_path / "memo.odt"))
    assert texts(d) == ["Returns shall be organised within thirty days.",
                        "Visa fees are reduced for students 🎓."]
    assert [e.section for e in d.excerpts] == ["Returns", "Visas"]
    assert_offsets(d)


def test_html_blocks_headings_and_title(tmp_path: Path) -> None:
    page = ("<html><head><title>Press release</title><style>p {color: red}</style></head>"
            "<body><h1>Mobile consulates</h1><p>The consulates travel\n   to 40 cities.</p>"
            "<script>var x = 1;</script><ul><li>Passports &amp; IDs</li><li>Help</li></ul>"
            "<h2>Funding</h2><div>Paid by the <b>ministry</b>.</div></body></html>")
    d = load_document("alpha", place(tmp_path, "release.html", page))
    assert d.title == "Press release"
    assert texts(d) == ["The consulates travel to 40 cities.", "Passports & IDs", "Help",
                        "Paid by the ministry."]
    assert [e.section for e in d.excerpts] == ["Mobile consulates"] * 3 + ["Funding"]


def test_rtf_paragraphs(tmp_path: Path) -> None:
    rtf = (r"{\rtf1\ansi\deff0{\fonttbl{\f0 Times;}}\f0 First paragraph, caf\'e9.\par"
           r"\par Second paragraph.\par}")
    d = load_document("alpha", place(tmp_path, "note.rtf", rtf))
    assert texts(d) == ["First paragraph, café.", "Second paragraph."]


# -- metadata, bombs, import ------------------------------------------------------------------
def test_sidecar_gives_a_binary_document_its_metadata(tmp_path: Path) -> None:
    path = write_pdf(tmp_path / "review.pdf", PAGES)
    (tmp_path / "review.meta.yaml").write_text(
        "title: Review 2019\nkind: evaluation\ndate: 2019-06-01\nfunder: EU\n", encoding="utf-8")
    d = load_document("alpha", path)
    assert (d.title, d.kind, d.date, d.attributes) == (
        "Review 2019", "evaluation", "2019-06-01", {"funder": "EU"})


def test_sidecar_and_front_matter_together_are_refused(tmp_path: Path) -> None:
    path = place(tmp_path, "talk.txt", "---\ntitle: A\n---\nHello.\n")
    (path.parent / "talk.meta.yaml").write_text("title: B\n", encoding="utf-8")
    with pytest.raises(CorpusError, match=r"talk\.meta\.yaml:1: talk\.txt has front matter"):
        load_document("alpha", path)


@pytest.mark.parametrize("suffix", [".docx", ".odt"])
def test_archive_that_inflates_past_the_limit_is_refused(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str) -> None:
    path = tmp_path / f"big{suffix}"
    if suffix == ".docx":
        write_docx(path, [("Hello.", None)])
    else:
        write_odt(path)
    with zipfile.ZipFile(path, "a") as z:
        z.writestr("padding.xml", b"\0" * 2_000_000, compress_type=zipfile.ZIP_DEFLATED)
    assert path.stat().st_size < 100_000
    monkeypatch.setattr(archive, "MAX_INFLATED", 1_000_000)
    with pytest.raises(CorpusError, match=r"inflate to 2\.\d MB, more than the 1\.0 MB"):
        load_document("alpha", path)


def test_unreadable_files_are_listed_as_skipped(tmp_path: Path) -> None:
    place(tmp_path, "talk.txt", "Hello.\n")
    place(tmp_path, "audio.mp3", b"ID3")
    place(tmp_path, "talk.meta.yaml", "title: Talk\n")
    case = load_case(tmp_path / "alpha")
    assert [p.name for p in case.skipped] == ["audio.mp3"]


def test_import_reports_skipped_files_and_exports_pages_and_times(cli: Cli) -> None:
    alpha = cli.project / "cases" / "alpha"
    write_pdf(alpha / "review.pdf", PAGES)
    (alpha / "talk.vtt").write_text(VTT, encoding="utf-8")
    (alpha / "recording.m4a").write_bytes(b"\0")
    result = cli.ok("import")
    assert "recording.m4a: skipped, qcoder does not read .m4a; it reads .txt .md .docx" \
        in result.stderr
    rows = "excerpt,code,coder\nalpha/review#3,linkage-visa,ann\nalpha/talk#2,ptype-dialogue,ann\n"
    (cli.db.parent / "c.csv").write_text(rows, encoding="utf-8")
    cli.ok("codings", "import", str(cli.db.parent / "c.csv"))
    exported = list(csv.DictReader(io.StringIO(cli.ok("export", "csv", "-").stdout)))
    got = {r["excerpt"]: (r["page"], r["media_start"], r["media_end"], r["start"], r["end"])
           for r in exported}
    with Store(cli.db) as store:
        review = store.excerpt_by_ref("alpha/review#3")
        talk = store.excerpt_by_ref("alpha/talk#2")
    assert review is not None and talk is not None and review.page == 2
    assert got["alpha/review#3"] == ("2", "", "", str(review.start), str(review.end))
    assert got["alpha/talk#2"] == ("", "00:00:04.500", "00:00:12.000", str(talk.start),
                                   str(talk.end))
    as_json = json.loads(cli.ok("export", "json", "-").stdout)
    assert {(c["excerpt"], c["page"]) for c in as_json["codings"]} >= {("alpha/review#3", 2)}
    codings = list(csv.DictReader(io.StringIO(cli.ok("codings", "export").stdout)))
    assert {(r["excerpt"], r["page"], r["media_start"]) for r in codings} == {
        ("alpha/review#3", "2", ""), ("alpha/talk#2", "", "00:00:04.500")}


def test_a_damaged_document_imports_nothing(cli: Cli) -> None:
    cli.ok("import")
    with Store(cli.db) as store:
        before = store.counts()
    alpha = cli.project / "cases" / "alpha"
    (alpha / "talk.vtt").write_text(VTT, encoding="utf-8")
    (alpha / "scan.pdf").write_bytes(pdf_bytes([[]], images_only=True))
    result = cli.fails("import")
    assert result.output.strip().count("\n") == 0 and "needs OCR first" in result.output
    with Store(cli.db) as store:
        assert store.counts() == before


def test_pdf_paragraph_runs_over_a_page_break_before_a_spaced_footer(tmp_path: Path) -> None:
    pages = [["Report", "", "The review ends with a call for clearer indicators for the", "",
              "Page 1"],
             ["Report", "", "reintegration of returnees.", "", "Page 2"]]
    d = load_document("alpha", write_pdf(tmp_path / "r.pdf", pages))
    assert texts(d) == ["The review ends with a call for clearer indicators for the "
                        "reintegration of returnees."]
    assert d.excerpts[0].page == 1


def test_codings_import_refuses_a_column_it_does_not_know(cli: Cli) -> None:
    cli.ok("import")
    path = cli.db.parent / "spans.csv"
    path.write_text("excerpt,code,coder,x\nalpha/notes#1,linkage-visa,ann,0\n",
                    encoding="utf-8")
    result = cli.fails("codings", "import", str(path))
    assert f"{path}:1: unknown column 'x'; the columns are excerpt," in result.output
    exported = cli.db.parent / "back.csv"
    path.write_text("excerpt,code,coder\nalpha/notes#1,linkage-visa,ann\n", encoding="utf-8")
    cli.ok("codings", "import", str(path))
    exported.write_text(cli.ok("codings", "export").stdout, encoding="utf-8")
    cli.ok("codings", "import", str(exported))
    with Store(cli.db) as store:
        assert store.counts()["codings"] == 1
