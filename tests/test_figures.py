"""Figures: each one's data read back from the drawn figure equals the table it shows (the
compare matrix, the group distribution, the agreement report, the progress); output is
deterministic; matplotlib is loaded only by the commands that draw."""

from __future__ import annotations

import json
import math
import subprocess
import sys
import textwrap
import xml.etree.ElementTree as ET
from pathlib import Path

import numpy as np
import pytest
from conftest import Cli

from qcoder.compare import code_case_matrix, exclusive_distribution, resolve_basis
from qcoder.figures import data as fdata
from qcoder.figures.collect import gather
from qcoder.figures.draw import draw, draw_alpha, draw_heat_map, render, wrap_label
from qcoder.reliability.data import project_agreement
from qcoder.store.database import Store

pytest.importorskip("matplotlib")


@pytest.fixture(scope="module")
def store(demo: Cli):
    s = Store(demo.db)
    yield s
    s.close()


def test_heat_map_image_is_the_compare_matrix(store: Store) -> None:
    basis = resolve_basis(store)
    matrix = code_case_matrix(store, basis)
    fig = draw_heat_map(fdata.heat_map(matrix))
    heat_ax = next(ax for ax in fig.axes if ax.images)
    shown = heat_ax.images[0].get_array()
    expected = np.array([[matrix.cell(r.id, c.id).percent for c in matrix.columns]
                         for r in matrix.rows], dtype=float)
    assert shown.shape == (len(matrix.rows), len(matrix.columns))
    assert np.allclose(np.ma.filled(shown, np.nan), expected, equal_nan=True)
    # every cell annotated with its percentage, to one decimal
    texts = {t.get_text() for t in heat_ax.texts}
    assert {f"{v:.1f}" for v in expected.ravel()} <= texts
    # every code is a row label, in the matrix's order
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert [label.lstrip("› ") for label in labels] == [r.label for r in matrix.rows]


def test_heat_map_bands_are_the_top_level_codes(store: Store) -> None:
    matrix = code_case_matrix(store, resolve_basis(store))
    heat = fdata.heat_map(matrix)
    book = store.codebook()
    assert [b.label for b in heat.bands] == [c.label for c in book.roots()]
    for band in heat.bands:
        assert heat.depths[band.start] == 0
        assert all(d > 0 for d in heat.depths[band.start + 1:band.stop])
    assert heat.bands[-1].stop == len(matrix.rows)


def test_group_bars_are_the_group_distribution(store: Store) -> None:
    basis = resolve_basis(store)
    dist = exclusive_distribution(store, basis, "partnership-type")
    fig = draw(fdata.group_shares(dist))
    ax = fig.axes[0]
    assert len(ax.containers) == len(dist.children)
    for bars, child in zip(ax.containers, dist.children, strict=True):
        widths = [rect.get_width() for rect in bars]
        assert widths == pytest.approx([dist.shares[(child.id, col.id)] or 0.0
                                       for col in dist.columns])
    # each case's bar is stacked to 100 (the shares sum to 100, as 'compare --groups')
    for i, col in enumerate(dist.columns):
        if dist.excerpts[col.id]:
            assert math.isclose(sum(b[i].get_width() for b in ax.containers), 100.0)


def test_alpha_points_and_intervals_are_the_agreement_report(store: Store) -> None:
    result = project_agreement(store, store.codebook(), bootstrap=200, seed=1)
    chart = fdata.alpha_chart(result, store.codebook())
    fig = draw_alpha(chart)
    ax = fig.axes[0]
    drawn: dict[int, tuple[float, float, float]] = {}
    for container in ax.containers:
        line, _, (bars,) = container.lines
        for x, y, seg in zip(line.get_xdata(), line.get_ydata(), bars.get_segments(),
                             strict=True):
            drawn[int(y)] = (float(x), float(seg[0][0]), float(seg[1][0]))
    by_id = {(r.id, False): r for r in result.report.codes}
    by_id.update({(g.id, True): g for g in result.report.groups})
    assert len(chart.points) == len(by_id)
    for i, point in enumerate(chart.points):
        r = by_id[(point.id, point.group)]
        if r.alpha is None:
            assert i not in drawn
            continue
        x, lo, hi = drawn[i]
        assert math.isclose(x, r.alpha)
        assert r.ci is not None and math.isclose(lo, r.ci[0]) and math.isclose(hi, r.ci[1])
    # the .667 and .800 lines
    xs = {round(line.get_xdata()[0], 3) for line in ax.lines if len(set(line.get_xdata())) == 1}
    assert {0.667, 0.8} <= xs


def test_alpha_blocks_worst_first(store: Store) -> None:
    result = project_agreement(store, store.codebook())
    chart = fdata.alpha_chart(result, store.codebook())
    lowest = [min((p.alpha for p in chart.points[b.start:b.stop] if p.alpha is not None),
                  default=math.inf) for b in chart.bands]
    assert lowest == sorted(lowest)
    book = store.codebook()
    for band in chart.bands:
        block = chart.points[band.start:band.stop]
        assert block[0].depth == 0
        siblings: dict[str | None, list[float]] = {}
        for p in block[1:]:
            if not p.group and p.alpha is not None:
                siblings.setdefault(book[p.id].parent, []).append(p.alpha)
        assert all(v == sorted(v) for v in siblings.values())
        for i, p in enumerate(block[1:], 1):  # each code right under its parent's subtree
            parent = book[p.id].parent
            if not p.group and parent != book[block[0].id].id:
                assert parent in [q.id for q in block[:i]]


def test_progress_bars_are_the_status_progress(store: Store) -> None:
    figures = gather(store, resolve_basis(store), bootstrap=0)
    assert figures.progress is not None
    fig = draw(figures.progress)
    ax = fig.axes[0]
    rows = store.progress()
    for bars, coder in zip(ax.containers, figures.progress.coders, strict=True):
        expected = [100.0 * p["reviewed"] / p["total"] for case in figures.progress.case_ids
                    for p in rows if p["coder"] == coder and p["case"] == case]
        assert [b.get_width() for b in bars] == pytest.approx(expected)


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_two_exports_are_byte_identical(store: Store, fmt: str) -> None:
    figures = gather(store, resolve_basis(store), bootstrap=50)
    for _, item in figures.named():
        first, second = render(draw(item), fmt, 60), render(draw(item), fmt, 60)
        assert first == second
    if fmt == "svg":
        ET.fromstring(first)  # parses
        assert b"<dc:date>" not in first
    if fmt == "pdf":
        assert first.startswith(b"%PDF") and b"CreationDate" not in first


def test_two_processes_write_the_same_svg(demo: Cli, tmp_path: Path) -> None:
    script = textwrap.dedent(f"""
        import sys
        from pathlib import Path
        from qcoder.store.database import Store
        from qcoder.compare import resolve_basis
        from qcoder.figures.collect import gather
        from qcoder.figures.draw import draw, render
        s = Store(Path({str(demo.db)!r}))
        f = gather(s, resolve_basis(s), bootstrap=20)
        sys.stdout.buffer.write(render(draw(f.heat), "svg"))
    """)
    runs = [subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=120,
                           check=True, env={"PYTHONHASHSEED": str(seed)})
            for seed in (1, 2)]
    assert runs[0].stdout == runs[1].stdout and runs[0].stdout.startswith(b"<?xml")


@pytest.mark.parametrize("text,width,lines", [
    ("Switzerland–Kosovo, Serbia and Bosnia-Herzegovina", 16, 3),
    ("Burden / responsibility sharing framing", 12, 2),
    ("a" * 80, 20, 2),
    ("short", 10, 1),
])
def test_labels_wrap_within_their_width(text: str, width: int, lines: int) -> None:
    wrapped = wrap_label(text, width, lines).split("\n")
    assert len(wrapped) <= lines
    assert all(len(line) <= width for line in wrapped)
    joined = "".join(wrapped).replace(" ", "").replace("-", "")
    if joined.rstrip("…") != text.replace(" ", "").replace("-", ""):
        assert wrapped[-1].endswith("…")


def test_long_labels_do_not_overlap(store: Store) -> None:
    """Row labels of the heat map sit on separate lines (their boxes do not intersect)."""
    fig = draw(gather(store, resolve_basis(store), bootstrap=0).heat)
    fig.canvas.draw()
    boxes = [t.get_window_extent() for t in fig.axes[0].get_yticklabels()]
    for a, b in zip(boxes, boxes[1:], strict=False):
        assert a.y0 >= b.y1 - 0.5 or b.y0 >= a.y1 - 0.5


PROBE = """
import sys
{body}
print(json.dumps(sorted(m for m in sys.modules if m.split('.')[0] == 'matplotlib')))
"""


def _matplotlib_after(body: str) -> list[str]:
    code = "import json\n" + PROBE.format(body=body)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_help_status_and_workbench_start_never_import_matplotlib(demo: Cli) -> None:
    base = ["--project", str(demo.project), "--db", str(demo.db)]
    for args in (["--help"], [*base, "status"], [*base, "agreement"]):
        body = (f"from qcoder.cli import cli\ntry:\n    cli({args!r}, prog_name='qcoder')\n"
                "except SystemExit as exc:\n    assert not exc.code, exc.code")
        assert _matplotlib_after(body) == [], args
    workbench = textwrap.dedent(f"""
        import asyncio
        from qcoder.tui.app import create_app
        async def main():
            app = create_app({str(demo.project)!r}, {str(demo.db)!r}, coder="amira")
            async with app.run_test(size=(100, 30)) as pilot:
                for _ in range(300):
                    if app.ready:
                        break
                    await pilot.pause(0.02)
                assert app.ready
                await app.workers.wait_for_complete()
        asyncio.run(main())
    """)
    assert _matplotlib_after(workbench) == []
    # the probe can tell: drawing does load it
    assert "matplotlib" in _matplotlib_after("from qcoder.figures.draw import _figure\n"
                                              "_figure(1, 1)")


# --- qcoder export figures ------------------------------------------------------------------

NAMES = ["agreement-alpha", "codes-by-case", "group-shares-partnership-type",
         "progress-by-coder"]


def test_export_figures_writes_one_file_per_figure(demo: Cli, tmp_path: Path) -> None:
    out = tmp_path / "figs"
    result = demo.ok("export", "figures", str(out), "--bootstrap", "50", "--dpi", "60")
    files = sorted(p.name for p in out.iterdir())
    assert files == [f"{n}.png" for n in NAMES]
    for name in files:
        assert (out / name).read_bytes().startswith(b"\x89PNG")
        assert f"{out / name}: " in result.output
    assert "4 figures in" in result.output and "basis: all coders pooled" in result.output
    # again: refused without --force, the files untouched; with --force the same bytes
    before = {n: (out / n).read_bytes() for n in files}
    again = demo.fails("export", "figures", str(out), "--bootstrap", "50", "--dpi", "60")
    assert "already exists; pass --force" in again.output
    assert len(again.output.strip().splitlines()) == 1
    demo.ok("export", "figures", str(out), "--bootstrap", "50", "--dpi", "60", "--force")
    assert {n: (out / n).read_bytes() for n in files} == before


def test_export_figures_svg_parses_and_json_lists_files(demo: Cli, tmp_path: Path) -> None:
    out = tmp_path / "svg"
    result = demo.ok("export", "figures", str(out), "--format", "svg", "--bootstrap", "0",
                     "--codes", "partnership-type", "--json")
    data = json.loads(result.output)
    assert [Path(f["file"]).name for f in data["figures"]] == [
        "codes-by-case.svg", "group-shares-partnership-type.svg", "agreement-alpha.svg",
        "progress-by-coder.svg"]
    assert data["format"] == "svg" and data["basis"]["kind"] == "pooled"
    for entry in data["figures"]:
        root = ET.fromstring(Path(entry["file"]).read_bytes())
        assert root.tag.endswith("svg")


@pytest.mark.parametrize("args,message", [
    (["--dpi", "10"], "--dpi"),
    (["--format", "gif"], "--format"),
    (["--coder", "nobody"], "unknown coder 'nobody'"),
    (["--codes", "nonsense"], "unknown code 'nonsense'"),
])
def test_export_figures_bad_input_is_one_line(demo: Cli, tmp_path: Path, args: list[str],
                                              message: str) -> None:
    out = tmp_path / "bad"
    result = demo.fails("export", "figures", str(out), *args)
    assert message in result.output
    assert not out.exists() or not any(out.iterdir())


def test_export_figures_into_a_file_is_refused(demo: Cli, tmp_path: Path) -> None:
    plain = tmp_path / "plain.txt"
    plain.write_text("keep", encoding="utf-8")
    result = demo.fails("export", "figures", str(plain))
    assert "is a file; give a folder" in result.output
    assert plain.read_text(encoding="utf-8") == "keep"
    missing = demo.fails("export", "figures", str(tmp_path / "no" / "such"))
    assert "does not exist" in missing.output


# --- figures in the Word appendix -----------------------------------------------------------

WP = "{http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing}"


@pytest.fixture(scope="module")
def appendix(demo: Cli, tmp_path_factory: pytest.TempPathFactory):
    import docx

    out = tmp_path_factory.mktemp("docx") / "appendix.docx"
    demo.ok("export", "docx", str(out), "--date", "2026-01-01", "--bootstrap", "100",
            "--sections", "sources,agreement,comparison")
    return docx.Document(str(out))


def _shapes_by_section(document) -> dict:
    """Section -> the (cx, cy) extents, in EMU, of the pictures in it."""
    sections = iter(document.sections)
    current = next(sections)
    out: dict = {}
    for child in document.element.body.iterchildren():
        for extent in child.iter(f"{WP}extent"):
            out.setdefault(current, []).append((int(extent.get("cx")), int(extent.get("cy"))))
        if child.xpath("./w:pPr/w:sectPr"):
            current = next(sections)
    return out


def _body_items(document) -> list[tuple[str, object]]:
    """('p', paragraph) and ('tbl', table) in body order."""
    import docx

    out: list[tuple[str, object]] = []
    for child in document.element.body.iterchildren():
        if child.tag == docx.oxml.ns.qn("w:p"):
            out.append(("p", docx.text.paragraph.Paragraph(child, document)))
        elif child.tag == docx.oxml.ns.qn("w:tbl"):
            out.append(("tbl", docx.table.Table(child, document)))
    return out


def test_docx_holds_each_figure_with_caption_and_alt_text(demo: Cli, appendix,
                                                          store: Store) -> None:
    assert len(appendix.inline_shapes) == 4
    captions = [p.text for p in appendix.paragraphs if p.text.startswith("Figure ")]
    assert captions == [
        "Figure 1. Excerpts reviewed by each coder, per case",
        "Figure 2. Krippendorff's alpha per code with its 95% interval",
        "Figure 3. Codes by case: share of each case's reviewed excerpts",
        "Figure 4. Partnership type: share of each code by case"]
    figures = gather(store, resolve_basis(store), bootstrap=100)
    expected = [fdata.describe(x) for x in
                (figures.progress, figures.alpha, figures.heat, *figures.groups)]
    alts = [e.get("descr") for e in appendix.element.body.iter(f"{WP}docPr")]
    assert alts == expected
    assert all(len(a) > 80 for a in alts)
    # each image is sized to the page: within the text width and height of its section
    sized = _shapes_by_section(appendix)
    assert sum(len(v) for v in sized.values()) == 4
    for section, extents in sized.items():
        text_width = section.page_width - section.left_margin - section.right_margin
        text_height = section.page_height - section.top_margin - section.bottom_margin
        for cx, cy in extents:
            assert 0 < cx <= text_width and 0 < cy < text_height
        if any(cy > cx for cx, cy in extents):  # a tall figure is set on a portrait page
            assert section.page_height > section.page_width


def test_docx_figures_follow_their_tables(appendix) -> None:
    items = _body_items(appendix)
    order = [p.text.split(". ", 1)[1] for kind, p in items
             if kind == "p" and p.style.name == "Caption"]
    for table, figure in (
            ("Documents", "Excerpts reviewed by each coder, per case"),
            ("Agreement per code", "Krippendorff's alpha per code with its 95% interval"),
            ("Codes by case", "Codes by case: share of each case's reviewed excerpts"),
            ("Partnership type: share of each code by case (%)",
             "Partnership type: share of each code by case")):
        assert order.index(figure) == order.index(table) + 1, order
    # the picture is the paragraph right after its caption
    for i, (kind, p) in enumerate(items):
        if kind == "p" and p.text.startswith("Figure "):
            after = items[i + 1][1]
            assert after._p.xpath(".//pic:pic"), p.text


def test_docx_agreement_tables_fit_a_portrait_page(appendix) -> None:
    """The agreement tables are set on portrait pages, none wider than the text, and no
    column narrower than the longest word of its header (so none breaks mid-word)."""
    items = _body_items(appendix)
    captions = {}
    for i, (kind, p) in enumerate(items):
        if kind == "p" and p.style.name == "Caption" and "Agreement per" in p.text:
            table = next(t for k, t in items[i:] if k == "tbl")
            captions[p.text] = table
    titles = [t.split(". ", 1)[1] for t in captions]
    assert titles[:3] == ["Agreement per code", "Agreement per code: % agree, kappa and use",
                          "Agreement per exclusive group"]
    portrait = appendix.sections[0].page_width
    width = min(s.page_width for s in appendix.sections) - 2 * 1440 * 635
    for title, table in captions.items():
        if "Adjudication" in title:
            continue
        grid = [int(g.get(docx_qn("w:w"))) for g in table._tbl.tblGrid.iterchildren()]
        assert len(grid) <= 7, title
        assert sum(grid) * 635 <= width + 635 * 10, title
        for col, cell in zip(grid, table.rows[0].cells, strict=True):
            longest = max(len(w) for w in cell.text.split())
            assert col >= longest * 91 + 170, (title, cell.text, col)
    assert portrait < appendix.sections[0].page_height


def docx_qn(tag: str) -> str:
    import docx

    return docx.oxml.ns.qn(tag)


def test_docx_without_figures(demo: Cli, tmp_path: Path) -> None:
    import docx

    out = tmp_path / "plain.docx"
    result = demo.ok("export", "docx", str(out), "--bootstrap", "0", "--no-figures",
                     "--sections", "comparison", "--json")
    assert json.loads(result.output)["figures"] == 0
    assert len(docx.Document(str(out)).inline_shapes) == 0


def test_alpha_chart_keeps_grandchildren_under_their_parent() -> None:
    """A code two levels down sits in its top-level code's block, right after its parent."""
    from qcoder.project.codebook import codebook_from_dict
    from qcoder.reliability.agreement import AgreementReport, CodeAgreement
    from qcoder.reliability.data import ProjectAgreement

    book = codebook_from_dict({"name": "t", "version": 1, "codes": [
        {"id": "a", "label": "A", "codes": [
            {"id": "a1", "label": "A1", "codes": [{"id": "a1x", "label": "A1x"}]},
            {"id": "a2", "label": "A2"}]},
        {"id": "b", "label": "B", "codes": [{"id": "b1", "label": "B1"}]}]})
    alphas = {"a": 0.9, "a1": 0.85, "a1x": 0.1, "a2": 0.5, "b": 0.95, "b1": 0.92}
    codes = [CodeAgreement(k, v, 90.0, 20, 2, flag="x") for k, v in alphas.items()]
    result = ProjectAgreement("t", "1", ("p", "q"), None, 0, None, 20,
                              AgreementReport(codes, [], [], []))
    chart = fdata.alpha_chart(result, book)
    assert [p.id for p in chart.points] == ["a", "a2", "a1", "a1x", "b", "b1"]
    assert [p.depth for p in chart.points] == [0, 1, 1, 2, 0, 1]
    assert [(b.label, b.start, b.stop) for b in chart.bands] == [("A", 0, 4), ("B", 4, 6)]
