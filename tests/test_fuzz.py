"""Fuzzing the readers of outside input (hypothesis): the codebook loader, the front-matter
parser, the CSV importer and the REFI-QDA reader. Arbitrary bytes and structures raise
nothing but qcoder's own one-line errors, and a refused CSV never changes the database."""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from pathlib import Path

import pytest
import yaml
from conftest import make_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qcoder.errors import QcoderError
from qcoder.exchange.refi.qdpx import parse_qdc, parse_qdpx

FUZZ = settings(max_examples=150, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.function_scoped_fixture,
                                       HealthCheck.too_slow])

# Plain YAML-able data: what a codebook or front matter is made of, nested a few levels.
scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(
    max_size=20)
data = st.recursive(scalars, lambda inner: st.lists(inner, max_size=4) | st.dictionaries(
    st.sampled_from(["id", "label", "codes", "definition", "key", "exclusive", "examples",
                     "name", "version", "selections", "kind", "title", "x"]) | st.text(
        max_size=8), inner, max_size=5), max_leaves=20)
# YAML that a person (or an attacker) might write: fragments of the real thing and traps.
pieces = st.sampled_from([
    "name: x\n", "version: 1\n", "codes:\n", "  - id: a\n", "    label: A\n",
    "    definition: d\n", "    codes:\n", "      - id: b\n", "    key: s\n",
    "    exclusive: true\n", "&a ", "*a ", "!!binary ", "!!python/object:os.system ",
    "2024-13-45", "[", "]", "{", "}", "- ", ": ", "\t", '"\\e]0;x\\a"', "---\n", "\x00",
    "\x1b", "\xff", "label: *a\n", "examples: &e [*e]\n", "id: a\n"])
yaml_like = st.lists(pieces, max_size=30).map("".join)


def yaml_text() -> st.SearchStrategy[str]:
    return (data.map(lambda d: yaml.safe_dump(d, allow_unicode=True)) | yaml_like
            | st.text(max_size=200))


@FUZZ
@given(text=yaml_text())
def test_the_codebook_loader_only_reports_problems(text: str) -> None:
    from qcoder.project.codebook import lint_text

    book, problems = lint_text(text, "book.yaml")
    assert book is not None or problems
    for problem in problems:
        assert "\n" not in str(problem) and str(problem).startswith("book.yaml:")


@FUZZ
@given(raw=st.binary(max_size=300) | yaml_like.map(lambda t: t.encode("utf-8", "replace")))
def test_the_codebook_file_reader_only_reports_problems(tmp_path: Path, raw: bytes) -> None:
    from qcoder.project.codebook import lint_codebook

    path = tmp_path / "book.yaml"
    path.write_bytes(raw)
    book, problems = lint_codebook(path)
    assert book is not None or problems


@FUZZ
@given(front=yaml_text(), body=st.text(max_size=100))
def test_the_front_matter_parser_raises_only_one_line_errors(tmp_path: Path, front: str,
                                                             body: str) -> None:
    from qcoder.project.corpus import load_document

    path = tmp_path / "doc.txt"
    path.write_text(f"---\n{front}\n---\n{body}\n", encoding="utf-8", errors="replace")
    try:
        load_document("alpha", path)
    except QcoderError as exc:
        assert "\n" not in str(exc)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An imported tiny project; each example works on a copy of its database."""
    from qcoder.importer import import_project
    from qcoder.project.folder import open_project
    from qcoder.store.database import Store

    root = make_project(tmp_path_factory.mktemp("fuzz") / "proj")
    project = open_project(root)
    with Store(project.db_path) as store:
        import_project(project, store)
    return root


def dump(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


refs = st.sampled_from(["alpha/interview-1#1", "alpha/interview-1#2", "alpha/notes#1",
                        "beta/declaration#1", "alpha/interview-1#99", "nope", "", "a/b#0"])
codes = st.sampled_from(["framing", "framing-security", "ptype-operational",
                         "ptype-dialogue", "ptype", "unknown", ""])
cells = refs | codes | st.text(max_size=12)
rows = st.lists(st.lists(cells, min_size=0, max_size=6), max_size=6)
headers = st.sampled_from(["excerpt,code,coder", "excerpt,code,coder,memo",
                           "excerpt,code,coder,memo,time", "code,excerpt", "", "excerpt"])


@FUZZ
@given(header=headers, body=rows, junk=st.binary(max_size=40))
def test_a_refused_csv_never_changes_the_database(template: Path, tmp_path: Path,
                                                  header: str, body: list[list[str]],
                                                  junk: bytes) -> None:
    import csv
    import io

    from qcoder.exchange.codings_csv import import_codings
    from qcoder.store.database import Store

    db = tmp_path / "copy.db"
    shutil.copy(template / "qcoder.db", db)
    buffer = io.StringIO()
    csv.writer(buffer).writerows([[c.replace("\x00", "") for c in row] for row in body])
    path = tmp_path / "in.csv"
    path.write_bytes(header.encode() + b"\n" + buffer.getvalue().encode() + junk)
    before = dump(db)
    with Store(db) as store:
        try:
            import_codings(store, store.codebook(), path)
        except QcoderError as exc:
            assert "\n" not in str(exc)
            refused = True
        else:
            refused = False
    if refused:
        assert dump(db) == before


@pytest.fixture(scope="module")
def exported(template: Path, tmp_path_factory: pytest.TempPathFactory) -> bytes:
    from qcoder.exchange.refi.qdpx import write_qdpx
    from qcoder.exchange.refi.store_data import export_project
    from qcoder.store.database import Store

    out = tmp_path_factory.mktemp("qdpx") / "p.qdpx"
    with Store(template / "qcoder.db") as store:
        write_qdpx(export_project(store, "proj", None).project, out)
    return out.read_bytes()


@FUZZ
@given(raw=st.binary(max_size=400))
def test_the_refi_reader_raises_only_its_own_errors_on_bytes(raw: bytes) -> None:
    for parse in (parse_qdpx, parse_qdc):
        try:
            parse(raw)
        except QcoderError as exc:
            assert "\n" not in str(exc)


@FUZZ
@given(cuts=st.lists(st.tuples(st.floats(0, 1), st.binary(min_size=0, max_size=8)),
                     min_size=1, max_size=4))
def test_the_refi_reader_on_damaged_project_xml(exported: bytes,
                                                cuts: list[tuple[float, bytes]]) -> None:
    import io

    with zipfile.ZipFile(io.BytesIO(exported)) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    qde = bytearray(members["project.qde"])
    for where, junk in cuts:  # overwrite a few bytes somewhere in the XML
        at = int(where * (len(qde) - 1))
        qde[at:at + len(junk)] = junk
    members["project.qde"] = bytes(qde)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, value in members.items():
            archive.writestr(name, value)
    try:
        parse_qdpx(buffer.getvalue())
        parse_qdc(bytes(qde))
    except QcoderError as exc:
        assert "\n" not in str(exc)

