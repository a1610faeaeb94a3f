"""Full-text search on a synthetic project: what the index adds to import, and query times.

    python benchmarks/bench_search.py [EXCERPTS]     (default 100,000)

Imports the project twice, with the search index and with its triggers and table dropped
beforehand, and prints both times; then times ``qcoder.search.search`` (50 hits shown, counts
over all) for a mix of queries, each run 5 times (median and worst of the runs).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))

from synthetic import make_project  # noqa: E402

from qcoder.importer import import_project  # noqa: E402
from qcoder.project.folder import open_project  # noqa: E402
from qcoder.search import search  # noqa: E402
from qcoder.store import corpus  # noqa: E402
from qcoder.store.database import Store  # noqa: E402

QUERIES = ("readmission", "visa mobility", '"border security"', "remitt*", "diaspora NOT trade",
           "NEAR(return reintegration, 5)", "ministry OR embassy", "the")


class _NoIndex:
    def __init__(self, conn: object) -> None:
        pass

    def forget(self, document_id: int) -> None:
        pass

    def add(self, document_id: int) -> None:
        pass

    def finish(self) -> None:
        pass


def timed_import(root: Path, db: Path, index: bool) -> float:
    store = Store(db)
    if not index:  # the import's work without the index: triggers and bulk indexing off
        for trigger in ("insert", "delete", "update"):
            store.conn.execute(f"DROP TRIGGER excerpt_text_{trigger}")
    saved = corpus.BulkIndex
    if not index:
        corpus.BulkIndex = _NoIndex  # type: ignore[assignment,misc]
    start = time.perf_counter()
    try:
        import_project(open_project(str(root), str(db)), store)
    finally:
        corpus.BulkIndex = saved  # type: ignore[misc]
    elapsed = time.perf_counter() - start
    store.close()
    return elapsed


def main() -> None:
    n = int(sys.argv[1].replace("_", "")) if len(sys.argv) > 1 else 100_000
    with tempfile.TemporaryDirectory(prefix="qcoder-bench-") as tmp:
        root = Path(tmp) / "project"
        make_project(root, excerpts=n)
        without = timed_import(root, Path(tmp) / "plain.db", index=False)
        with_index = timed_import(root, Path(tmp) / "indexed.db", index=True)
        print(f"import of {n:,} excerpts: {without:.2f} s without the index, "
              f"{with_index:.2f} s with it (+{100 * (with_index / without - 1):.0f} %)")
        store = Store(Path(tmp) / "indexed.db")
        print(f"{'query':34} {'excerpts':>9} {'median ms':>10} {'worst ms':>9}")
        for query in QUERIES:
            times = []
            for _ in range(5):
                start = time.perf_counter()
                result = search(store, query, limit=50)
                times.append(1000 * (time.perf_counter() - start))
            print(f"{query:34} {result.total:>9,} {statistics.median(times):>10.1f} "
                  f"{max(times):>9.1f}")
        store.close()


if __name__ == "__main__":
    main()
