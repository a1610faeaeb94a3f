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
    for band in chart.bands:
        block = chart.points[band.start:band.stop]
        assert block[0].depth == 0
        rest = [p.alpha for p in block[1:] if not p.group and p.alpha is not None]
        assert rest == sorted(rest)


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
