"""Time ``qcoder disagreements`` (``--json`` and the table) over 100,000 excerpts and
``qcoder export qdpx`` of
19,000 excerpts, each in a child process of its own (Python start-up included).

The projects are ``synthetic.make_project`` (5 coders, 60 codes) imported with their codings:
100,000 excerpts with about 10 codings per excerpt (1,000,000 in all) for ``disagreements``,
19,000 excerpts with about 5 per excerpt for the REFI-QDA export. Each step runs up to three
times while it is short and keeps the fastest; it prints wall time, CPU time (user + system
of the child: the figure to compare on a shared machine), peak resident memory and the load
average, against the targets in wall time (disagreements under 2 s, REFI export under 3 s).

Run: python benchmarks/bench_exports.py [--excerpts N] [--refi-excerpts N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_foundation import best  # noqa: E402
from synthetic import codings_csv, make_project  # noqa: E402

CODERS = 5


def build(folder: Path, excerpts: int, per_excerpt: float) -> tuple[Path, Path]:
    """A project folder and its imported database (reused when already in ``folder``)."""
    from qcoder.exchange.codings_csv import import_codings
    from qcoder.importer import import_project
    from qcoder.project.codebook import load_codebook
    from qcoder.project.folder import open_project
    from qcoder.store.database import Store

    root, db = folder / "project", folder / "qcoder.db"
    if db.exists():
        return root, db
    make_project(root, excerpts=excerpts, coders=CODERS, codings_per_excerpt=per_excerpt)
    with Store(db) as store:
        project = open_project(root, db)
        import_project(project, store)
        import_codings(store, load_codebook(project.codebook_path()), codings_csv(root))
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return root, db


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=100_000)
    parser.add_argument("--refi-excerpts", type=int, default=19_000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the databases here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="qcoder-bench-exports-") as tmp:
        folder = args.keep or Path(tmp)
        load_start = os.getloadavg()[0]
        start = time.perf_counter()
        big = build(folder / f"big-{args.excerpts}", args.excerpts, 2.0)
        small = build(folder / f"refi-{args.refi_excerpts}", args.refi_excerpts, 1.0)
        print(f"setup {time.perf_counter() - start:.0f} s: {args.excerpts:,} excerpts × "
              f"{CODERS} coders × about 2 codings each; {args.refi_excerpts:,} excerpts × "
              f"{CODERS} coders × about 1 coding each\n")
        out = folder / "out.qdpx"
        steps = [
            (f"disagreements --json ({args.excerpts:,})", big,
             ["disagreements", "--json"], 2.0),
            (f"disagreements, table ({args.excerpts:,})", big, ["disagreements"], 2.0),
            (f"export qdpx ({args.refi_excerpts:,})", small,
             ["export", "qdpx", "--force", str(out)], 3.0),
        ]
        print(f"{'step':<34} {'wall':>7} {'cpu':>7} {'peak':>7} {'target':>8}  met (wall)")
        for label, (root, db), command, target in steps:
            wall, cpu, peak = best(["--qcoder", "--project", str(root), "--db", str(db),
                                    *command], lambda: None)
            print(f"{label:<34} {wall:6.2f}s {cpu:6.2f}s {peak:5.0f}MB {target:7.1f}s  "
                  f"{'met' if wall < target else 'MISSED'}")
        print(f"\nload average at start {load_start:.1f}, when done {os.getloadavg()[0]:.1f} on "
              f"{os.cpu_count()} CPUs (wall includes waiting for the CPU on a shared machine)")


if __name__ == "__main__":
    main()
