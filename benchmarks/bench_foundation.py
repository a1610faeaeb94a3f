"""Time the foundation on a synthetic project and compare each step with its floor.

Steps: ``qcoder import`` of N excerpts (default 100,000), ``qcoder codings import`` of about
1,000,000 codings (and of a quarter of them, to show memory does not grow with the codings),
``qcoder status`` and ``qcoder codings export``. The floor is the same work written directly
with the standard library: ``sqlite3`` ``executemany`` in one transaction into the same schema
(or the same queries), reading the same files. Every step runs in a child process of its own;
its wall time includes starting Python, and its peak memory is the child's maximum resident
set size.

Run: python benchmarks/bench_foundation.py [N [CODINGS]]   (CODINGS defaults to 10 × N)
"""

from __future__ import annotations

import atexit
import csv
import hashlib
import itertools
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODERS = 5
PEAK_ENV = "QCODER_BENCH_PEAK"
SMALL_SHARE = 4


# -- floors: the same work with sqlite3 and the standard library ------------------------------
def _connect(db: str) -> sqlite3.Connection:
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute("PRAGMA synchronous = FULL")
    return conn


def floor_import(project: str, db: str) -> None:
    """Read codebook and cases, split paragraphs, insert with executemany: the rows only,
    without the search index (whatever qcoder does beyond the rows counts against it)."""
    import yaml

    from qcoder.store.migrations import migrate

    conn = _connect(db)
    migrate(conn)
    for trigger in ("insert", "delete", "update"):
        conn.execute(f"DROP TRIGGER excerpt_text_{trigger}")
    root = Path(project)
    book = yaml.load((next((root / "codebooks").glob("*.yaml"))).read_text("utf-8"),
                     Loader=yaml.CSafeLoader)
    codes: list[tuple] = []

    def walk(items: list[dict], parent: str | None, depth: int) -> None:
        for item in items:
            codes.append((item["id"], parent, item["label"], item.get("definition", ""),
                          item.get("key"), int(bool(item.get("exclusive"))), len(codes), depth))
            walk(item.get("codes") or [], item["id"], depth + 1)

    walk(book["codes"], None, 0)
    paragraph = re.compile(r"[^\n]+(?:\n[^\n]+)*")
    conn.execute("BEGIN")
    conn.executemany("INSERT INTO codes (id, parent_id, label, definition, key, exclusive, "
                     "position, depth) VALUES (?, ?, ?, ?, ?, ?, ?, ?)", codes)
    for position, folder in enumerate(sorted((root / "cases").iterdir())):
        meta = yaml.load((folder / "case.yaml").read_text("utf-8"), Loader=yaml.CSafeLoader)
        conn.execute("INSERT INTO cases (id, name, description, position) VALUES (?, ?, ?, ?)",
                     (folder.name, meta["name"], meta.get("description", ""), position))
        for path in sorted(folder.glob("*.txt")):
            raw = path.read_bytes()
            _, front, body = raw.decode("utf-8").split("---\n", 2)
            fields = yaml.load(front, Loader=yaml.CSafeLoader)
            doc_id = conn.execute(
                "INSERT INTO documents (case_id, stem, path, title, kind, text, sha) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (folder.name, path.stem, path.name, fields["title"], fields["kind"], body,
                 hashlib.sha1(raw).hexdigest())).lastrowid
            rows = []
            for n, m in enumerate(paragraph.finditer(body), 1):
                text = m.group()
                speaker = text.split(":", 1)[0] if fields["kind"] == "interview" else None
                identity = hashlib.sha1(f"{folder.name}/{path.stem}\0{text}".encode())
                rows.append((identity.hexdigest()[:24], doc_id, n, m.start(), m.end(), speaker,
                             text))
            conn.executemany('INSERT INTO excerpts (identity, document_id, n, start, "end", '
                             "speaker, text) VALUES (?, ?, ?, ?, ?, ?, ?)", rows)
    conn.execute("COMMIT")
    conn.close()


def floor_codings(db: str, path: str) -> None:
    """Stream the CSV, map references to ids, insert codings and reviews in one transaction."""
    conn = _connect(db)
    refs = {f"{c}/{s}#{n}": i for c, s, n, i in conn.execute(
        "SELECT d.case_id, d.stem, e.n, e.id FROM excerpts e JOIN documents d "
        "ON d.id = e.document_id WHERE e.active = 1")}
    stamp = datetime.now(UTC).isoformat()
    conn.execute("BEGIN")
    with open(path, encoding="utf-8", newline="") as fh:
        reader = csv.reader(fh)
        next(reader)
        coders: set[str] = set()
        while batch := list(itertools.islice(reader, 20_000)):
            rows = [(refs[r[0]], r[1], r[2], stamp, r[3] or None) for r in batch]
            coders.update(r[2] for r in batch)
            conn.executemany("INSERT OR IGNORE INTO coders (name, created) VALUES (?, ?)",
                             [(c, stamp) for c in coders])
            conn.executemany("INSERT INTO codings (excerpt_id, code_id, coder, created, memo) "
                             "VALUES (?, ?, ?, ?, ?)", [r for r in rows if r[1]])
            conn.executemany("INSERT OR IGNORE INTO reviews VALUES (?, ?, ?)",
                             [(r[0], r[2], stamp) for r in rows])
    conn.execute("COMMIT")
    conn.close()


def floor_status(db: str) -> None:
    """The totals, and reviewed/total per coder and case, by the queries qcoder itself runs
    (so the ratio is what qcoder's own layers cost)."""
    conn = sqlite3.connect(db)
    for table in ("cases", "documents", "excerpts", "codes", "coders", "codings"):
        print(table, conn.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0])
    print(conn.execute("SELECT COUNT(*) FROM excerpts WHERE active = 0").fetchone())
    print(conn.execute("""SELECT d.case_id, COUNT(*) FROM excerpts e JOIN documents d
        ON d.id = e.document_id WHERE e.active = 1 GROUP BY d.case_id""").fetchall())
    for (coder,) in conn.execute("SELECT name FROM coders").fetchall():
        print(coder, conn.execute("""SELECT d.case_id, COUNT(*) FROM documents d
            CROSS JOIN excerpts e ON e.document_id = d.id AND e.active = 1
            CROSS JOIN reviews r ON r.excerpt_id = e.id AND r.coder = ?
            GROUP BY d.case_id""", (coder,)).fetchall())
    conn.close()


def floor_export(db: str, out: str) -> None:
    """The same rows as ``qcoder codings export``, formatted by SQLite and csv.writer."""
    conn = sqlite3.connect(db)
    cur = conn.execute("""
        SELECT d.case_id || '/' || d.stem || '#' || e.n, x.code_id, x.coder,
               COALESCE(x.memo, ''), d.case_id, d.stem, x.at
        FROM (SELECT excerpt_id, code_id, coder, memo, created AS at FROM codings
              UNION ALL
              SELECT r.excerpt_id, '', r.coder, NULL, r.reviewed_at FROM reviews r
              WHERE NOT EXISTS (SELECT 1 FROM codings c WHERE c.excerpt_id = r.excerpt_id
                                AND c.coder = r.coder)) x
        JOIN excerpts e ON e.id = x.excerpt_id JOIN documents d ON d.id = e.document_id
        WHERE e.active = 1 ORDER BY d.case_id, d.stem, e.n, x.coder, x.code_id""")
    with open(out, "w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["excerpt", "code", "coder", "memo", "case", "document", "time"])
        writer.writerows(cur)
    conn.close()


FLOORS = {"import": floor_import, "codings": floor_codings, "status": floor_status,
          "export": floor_export}


def qcoder(*args: str) -> None:
    from qcoder.cli import cli

    cli(list(args), prog_name="qcoder")


# -- the parent: run each step in a child, measure, print -------------------------------------
def measure(args: list[str]) -> tuple[float, float, float]:
    """Run this script as a child with ``args``: wall seconds, CPU seconds (user + system)
    and peak resident MiB."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as peak:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, *args], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, env={**os.environ, PEAK_ENV: peak.name})
        err = proc.stderr.read() if proc.stderr else b""
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        if proc.stderr:
            proc.stderr.close()
        if proc.returncode != 0:
            raise SystemExit(f"step {args} failed:\n{err.decode()}")
        return elapsed, usage.ru_utime + usage.ru_stime, int(peak.read()) / 1024


def record_peak() -> None:
    """In a child: write its peak resident set (kB, ``VmHWM``) where the parent asked.

    ``getrusage`` would count the parent's memory too: a forked child inherits its high-water
    mark across ``exec``."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            Path(os.environ[PEAK_ENV]).write_text(line.split()[1])


def copy_db(src: Path, dst: Path) -> Path:
    shutil.copyfile(src, dst)
    return dst


def subset(path: Path, out: Path, share: int) -> int:
    """The first 1/``share`` of the CSV's rows; returns the number of coding rows."""
    with path.open(encoding="utf-8") as fh:
        lines = fh.readlines()
    keep = lines[: 1 + (len(lines) - 1) // share]
    out.write_text("".join(keep), encoding="utf-8")
    return sum(1 for line in keep[1:] if line.split(",")[1])


def best(args: list[str], prepare: Callable[[], object]) -> tuple[float, float, float]:
    """Run a step (after ``prepare``) up to three times while it is short; keep the fastest:
    the machine may be shared, and noise only ever adds time."""
    results = []
    while len(results) < 3 and (not results or results[-1][0] < 5):
        prepare()
        results.append(measure(args))
    return min(results)


def run(n: int, codings: int, work: Path) -> None:
    sys.path.insert(0, str(HERE))
    from synthetic import codings_csv, make_project

    per_excerpt = codings / (n * CODERS)
    load_start = os.getloadavg()[0]
    start = time.perf_counter()
    project = make_project(work / "project", excerpts=n, coders=CODERS,
                           codings_per_excerpt=per_excerpt)
    big = codings_csv(project)
    n_codings = sum(1 for row in csv.reader(big.open(encoding="utf-8")) if row[1]) - 1
    small = work / "quarter.csv"
    n_small = subset(big, small, SMALL_SHARE)
    print(f"synthetic project: {n:,} excerpts, 60 codes, {CODERS} coders, "
          f"{n_codings:,} codings in the CSV; written in {time.perf_counter() - start:.1f} s\n")

    db, floor_db = work / "q-import.db", work / "f-import.db"
    rows = []

    def step(label: str, ours: list[str], floor: list[str],
             fresh: tuple[Path, Path] | None = None) -> None:
        """Time qcoder and the floor; ``fresh`` = databases to copy anew before each try."""

        def prepare(target: Path | None) -> Callable[[], object]:
            if fresh is None or target is None:
                return lambda: None
            return lambda: copy_db(db, target)

        ours_ = best(["--qcoder", "--project", str(project), "--db", *ours],
                     prepare(fresh[0] if fresh else None))
        floor_ = best(["--floor", *floor], prepare(fresh[1] if fresh else None))
        rows.append((label, *ours_, *floor_))
        print(f"  done: {label} ({ours_[0]:.1f} s)", file=sys.stderr)

    def remove(*paths: Path) -> Callable[[], None]:
        return lambda: [p.unlink() for p in paths for p in (p, Path(f"{p}-wal")) if p.exists()]

    ours = best(["--qcoder", "--project", str(project), "--db", str(db), "import"], remove(db))
    floor = best(["--floor", "import", str(project), str(floor_db)], remove(floor_db))
    rows.append((f"import ({n:,} excerpts)", *ours, *floor))
    q_small, f_small = work / "q-small.db", work / "f-small.db"
    step(f"codings import ({n_small:,})", [str(q_small), "codings", "import", str(small)],
         ["codings", str(f_small), str(small)], (q_small, f_small))
    q_big, f_big = work / "q-big.db", work / "f-big.db"
    step(f"codings import ({n_codings:,})", [str(q_big), "codings", "import", str(big)],
         ["codings", str(f_big), str(big)], (q_big, f_big))
    step("status", [str(q_big), "status"], ["status", str(f_big)])
    step("status --json", [str(q_big), "status", "--json"], ["status", str(f_big)])
    step("codings export (csv)", [str(q_big), "codings", "export", "--force", "--output",
                                  str(work / "q-export.csv")],
         ["export", str(f_big), str(work / "f-export.csv")])

    print(f"{'step':<28} {'qcoder wall':>11} {'cpu':>7} {'peak':>7}   {'floor wall':>10} "
          f"{'cpu':>7} {'peak':>7}   {'ratio wall':>10} {'cpu':>6}")
    for label, q_wall, q_cpu, q_mem, f_wall, f_cpu, f_mem in rows:
        print(f"{label:<28} {q_wall:10.2f}s {q_cpu:6.2f}s {q_mem:5.0f}MB   {f_wall:9.2f}s "
              f"{f_cpu:6.2f}s {f_mem:5.0f}MB   {q_wall / f_wall:9.2f}x {q_cpu / f_cpu:5.2f}x")
    status = next(r for r in rows if r[0] == "status")
    within_cpu = all(r[2] / r[5] <= 3 for r in rows)
    within = all(r[1] / r[4] <= 3 for r in rows)
    print(f"\ntargets: within 3x of the floor (CPU): {'met' if within_cpu else 'MISSED'}, "
          f"(wall): {'met' if within else 'MISSED'}; "
          f"status under 1 s: {'met' if status[1] < 1 else 'MISSED'} ({status[1]:.2f} s); "
          f"codings import peak {rows[1][3]:.0f} MB for {n_small:,} codings, "
          f"{rows[2][3]:.0f} MB for {n_codings:,}")
    load = os.getloadavg()[0]
    print(f"load average at start {load_start:.1f}, when done {load:.1f} on {os.cpu_count()} "
          "CPUs (wall times include waiting for the CPU when the machine is shared: compare "
          "CPU seconds, user + system, of qcoder and the floor measured in the same run)")


def main() -> None:
    if PEAK_ENV in os.environ:
        atexit.register(record_peak)
    if len(sys.argv) > 1 and sys.argv[1] == "--floor":
        FLOORS[sys.argv[2]](*sys.argv[3:])
    elif len(sys.argv) > 1 and sys.argv[1] == "--qcoder":
        qcoder(*sys.argv[2:])
    else:
        n = int(sys.argv[1].replace("_", "")) if len(sys.argv) > 1 else 100_000
        codings = int(sys.argv[2].replace("_", "")) if len(sys.argv) > 2 else 10 * n
        with tempfile.TemporaryDirectory(prefix="qcoder-bench-") as tmp:
            run(n, codings, Path(tmp))


if __name__ == "__main__":
    main()
