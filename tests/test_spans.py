"""Spans coded in qcoder: selection excerpts in the database (``#s<k>``), re-anchored by
their quote on re-import, orphaned (never deleted) when the quote is gone; spans from CSV."""

from __future__ import annotations

import csv
import io
import sqlite3
from pathlib import Path

from conftest import Cli

from qcoder.coding import Coding
from qcoder.navigation import Navigation
from qcoder.project.corpus import format_ref, parse_ref
from qcoder.store.database import Store

INTERVIEW = ("cases", "alpha", "interview-1.txt")
SENTENCE = "Then money followed."


def document(store: Store, stem: str = "interview-1") -> tuple[int, str]:
    doc = next(d for d in store.documents() if d["stem"] == stem)
    return doc["id"], store.document_text(doc["id"])


def span_of(text: str, quote: str) -> tuple[int, int]:
    start = text.index(quote)
    return start, start + len(quote)


def code_sentence(cli: Cli, code: str = "framing-development") -> tuple[Store, int]:
    cli.ok("import")
    store = Store(cli.db)
    doc_id, text = document(store)
    outcome = Coding(store, store.codebook(), "ann").toggle_span(doc_id, *span_of(text, SENTENCE),
                                                                  code)
    assert outcome.added == [code] and outcome.excerpt_id is not None
    return store, outcome.excerpt_id


def exported(cli: Cli, *extra: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(cli.ok("codings", "export", *extra).stdout)))


def test_a_span_becomes_a_selection_excerpt_numbered_apart_from_paragraphs(cli: Cli) -> None:
    store, excerpt_id = code_sentence(cli)
    row = store.excerpt(excerpt_id)
    assert row is not None and row.text == SENTENCE and row.ref == "alpha/interview-1#s1"
    assert parse_ref(row.ref) == ("alpha", "interview-1", -1)
    assert format_ref("alpha", "interview-1", 4) == "alpha/interview-1#4"
    _, text = document(store)
    assert text[row.start:row.end] == SENTENCE
    assert row.speaker == "Official"  # the paragraph it lies in
    # Nested under its paragraph (#2) in the codings export, with its offsets.
    Coding(store, store.codebook(), "ann").apply(store.excerpt_by_ref(
        "alpha/interview-1#2").id, "framing-security")  # type: ignore[union-attr]
    Coding(store, store.codebook(), "ann").apply(store.excerpt_by_ref(
        "alpha/interview-1#3").id, "linkage-visa")  # type: ignore[union-attr]
    rows = [r for r in exported(cli) if r["document"] == "interview-1"]
    assert [r["excerpt"] for r in rows] == ["alpha/interview-1#2", "alpha/interview-1#s1",
                                           "alpha/interview-1#3"]
    assert (int(rows[1]["start"]), int(rows[1]["end"])) == (row.start, row.end)
    # Not a stop of its own: progress and the document's list count paragraphs only.
    nav = Navigation(store, "ann")
    doc = nav.document(row.document_id)
    assert doc.total == 4 and len(nav.document_lines(doc.id, 0, 100)) == 4
    ann = next(p for p in store.progress("ann") if p["case"] == "alpha")
    assert ann["reviewed"] == 2 and ann["total"] == 7  # the span is in #2's count, not its own
    store.close()


def test_status_counts_spans_apart_from_the_paragraphs(cli: Cli) -> None:
    import json

    before = json.loads(cli.ok("status", "--json").stdout)
    store, _ = code_sentence(cli)
    doc_id, text = document(store)
    Coding(store, store.codebook(), "bob").toggle_span(doc_id, *span_of(text, "the carrot"),
                                                       "linkage-visa")
    store.close()
    data = json.loads(cli.ok("status", "--json").stdout)
    assert before["spans"] == 0
    assert (data["excerpts"], data["spans"]) == (before["excerpts"], 2)
    alpha = next(c for c in data["by_case"] if c["case"] == "alpha")
    was = next(c for c in before["by_case"] if c["case"] == "alpha")
    assert (alpha["excerpts"], alpha["spans"]) == (was["excerpts"], 2)
    out = cli.ok("status").output
    assert f"{before['excerpts']} excerpts, 2 spans, " in out
    header = next(line for line in out.splitlines() if line.startswith("case "))
    assert [c.strip() for c in header.split("┃")][:4] == ["case", "documents", "excerpts",
                                                          "spans"]


def test_the_code_filter_keeps_a_paragraph_whose_span_carries_the_code(cli: Cli) -> None:
    from qcoder.navigation import Filter

    store, excerpt_id = code_sentence(cli, "framing-security")  # ann: a span inside #2
    paragraph = store.excerpt_by_ref("alpha/interview-1#2")
    assert paragraph is not None and store.codes_of(paragraph.id, "ann") == {}
    other = store.excerpt_by_ref("alpha/interview-1#4")
    assert other is not None
    Coding(store, store.codebook(), "ann").apply(other.id, "framing-security")
    nav = Navigation(store, "ann", store.codebook())
    found = nav.matching(Filter("code", "framing-security"))
    assert list(found) == [paragraph.id, other.id]  # corpus order; never the span itself
    assert list(nav.matching(Filter("code", "framing"))) == [paragraph.id, other.id]
    assert list(Navigation(store, "bob", store.codebook()).matching(
        Filter("code", "framing-security"))) == []  # blind: only this coder's spans
    Coding(store, store.codebook(), "ann").undo()  # the paragraph coding
    Coding(store, store.codebook(), "ann").undo()  # the span coding
    assert list(nav.matching(Filter("code", "framing-security"))) == []
    assert "span" in Filter("code", "framing-security").describe(store.codebook(), short=True)
    store.close()


def test_the_same_span_again_is_the_same_excerpt_and_toggles_off(cli: Cli) -> None:
    store, excerpt_id = code_sentence(cli)
    doc_id, text = document(store)
    coding = Coding(store, store.codebook(), "ann")
    again = coding.toggle_span(doc_id, *span_of(text, SENTENCE), "linkage-visa")
    assert again.excerpt_id == excerpt_id
    off = coding.toggle_span(doc_id, *span_of(text, SENTENCE), "linkage-visa")
    assert off.removed == ["linkage-visa"]
    assert set(store.codes_of(excerpt_id, "ann")) == {"framing-development"}
    other = Coding(store, store.codebook(), "bob").toggle_span(
        doc_id, *span_of(text, SENTENCE), "framing-security")
    assert other.excerpt_id == excerpt_id  # one excerpt, two coders' codings
    # A span that is exactly a paragraph codes that paragraph.
    para = store.excerpt_by_ref("alpha/interview-1#3")
    assert para is not None
    whole = coding.toggle_span(doc_id, para.start, para.end, "linkage-visa")
    assert whole.excerpt_id == para.id
    store.close()


def test_undo_removes_the_span_coding_and_redo_brings_it_back(cli: Cli) -> None:
    store, excerpt_id = code_sentence(cli)
    coding = Coding(store, store.codebook(), "ann")
    undone = coding.undo()
    assert undone.removed == ["framing-development"] and undone.excerpt_id == excerpt_id
    assert store.codes_of(excerpt_id, "ann") == {}
    assert coding.redo().added == ["framing-development"]
    assert list(store.codes_of(excerpt_id, "ann")) == ["framing-development"]
    store.close()


def edit(project: Path, old: str, new: str) -> None:
    path = project.joinpath(*INTERVIEW)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_reimport_reanchors_by_quote_and_orphans_when_the_quote_is_gone(
        cli: Cli, project: Path) -> None:
    store, excerpt_id = code_sentence(cli)
    store.close()
    edit(project, "Interviewer: How did", "Interviewer: Good morning.\n\nInterviewer: How did")
    cli.ok("import")
    with Store(cli.db) as store:
        row = store.excerpt(excerpt_id)
        _, text = document(store)
        assert row is not None and row.active and row.ref == "alpha/interview-1#s1"
        assert text[row.start:row.end] == SENTENCE
        assert list(store.codes_of(excerpt_id, "ann")) == ["framing-development"]
    edit(project, SENTENCE, "Then the money stopped.")
    result = cli.ok("import")
    assert "alpha/interview-1#s1" in result.output
    with Store(cli.db) as store:
        row = store.excerpt(excerpt_id)
        assert row is not None and not row.active
        assert list(store.codes_of(excerpt_id, "ann")) == ["framing-development"]  # kept
        assert Navigation(store, "ann").document(row.document_id).total == 5
    edit(project, "Then the money stopped.", SENTENCE)
    cli.ok("import")
    with Store(cli.db) as store:
        row = store.excerpt(excerpt_id)
        assert row is not None and row.active  # the quote is back: so is the selection


def test_front_matter_selections_keep_their_numbers(cli: Cli, project: Path) -> None:
    text = project.joinpath(*INTERVIEW).read_text(encoding="utf-8")
    project.joinpath(*INTERVIEW).write_text(
        text.replace("role: official\n", 'role: official\nselections:\n  - "Visas were"\n'),
        encoding="utf-8")
    store, excerpt_id = code_sentence(cli)
    quoted = store.excerpt_by_ref("alpha/interview-1#5")
    assert quoted is not None and quoted.text == "Visas were"
    assert store.excerpt(excerpt_id).ref == "alpha/interview-1#s1"  # type: ignore[union-attr]
    store.close()


# -- spans from CSV ---------------------------------------------------------------------------
def write(tmp_path: Path, text: str, name: str = "spans.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def spans(db: Path) -> list[tuple]:
    conn = sqlite3.connect(db)
    try:
        return conn.execute("""SELECT e.selection, e.start, e."end", e.text, c.code_id, c.coder
            FROM codings c JOIN excerpts e ON e.id = c.excerpt_id
            WHERE e.selection IS NOT NULL ORDER BY 1, 5""").fetchall()
    finally:
        conn.close()


def test_csv_start_end_codes_a_span_and_matches_an_existing_selection(
        cli: Cli, tmp_path: Path) -> None:
    store, excerpt_id = code_sentence(cli)
    _, text = document(store)
    store.close()
    start, end = span_of(text, SENTENCE)
    visas = span_of(text, "the carrot")
    path = write(tmp_path, "excerpt,code,coder,start,end\n"
                 f"alpha/interview-1#2,linkage-visa,bob,{start},{end}\n"
                 f"alpha/interview-1#4,linkage-visa,bob,{visas[0]},{visas[1]}\n"
                 "alpha/interview-1#1,framing,bob,,\n")
    cli.ok("codings", "import", str(path))
    assert spans(cli.db) == [(1, start, end, SENTENCE, "framing-development", "ann"),
                             (1, start, end, SENTENCE, "linkage-visa", "bob"),
                             (2, *visas, "the carrot", "linkage-visa", "bob")]
    # What codings export writes comes back to the same offsets.
    back = write(tmp_path, cli.ok("codings", "export").stdout, "back.csv")
    cli.ok("codings", "import", str(back))
    assert len(spans(cli.db)) == 3


def test_csv_quote_inside_the_named_excerpt_codes_that_span(cli: Cli, tmp_path: Path) -> None:
    cli.ok("import")
    path = write(tmp_path, "excerpt,code,coder,quote\n"
                 "alpha/interview-1#4,linkage-visa,bob,the carrot\n"
                 "alpha/interview-1#3,framing,bob,Interviewer: And visas?\n")
    cli.ok("codings", "import", str(path))
    with Store(cli.db) as store:
        _, text = document(store)
    assert spans(cli.db) == [(1, *span_of(text, "the carrot"), "the carrot", "linkage-visa",
                              "bob")]


def test_csv_bad_spans_are_one_line_errors_and_write_nothing(cli: Cli, tmp_path: Path) -> None:
    cli.ok("import")
    with Store(cli.db) as store:
        length = len(document(store)[1])
    good = "alpha/interview-1#1,framing,bob,0,5\n"
    cases = [
        (f"excerpt,code,coder,start,end\n{good}alpha/interview-1#2,framing,bob,5,"
         f"{length + 1}\n", 3, "span 5–"),
        (f"excerpt,code,coder,start,end\n{good}alpha/interview-1#2,framing,bob,9,9\n", 3,
         "span 9–9 is not inside"),
        (f"excerpt,code,coder,start,end\n{good}alpha/interview-1#2,framing,bob,x,9\n", 3,
         "start 'x' and end '9' must be whole numbers"),
        (f"excerpt,code,coder,start,end\n{good}alpha/interview-1#2,framing,bob,3,\n", 3,
         "a span needs both 'start' and 'end'"),
        ("excerpt,code,coder,quote\nalpha/interview-1#4,framing,bob,no such words\n", 2,
         "the quote is not in excerpt 'alpha/interview-1#4'"),
        ("excerpt,code,coder,start\nalpha/interview-1#4,framing,bob,3\n", 1,
         "a span needs both columns 'start' and 'end'"),
        ("excerpt,code,coder,offset\nalpha/interview-1#4,framing,bob,3\n", 1,
         "unknown column 'offset'"),
    ]
    for text, line, message in cases:
        path = write(tmp_path, text)
        output = cli.fails("codings", "import", str(path)).output
        assert f"{path}:{line}: {message}" in output, output
        assert len(output.strip().splitlines()) == 1, output
    conn = sqlite3.connect(cli.db)
    try:
        assert conn.execute("SELECT COUNT(*) FROM codings").fetchone()[0] == 0
        assert conn.execute("SELECT COUNT(*) FROM excerpts WHERE selection IS NOT NULL"
                            ).fetchone()[0] == 0
    finally:
        conn.close()


def test_a_csv_header_error_names_the_required_and_the_optional_span_columns(
        cli: Cli, tmp_path: Path) -> None:
    cli.ok("import")
    for header, problem in (("excerpt,code,coder,offset", "unknown column 'offset'"),
                            ("excerpt,coder,start,end", "missing column 'code'")):
        path = write(tmp_path, f"{header}\nalpha/interview-1#1,framing,bob,3,4\n")
        output = cli.fails("codings", "import", str(path)).output
        assert len(output.strip().splitlines()) == 1, output
        assert f"{path}:1: {problem}; the columns are excerpt,code,coder (required)" in output
        optional = output.split("(required)", 1)[1]
        for column in ("memo", "start,end", "quote", "excerpt_memo", "case", "document"):
            assert column in optional, (column, output)


def test_merge_brings_a_copy_s_selections_with_their_codings(cli: Cli, tmp_path: Path) -> None:
    from qcoder.exchange.merge import copy_for_coder

    store, excerpt_id = code_sentence(cli)  # the lead's s1
    copy = copy_for_coder(store, "bob", tmp_path / "bob.db")
    store.close()
    with Store(copy) as other:
        doc_id, text = document(other)
        Coding(other, other.codebook(), "bob").toggle_span(doc_id, *span_of(text, "the carrot"),
                                                           "linkage-visa")
        Coding(other, other.codebook(), "bob").toggle_span(doc_id, *span_of(text, SENTENCE),
                                                           "framing-security")
    cli.ok("merge", str(copy))
    cli.ok("merge", str(copy))  # again: nothing new
    with Store(cli.db) as store:
        _, text = document(store)
    assert spans(cli.db) == [(1, *span_of(text, SENTENCE), SENTENCE, "framing-development",
                              "ann"),
                             (1, *span_of(text, SENTENCE), SENTENCE, "framing-security", "bob"),
                             (2, *span_of(text, "the carrot"), "the carrot", "linkage-visa",
                              "bob")]
    with Store(cli.db) as store:
        assert store.excerpt_by_ref("alpha/interview-1#s2").active  # type: ignore[union-attr]


# -- selecting by words and sentences (the workbench's selection mode) ------------------------
def test_words_and_sentences_of_a_turn() -> None:
    from qcoder import spans

    text = "Official: Visas were “the carrot”! And then? It’s well-known. End"
    assert [text[a:b] for a, b in spans.sentences(text)] == [
        "Official: Visas were “the carrot”!", "And then?", "It’s well-known.", "End"]
    assert [text[a:b] for a, b in spans.words(text)][-4:] == ["then", "It’s", "well-known",
                                                              "End"]
    sel = spans.first(text)
    assert sel is not None and sel.quote(text) == "Official: Visas were “the carrot”!"
    step = spans.move(text, sel, "sentence", 1)
    assert step.quote(text) == "And then?"
    assert spans.move(text, step, "word", -1).quote(text) == "carrot"  # the word before
    word = spans.move(text, step, "word", 1)
    assert word.quote(text) == "It’s"
    assert spans.move(text, word, "sentence", -1).quote(text) == "It’s well-known."  # around
    longer = spans.extend(text, step, "sentence", 1)
    assert longer.quote(text) == "And then? It’s well-known."
    assert spans.extend(text, longer, "word", -1).quote(text) == "And then? It’s well-known"
    # At the ends it stays; shrinking never passes the start.
    last = spans.move(text, spans.Selection(len(text) - 3, len(text)), "word", 1)
    assert last.quote(text) == "End"
    assert spans.extend(text, spans.Selection(0, 8), "word", -1) == spans.Selection(0, 8)
    assert spans.first("   ") is None


# -- REFI-QDA -----------------------------------------------------------------------------------
def test_a_span_coding_goes_to_refi_qda_and_back_at_the_same_offsets(
        cli: Cli, tmp_path: Path) -> None:
    import xml.etree.ElementTree as ET
    import zipfile

    from refi_support import validate

    store, excerpt_id = code_sentence(cli)
    row = store.excerpt(excerpt_id)
    store.close()
    assert row is not None
    out = tmp_path / "spans.qdpx"
    cli.ok("export", "qdpx", str(out))
    validate(out)
    with zipfile.ZipFile(out) as zf:
        root = ET.fromstring(zf.read("project.qde"))
    found = [(int(s.get("startPosition")), int(s.get("endPosition")))  # type: ignore[arg-type]
             for s in root.iter("{urn:QDA-XML:project:1.0}PlainTextSelection")]
    assert (row.start, row.end) in found
    # Back into this project: the same selection excerpt, nothing new, the file as it was.
    path = cli.project.joinpath(*INTERVIEW)
    before = path.read_bytes()
    cli.ok("import", "qdpx", str(out), "--case", "alpha")
    assert path.read_bytes() == before
    assert spans(cli.db) == [(1, row.start, row.end, SENTENCE, "framing-development", "ann")]
    # Into a fresh database of the project: a selection excerpt at the same offsets.
    fresh = Cli(cli.project, tmp_path / "fresh.db")
    fresh.ok("import")
    fresh.ok("import", "qdpx", str(out), "--case", "alpha")
    assert spans(fresh.db) == [(1, row.start, row.end, SENTENCE, "framing-development", "ann")]
    assert path.read_bytes() == before


def test_unitizing_agreement_reads_the_spans_coded_in_qcoder(cli: Cli) -> None:
    """alpha-U over the spans themselves: the same span from both coders agrees fully;
    one coder's span inside the other's paragraph does not."""
    import json

    store, _ = code_sentence(cli)  # ann: the sentence, framing-development
    doc_id, text = document(store)
    bob = Coding(store, store.codebook(), "bob")
    bob.toggle_span(doc_id, *span_of(text, SENTENCE), "framing-development")
    store.close()
    same = json.loads(cli.ok("agreement", "--unitizing", "--json").stdout)
    code = next(c for c in same["codes"] if c["code"] == "framing-development")
    assert code["units"] == 2 and code["alpha"] == 1.0
    with Store(cli.db) as store:
        Coding(store, store.codebook(), "bob").toggle_span(
            doc_id, *span_of(text, SENTENCE), "framing-development")  # off again
        paragraph = store.excerpt_by_ref("alpha/interview-1#2")
        assert paragraph is not None
        Coding(store, store.codebook(), "bob").apply(paragraph.id, "framing-development")
    other = json.loads(cli.ok("agreement", "--unitizing", "--json").stdout)
    code = next(c for c in other["codes"] if c["code"] == "framing-development")
    assert code["units"] == 2 and code["alpha"] < 1.0
