"""Time ``qcoder export docx`` on a synthetic project with over 10,000 coded excerpts.

Builds the project with ``benchmarks/synthetic.py`` (two coders) when it is there,
otherwise with a small generator of its own (4 cases of 25 interview transcripts, 60 codes,
two coders who each apply about one code to every excerpt). Prints the time of each stage and
the file size. ``--cells N`` also times a table of N rows built cell by cell with python-docx
against the same table written as XML, the choice docx.py makes.

Run: python benchmarks/bench_export_docx.py [--excerpts N] [--cells N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import random
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qcoder.exchange.codings_csv import import_codings  # noqa: E402
from qcoder.export.appendix import Table, gather, resolve_basis  # noqa: E402
from qcoder.export.atomic import write_bytes  # noqa: E402
from qcoder.export.docx import render_docx  # noqa: E402
from qcoder.importer import import_project  # noqa: E402
from qcoder.project.folder import open_project  # noqa: E402
from qcoder.store.database import Store  # noqa: E402

WORDS = ("partnership", "migration", "return", "visa", "mobility", "readmission",
         "cooperation", "border", "capacity", "dialogue", "funding", "ministry", "agreement",
         "officials", "diaspora", "remittances", "labour", "training", "programme",
         "evaluation", "pilot", "consulate", "reintegration", "asylum")
CASES, DOCS, THEMES, CHILDREN = 4, 25, 6, 9


def _codebook() -> str:
    lines = ["name: Synthetic partnerships", "version: 1", "codes:"]
    for t in range(THEMES):
        lines += [f"  - id: theme-{t}", f"    label: Theme {t}",
                  f"    definition: Synthetic theme {t}.", "    codes:"]
        for c in range(CHILDREN):
            lines += [f"      - id: theme-{t}-{c}", f"        label: Code {t}.{c}",
                      f"        definition: Synthetic code {t}.{c} for the benchmark."]
    return "\n".join(lines) + "\n"


def make_own_project(root: Path, excerpts: int, seed: int = 0) -> Path:
    """A project on disk: codebook, cases with interview documents, a codings CSV."""
    rng = random.Random(seed)
    (root / "codebooks").mkdir(parents=True, exist_ok=True)
    (root / "codebooks" / "synthetic.yaml").write_text(_codebook(), encoding="utf-8")
    per_doc = max(1, excerpts // (CASES * DOCS))
    leaves = [f"theme-{t}-{c}" for t in range(THEMES) for c in range(CHILDREN)]
    rows = ["excerpt,code,coder"]
    for k in range(CASES):
        case = root / "cases" / f"case-{k}"
        case.mkdir(parents=True, exist_ok=True)
        (case / "case.yaml").write_text(f"name: Case {k}\n", encoding="utf-8")
        for d in range(DOCS):
            paragraphs = []
            for n in range(1, per_doc + 1):
                speaker = "Interviewer" if n % 2 else "Official"
                words = " ".join(rng.choice(WORDS) for _ in range(rng.randint(20, 60)))
                paragraphs.append(f"{speaker}: {words.capitalize()} ({k}.{d}.{n}).")
                for coder in ("ann", "bob"):
                    code = leaves[rng.randrange(len(leaves))] if rng.random() < 0.8 else \
                        leaves[(k * 7 + n) % len(leaves)]
                    rows.append(f"case-{k}/doc-{d:02d}#{n},{code},{coder}")
            (case / f"doc-{d:02d}.txt").write_text(
                "---\nkind: interview\n---\n" + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    (root / "codings").mkdir(exist_ok=True)
    (root / "codings" / "synthetic.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return root


def _build(root: Path, excerpts: int) -> Store:
    try:
        import synthetic  # type: ignore[import-not-found]
    except ImportError:
        synthetic = None
    if synthetic is not None:
        folder = synthetic.make_project(root, excerpts=excerpts, codes=60, coders=2,
                                        codings_per_excerpt=1.0, seed=0)
    else:
        folder = make_own_project(root, excerpts)
    project = open_project(folder, folder / "qcoder.db")
    store = Store(project.db_path)
    import_project(project, store)
    if synthetic is not None:
        import_codings(store, store.codebook(), synthetic.codings_csv(folder))
    return store


def _timed(label: str, run: Callable[[], Any]) -> Any:
    start = time.perf_counter()
    result = run()
    print(f"{label:<46} {time.perf_counter() - start:8.3f} s")
    return result


def compare_tables(rows: int) -> None:
    """python-docx cell by cell against docx.py's XML rows, for a 4-column table."""
    import docx

    document = docx.Document()
    table_rows = [[f"r{i}c{j}" for j in range(4)] for i in range(rows)]

    def by_cells() -> None:
        table = document.add_table(rows=1, cols=4)
        for values in table_rows:
            for cell, value in zip(table.add_row().cells, values, strict=True):
                cell.text = value

    _timed(f"python-docx add_row/cell.text, {rows:,} rows", by_cells)
    from qcoder.export import docx as export_docx

    body = export_docx._Body(docx.Document(), export_docx._Styles(docx.Document()))
    table = Table("t", ["a", "b", "c", "d"], table_rows)
    _timed(f"docx.py XML rows, {rows:,} rows", lambda: (body.table(table), body.finish()))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    # about 87% of the synthetic excerpts get a code from one of the two coders: 11,500
    # excerpts give just over 10,000 coded ones
    parser.add_argument("--excerpts", type=int, default=11_500)
    parser.add_argument("--cells", type=int, default=0,
                        help="Also compare table building on a table of this many rows.")
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the project here.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp) / "project"
        root.mkdir(parents=True, exist_ok=True)
        if (root / "qcoder.db").exists():
            store = Store(root / "qcoder.db")
        else:
            store = _timed("build and import the project", lambda: _build(root, args.excerpts))
        counts = store.counts()
        print(f"project: {counts['excerpts']:,} excerpts, {counts['codings']:,} codings, "
              f"{counts['codes']} codes, {counts['coders']} coders, {counts['cases']} cases")
        out = Path(tmp) / "appendix.docx"
        total = time.perf_counter()
        appendix = _timed("gather (store -> appendix data)", lambda: gather(
            store, project="synthetic", basis=resolve_basis(store, pooled=True),
            date="2025-01-01"))
        coded = len({e.ref for s in appendix.excerpts or [] for c in s.cases
                     for e in c.entries})
        data = _timed("render (python-docx, normalised zip)", lambda: render_docx(appendix))
        _timed("write atomically", lambda: write_bytes(out, data))
        elapsed = time.perf_counter() - total
        print(f"export of {coded:,} coded excerpts (pooled; sections: "
              f"{', '.join(appendix.sections)}; agreement bootstrap 1000): {elapsed:.2f} s "
              f"total, {out.stat().st_size / 1e6:.2f} MB")
        store.close()
    if args.cells:
        compare_tables(args.cells)


if __name__ == "__main__":
    main()
