"""Time ``qcoder merge`` of two 100,000-excerpt databases with 500,000 codings each.

The lead's database is ``synthetic.make_project`` imported with its codings (5 coders, about
one code per excerpt each). The partner's is a copy of it in which the coders are renamed, so
all its codings and reviews are new to the lead, except one coding in a hundred: those keep
their coder, and both copies wrote a different memo on them. A third database adds to the
partner's an undo history of one event per coding.
Each measurement runs in a fresh process on a fresh copy of the lead's database and prints
wall time, CPU time (wall time on a busy machine overstates the work), peak memory of the
process (resident set, and Python allocations) and the load average. The last line is the
whole command, ``qcoder merge`` of the copy with the undo history (Python start-up, opening
the database and closing it included; target under 8 s).

Run: python benchmarks/bench_merge.py [--excerpts N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
import tracemalloc
from contextlib import closing
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measuring import measure as measure_command  # noqa: E402
from synthetic import codings_csv, make_project  # noqa: E402

from qcoder.exchange.codings_csv import import_codings  # noqa: E402
from qcoder.exchange.merge import merge_database  # noqa: E402
from qcoder.importer import import_project  # noqa: E402
from qcoder.project.codebook import load_codebook  # noqa: E402
from qcoder.project.folder import open_project  # noqa: E402
from qcoder.store.database import Store  # noqa: E402


def build(folder: Path, excerpts: int) -> tuple[Path, Path, Path]:
    """The lead's, the partner's and the partner's with history (reused when in ``folder``)."""
    lead, partner, history = (folder / f"{n}.db" for n in ("lead", "partner", "history"))
    if lead.exists() and partner.exists() and history.exists():
        return lead, partner, history
    root = make_project(folder / "project", excerpts=excerpts, coders=5,
                        codings_per_excerpt=1.0)
    with Store(lead) as store:
        project = open_project(root, lead)
        import_project(project, store)
        import_codings(store, load_codebook(project.codebook_path()), codings_csv(root))
        with closing(sqlite3.connect(partner)) as dst:
            store.conn.backup(dst)
        with store.transaction() as conn:
            conn.execute("UPDATE codings SET memo = 'lead note ' || id WHERE id % 100 = 0")
        store.conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    with closing(sqlite3.connect(partner, isolation_level=None)) as conn:
        conn.execute("BEGIN")
        conn.execute("INSERT INTO coders (name, created) SELECT 'partner-' || name, created "
                     "FROM coders")
        conn.execute("UPDATE reviews SET coder = 'partner-' || coder")
        conn.execute("UPDATE codings SET memo = 'partner note ' || id WHERE id % 50 = 0")
        conn.execute("UPDATE codings SET coder = 'partner-' || coder WHERE id % 100 != 0")
        conn.execute("COMMIT")
        conn.execute("PRAGMA journal_mode = DELETE")
    shutil.copy(partner, history)
    with closing(sqlite3.connect(history, isolation_level=None)) as conn:
        conn.execute("""INSERT INTO events (action_id, coder, at, kind, excerpt_id, code_id,
                            after, state, uid)
            SELECT id, coder, created, 'add', excerpt_id, code_id,
                   json_object('memo', memo, 'created', created), 'done',
                   lower(hex(randomblob(16))) FROM codings""")
    return lead, partner, history


def counts(path: Path) -> dict[str, int]:
    with closing(sqlite3.connect(path)) as conn:
        return {t: conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                for t in ("excerpts", "codings", "reviews", "events")}


def measure(lead: Path, partner: Path) -> dict[str, float]:
    """One merge in this process: seconds and peak memory."""
    tracemalloc.start()
    with Store(lead) as store:
        start, cpu = time.perf_counter(), time.process_time()
        summary = merge_database(store, partner)
        seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
    _, python_peak = tracemalloc.get_traced_memory()
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"seconds": seconds, "cpu": cpu, "rss": rss, "python": python_peak / 2**20,
            "codings": summary.codings, "reviews": summary.reviews, "events": summary.events,
            "memos_kept_both": summary.memos_kept_both}


def fresh_copy(lead: Path, work: Path) -> None:
    for suffix in ("-wal", "-shm"):
        Path(f"{work}{suffix}").unlink(missing_ok=True)
    shutil.copy(lead, work)
    os.sync()  # so that writing the copy back does not slow the merge down


def run(lead: Path, partner: Path, work: Path, label: str, fresh: bool = True) -> None:
    if fresh:
        fresh_copy(lead, work)
    load = os.getloadavg()[0]
    out = subprocess.run([sys.executable, __file__, "--measure", str(work), str(partner)],
                         capture_output=True, text=True, check=True)
    r = json.loads(out.stdout)
    print(f"{label:<32} {r['seconds']:6.1f} s wall {r['cpu']:6.1f} s CPU   peak RSS "
          f"{r['rss']:5.0f} MB, Python {r['python']:4.1f} MB   load {load:4.1f}   +{r['codings']} "
          f"codings +{r['reviews']} reviews +{r['events']} events, "
          f"{r['memos_kept_both']} memos kept both")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="build (or reuse) the databases here")
    parser.add_argument("--measure", nargs=2, type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.measure:
        print(json.dumps(measure(*args.measure)))
        return
    with tempfile.TemporaryDirectory(prefix="qcoder-bench-merge-") as tmp:
        folder = args.keep or Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        lead, partner, history = build(folder, args.excerpts)
        print(f"setup {time.perf_counter() - start:.0f} s; lead {counts(lead)}; "
              f"partner {counts(partner)}; with history {counts(history)}")
        work = folder / "work.db"
        run(lead, partner, work, "merge")
        run(lead, partner, work, "merge again (no change)", fresh=False)
        print(f"after the merge: {counts(work)}")
        run(lead, history, work, "merge with the undo history")
        fresh_copy(lead, work)
        load = os.getloadavg()[0]
        wall, cpu, peak = measure_command(["--project", str(folder / "project"), "--db",
                                           str(work), "merge", str(history)])
        print(f"{'qcoder merge, undo history':<32} {wall:6.1f} s wall {cpu:6.1f} s CPU   peak RSS "
              f"{peak:5.0f} MB   load {load:4.1f}   target < 8 s wall: "
              f"{'met' if wall < 8 else 'MISSED'}")
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)


if __name__ == "__main__":
    main()
