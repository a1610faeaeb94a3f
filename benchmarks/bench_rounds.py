"""Time reliability rounds on a synthetic project: drawing a round and agreement on it.

The project comes from ``synthetic.make_project`` (default 100,000 excerpts, 60 codes, 5
coders, each coder deciding every excerpt), built as in ``bench_agreement.py``. Each command
runs the real command line in a child process, measured as ``measuring.py`` says; each
``round start`` draws a new round (a new name), stratified by case, for two of the
synthetic coders. Three runs, the fastest counts.

Targets: ``round start --sample 20`` under 2 s; ``agreement --round`` on a 20 % round under
2 s (and ``report methods`` with 1000 resamples, for information).

Run: python benchmarks/bench_rounds.py [--excerpts N] [--project DIR]
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measuring import Result, main, measure, report  # noqa: E402

TARGETS = {"round start --sample 20": 2.0, "agreement --round (20 %)": 2.0}


def run(root: Path) -> None:
    base = ["--project", str(root)]
    with sqlite3.connect(root / "qcoder.db") as conn:
        coders = [r[0] for r in conn.execute("SELECT name FROM coders ORDER BY name")][:2]
        counts = [conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("excerpts", "cases", "codes", "reviews", "codings")]
        done = conn.execute("SELECT COUNT(*) FROM sqlite_master WHERE name = 'rounds'"
                            ).fetchone()[0] and conn.execute("SELECT COUNT(*) FROM rounds"
                                                             ).fetchone()[0]
    print("{:,} excerpts in {} cases, {} codes, {:,} reviews, {:,} codings".format(*counts))
    print(f"round coders: {', '.join(coders)}\n")
    starts = []
    for i in range(3):
        name = f"bench-{done + i + 1}"
        starts.append(measure([*base, "round", "start", name, "--sample", "20", "--coders",
                               ",".join(coders), "--seed", str(i)]))
    steps: list[tuple[str, Result]] = [("round start --sample 20", min(starts))]
    latest = f"bench-{done + 3}"
    for label, args in (("agreement --round (20 %)", ["agreement", "--round", latest,
                                                     "--json"]),
                        ("round show --json", ["round", "show", latest, "--json"]),
                        ("report methods (1000 resamples)", ["report", "methods", "--round",
                                                            latest, "--format", "json"])):
        runs = [measure([*base, *args]) for _ in range(3 if "methods" not in label else 1)]
        steps.append((label, min(runs)))
    (wall, cpu), (wall_w, cpu_w) = queue_step(root, latest)
    report(steps, TARGETS, [
        f"{'workbench: next unreviewed in round':<34} {1000 * wall:6.2f}ms {1000 * cpu:6.2f}ms"
        "             (median of 200, with the top bar's count)",
        f"{'  the same after a review':<34} {1000 * wall_w:6.2f}ms {1000 * cpu_w:6.2f}ms"
        "             (the count read again)"])


def queue_step(root: Path, name: str) -> tuple[tuple[float, float], tuple[float, float]]:
    """The workbench's round queue, in process, for a coder half way through a round of
    their own: the median (wall, CPU) seconds of 200 "next unreviewed" presses plus the top
    bar's "round NAME: n/N" (what a key press in the round adds), first with nothing
    written between presses, then after a review written before each press (the coding
    key's write itself not timed), as a coder working through the round does."""
    import statistics
    import time

    from qcoder.round_queue import RoundQueue
    from qcoder.rounds import get_round, start_round
    from qcoder.store.database import Store

    newcomer = "queue-newcomer"
    with Store(root / "qcoder.db") as store:
        found = get_round(store, name)
        mine = start_round(store, f"{name}-queue", found.percent or 20, [newcomer], seed=9)
        half = mine.excerpt_ids[: mine.size // 2]
        with store.transaction() as conn:
            conn.executemany("INSERT OR IGNORE INTO reviews (excerpt_id, coder, reviewed_at) "
                             "VALUES (?, ?, ?)", [(e, newcomer, "2026-01-01") for e in half])
        queue = RoundQueue(store, newcomer)
        still, moving = [], []
        after = half[-1]
        for _ in range(200):
            t0, c0 = time.perf_counter(), time.process_time()
            queue.next_unreviewed(after)
            label = queue.label()
            still.append((time.perf_counter() - t0, time.process_time() - c0))
        assert label.endswith(f"{len(half)}/{mine.size}"), label
        for _ in range(200):
            nxt = queue.next_unreviewed(after)
            assert nxt is not None
            with store.transaction() as conn:
                conn.execute("INSERT INTO reviews (excerpt_id, coder, reviewed_at) "
                             "VALUES (?, ?, ?)", (nxt, newcomer, "2026-01-02"))
            after = nxt
            t0, c0 = time.perf_counter(), time.process_time()
            queue.next_unreviewed(after)
            label = queue.label()
            moving.append((time.perf_counter() - t0, time.process_time() - c0))
        assert label.endswith(f"{len(half) + 200}/{mine.size}"), label
        with store.transaction() as conn:  # leave the project as it was for another run
            conn.execute("DELETE FROM reviews WHERE coder = ?", (newcomer,))

    def median(times: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(t for t, _ in times), statistics.median(c for _, c in times)

    return median(still), median(moving)


if __name__ == "__main__":
    main(__doc__ or "", run)
