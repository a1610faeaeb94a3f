"""Full-text search on a synthetic project: what the index adds to import, and query times.

    python benchmarks/bench_search.py [EXCERPTS] [--queries-only]     (default 100,000)

Imports the project twice, without the search index (its table and triggers dropped
beforehand, the import's bulk indexing skipped) and with it, and prints both times, wall
and CPU (the CPU time of this process: what the figures are worth on a loaded machine);
then times ``qcoder.search.search`` (50 hits shown, counts over all) for a mix of queries,
best first (``--rank``) and in one case (``--case``), and the workbench's word filter
(``matching_ids``: every match, in corpus order) and text filter (``Navigation.matching``:
text contains, ignoring case), each run RUNS times (median and 95th
percentile wall time, median CPU time). The load average is printed before and after.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import make_project  # noqa: E402

from qcoder import importer  # noqa: E402
from qcoder.navigation import Filter, Navigation  # noqa: E402
from qcoder.project.folder import open_project  # noqa: E402
from qcoder.search import matching_ids, search  # noqa: E402
from qcoder.store import search as search_sql  # noqa: E402
from qcoder.store.database import Store  # noqa: E402

RUNS = 20
QUERIES = ("readmission", "visa mobility", '"border security"', "remitt*", "diaspora NOT trade",
           "NEAR(return reintegration, 5)", "ministry OR embassy", "the")


def _load() -> str:
    return "load average " + " ".join(f"{x:.2f}" for x in os.getloadavg())


def _drop_index(store: Store) -> None:
    """The schema without the index: its triggers and table dropped."""
    for name, kind in store.conn.execute(
            "SELECT name, type FROM sqlite_master WHERE type IN ('trigger', 'table') "
            "AND (name LIKE 'excerpt_text%')").fetchall():
        if kind == "trigger":
            store.conn.execute(f"DROP TRIGGER IF EXISTS {name}")
    store.conn.execute("DROP TABLE IF EXISTS excerpt_text")


class _NoIndex:
    """Stands in for the import's bulk indexing when the index is dropped."""

    def __init__(self, conn: object) -> None:
        pass

    def __getattr__(self, name: str) -> Callable[..., None]:
        return lambda *args, **kwargs: None


def timed_import(root: Path, db: Path, index: bool) -> tuple[float, float]:
    """Wall and CPU seconds of ``qcoder import`` into a new database."""
    store = Store(db)
    patched = []
    if not index:
        _drop_index(store)
        import qcoder.store.corpus as corpus

        for module in (corpus, search_sql):
            if hasattr(module, "BulkIndex"):
                patched.append((module, module.BulkIndex))
                module.BulkIndex = _NoIndex  # type: ignore[attr-defined,assignment,misc]
    wall, cpu = time.perf_counter(), time.process_time()
    try:
        importer.import_project(open_project(str(root), str(db)), store)
    finally:
        for module, saved in patched:
            module.BulkIndex = saved  # type: ignore[attr-defined]
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    store.close()
    return wall, cpu


def _timed(run: Callable[[], int]) -> tuple[int, list[float], list[float]]:
    walls, cpus = [], []
    count = 0
    for _ in range(RUNS):
        wall, cpu = time.perf_counter(), time.process_time()
        count = run()
        walls.append(1000 * (time.perf_counter() - wall))
        cpus.append(1000 * (time.process_time() - cpu))
    return count, walls, cpus


def _p95(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]


def _row(label: str, count: int, walls: list[float], cpus: list[float]) -> None:
    print(f"{label:38} {count:>9,} {statistics.median(walls):>10.1f} {_p95(walls):>9.1f} "
          f"{statistics.median(cpus):>8.1f}")


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    n = int(args[0].replace("_", "")) if args else 100_000
    print(_load())
    with tempfile.TemporaryDirectory(prefix="qcoder-bench-") as tmp:
        root = Path(tmp) / "project"
        make_project(root, excerpts=n)
        if "--queries-only" not in sys.argv:
            without = timed_import(root, Path(tmp) / "plain.db", index=False)
        with_index = timed_import(root, Path(tmp) / "indexed.db", index=True)
        if "--queries-only" not in sys.argv:
            print(f"import of {n:,} excerpts without the index: {without[0]:.2f} s wall, "
                  f"{without[1]:.2f} s CPU")
            print(f"import of {n:,} excerpts with the index:    {with_index[0]:.2f} s wall, "
                  f"{with_index[1]:.2f} s CPU")
            print(f"the index adds {100 * (with_index[0] / without[0] - 1):+.0f} % wall, "
                  f"{100 * (with_index[1] / without[1] - 1):+.0f} % CPU")
        store = Store(Path(tmp) / "indexed.db")
        print(f"{'query (search, limit 50)':38} {'excerpts':>9} {'median ms':>10} "
              f"{'p95 ms':>9} {'CPU ms':>8}")
        for query in QUERIES:
            _row(query, *_timed(lambda q=query: search(store, query=q, limit=50).total))
        for query in ("readmission", "ministry OR embassy"):
            _row(f"{query} --rank", *_timed(
                lambda q=query: search(store, query=q, limit=50, by_rank=True).total))
        _row("readmission --case mexico-usa", *_timed(
            lambda: search(store, query="readmission", case_ids=["mexico-usa"]).total))
        for query in ("readmission", "visa mobility", "the"):
            _row(f"word filter: {query}",
                 *_timed(lambda q=query: len(matching_ids(store, q))))
        navigation = Navigation(store, "bench", progress=False)
        for query in ("readmission", "visa mobility", "the"):
            _row(f"text filter: {query}", *_timed(
                lambda q=query: len(navigation.matching(Filter("search", q)))))
        store.close()
    print(_load())


if __name__ == "__main__":
    main()
