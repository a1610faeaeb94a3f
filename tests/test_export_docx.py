"""Word appendices (qcoder export docx), read back with python-docx."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from conftest import Cli

from qcoder.export.appendix import Appendix, Basis, CaseExcerpts, CodeExcerpts, ExcerptEntry
from qcoder.export.docx import render_docx
from qcoder.project.codebook import load_codebook

CODINGS = """excerpt,code,coder,memo
alpha/interview-1#2,framing-security,ann,
alpha/interview-1#2,framing-security,bob,
alpha/interview-1#2,ptype-operational,ann,
alpha/interview-1#2,ptype-dialogue,bob,
alpha/interview-1#4,linkage-visa,ann,
alpha/interview-1#4,linkage-visa,bob,
alpha/notes#2,framing-remittances,bob,
beta/declaration#1,framing-development,ann,
beta/declaration#1,ptype-dialogue,ann,
beta/declaration#1,ptype-dialogue,bob,
beta/declaration#3,linkage-visa,bob,
"""


@pytest.fixture
def coded(cli: Cli, tmp_path: Path) -> Cli:
    """The tiny project with codings by two coders."""
    path = tmp_path / "codings.csv"
    path.write_text(CODINGS, encoding="utf-8")
    cli.ok("codings", "import", str(path))
    return cli


def export(cli: Cli, out: Path, *args: str) -> docx.document.Document:
    cli.ok("export", "docx", str(out), "--date", "2025-03-01", *args)
    return docx.Document(str(out))


def expected_codings(csv_text: str = CODINGS) -> dict[tuple[str, str], set[str]]:
    """(code, excerpt) → coders, straight from the CSV that was imported."""
    out: dict[tuple[str, str], set[str]] = {}
    for line in csv_text.splitlines()[1:]:
        ref, code, coder, _ = line.split(",")
        out.setdefault((code, ref), set()).add(coder)
    return out


def excerpts_by_heading(document: docx.document.Document, labels: dict[str, str]
                        ) -> list[tuple[str, str, str, str]]:
    """(code id, excerpt ref, source line, quote) for each excerpt under a code heading."""
    found, code, source = [], None, None
    for p in document.paragraphs:
        style = p.style.name
        if style.startswith("Heading"):
            code = labels.get(p.text)
        elif style == "Excerpt Source":
            source = p.text
        elif style == "Quote":
            found.append((code, source.split(" · ")[0], source, p.text))
    return found


def headings(document: docx.document.Document) -> list[tuple[int, str]]:
    return [(int(p.style.name.split()[-1]), p.text) for p in document.paragraphs
            if p.style.name.startswith("Heading ")]


def test_headings_follow_the_appendices_and_the_code_tree(coded: Cli, project: Path,
                                                           tmp_path: Path) -> None:
    document = export(coded, tmp_path / "out.docx")
    found = headings(document)
    assert [t for level, t in found if level == 1][:3] == [
        "Appendix A. Codebook", "Appendix B. Sources and cases", "Appendix C. Coded excerpts"]
    book = load_codebook(project / "codebooks" / "tiny.yaml")
    code_levels = {t: lv for lv, t in found if lv >= 2}
    for code in book:
        assert code_levels[code.label] == 2 + code.depth
    titles = [p.text for p in document.paragraphs if p.style.name == "Title"]
    assert titles == [book.name]


def test_codebook_table_has_one_row_per_code(coded: Cli, project: Path,
                                             tmp_path: Path) -> None:
    document = export(coded, tmp_path / "out.docx")
    table = document.tables[0]
    book = load_codebook(project / "codebooks" / "tiny.yaml")
    header = [c.text for c in table.rows[0].cells]
    assert header == ["Label", "Id", "Definition", "Include", "Exclude", "Example"]
    rows = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert [r[1] for r in rows] == [c.id for c in book]
    assert [r[2] for r in rows] == [c.definition for c in book]
    indents = [r.cells[0].paragraphs[0].paragraph_format.left_indent or 0
               for r in table.rows[1:]]
    for code, indent, deeper in zip(book, indents, indents[1:] + [None], strict=True):
        if code.children and deeper is not None:
            assert deeper > indent


def test_every_coding_appears_once_under_its_code(coded: Cli, project: Path,
                                                  tmp_path: Path) -> None:
    document = export(coded, tmp_path / "out.docx", "--pooled")
    book = load_codebook(project / "codebooks" / "tiny.yaml")
    labels = {c.label: c.id for c in book}
    found = excerpts_by_heading(document, labels)
    keys = [(code, ref) for code, ref, _, _ in found]
    expected = expected_codings()
    assert sorted(keys) == sorted(expected)  # each (code, excerpt) exactly once
    for code, ref, source, _ in found:
        coders = set(source.split("coded by ")[1].split(", "))
        assert coders == expected[(code, ref)]
    quote = next(q for c, r, _, q in found if r == "alpha/interview-1#4")
    assert quote == "Official: Visas were the carrot 🥕 in every meeting."


def test_excerpts_are_grouped_by_case(coded: Cli, tmp_path: Path) -> None:
    document = export(coded, tmp_path / "out.docx")
    case, seen = None, []
    for p in document.paragraphs:
        if p.style.name.startswith("Heading"):
            case = None
        elif p.style.name == "Case Heading":
            case = p.text
        elif p.style.name == "Excerpt Source":
            seen.append((case, p.text.split("#")[0].split("/")[0]))
    assert seen and all(heading.endswith(f"({case_id})") for heading, case_id in seen)


def test_one_coder_or_consensus(coded: Cli, tmp_path: Path, project: Path) -> None:
    book = load_codebook(project / "codebooks" / "tiny.yaml")
    labels = {c.label: c.id for c in book}
    only_ann = excerpts_by_heading(export(coded, tmp_path / "a.docx", "--coder", "ann"), labels)
    assert sorted((c, r) for c, r, _, _ in only_ann) == sorted(
        k for k, coders in expected_codings().items() if "ann" in coders)
    consensus = "excerpt,code,coder,memo\nbeta/declaration#1,ptype-dialogue,consensus,\n"
    path = tmp_path / "consensus.csv"
    path.write_text(consensus, encoding="utf-8")
    coded.ok("codings", "import", str(path))
    default = export(coded, tmp_path / "c.docx")  # the consensus, once there is one
    found = excerpts_by_heading(default, labels)
    assert [(c, r) for c, r, _, _ in found] == [("ptype-dialogue", "beta/declaration#1")]
    assert "coded by" not in found[0][2]
    assert any("consensus" in p.text for p in default.paragraphs if p.style.name == "Normal")


def test_sections_codes_and_cases_can_be_chosen(coded: Cli, tmp_path: Path,
                                                project: Path) -> None:
    document = export(coded, tmp_path / "out.docx", "--sections", "excerpts",
                      "--codes", "framing", "--cases", "alpha")
    book = load_codebook(project / "codebooks" / "tiny.yaml")
    assert document.tables == []
    assert [t for lv, t in headings(document) if lv == 1] == ["Appendix A. Coded excerpts"]
    labels = {c.label: c.id for c in book}
    found = excerpts_by_heading(document, labels)
    wanted = {"framing", *book.descendants("framing")}
    assert sorted((c, r) for c, r, _, _ in found) == sorted(
        k for k in expected_codings() if k[0] in wanted and k[1].startswith("alpha/"))
    assert {labels[t] for lv, t in headings(document) if lv > 1} == wanted


def test_same_project_gives_the_same_bytes(coded: Cli, tmp_path: Path) -> None:
    for name in ("1", "2", "3"):
        (tmp_path / name).mkdir()
    first, second, later = (tmp_path / n / "out.docx" for n in ("1", "2", "3"))
    export(coded, first)
    export(coded, second)
    assert first.read_bytes() == second.read_bytes()
    coded.ok("export", "docx", str(later), "--date", "2025-03-02")
    assert later.read_bytes() != first.read_bytes()
    with zipfile.ZipFile(first) as z:
        assert {i.date_time for i in z.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert z.namelist()[0] == "[Content_Types].xml"
    props = docx.Document(str(first)).core_properties
    assert props.created.date().isoformat() == "2025-03-01" == props.modified.date().isoformat()


def test_control_characters_are_removed_from_quotes(cli: Cli, project: Path,
                                                    tmp_path: Path) -> None:
    dirty = "Bell\x07 and\x0b vertical\x1b tab\x00 end.\ufffe"
    (project / "cases" / "beta" / "scan.txt").write_text(f"{dirty}\n", encoding="utf-8")
    path = tmp_path / "c.csv"
    path.write_text("excerpt,code,coder\nbeta/scan#1,linkage-visa,ann\n", encoding="utf-8")
    cli.ok("codings", "import", str(path))
    document = export(cli, tmp_path / "out.docx")
    quotes = [p.text for p in document.paragraphs if p.style.name == "Quote"]
    assert quotes == ["Bell and vertical tab end."]


def test_render_cleans_every_text_and_keeps_line_breaks() -> None:
    appendix = Appendix(
        project="p\x01", codebook_name="Book\x02", codebook_version="1", date="2025-01-01",
        basis=Basis("pooled", ("ann",)), coders=("ann",), sections=("excerpts",),
        excerpts=[CodeExcerpts("c", "Label\x03", 0, False, [CaseExcerpts("k", "Case\x04", [
            ExcerptEntry("k/d#1", "Spe\x05aker", "line one\x1f\nline two\ud800", ("ann",))])])])
    document = docx.Document(__import__("io").BytesIO(render_docx(appendix)))
    texts = {p.style.name: p.text for p in document.paragraphs}
    assert texts["Quote"] == "line one\nline two"
    assert texts["Title"] == "Book"
    assert "Label" in [p.text for p in document.paragraphs]
    assert "Case (k)" in texts.values()


def test_template_styles_are_used(coded: Cli, tmp_path: Path) -> None:
    from docx.shared import Pt, RGBColor

    template = docx.Document()
    template.styles["Heading 1"].font.size = Pt(31)
    template.styles["Heading 1"].font.color.rgb = RGBColor(0x12, 0x34, 0x56)
    template.styles["Quote"].font.name = "Courier New"
    template.add_paragraph("Sample text of the journal template.")
    template.sections[0].left_margin = Pt(100)
    path = tmp_path / "journal.docx"
    template.save(str(path))
    document = export(coded, tmp_path / "out.docx", "--template", str(path))
    assert document.styles["Heading 1"].font.size == Pt(31)
    assert document.styles["Heading 1"].font.color.rgb == RGBColor(0x12, 0x34, 0x56)
    assert document.styles["Quote"].font.name == "Courier New"
    assert all("journal template" not in p.text for p in document.paragraphs)
    assert document.sections[-1].left_margin == Pt(100)
    assert any(p.style.name == "Heading 1" for p in document.paragraphs)


def test_template_without_qcoder_styles_gets_them(coded: Cli, tmp_path: Path) -> None:
    template = docx.Document()
    styles = template.styles.element
    for style in list(styles):
        name = style.find(docx.oxml.ns.qn("w:name"))
        if name is not None and name.get(docx.oxml.ns.qn("w:val")) in ("Quote", "Table Grid"):
            styles.remove(style)
    path = tmp_path / "plain.docx"
    template.save(str(path))
    document = export(coded, tmp_path / "out.docx", "--template", str(path))
    assert any(p.style.name == "Quote" for p in document.paragraphs)
    assert document.tables[0].style.name == "Table Grid"


def test_dotx_template_is_accepted(coded: Cli, tmp_path: Path) -> None:
    source = tmp_path / "t.docx"
    docx.Document().save(str(source))
    dotx = tmp_path / "t.dotx"
    with zipfile.ZipFile(source) as src, zipfile.ZipFile(dotx, "w") as dst:
        for item in src.infolist():
            data = src.read(item.filename)
            if item.filename == "[Content_Types].xml":
                data = data.replace(b"document.main+xml", b"template.main+xml")
            dst.writestr(item, data)
    document = export(coded, tmp_path / "out.docx", "--template", str(dotx))
    assert any(p.style.name == "Heading 1" for p in document.paragraphs)


def test_wide_codebook_is_on_a_landscape_section(coded: Cli, tmp_path: Path) -> None:
    document = export(coded, tmp_path / "out.docx", "--sections", "codebook,excerpts")
    orientation = [s.page_width > s.page_height for s in document.sections]
    assert orientation == [False, True, False]


def test_errors_leave_no_file(coded: Cli, tmp_path: Path) -> None:
    out = tmp_path / "out.docx"
    out.write_bytes(b"previous export")
    bad = tmp_path / "bad.docx"
    bad.write_text("not a zip", encoding="utf-8")
    for args in (("--template", str(bad)), ("--codes", "framing-secrity"), ("--cases", "gamma"),
                 ("--coder", "zoe"), ("--consensus",), ("--pooled", "--consensus"),
                 ("--sections", "charts"), ("--date", "01/03/2025")):
        result = coded.fails("export", "docx", str(out), "--force", *args)
        assert len(result.output.strip().splitlines()) == 1, result.output
    assert "did you mean 'framing-security'" in coded.fails(
        "export", "docx", str(out), "--force", "--codes", "framing-secrity").output
    assert out.read_bytes() == b"previous export"
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []
    missing = tmp_path / "no-such-folder" / "out.docx"
    coded.fails("export", "docx", str(missing))


def test_export_json_summary(coded: Cli, tmp_path: Path) -> None:
    import json

    out = tmp_path / "out.docx"
    summary = json.loads(coded.ok("export", "docx", str(out), "--json", "--pooled").stdout)
    assert summary["bytes"] == out.stat().st_size
    assert summary["codings"] == len(CODINGS.strip().splitlines()) - 1
    assert summary["appearances"] == len(expected_codings())  # (code, excerpt) pairs
    assert summary["excerpts"] == len({ref for _, ref in expected_codings()})


@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice (soffice) absent")
def test_libreoffice_converts_the_export_to_pdf(coded: Cli, tmp_path: Path) -> None:
    out = tmp_path / "appendix.docx"
    export(coded, out)
    profile = tmp_path / "lo-profile"
    subprocess.run(["soffice", f"-env:UserInstallation=file://{profile}", "--headless",
                    "--convert-to", "pdf", "--outdir", str(tmp_path), str(out)],
                   check=True, capture_output=True, timeout=240)
    pdf = tmp_path / "appendix.pdf"
    assert pdf.read_bytes().startswith(b"%PDF")
    if shutil.which("pdftotext"):
        text = subprocess.run(["pdftotext", str(pdf), "-"], capture_output=True, text=True,
                              check=True).stdout
        assert "Appendix A. Codebook" in text and "Security framing" in text


# -- agreement and comparison appendices ----------------------------------------------------


def table_after(document: docx.document.Document, title: str) -> list[list[str]]:
    """The cells of the first table after the heading ``title``."""
    seen = False
    for child in document.element.body.iterchildren():
        if child.tag == docx.oxml.ns.qn("w:p"):
            paragraph = docx.text.paragraph.Paragraph(child, document)
            seen = seen or (paragraph.style.name == "Caption"
                            and paragraph.text.split(". ", 1)[-1] == title)
        elif seen and child.tag == docx.oxml.ns.qn("w:tbl"):
            table = docx.table.Table(child, document)
            return [[c.text for c in row.cells] for row in table.rows]
    raise AssertionError(f"no table after {title!r}")


def fmt(value: float | None, digits: int = 3) -> str:
    return "–" if value is None else f"{value:.{digits}f}"


def test_agreement_table_holds_the_numbers_the_cli_prints(coded: Cli, tmp_path: Path) -> None:
    import json

    document = export(coded, tmp_path / "out.docx")
    printed = json.loads(coded.ok("agreement", "--bootstrap", "1000", "--json").stdout)
    rows = table_after(document, "Agreement per code")
    header, body = rows[0], {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert header[:3] == ["Code", "Id", "Alpha"] and "95% interval" in header
    more = table_after(document, "Agreement per code: % agree, kappa and use")
    assert more[0][0] == "Id" and [r[0] for r in more[1:]] == [r[1] for r in rows[1:]]
    for r in more[1:]:
        body[r[0]].update(zip(more[0], r, strict=True))
    assert sorted(body) == sorted(c["id"] for c in printed["codes"] + printed["groups"])
    for code in printed["codes"] + printed["groups"]:
        row = body[code["id"]]
        assert row["Alpha"] == fmt(code["alpha"])
        assert row["Units"] == str(code["units"])
        assert row["Flag"] == code["flag_note"]
        assert row["% agree"] == fmt(code["percent_agreement"], 1)
        assert row.get("Kappa", "–") == fmt(code.get("kappa"))
        assert row.get("Kappa SE", "–") == fmt(code.get("kappa_se"))
        kci = code.get("kappa_ci")
        assert row.get("Kappa 95% interval", "–") == (
            f"{kci[0]:.3f} – {kci[1]:.3f}" if kci else "–")
        ci = code["ci"]
        assert row["95% interval"] == (f"{ci[0]:.3f} – {ci[1]:.3f}" if ci else "–")
    groups = table_after(document, "Agreement per exclusive group")
    assert [(r[1], r[2]) for r in groups[1:]] == [
        (g["id"], fmt(g["alpha"])) for g in printed["groups"]]


def test_no_agreement_appendix_for_one_coder(cli: Cli, tmp_path: Path) -> None:
    path = tmp_path / "one.csv"
    path.write_text("excerpt,code,coder\nalpha/notes#1,linkage-visa,ann\n", encoding="utf-8")
    cli.ok("codings", "import", str(path))
    out = tmp_path / "out.docx"
    result = cli.ok("export", "docx", str(out), "--sections", "codebook,agreement")
    assert "warning: no agreement appendix" in result.output
    level1 = [t for lv, t in headings(docx.Document(str(out))) if lv == 1]
    assert level1 == ["Appendix A. Codebook"]


def test_adjudication_log_is_printed_when_it_has_rows(coded: Cli, tmp_path: Path) -> None:
    import sqlite3

    conn = sqlite3.connect(coded.db)
    excerpt = conn.execute("""SELECT e.id FROM excerpts e JOIN documents d
        ON d.id = e.document_id WHERE d.case_id = 'beta' AND d.stem = 'declaration'
        AND e.n = 1""").fetchone()[0]
    conn.execute("""INSERT INTO adjudications (excerpt_id, code_id, decision, source_coder,
        reason, decided_by, at) VALUES (?, 'ptype-dialogue', 'accepted', 'bob',
        'Talks are the core of the text', 'ann', '2025-02-01T10:00:00')""", (excerpt,))
    conn.commit()
    conn.close()
    document = export(coded, tmp_path / "out.docx")
    rows = table_after(document, "Adjudication log")
    assert rows[1] == ["beta/declaration#1", "Policy and dialogue", "accepted", "bob",
                       "Talks are the core of the text", "ann", "2025-02-01"]


def test_comparison_tables_hold_the_compare_numbers(coded: Cli, tmp_path: Path) -> None:
    from qcoder.compare import code_case_matrix, distribution, resolve_basis
    from qcoder.store.database import Store

    document = export(coded, tmp_path / "out.docx", "--pooled")
    with Store(coded.db) as store:
        matrix = code_case_matrix(store, resolve_basis(store, pooled=True)).to_dict()
        names = {c["id"]: c["name"] for c in store.cases()}
        group = distribution(code_case_matrix(store, resolve_basis(store, pooled=True)),
                             "ptype").to_dict()
    rows = table_after(document, "Codes by case")
    assert rows[0] == ["Code", *[names[c["id"]] for c in matrix["columns"]], "All cases"]
    for code, row in zip(matrix["codes"], rows[1:], strict=False):
        cells = [code["cells"][c["id"]] for c in matrix["columns"]] + [code["total"]]
        assert row[0] == code["label"]
        assert row[1:] == [f"{c['excerpts']} ({c['percent']:.1f})" if c["percent"] is not None
                           else str(c["excerpts"]) for c in cells]
    assert rows[-1][1:] == [str(c["reviewed"]) for c in matrix["columns"]] + [
        str(matrix["reviewed"])]
    shares = table_after(document, "Partnership type: share of each code by case (%)")
    for column, row in zip(group["columns"], shares[1:], strict=True):
        assert row[-1] == str(column["coded"])
        counts = [v["excerpts"] for v in column["codes"].values()]
        assert row[1:-1] == [fmt(100 * c / sum(counts) if sum(counts) else None, 1)
                             for c in counts]  # each rounded on its own, not forced to 100


# -- honest consensus, captions, navigation ---------------------------------------------------


def disagreements(book, csv_text: str = CODINGS) -> tuple[set[tuple[str, str]], set[str]]:
    """(excerpt, code) pairs on which ann and bob differ and that need a decision, among
    excerpts both reviewed (a coding is a review), and those excerpts, straight from the
    imported CSV; a parent code counts as applied when a code below it is (exclusive groups
    are not codes), and needs a decision of its own only where a coder applied it itself."""
    applied: dict[str, dict[str, set[str]]] = {}
    direct: set[tuple[str, str]] = set()
    for (code, ref), coders in expected_codings(csv_text).items():
        rolled = {code, *(a for a in book.ancestors(code) if not book[a].exclusive)}
        direct.add((ref, code))
        for coder in coders:
            applied.setdefault(ref, {}).setdefault(coder, set()).update(rolled)
    both = {ref for ref, by in applied.items() if len(by) == 2}
    pairs = {(ref, code) for ref in both for code in set.union(*applied[ref].values())
             if sum(code in codes for codes in applied[ref].values()) == 1
             and (ref, code) in direct}
    return pairs, both


def notes_after_level_1(document: docx.document.Document) -> dict[str, str]:
    """Each appendix heading mapped to the note right under it."""
    out, last = {}, None
    for p in document.paragraphs:
        if p.style.name == "Heading 1":
            last = p.text
        elif last and p.style.name == "Appendix Note" and last not in out:
            out[last] = p.text
    return out


def test_an_open_consensus_is_refused_or_stated_with_its_counts(coded: Cli, project: Path,
                                                                tmp_path: Path) -> None:
    pairs, both = disagreements(load_codebook(project / "codebooks" / "tiny.yaml"))
    coded.ok("consensus", "--auto-agreed", coder="lead")
    ref, code = sorted(pairs)[0]
    coded.ok("consensus", "--excerpt", ref, "--code", code, "--keep", "--reason", "seen",
             coder="lead")
    out = tmp_path / "out.docx"
    result = coded.fails("export", "docx", str(out), "--consensus")
    assert "--allow-open" in result.output and not out.exists()
    unsettled = {r for r, _ in pairs if (r, _) != (ref, code)}
    statement = (f"{1} of {len(pairs)} disagreements settled; {len(unsettled)} excerpts "
                 "unsettled")
    assert len(unsettled) < len(both)  # the agreed excerpt is settled
    document = export(coded, out, "--consensus", "--allow-open")
    assert f"Consensus: {statement}" in [p.text for p in document.paragraphs[:12]]
    notes = notes_after_level_1(document)
    for title, note in notes.items():
        if "Codebook" not in title:
            assert statement in note, title
    assert len(notes) >= 4
    log = table_after(document, "Adjudication log")
    carried = [r for r in log[1:] if r[2] == "carry-agreed"]
    agreed = sum(1 for (c, r), coders in expected_codings().items() if len(coders) == 2)
    assert len(carried) == 1 and carried[0][4].startswith(f"{agreed} agreed codings")
    default = export(coded, tmp_path / "default.docx")  # the default basis says so too
    assert f"Consensus: {statement}" in [p.text for p in default.paragraphs[:12]]


def test_agreement_on_spans_labels_groups_cu_alpha_as_the_cli_does(coded: Cli,
                                                                    tmp_path: Path) -> None:
    import json

    from qcoder.store.database import Store

    none = export(coded, tmp_path / "none.docx")  # no span coded: no table
    assert not any("Agreement on spans" in p.text for p in none.paragraphs)
    with Store(coded.db) as store:
        text = store.excerpt_by_ref("alpha/interview-1#4").text  # type: ignore[union-attr]
    words = text.split()
    first, longer = " ".join(words[:3]), " ".join(words[:5])
    spans = tmp_path / "spans.csv"
    spans.write_text("excerpt,code,coder,quote\n"
                     f"alpha/interview-1#4,ptype-dialogue,ann,{first}\n"
                     f"alpha/interview-1#4,ptype-dialogue,bob,{longer}\n"
                     f"alpha/interview-1#4,framing-security,bob,{first}\n", encoding="utf-8")
    coded.ok("codings", "import", str(spans))
    document = export(coded, tmp_path / "out.docx")
    printed = json.loads(coded.ok("agreement", "--unitizing", "--json").stdout)
    rows = table_after(document, "Agreement on spans (alpha-U)")
    header, body = rows[0], {r[1]: dict(zip(rows[0], r, strict=True)) for r in rows[1:]}
    assert header[:4] == ["Code or group", "Id", "Statistic", "Alpha"]
    expected = [r for r in printed["codes"] + printed["groups"] if r["units"]]
    assert sorted(body) == sorted(r.get("code") or r["group"] for r in expected)
    for r in expected:
        row = body[r.get("code") or r["group"]]
        assert (row["Statistic"], row["Alpha"], row["Units"]) == (
            r["statistic"], fmt(r["alpha"]), str(r["units"]))
    assert body["ptype"]["Statistic"] == "Cu-alpha"
    assert body["ptype-dialogue"]["Statistic"] == "cu-alpha"


def test_agreement_on_spans_adds_the_2016_alphas_as_the_cli_gives_them(coded: Cli,
                                                                      tmp_path: Path) -> None:
    import json

    from qcoder.store.database import Store

    with Store(coded.db) as store:
        text = store.excerpt_by_ref("alpha/interview-1#4").text  # type: ignore[union-attr]
    words = text.split()
    first, longer = " ".join(words[:3]), " ".join(words[:5])
    spans = tmp_path / "spans.csv"
    spans.write_text("excerpt,code,coder,quote\n"
                     f"alpha/interview-1#4,ptype-dialogue,ann,{first}\n"
                     f"alpha/interview-1#4,ptype-dialogue,bob,{longer}\n"
                     f"alpha/interview-1#4,framing-security,bob,{first}\n", encoding="utf-8")
    coded.ok("codings", "import", str(spans))
    document = export(coded, tmp_path / "out.docx")
    printed = json.loads(coded.ok("agreement", "--unitizing", "--json").stdout)
    title = "Agreement on spans: the alphas of Krippendorff et al. (2016)"
    rows = table_after(document, title)
    header, body = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert header == ["Code or group", "Id", "Statistic", "Alpha", "D_o", "D_e", "Coverage %"]
    expected = []
    for r in [r for r in printed["codes"] + printed["groups"] if r["units"]]:
        family = r["alpha_2016"]
        if "code" in r:
            expected.append((r["code"], "u-alpha (2016)", fmt(family["u_alpha"]["alpha"])))
            continue
        expected += [(r["group"], f"{family[k]['statistic']} (2016)", fmt(family[k]["alpha"]))
                     for k in ("u_alpha", "binary_u_alpha", "cu_alpha")]
        expected += [(k["code"], "(k)u-alpha (2016)", fmt(k["alpha"])) for k in family["codes"]]
    assert [(b["Id"], b["Statistic"], b["Alpha"]) for b in body] == expected
    statistics = {b["Statistic"] for b in body if b["Id"] == "ptype"}
    assert statistics == {"u-alpha (2016)", "|u-alpha (2016)", "cu-alpha (2016)"}
    notes = [p.text for p in document.paragraphs]
    assert any("Mathet, Bouvry & Widlöcher (2016)" in n and "Quality & Quantity" in n
               for n in notes)


def test_every_table_has_a_numbered_caption_referenced_from_its_note(coded: Cli,
                                                                     tmp_path: Path) -> None:
    document = export(coded, tmp_path / "out.docx", "--pooled", "--memos")
    body = document.element.body
    letter, previous, numbers, notes = None, None, {}, {}
    for child in body.iterchildren():
        if child.tag == docx.oxml.ns.qn("w:p"):
            p = docx.text.paragraph.Paragraph(child, document)
            if p.style.name == "Heading 1":
                letter = p.text.split()[1].rstrip(".")
                numbers[letter] = []
            elif p.style.name == "Appendix Note" and letter not in notes:
                notes[letter] = p.text
            if p.text.strip():
                previous = p
        elif child.tag == docx.oxml.ns.qn("w:tbl"):
            caption = previous
            while caption is not None and caption.style.name != "Caption":
                prev = caption._p.getprevious()
                caption = docx.text.paragraph.Paragraph(prev, document)
            assert caption.text.startswith(f"Table {letter}{len(numbers[letter]) + 1}. ")
            numbers[letter].append(caption.text.split(".")[0].split()[1])
    assert sum(map(len, numbers.values())) == len(document.tables)
    for letter, found in numbers.items():
        for number in found:
            assert f"Table {number}" in notes[letter]
    assert any(len(found) > 1 for found in numbers.values())


def test_contents_link_to_bookmarks_with_page_numbers(coded: Cli, tmp_path: Path) -> None:
    document = export(coded, tmp_path / "out.docx")
    w = docx.oxml.ns.qn
    marks = {b.get(w("w:name")): b.getparent() for b in
             document.element.body.iter(w("w:bookmarkStart"))}
    entries = [p for p in document.paragraphs if p.style.name.startswith("toc ")]
    assert entries
    pages = []
    for entry in entries:
        (link,) = entry._p.findall(w("w:hyperlink"))
        target = marks[link.get(w("w:anchor"))]
        heading = docx.text.paragraph.Paragraph(target, document)
        assert entry.text.split("\t")[0] == heading.text
        instr = "".join(t.text for t in link.iter(w("w:instrText")))
        assert instr.split() == ["PAGEREF", link.get(w("w:anchor")), "\\h"]
        cached = entry.text.split("\t")[-1]
        assert cached.isdigit()
        pages.append(int(cached))
    assert pages == sorted(pages) and pages[0] > 1  # after the title page and contents
    levels = {p.style.name for p in entries}
    assert "toc 3" in levels  # code headings below a top-level code
    field = "".join(t.text for t in document.element.body.iter(w("w:instrText")))
    assert 'TOC \\o "1-3"' in field


def footer_fields(document: docx.document.Document) -> list[str]:
    return ["".join(t.text for t in s.footer._element.iter(docx.oxml.ns.qn("w:instrText")))
            for s in document.sections]


def test_page_numbers_with_a_footerless_template_and_a_footer_of_its_own(
        coded: Cli, tmp_path: Path) -> None:
    bare = tmp_path / "bare.docx"
    docx.Document().save(str(bare))
    assert docx.Document(str(bare)).sections[0].footer.is_linked_to_previous
    document = export(coded, tmp_path / "a.docx", "--template", str(bare))
    assert all("PAGE" in f.split() for f in footer_fields(document))
    named = docx.Document()
    named.sections[0].footer.paragraphs[0].text = "Journal of Migration Studies"
    path = tmp_path / "named.docx"
    named.save(str(path))
    document = export(coded, tmp_path / "b.docx", "--template", str(path))
    footer = document.sections[-1].footer
    assert "Journal of Migration Studies" in [p.text for p in footer.paragraphs]
    assert all("PAGE" in f.split() for f in footer_fields(document))


def test_excerpt_ids_keep_their_hyphens_together(coded: Cli, tmp_path: Path) -> None:
    document = export(coded, tmp_path / "out.docx", "--pooled")
    source = next(p for p in document.paragraphs if p.style.name == "Excerpt Source")
    xml = source._p.xml
    assert "noBreakHyphen" in xml and "interview-1" not in xml
    assert source.text.startswith("alpha/interview-1#")


def test_agreement_per_code_has_group_rows_and_prevalence(coded: Cli, project: Path,
                                                          tmp_path: Path) -> None:
    book = load_codebook(project / "codebooks" / "tiny.yaml")
    document = export(coded, tmp_path / "out.docx")
    table = next(t for t in document.tables if t.rows[0].cells[0].text == "Code"
                 and "Alpha" in [c.text for c in t.rows[0].cells])
    rows = [[c.text for c in r.cells] for r in table.rows]
    ids = [r[1] for r in rows[1:]]
    assert ids == [c.id for c in book]  # codebook order, the exclusive group in its place
    group = ids.index("ptype")
    assert rows[1 + group][0] == "Partnership type (exclusive group)"
    indent = [r.cells[0].paragraphs[0].paragraph_format.left_indent or 0 for r in table.rows[1:]]
    for child in book["ptype"].children:
        assert indent[ids.index(child)] > indent[group]
        between = ids[group + 1:ids.index(child) + 1]
        assert set(between) <= set(book["ptype"].children)  # right under its group
    # prevalence: units (excerpts both coders reviewed) each coder applied the code to
    applied: dict[str, dict[str, set[str]]] = {}
    for (code, ref), coders in expected_codings().items():
        rolled = {code, *(a for a in book.ancestors(code))}
        for coder in coders:
            applied.setdefault(coder, {}).setdefault(ref, set()).update(rolled)
    units = set(applied["ann"]) & set(applied["bob"])
    more = next(t for t in document.tables if t.rows[0].cells[0].text == "Id"
                and "% agree" in [c.text for c in t.rows[0].cells])
    more_rows = [[c.text for c in r.cells] for r in more.rows]
    assert [r[0] for r in more_rows[1:]] == ids
    for coder in ("ann", "bob"):
        column = more_rows[0].index(f"{coder} %")
        for row in more_rows[1:]:
            n = sum(1 for ref in units if row[0] in applied[coder][ref])
            assert row[column] == f"{100 * n / len(units):.1f}", (coder, row[0])
    note = table._tbl.getprevious()
    text = docx.text.paragraph.Paragraph(note, document).text
    for column in ("Alpha", "% agree", "Units", "Kappa", "Flag"):
        assert f"{column}:" in text


# -- length and context, on the demo project ------------------------------------------------



def quotes(document: docx.document.Document) -> list[tuple[str, str]]:
    """(source line, quote) of every excerpt shown."""
    out, source = [], ""
    for p in document.paragraphs:
        if p.style.name == "Excerpt Source":
            source = p.text
        elif p.style.name == "Quote":
            out.append((source, p.text))
    return out


def test_excerpts_once_shows_each_excerpt_once_with_all_its_codes(demo: Cli,
                                                                  tmp_path: Path) -> None:
    every = quotes(export(demo, tmp_path / "all.docx", "--sections", "excerpts"))
    once = quotes(export(demo, tmp_path / "once.docx", "--sections", "excerpts",
                         "--excerpts", "once"))
    refs = [s.split(" · ")[0] for s, _ in every]
    assert sorted(s.split(" · ")[0] for s, _ in once) == sorted(set(refs))
    assert len(once) <= 0.6 * len(every)  # the demo repeats almost half its quotes
    shown = {s.split(" · ")[0]: s for s, _ in once}
    codes_of: dict[str, int] = {}
    for ref in refs:
        codes_of[ref] = codes_of.get(ref, 0) + 1
    for ref, source in shown.items():
        assert len(source.split("codes: ")[1].split(" · ")[0].split(", ")) == codes_of[ref]


def test_exemplars_are_the_framework_matrix_picks(demo: Cli, tmp_path: Path) -> None:
    import json

    frame = json.loads(demo.ok("compare", "--framework", "--depth", "9", "--format",
                               "json").stdout)
    picks = {(code, e["excerpt"]) for column in frame["columns"]
             for code, cell in column["codes"].items() for e in cell["exemplars"]}
    book = load_codebook(demo.project / "codebooks" / "migration-partnerships.yaml")
    labels = {c.label: c.id for c in book}
    document = export(demo, tmp_path / "ex.docx", "--sections", "excerpts",
                      "--excerpts", "exemplars")
    shown = {(code, ref) for code, ref, _, _ in excerpts_by_heading(document, labels)}
    every = quotes(export(demo, tmp_path / "all.docx", "--sections", "excerpts"))
    assert shown and len(shown) < len(every)
    assert shown <= picks  # the matrix's exemplars, under the code they illustrate
    leaves = {(c, r) for c, r in picks if not book[c].children}
    assert leaves <= shown


def test_sources_and_cases_appendix(demo: Cli, tmp_path: Path) -> None:
    from qcoder.store.database import Store

    document = export(demo, tmp_path / "out.docx", "--sections", "sources")
    with Store(demo.db) as store:
        docs, cases = store.documents(), store.cases()
    rows = table_after(document, "Documents")
    assert rows[0][:5] == ["Document", "Title", "Kind", "Date", "Case"]
    names = {c["id"]: c["name"] for c in cases}
    assert [(r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows[1:]] == [
        (f"{d['case_id']}/{d['stem']}", d["title"] or d["stem"], d["kind"] or "–",
         d["date"] or "–", names[d["case_id"]], str(d["excerpts"])) for d in docs]
    case_rows = table_after(document, "Cases")
    for case, row in zip(cases, case_rows[1:], strict=True):
        assert row[1] == (case["description"] or "–")
        for key, value in case["attributes"].items():
            assert f"{key}: {value}" in row[2]


def test_memos_appendix_only_when_asked(coded: Cli, tmp_path: Path) -> None:
    memo = ("excerpt,code,coder,memo\n"
            "alpha/notes#1,linkage-visa,ann,\"Signed, then ignored\"\n")
    path = tmp_path / "m.csv"
    path.write_text(memo, encoding="utf-8")
    coded.ok("codings", "import", str(path))
    plain = export(coded, tmp_path / "plain.docx", "--pooled")
    assert "Appendix" not in " ".join(t for lv, t in headings(plain) if "Memos" in t)
    document = export(coded, tmp_path / "memos.docx", "--pooled", "--memos")
    assert any(t.endswith("Memos") for lv, t in headings(document) if lv == 1)
    rows = table_after(document, "Coding memos")
    assert rows[1] == ["alpha/notes#1", "Mobility and visa", "ann", "Signed, then ignored"]
