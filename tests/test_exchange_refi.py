"""REFI-QDA exchange through the CLI: export qdc/qdpx, import qdc/qdpx, front-matter selections."""

from __future__ import annotations

import json
import re
import sqlite3
import uuid
import zipfile
from pathlib import Path
from xml.etree import ElementTree as ET

import pytest
import yaml
from conftest import Cli
from refi_support import SAMPLES, validate

from qcoder.coding import Coding
from qcoder.errors import CorpusError
from qcoder.exchange.refi import qdpx as refi
from qcoder.project.codebook import codebook_to_dict
from qcoder.project.corpus import load_document
from qcoder.store.database import Store

SAMPLE_FILES = (sorted(p.name for p in SAMPLES.iterdir() if p.suffix in (".qdc", ".qdpx"))
                if SAMPLES.is_dir() else [])
needs_samples = pytest.mark.skipif(not SAMPLE_FILES, reason="../shared/refi-qda/samples absent")
# Each sample's known quirk (samples/README.md) and a phrase of the warning it must give.
QUIRKS = {
    "atlasti-win-23.4.0_codebook.qdc": "uppercase",
    "taguette-1.5.2_codebook.qdc": "empty <Sets/>",
    "refi-spec-1.5_annexA1_codebook.qdc": "braces",
    "qc-1.3.2_demo.qdpx": "without 'internal://'",
    "nvivo-mac-15.0.0_from-qc.qdpx": "have no text",
}
NS = "{urn:QDA-XML:project:1.0}"

CODINGS_CSV = """\
excerpt,code,coder,memo
alpha/interview-1#2,framing-security,ann,Returns first 🙂
alpha/interview-1#2,ptype-dialogue,ann,
alpha/interview-1#2,framing-security,ben,
alpha/interview-1#4,linkage-visa,ben,Carrot and stick
alpha/notes#2,framing-remittances,ann,
alpha/extra#2,linkage-visa,ann,
beta/declaration#3,linkage-visa,consensus,
"""
EXTRA = """\
---
title: Extra notes
kind: report
selections:
  - "carrot 🥕"
---
Visas were the carrot 🥕 in every meeting, a carrot 🥕 again.
"""



def rows(db: Path, sql: str) -> set[tuple]:
    conn = sqlite3.connect(db)
    try:
        return set(conn.execute(sql).fetchall())
    finally:
        conn.close()


def codings_of(db: Path) -> set[tuple]:
    """Every coding by what it is about: case, document, excerpt text and span, code, coder."""
    return rows(db, """SELECT d.case_id, d.stem, e.text, e.start, e."end", c.code_id, c.coder,
        COALESCE(c.memo, '') FROM codings c JOIN excerpts e ON e.id = c.excerpt_id
        JOIN documents d ON d.id = e.document_id WHERE e.active = 1""")


def memos_of(db: Path) -> set[tuple]:
    return rows(db, """SELECT d.case_id, d.stem, e.text, m.coder, m.text FROM memos m
        JOIN excerpts e ON e.id = m.excerpt_id JOIN documents d ON d.id = e.document_id""")


def snapshot(root: Path, db: Path) -> tuple[dict[str, bytes], list[str] | None]:
    """Every file under the project folder and every row of the database."""
    files = {p.relative_to(root).as_posix(): p.read_bytes() for p in root.rglob("*")
             if p.is_file()}
    files.update({p.relative_to(root).as_posix() + "/": b"" for p in root.rglob("*")
                  if p.is_dir()})
    if not db.exists():
        return files, None
    conn = sqlite3.connect(db)
    try:
        return files, list(conn.iterdump())
    finally:
        conn.close()


def empty_project(tmp_path: Path, name: str = "empty") -> Cli:
    root = tmp_path / name
    root.mkdir()
    (tmp_path / "data").mkdir(exist_ok=True)
    return Cli(root, tmp_path / "data" / f"{name}.db")


def summary(result) -> dict:
    return json.loads(result.stdout)


@pytest.fixture
def coded(cli: Cli, tmp_path: Path) -> Cli:
    """The tiny project with a document that lists a selection, codings of two coders and
    the consensus, coding memos and excerpt memos."""
    (cli.project / "cases" / "alpha" / "extra.txt").write_text(EXTRA, encoding="utf-8")
    csv = tmp_path / "codings.csv"
    csv.write_text(CODINGS_CSV, encoding="utf-8")
    cli.ok("import")
    cli.ok("codings", "import", str(csv))
    with Store(cli.db) as store:
        book = store.codebook()
        Coding(store, book, "ben").set_excerpt_memo(
            store.excerpt_by_ref("alpha/interview-1#4").id, "Excerpt memo ✍ by ben")
        Coding(store, book, "ann").set_excerpt_memo(
            store.excerpt_by_ref("beta/declaration#1").id, "Opening line")
    return cli


# --------------------------------------------------------------------------- export


def test_export_qdc_validates_with_stable_guids_and_folders(cli: Cli, tmp_path: Path):
    out = tmp_path / "codebook.qdc"
    cli.ok("export", "qdc", str(out))
    validate(out)
    codes, warnings = refi.read_qdc(out)
    assert warnings == []
    book = yaml.safe_load((cli.project / "codebooks" / "tiny.yaml").read_text(encoding="utf-8"))
    by_guid = {c.guid: c for c, _ in refi.iter_codes(codes)}

    def check(items: list[dict], parent_guid: str | None) -> None:
        for item in items:
            code = by_guid[refi.code_guid(item["id"])]
            assert code.name == item["label"]
            assert code.description == item["definition"]
            assert code.codable is not item.get("exclusive", False)
            children = [refi.code_guid(c["id"]) for c in item.get("codes", [])]
            assert [c.guid for c in code.children] == children
            check(item.get("codes", []), code.guid)

    check(book["codes"], None)
    assert len(by_guid) == 10
    again = tmp_path / "again.qdc"
    cli.ok("export", "qdc", str(again))
    assert again.read_bytes() == out.read_bytes()


def test_export_qdpx_holds_coders_texts_selections_and_memos(coded: Cli, tmp_path: Path):
    out = tmp_path / "project.qdpx"
    result = coded.ok("export", "qdpx", str(out), "--json")
    validate(out)
    project, warnings = refi.read_qdpx(out)
    assert warnings == []
    assert sorted(u.name for u in project.users) == ["ann", "ben", "consensus"]
    users = {u.guid: u.name for u in project.users}
    codes = {c.guid: c.name for c, _ in refi.iter_codes(project.codes)}
    with Store(coded.db) as store:
        texts = {(d["case_id"], d["stem"]): store.document_text(d["id"])
                 for d in store.documents()}
        labels = {c.id: c.label for c in store.codebook()}
    sources = {s.guid: s for s in project.sources}
    by_source = {}
    for case in project.cases:
        for guid in case.source_guids:
            by_source[guid] = case.name
    assert sorted(s.name for s in project.sources) == sorted(stem for _, stem in texts)
    for (_, stem), text in texts.items():
        assert any(s.name == stem and s.text == text for s in sources.values())
    exported = set()
    for source in project.sources:
        case_id = next(k[0] for k in texts if k[1] == source.name)
        for sel in source.selections:
            for c in sel.codings:
                exported.add((case_id, source.name, source.text[sel.start:sel.end], sel.start,
                               sel.end, codes[c.code_guid], users[c.user_guid], c.note))
    expected = {(case, stem, text, s, e, labels[code], coder, memo)
                for case, stem, text, s, e, code, coder, memo in codings_of(coded.db)}
    assert exported == expected
    notes = {(n.text, users[n.user_guid]) for s in project.sources for sel in s.selections
             for n in sel.notes}
    assert notes == {("Excerpt memo ✍ by ben", "ben"), ("Opening line", "ann")}
    data = summary(result)
    assert data["codings"] == len(expected) and data["coders"] == ["ann", "ben", "consensus"]


def test_export_qdpx_for_chosen_coders(coded: Cli, tmp_path: Path):
    out = tmp_path / "ben.qdpx"
    coded.ok("export", "qdpx", str(out), "--coder", "ben")
    validate(out)
    project, _ = refi.read_qdpx(out)
    assert [u.name for u in project.users] == ["ben"]
    codings = [c for s in project.sources for sel in s.selections for c in sel.codings]
    assert len(codings) == sum(1 for row in codings_of(coded.db) if row[6] == "ben")
    result = coded.fails("export", "qdpx", str(tmp_path / "x.qdpx"), "--coder", "nobody")
    assert "unknown coder" in result.output and not (tmp_path / "x.qdpx").exists()


# ----------------------------------------------------------------------- round trips


def test_round_trip_into_an_empty_project_and_back(coded: Cli, tmp_path: Path):
    first = tmp_path / "first.qdpx"
    coded.ok("export", "qdpx", str(first))
    other = empty_project(tmp_path)
    data = summary(other.ok("import", "qdpx", str(first), "--json"))
    assert data["warnings"] == []
    assert data["documents_added"] == 4 and data["selections"]["skipped"] == 0
    assert codings_of(other.db) == codings_of(coded.db)
    assert memos_of(other.db) == memos_of(coded.db)
    with Store(coded.db) as a, Store(other.db) as b:
        assert codebook_to_dict(b.codebook()) == codebook_to_dict(a.codebook())
        assert b.cases() == a.cases()
        assert sorted(b.coders()) == sorted(a.coders())
        docs = [[{k: d[k] for k in ("case_id", "stem", "title", "kind", "date", "attributes")}
                 for d in s.documents()] for s in (a, b)]
        assert docs[0] == docs[1]
    second = tmp_path / "second.qdpx"
    other.ok("export", "qdpx", str(second))
    validate(second)
    one, two = refi.read_qdpx(first)[0], refi.read_qdpx(second)[0]
    assert two.name != one.name  # the project folder's name; everything else is the same
    two.name = one.name
    assert two == one


def test_importing_the_same_file_again_changes_nothing(coded: Cli, tmp_path: Path):
    out = tmp_path / "p.qdpx"
    coded.ok("export", "qdpx", str(out))
    other = empty_project(tmp_path)
    other.ok("import", "qdpx", str(out))
    before = snapshot(other.project, other.db)
    data = summary(other.ok("import", "qdpx", str(out), "--json"))
    assert data["codings_added"] == data["memos_added"] == data["documents_added"] == 0
    assert data["documents_existing"] == data["documents"]
    files, dump = snapshot(other.project, other.db)
    assert files == before[0]
    strip = [line for line in dump if "'import'" not in line]  # one more log event, no data
    assert strip == [line for line in before[1] if "'import'" not in line]


def test_import_back_into_the_source_project_keeps_its_documents(coded: Cli, tmp_path: Path):
    out = tmp_path / "p.qdpx"
    coded.ok("export", "qdpx", str(out))
    files_before = snapshot(coded.project, coded.db)[0]
    codings_before = codings_of(coded.db)
    data = summary(coded.ok("import", "qdpx", str(out), "--json"))
    assert data["documents_existing"] == data["documents"] == 4
    assert data["codings_added"] == 0 and data["codes_added"] == 0
    assert snapshot(coded.project, coded.db)[0] == files_before
    assert codings_of(coded.db) == codings_before


# --------------------------------------------------------------------------- samples


@needs_samples
@pytest.mark.parametrize("name", [n for n in SAMPLE_FILES if n.endswith(".qdpx")])
def test_sample_projects_import_keeping_everything(name: str, tmp_path: Path):
    path = SAMPLES / name
    with zipfile.ZipFile(path) as zf:
        root = ET.fromstring(zf.read("project.qde"))
        texts = {}
        for src in root.iter(f"{NS}TextSource"):
            entry = src.get("plainTextPath").removeprefix("internal://")
            texts[src.get("guid")] = zf.read(f"sources/{entry}").decode("utf-8")
    other = empty_project(tmp_path)
    result = other.ok("import", "qdpx", str(path), "--json")
    data = json.loads(result.stdout)
    assert any(QUIRKS[name] in w for w in data["warnings"]), data["warnings"]
    selections = list(root.iter(f"{NS}PlainTextSelection"))
    users = {u.get("name") for u in root.iter(f"{NS}User")}
    with Store(other.db) as store:
        assert len(store.codebook()) == len(list(root.iter(f"{NS}Code")))
        assert len(store.documents()) == len(texts)
        assert users <= set(store.coders())
        assert store.counts()["codings"] == len(list(root.iter(f"{NS}CodeRef")))
        excerpts = {e.text for e in store.excerpts()}
    assert data["selections"]["total"] == len(selections)
    assert data["selections"]["paragraphs"] + data["selections"]["own_excerpts"] == len(
        selections)
    for src in root.iter(f"{NS}TextSource"):
        text = texts[src.get("guid")]
        for sel in src.iter(f"{NS}PlainTextSelection"):
            start, end = int(sel.get("startPosition")), int(sel.get("endPosition"))
            assert text[start:end].strip() in excerpts


@needs_samples
@pytest.mark.parametrize("name", [n for n in SAMPLE_FILES if n.endswith(".qdc")])
def test_sample_codebooks_import_as_yaml(name: str, tmp_path: Path):
    other = empty_project(tmp_path)
    result = other.ok("import", "qdc", str(SAMPLES / name), "--json")
    data = json.loads(result.stdout)
    assert any(QUIRKS[name] in w for w in data["warnings"]), data["warnings"]
    written = Path(data["path"])
    assert written.parent == other.project / "codebooks"
    names = [el.get("name") for el in ET.parse(SAMPLES / name).iter()
             if el.tag.endswith("}Code") or el.tag == "Code"]
    labels = []

    def walk(items: list[dict]) -> None:
        for item in items:
            labels.append(item["label"])
            walk(item.get("codes", []))

    walk(yaml.safe_load(written.read_text(encoding="utf-8"))["codes"])
    assert sorted(labels) == sorted(n.rsplit("\\", 1)[-1] for n in names)
    # Codes without a description lack a definition: the check says so, nothing else.
    checked = other("codebook", "check", str(written))
    problems = [line for line in checked.stdout.splitlines() if line.startswith(str(written))
                and not line.endswith(" OK") and ": OK:" not in line]
    assert all("has no definition" in line for line in problems), problems


def test_import_qdc_refuses_to_overwrite_unless_forced(cli: Cli, tmp_path: Path):
    qdc = tmp_path / "book.qdc"
    cli.ok("export", "qdc", str(qdc))
    target = cli.project / "codebooks" / "tiny.yaml"
    before = target.read_bytes()
    result = cli.fails("import", "qdc", str(qdc), "--output", "codebooks/tiny.yaml")
    assert "--force" in result.output and target.read_bytes() == before
    result = cli.ok("import", "qdc", str(qdc), "--output", "codebooks/tiny.yaml", "--force")
    assert yaml.safe_load(target.read_text(encoding="utf-8"))["codes"][0]["label"] == (
        "Discursive framing")
    result = cli.ok("import", "qdc", str(qdc))
    assert "several codebooks" in result.output


# ------------------------------------------------------------------ hand-made files


def g(n: int) -> str:
    return str(uuid.UUID(int=0x0A1B2C3D_0000_4000_8000_000000000000 + n))


ANA, BOB, HELLO, PLACE = g(1), g(2), g(3), g(4)


def make_qdpx(path: Path, sources: list[tuple[str, str, list[tuple[int, int, list[str]]]]],
              cases: str = "", users: str = "") -> Path:
    """A .qdpx written by hand: ``sources`` are (name, text, selections); each selection is
    (start, end, codings as 'CODE-GUID/USER-GUID')."""
    parts, files, n = [], {}, 100
    for name, text, selections in sources:
        n += 1
        guid = g(n)
        files[f"sources/{guid}.txt"] = text.encode("utf-8")
        sels = []
        for start, end, codings in selections:
            n += 1
            inner = "".join(
                f'<Coding guid="{g(n * 10 + i)}" creatingUser="{c.split("/")[1]}">'
                f'<CodeRef targetGUID="{c.split("/")[0]}"/></Coding>'
                for i, c in enumerate(codings))
            sels.append(f'<PlainTextSelection guid="{g(n)}" startPosition="{start}" '
                        f'endPosition="{end}">{inner}</PlainTextSelection>')
        parts.append(f'<TextSource guid="{guid}" name="{name}" '
                     f'plainTextPath="internal://{guid}.txt">{"".join(sels)}</TextSource>')
    users = users or f'<User guid="{ANA}" name="Ana María"/><User guid="{BOB}" name="bob"/>'
    qde = ('<?xml version="1.0" encoding="utf-8"?><Project xmlns="urn:QDA-XML:project:1.0" '
           f'name="Hand made" origin="hand"><Users>{users}</Users><CodeBook><Codes>'
           f'<Code guid="{HELLO}" name="Greeting" isCodable="true"><Description>Says hello'
           f'</Description><Code guid="{PLACE}" name="Place 🌍" isCodable="true"/></Code>'
           f'</Codes></CodeBook>{cases}<Sources>{"".join(parts)}</Sources></Project>')
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        for name, data in files.items():
            zf.writestr(name, data)
    return path


EMOJI = ("Grüße 😀 aus Zürich.\n\nThe 🇨🇭 flag and 日本語 text; then 𝄞 music ends.\n\n"
         "Yes. No. Yes. Maybe 👍🏽 later.")


def span(text: str, word: str, nth: int = 1) -> tuple[int, int]:
    pos = -1
    for _ in range(nth):
        pos = text.index(word, pos + 1)
    return pos, pos + len(word)


def excerpt_texts(db: Path) -> dict[str, set[tuple[str, int, int]]]:
    out: dict[str, set[tuple[str, int, int]]] = {}
    for coder, text, start, end in rows(db, """SELECT c.coder, e.text, e.start, e."end"
            FROM codings c JOIN excerpts e ON e.id = c.excerpt_id WHERE e.active = 1"""):
        out.setdefault(coder, set()).add((text, start, end))
    return out


def test_non_ascii_and_astral_offsets_land_on_the_right_characters(tmp_path: Path):
    words = [("Grüße 😀", 1), ("🇨🇭", 1), ("日本語", 1), ("𝄞 music ends.", 1), ("Yes.", 2),
             ("👍🏽", 1)]
    sels = [(*span(EMOJI, w, k), [f"{PLACE}/{ANA}"]) for w, k in words]
    para = span(EMOJI, "The 🇨🇭 flag and 日本語 text; then 𝄞 music ends.")
    sels.append((para[0] - 2, para[1] + 2, [f"{HELLO}/{BOB}"]))  # blank lines around: trimmed
    path = make_qdpx(tmp_path / "hand.qdpx", [("Grüße aus Zürich", EMOJI, sels)])
    other = empty_project(tmp_path)
    data = summary(other.ok("import", "qdpx", str(path), "--case", "swiss", "--json"))
    assert data["selections"] == {"total": 7, "paragraphs": 1, "own_excerpts": 6, "skipped": 0}
    assert sorted(data["coders"]) == ["Ana_María", "bob"]
    assert any("'Ana María' is 'Ana_María'" in w for w in data["warnings"])
    got = excerpt_texts(other.db)
    assert got["Ana_María"] == {(w, *span(EMOJI, w, k)) for w, k in words}
    assert got["bob"] == {(EMOJI[para[0]:para[1]], *para)}
    doc = other.project / "cases" / "swiss" / "Grüße-aus-Zürich.txt"
    assert load_document("swiss", doc).text == EMOJI
    out = tmp_path / "again.qdpx"
    other.ok("export", "qdpx", str(out))
    validate(out)
    source = refi.read_qdpx(out)[0].sources[0]
    assert sorted(source.text[s.start:s.end] for s in source.selections) == sorted(
        [w for w, _ in words] + [EMOJI[para[0]:para[1]]])


def test_utf16_offsets_and_crlf_are_converted(tmp_path: Path):
    text = "Line one 😀 here.\r\nSecond 𝄞 line.\r\n\r\nLast paragraph 🙂 ends.\rOld Mac."
    lf = text.replace("\r\n", "\n").replace("\r", "\n")
    words = ["here", "Second 𝄞 line", "Last paragraph 🙂 ends."]

    def utf16(pos: int) -> int:
        return len(text[:pos].encode("utf-16-le")) // 2

    sels = [(utf16(s), utf16(e), [f"{PLACE}/{BOB}"]) for s, e in (span(text, w) for w in words)]
    path = make_qdpx(tmp_path / "u16.qdpx", [("crlf", text, sels)])
    other = empty_project(tmp_path)
    data = summary(other.ok("import", "qdpx", str(path), "--json"))
    assert any("UTF-16" in w for w in data["warnings"])
    assert excerpt_texts(other.db)["bob"] == {(w, *span(lf, w)) for w in words}
    stored = (other.project / "cases" / "u16" / "crlf.txt").read_bytes()
    assert b"\r" not in stored


def test_quotes_with_characters_yaml_treats_specially_are_kept_exactly(tmp_path: Path):
    text = ('Tab\there "quoted" back\\slash: yes.\u2028Next\x85line \ufeff and \x7f end.\n\n'
            "---\n\n... # not: yaml\n\n- item")
    words = ['"quoted" back\\slash', "Next\x85line \ufeff and \x7f", "---", "... # not: yaml",
             "- item"]
    sels = [(*span(text, w), [f"{HELLO}/{BOB}"]) for w in words]
    path = make_qdpx(tmp_path / "odd.qdpx", [("odd", text, sels)])
    other = empty_project(tmp_path)
    other.ok("import", "qdpx", str(path))
    assert {t for t, _, _ in excerpt_texts(other.db)["bob"]} == set(words)
    assert load_document("odd", other.project / "cases" / "odd" / "odd.txt").text == text


def test_same_span_by_two_coders_is_one_excerpt_for_agreement(tmp_path: Path):
    para = span(EMOJI, "Grüße 😀 aus Zürich.")
    quote = span(EMOJI, "Maybe 👍🏽")
    sels = [(*para, [f"{HELLO}/{ANA}"]), (*para, [f"{PLACE}/{BOB}"]),
            (*quote, [f"{HELLO}/{ANA}"]), (quote[0], quote[1] + 1, [f"{HELLO}/{BOB}"])]
    path = make_qdpx(tmp_path / "two.qdpx", [("doc", EMOJI, sels)])
    other = empty_project(tmp_path)
    data = summary(other.ok("import", "qdpx", str(path), "--json"))
    assert data["excerpts"] == 2 and data["codings"] == 4
    per_excerpt = rows(other.db, """SELECT e.text, COUNT(DISTINCT c.coder) FROM codings c
        JOIN excerpts e ON e.id = c.excerpt_id GROUP BY e.id""")
    assert per_excerpt == {("Grüße 😀 aus Zürich.", 2), ("Maybe 👍🏽", 2)}


def test_sources_go_to_their_case_and_the_rest_to_a_default(tmp_path: Path):
    cases = (f'<Cases><Case guid="{g(900)}" name="Zürich Case"><Description>Swiss side'
             f'</Description><SourceRef targetGUID="{g(101)}"/></Case></Cases>')
    path = make_qdpx(tmp_path / "Field Work.qdpx",
                     [("one", "First.", [(0, 6, [f"{HELLO}/{ANA}"])]), ("two", "Second.", [])],
                     cases)
    other = empty_project(tmp_path)
    other.ok("import", "qdpx", str(path))
    with Store(other.db) as store:
        assert {(d["case_id"], d["stem"]) for d in store.documents()} == {
            ("zurich-case", "one"), ("field-work", "two")}
        names = {c["id"]: (c["name"], c["description"]) for c in store.cases()}
    assert names == {"zurich-case": ("Zürich Case", "Swiss side"),
                     "field-work": ("Field Work", "")}
    third = empty_project(tmp_path, "third")
    third.ok("import", "qdpx", str(path), "--case", "rest")
    assert (third.project / "cases" / "rest" / "two.txt").is_file()
    result = third.fails("import", "qdpx", str(path), "--case", "Not Valid")
    assert "not a valid case id" in result.output


def test_memos_survive_import(tmp_path: Path):
    text = "Alpha paragraph.\n\nBeta paragraph."
    path = make_qdpx(tmp_path / "memo.qdpx", [("doc", text, [(0, 16, [f"{HELLO}/{ANA}"])])])
    with zipfile.ZipFile(path) as zf:
        qde = zf.read("project.qde").decode()
        files = {n: zf.read(n) for n in zf.namelist() if n != "project.qde"}
    note, cnote = g(700), g(701)
    qde = qde.replace("</PlainTextSelection>", f'<NoteRef targetGUID="{note}"/>'
                      "</PlainTextSelection>", 1)
    qde = qde.replace("</Coding>", f'<NoteRef targetGUID="{cnote}"/></Coding>', 1)
    qde = qde.replace("</Project>", f'<Notes><Note guid="{note}" creatingUser="{BOB}">'
                      "<PlainTextContent>Bob's excerpt memo ✍</PlainTextContent></Note>"
                      f'<Note guid="{cnote}"><PlainTextContent>Why Ana coded it'
                      "</PlainTextContent></Note></Notes></Project>")
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("project.qde", qde)
        for name, data in files.items():
            zf.writestr(name, data)
    other = empty_project(tmp_path)
    other.ok("import", "qdpx", str(path))
    assert memos_of(other.db) == {("memo", "doc", "Alpha paragraph.", "bob",
                                   "Bob's excerpt memo ✍")}
    assert {r[7] for r in codings_of(other.db)} == {"Why Ana coded it"}


# --------------------------------------------------------------- codes of a project


def foreign_file(tmp_path: Path) -> Path:
    text = "Interviewer: How did the partnership start?\n\nSomething else entirely."
    return make_qdpx(tmp_path / "foreign.qdpx",
                     [("interview-9", text, [(0, 43, [f"{PLACE}/{ANA}"])])])


def test_codes_missing_from_the_codebook_are_refused_or_appended(cli: Cli, tmp_path: Path):
    cli.ok("import")
    book = cli.project / "codebooks" / "tiny.yaml"
    book.write_text("# The tiny codebook (a comment to keep)\n" + book.read_text(), "utf-8")
    before = snapshot(cli.project, cli.db)
    result = cli.fails("import", "qdpx", str(foreign_file(tmp_path)))
    assert "lacks 2 codes" in result.output and "'Greeting'" in result.output
    assert "--add-codes" in result.output
    assert snapshot(cli.project, cli.db) == before
    shown = tmp_path / "codes-to-merge.yaml"
    cli.ok("import", "qdc", str(foreign_file(tmp_path)), "--output", str(shown))
    assert [c["label"] for c in yaml.safe_load(shown.read_text("utf-8"))["codes"]] == [
        "Greeting"]
    data = summary(cli.ok("import", "qdpx", str(foreign_file(tmp_path)), "--add-codes",
                          "--json"))
    assert data["codes_added"] == 2
    text = book.read_text(encoding="utf-8")
    assert text.startswith("# The tiny codebook (a comment to keep)\n")
    assert text.startswith(before[0]["codebooks/tiny.yaml"].decode())
    with Store(cli.db) as store:
        added = {c.id: c for c in store.codebook() if c.label in ("Greeting", "Place 🌍")}
    assert [c.definition for c in added.values()] == ["Says hello", ""]
    place = next(c for c in added.values() if c.label == "Place 🌍")
    assert place.parent == next(i for i, c in added.items() if c.label == "Greeting")
    assert {r[5] for r in codings_of(cli.db) if r[6] == "Ana_María"} == {place.id}


def test_a_document_with_other_text_is_never_overwritten(cli: Cli, tmp_path: Path):
    cli.ok("import")
    path = make_qdpx(tmp_path / "clash.qdpx", [("interview-1", "Other text.", [])],
                     f'<Cases><Case guid="{g(900)}" name="alpha"><SourceRef targetGUID='
                     f'"{g(101)}"/></Case></Cases>')
    before = snapshot(cli.project, cli.db)
    result = cli.fails("import", "qdpx", str(path), "--add-codes")
    assert "interview-1.txt: already exists with a different text" in result.output
    assert snapshot(cli.project, cli.db) == before


# ------------------------------------------------------------- refused, nothing kept


def broken_files(tmp_path: Path) -> dict[str, tuple[Path, str]]:
    good = make_qdpx(tmp_path / "good.qdpx", [("doc", "Text.", [(0, 5, [f"{HELLO}/{ANA}"])])])
    with zipfile.ZipFile(good) as zf:
        qde = zf.read("project.qde").decode()
        src = next(n for n in zf.namelist() if n.startswith("sources/"))
    out = {}
    path = tmp_path / "notzip.qdpx"
    path.write_bytes(b"PK\x03\x04 but not really a zip archive")
    out["not a zip"] = (path, "not a zip archive")
    path = tmp_path / "truncated.qdpx"
    path.write_bytes(good.read_bytes()[:-40])
    out["truncated"] = (path, "truncated.qdpx")
    for name, files, phrase in (
        ("noqde", {"readme.txt": "x"}, "no project.qde"),
        ("badxml", {"project.qde": qde[:-30]}, "not well-formed XML"),
        ("noguid", {"project.qde": qde.replace(f'guid="{HELLO}" ', "", 1), src: "Text."},
         "has no guid"),
        ("notext", {"project.qde": qde}, "is not in the archive"),
        ("codebook", {"project.qde": "<CodeBook xmlns='urn:QDA-XML:codebook:1.0'/>"},
         "import it as .qdc"),
    ):
        path = tmp_path / f"{name}.qdpx"
        with zipfile.ZipFile(path, "w") as zf:
            for entry, data in files.items():
                zf.writestr(entry, data)
        out[name] = (path, phrase)
    return out


def test_malformed_files_are_refused_with_nothing_written(cli: Cli, tmp_path: Path):
    cli.ok("import")
    other = empty_project(tmp_path)
    for project in (cli, other):
        before = snapshot(project.project, project.db)
        for path, phrase in broken_files(tmp_path).values():
            result = project.fails("import", "qdpx", str(path))
            assert phrase in result.output, result.output
            assert len(result.output.strip().splitlines()) == 1
            assert snapshot(project.project, project.db) == before
    bad = tmp_path / "bad.qdc"
    bad.write_text("<CodeBook xmlns='urn:QDA-XML:codebook:1.0'><Codes>", encoding="utf-8")
    result = other.fails("import", "qdc", str(bad))
    assert "not well-formed XML" in result.output
    assert snapshot(other.project, other.db) == before


def failing_placement(monkeypatch: pytest.MonkeyPatch, at: int) -> list[Path]:
    """Make the ``at``-th new file fail to move into place; returns the files tried."""
    from qcoder.errors import QcoderError
    from qcoder.project.staging import Staging

    place = Staging._place_new
    calls: list[Path] = []

    def flaky(self: Staging, final: Path, staged: Path) -> None:
        calls.append(final)
        if len(calls) == at:
            raise QcoderError(f"{final}: disk full")
        place(self, final, staged)

    monkeypatch.setattr(Staging, "_place_new", flaky)
    return calls


def test_a_failure_while_moving_files_in_leaves_nothing(coded: Cli, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch):
    out = tmp_path / "p.qdpx"
    coded.ok("export", "qdpx", str(out))
    other = empty_project(tmp_path)
    before = snapshot(other.project, other.db)
    calls = failing_placement(monkeypatch, 3)
    result = other.fails("import", "qdpx", str(out))
    assert "disk full" in result.output and len(calls) == 3
    assert snapshot(other.project, other.db) == before
    monkeypatch.undo()
    # The codebook is extended (replaced) first, then a new case file, then a document.
    path = make_qdpx(tmp_path / "new.qdpx", [("fresh", "Fresh text.", [(0, 5, [])])])
    before = snapshot(coded.project, coded.db)
    calls = failing_placement(monkeypatch, 2)
    result = coded.fails("import", "qdpx", str(path), "--add-codes")
    assert "disk full" in result.output and [c.name for c in calls] == ["case.yaml",
                                                                        "fresh.txt"]
    assert snapshot(coded.project, coded.db) == before


def test_a_failure_in_the_database_leaves_nothing(coded: Cli, tmp_path: Path,
                                                 monkeypatch: pytest.MonkeyPatch):
    import qcoder.exchange.refi.project_import as refi_import
    from qcoder.errors import QcoderError

    def broken_store(*args: object) -> None:
        raise QcoderError("database went away")

    monkeypatch.setattr(refi_import, "_store", broken_store)
    path = make_qdpx(tmp_path / "new.qdpx", [("fresh", "Fresh text.", [(0, 5, [])])])
    before = snapshot(coded.project, coded.db)
    assert "database went away" in coded.fails("import", "qdpx", str(path), "--add-codes").output
    assert snapshot(coded.project, coded.db) == before


def test_a_folder_that_is_neither_empty_nor_a_project_is_refused(tmp_path: Path):
    root = tmp_path / "home"
    root.mkdir()
    (root / "notes.txt").write_text("mine", encoding="utf-8")
    path = make_qdpx(tmp_path / "h.qdpx", [("doc", "Text.", [])])
    result = Cli(root, tmp_path / "h.db").fails("import", "qdpx", str(path))
    assert "not a qcoder project" in result.output
    assert sorted(p.name for p in root.iterdir()) == ["notes.txt"]


# ------------------------------------------------------- front-matter selections


def write_doc(folder: Path, text: str, name: str = "doc.txt") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_selections_become_excerpts_numbered_with_paragraphs(tmp_path: Path):
    body = "Alpha: one two. Yes.\n\nBeta yes. Yes. Yes.\n"
    front = ("---\nkind: interview\nselections:\n  - \"Yes.\"\n  - {text: \"Yes.\", "
             "occurrence: 3}\n  - \"Beta yes. Yes. Yes.\"\n  - \"Alpha\"\n---\n")
    doc = load_document("c", write_doc(tmp_path / "c", front + body))
    assert [(e.n, e.text, e.start, e.quoted) for e in doc.excerpts] == [
        (1, "Alpha: one two. Yes.", 0, False),
        (2, "Alpha", 0, True),
        (3, "Yes.", 16, True),
        (4, "Beta yes. Yes. Yes.", 22, False),
        (5, "Yes.", 37, True)]
    assert doc.excerpts[1].speaker == "Alpha" and doc.warnings == []
    assert "selections" not in doc.attributes
    edited = load_document("c", write_doc(tmp_path / "c", front + "New first.\n\n" + body))
    assert {e.identity for e in doc.excerpts} < {e.identity for e in edited.excerpts}


def test_selection_not_found_warns_and_its_codings_become_orphaned(cli: Cli):
    folder = cli.project / "cases" / "alpha"
    text = "---\nselections:\n  - \"carrot\"\n---\nThe carrot and the stick.\n"
    path = write_doc(folder, text, "quotes.txt")
    cli.ok("import")
    with Store(cli.db) as store:
        excerpt = store.excerpt_by_ref("alpha/quotes#2")
        assert excerpt.text == "carrot"
        Coding(store, store.codebook(), "ann").apply(excerpt.id, "linkage-visa")
    path.write_text(text.replace("The carrot", "The parsnip"), encoding="utf-8")
    result = cli.ok("import")
    assert 'quotes.txt:2: selection "carrot" is not in the text' in result.output
    with Store(cli.db) as store:
        assert store.counts()["orphaned_codings"] == 1
    path.write_text("---\nselections: carrot\n---\nText.\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="must be a list"):
        load_document("alpha", path)
    assert "must be a list" in cli.fails("import").output


# ------------------------------------------------------------- reviews without codes

QUOTES = '---\nselections:\n  - "stick"\n---\nThe carrot and the stick.\n'
REVIEWS_CSV = """\
excerpt,code,coder,memo
alpha/interview-1#4,,ann,
alpha/notes#1,,ann,
alpha/notes#1,,ben,
alpha/extra#2,,ben,
beta/quotes#2,,ann,
beta/quotes#2,,ben,
"""


def reviews_of(db: Path) -> set[tuple]:
    return rows(db, """SELECT d.case_id, d.stem, e.text, e.start, e."end", r.coder
        FROM reviews r JOIN excerpts e ON e.id = r.excerpt_id
        JOIN documents d ON d.id = e.document_id WHERE e.active = 1""")


def figures(data: object, path: str = "") -> set[tuple]:
    """Every alpha, unit count and excerpt count of ``qcoder agreement --json``, by place."""
    if isinstance(data, list):
        return {f for i, item in enumerate(data) for f in figures(item, f"{path}/{i}")}
    if not isinstance(data, dict):
        return set()
    where = f"{path}/{data.get('id', '')}"
    return {(where, k, v) for k, v in data.items() if k in ("alpha", "units", "excerpts")} | {
        f for k, v in data.items() for f in figures(v, f"{where}.{k}")}


def rewrite_qde(path: Path, out: Path, change) -> Path:
    """A copy of the .qdpx ``path`` whose project.qde went through ``change``."""
    with zipfile.ZipFile(path) as src, zipfile.ZipFile(out, "w") as dst:
        for name in src.namelist():
            data = src.read(name)
            dst.writestr(name, change(data.decode()) if name == "project.qde" else data)
    return out


def test_reviews_without_codes_survive_export_and_import(coded: Cli, tmp_path: Path):
    write_doc(coded.project / "cases" / "beta", QUOTES, "quotes.txt")
    coded.ok("import")
    (tmp_path / "reviews.csv").write_text(REVIEWS_CSV, encoding="utf-8")
    coded.ok("codings", "import", str(tmp_path / "reviews.csv"))
    before = json.loads(coded.ok("agreement", "--json").stdout)
    out = tmp_path / "p.qdpx"
    exported = summary(coded.ok("export", "qdpx", str(out), "--json"))
    validate(out)
    other = empty_project(tmp_path)
    data = summary(other.ok("import", "qdpx", str(out), "--json"))
    assert data["warnings"] == []
    uncoded = rows(coded.db, """SELECT excerpt_id, coder FROM reviews r WHERE NOT EXISTS
        (SELECT 1 FROM codings c WHERE c.excerpt_id = r.excerpt_id AND c.coder = r.coder)""")
    assert exported["reviews"] == data["reviews"] == data["reviews_added"] == len(uncoded) > 0
    assert reviews_of(other.db) == reviews_of(coded.db)
    assert codings_of(other.db) == codings_of(coded.db)
    after = json.loads(other.ok("agreement", "--json").stdout)
    assert figures(after) == figures(before) and any(k == "alpha" for _, k, _ in figures(before))
    again = tmp_path / "again.qdpx"
    other.ok("export", "qdpx", str(again))
    assert [n.text for n in refi.read_qdpx(again)[0].notes] == [
        n.text for n in refi.read_qdpx(out)[0].notes if "reviews:" in n.text]  # the same note
    # A note whose reviews cannot be read: a warning, and everything else still comes in.
    odd = rewrite_qde(out, tmp_path / "odd.qdpx",
                      lambda q: re.sub(r"(reviews:\s+\w+:) [0-9 -]+", r"\1 oops", q, count=1))
    third = empty_project(tmp_path, "third")
    data = summary(third.ok("import", "qdpx", str(odd), "--json"))
    assert any("reviews of source" in w and "not readable" in w for w in data["warnings"])
    assert codings_of(third.db) == codings_of(coded.db)
    assert 0 < data["reviews"] < len(uncoded)


def test_files_without_the_note_get_reviews_only_from_codings(tmp_path: Path):
    text = "Alpha paragraph.\n\nBeta paragraph."
    path = make_qdpx(tmp_path / "plain.qdpx", [("doc", text, [(0, 16, [f"{HELLO}/{ANA}"]),
                                                              (18, 22, [f"{PLACE}/{BOB}"])])])
    other = empty_project(tmp_path)
    data = summary(other.ok("import", "qdpx", str(path), "--json"))
    assert data["reviews"] == data["reviews_added"] == 0
    assert reviews_of(other.db) == {(c, s, t, a, b, coder) for c, s, t, a, b, _, coder, _
                                    in codings_of(other.db)}


# ------------------------------------------------- selections on existing documents

PLAIN = "The carrot and the stick, and the carrot again.\n\nA second paragraph.\n"


def partner_file(path: Path, texts: dict[str, str], words: dict[str, list[tuple[str, int]]]
                 ) -> Path:
    """A partner's file on documents the project has: Bob codes ``words`` of each text."""
    return make_qdpx(path, [(stem, text, [(*span(text, w, k), [f"{PLACE}/{BOB}"])
                                          for w, k in words[stem]])
                            for stem, text in texts.items()])


def test_add_selections_appends_quotes_to_existing_documents(
        cli: Cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    alpha = cli.project / "cases" / "alpha"
    write_doc(alpha, EXTRA, "extra.txt")
    write_doc(alpha, PLAIN, "plain.txt")
    cli.ok("import")
    (tmp_path / "c.csv").write_text(
        "excerpt,code,coder,memo\nalpha/interview-1#4,linkage-visa,ann,\n"
        "alpha/extra#2,linkage-visa,ann,\nalpha/plain#1,framing-security,ann,\n"
        "alpha/plain#2,ptype-dialogue,ann,\n", encoding="utf-8")
    cli.ok("codings", "import", str(tmp_path / "c.csv"))
    names = {"interview-1": "interview-1.txt", "extra": "extra.txt", "plain": "plain.txt"}
    docs = {stem: load_document("alpha", alpha / name) for stem, name in names.items()}
    words = {"interview-1": [("the carrot 🥕", 1), ("Interviewer: And visas?", 1)],
             "extra": [("every meeting", 1)], "plain": [("carrot", 2), ("stick", 1)]}
    path = partner_file(tmp_path / "partner.qdpx", {s: d.text for s, d in docs.items()}, words)
    args = ("import", "qdpx", str(path), "--case", "alpha", "--add-codes")
    before, codings = snapshot(cli.project, cli.db), codings_of(cli.db)
    # A failure after the files were staged puts every document back as it was.
    import qcoder.exchange.refi.project_import as refi_import
    from qcoder.errors import QcoderError

    def broken_store(*args: object) -> None:
        raise QcoderError("database went away")

    monkeypatch.setattr(refi_import, "_store", broken_store)
    assert "database went away" in cli.fails(*args, "--add-selections").output
    assert snapshot(cli.project, cli.db) == before
    monkeypatch.undo()

    data = summary(cli.ok(*args, "--add-selections", "--json"))
    assert sorted(data["documents_changed"]) == [f"cases/alpha/{n}" for n in sorted(
        names.values())]
    result = cli.ok(*args, "--add-selections")  # again: nothing left to append
    assert "appended" not in result.output
    changed = {stem: load_document("alpha", alpha / name) for stem, name in names.items()}
    for stem, doc in docs.items():
        new = changed[stem]
        assert (new.text, new.title, new.kind, new.date, new.attributes) == (
            doc.text, doc.title, doc.kind, doc.date, doc.attributes)
        assert {e.identity for e in doc.excerpts} < {e.identity for e in new.excerpts}
        assert {new.text[e.start:e.end] for e in new.excerpts} >= {w for w, _ in words[stem]}
    assert (alpha / "plain.txt").read_text(encoding="utf-8").endswith("---\n" + PLAIN)
    assert (alpha / "extra.txt").read_text(encoding="utf-8").startswith(
        EXTRA[:EXTRA.index("\n---\n")] + "\n")  # the old list first, then the new item
    assert codings <= codings_of(cli.db)
    assert {(s, t, a, b) for _, s, t, a, b, _, coder, _ in codings_of(cli.db)
            if coder == "bob"} == {(s, w, *span(docs[s].text, w, k))
                                   for s, ws in words.items() for w, k in ws}
    with Store(cli.db) as store:
        assert store.counts()["orphaned_codings"] == 0


def test_add_selections_never_rewrites_a_word_file(cli: Cli, tmp_path: Path):
    cli.ok("import")
    word = cli.project / "cases" / "beta" / "declaration.docx"
    text = load_document("beta", word).text
    path = partner_file(tmp_path / "w.qdpx", {"declaration": text},
                        {"declaration": [("thirty days", 1)]})
    before = snapshot(cli.project, cli.db)
    result = cli.fails("import", "qdpx", str(path), "--case", "beta", "--add-codes",
                       "--add-selections")
    assert "never rewrites a Word file" in result.output
    assert snapshot(cli.project, cli.db) == before
    # Without --add-selections the span is a selection excerpt in the database instead.
    cli.ok("import", "qdpx", str(path), "--case", "beta", "--add-codes")
    assert word.read_bytes() == before[0]["cases/beta/declaration.docx"]
    assert any(r[:5] == ("beta", "declaration", "thirty days", *span(text, "thirty days"))
               for r in codings_of(cli.db))


def test_appended_quotes_keep_the_list_byte_order_mark_and_line_breaks(tmp_path: Path):
    from qcoder.project.selections import append_to_file, quotes_to_append

    body = "Yes. No. Yes.\r\n\r\nSecond yes.\r\n"
    fronts = ['---\r\ntitle: T\r\nselections: ["No."]\r\n---\r\n',
              '---\r\nselections:\r\n- "No."\r\n# a comment\r\nkind: report\r\n---\r\n',
              "---\r\ntitle: T\r\n---\r\n", ""]
    for front in fronts:
        raw = b"\xef\xbb\xbf" + (front + body).encode("utf-8")
        path = write_doc(tmp_path / "c", "")
        path.write_bytes(raw)
        doc = load_document("c", path)
        spans = [span(doc.text, "Yes.", 2), span(doc.text, "yes.")]
        path.write_bytes(append_to_file(raw, quotes_to_append(doc.text, spans)))
        new = load_document("c", path)
        data = path.read_bytes()
        assert data.startswith(b"\xef\xbb\xbf---\r\n") and b"\n" not in data.replace(b"\r\n", b"")
        assert (new.text, new.title, new.kind) == (doc.text, doc.title, doc.kind)
        assert {e.identity for e in doc.excerpts} < {e.identity for e in new.excerpts}
        quoted = {(e.start, e.end) for e in new.excerpts if e.quoted}
        assert quoted == {(e.start, e.end) for e in doc.excerpts if e.quoted} | set(spans)
