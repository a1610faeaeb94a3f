"""Time the coding workbench on the synthetic project (default 100,000 excerpts, 60 codes).

Prints:
- start-up to first usable screen: a fresh process, from launch (Python start and imports
  included) and from ``create_app`` to the coding screen being up; its resident memory;
- key press to committed coding (median, 99th percentile): from the moment Pilot sends a code
  key to the moment the core's transaction has committed, and the Pilot round trip (the key
  handled by every widget); at a coder's pace (a key every 0.2 s, so a key does not wait for
  the redraw of the one before) and back to back;
- moving to the next unreviewed excerpt: a coder who has reviewed all but every 1,000th
  excerpt presses ``n`` (each time into another document); and the worst case (one
  unreviewed excerpt left, at the far end);
- resident memory and Python heap of the same start-up on a corpus ten times smaller, and
  after moving through 500 excerpts, to show that memory does not grow with the corpus.

The app runs headless (``App.run_test``) through the same factory as ``qcoder``.

With ``--json`` it prints one JSON object instead: ``start_s`` (launch → usable screen,
median of 3: ``qcoder`` started in a pseudo-terminal at 120×40 until the coding screen's first
excerpt is written to it, Python start and imports included; ``start_cpu_s`` the CPU seconds
the process used by then; ``start_headless_s`` the same through ``App.run_test``) and key press
→ screen painted (``key_to_paint_p50_ms``, ``_p99_ms``, and per action) over PAINT_CYCLES × 8
keys at 120×40 (and under ``sizes`` at 80×24): a code key, next, previous, next unreviewed,
the code picker opened and closed, the filter opened and closed. "Painted" is the last frame
Textual hands to its driver after the key (its segments rendered to terminal text), once
the screen is quiet; an update that writes no cell (nothing was dirty) is not a frame.
``cpu_per_key_*`` is the CPU time of the process (every thread) from the key until the
screen is quiet: on a shared machine it says what the key costs when the wall-clock
figures say how long other work made it wait (``load_average``).

Run: python benchmarks/bench_tui.py [EXCERPTS] [--keep DIR] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
CODER = "bench"
PRESSES = 300
PAINT_CYCLES = 30


def rss_mb() -> float:
    """Current resident set size (MiB), from /proc; peak as a fallback."""
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


# -- setup --------------------------------------------------------------------------------------
def build(root: Path, excerpts: int) -> Path:
    """A synthetic project, imported with its codings (5 coders), as a user would."""
    sys.path.insert(0, str(HERE))
    from synthetic import codings_csv, make_project

    if (root / "qcoder.db").exists():
        return root
    root.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    make_project(root, excerpts=excerpts, codes=60)
    print(f"  generated {excerpts:,} excerpts in {time.perf_counter() - t:.1f} s", flush=True)
    qcoder = [sys.executable, "-c", "from qcoder.cli import main; main()", "--project",
              str(root)]
    for args in (["import"], ["codings", "import", str(codings_csv(root))]):
        t = time.perf_counter()
        subprocess.run([*qcoder, *args], check=True, capture_output=True)
        print(f"  qcoder {' '.join(args[:2])}: {time.perf_counter() - t:.1f} s", flush=True)
    return root


def review_all_but(root: Path, every: int) -> None:
    """Mark every excerpt reviewed by the bench coder except each ``every``-th one (SQL, fast);
    ``every`` 0 removes the bench coder's reviews and codings."""
    conn = sqlite3.connect(root / "qcoder.db", isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    conn.execute("DELETE FROM reviews WHERE coder = ?", (CODER,))
    conn.execute("DELETE FROM codings WHERE coder = ?", (CODER,))
    if every:
        conn.execute("INSERT OR IGNORE INTO coders (name, created) VALUES (?, '2020-01-01')",
                     (CODER,))
        conn.execute("""INSERT INTO reviews SELECT e.id, ?, '2020-01-01' FROM excerpts e
            JOIN documents d ON d.id = e.document_id JOIN cases c ON c.id = d.case_id
            WHERE e.active = 1 AND e.id % ? != 0""", (CODER, every))
    conn.execute("COMMIT")
    conn.close()


# -- measurements (each in a fresh child process) -----------------------------------------------
async def _ready(app, pilot) -> None:  # noqa: ANN001
    while not app.ready:
        await pilot.pause(0.005)


def child_startup(project: str) -> dict:
    """Launch → usable screen; memory at start and after moving through 500 excerpts."""
    from qcoder.tui.app import create_app

    result: dict = {}

    async def main() -> None:
        t = time.perf_counter()
        app = create_app(project, coder=CODER)
        async with app.run_test(size=(120, 40)) as pilot:
            await _ready(app, pilot)
            result["in_app_s"] = time.perf_counter() - t
            result["ready_at"] = time.time()
            result["rss_ready_mb"] = rss_mb()
            for _ in range(500):
                await pilot.press("j")
            result["rss_after_moving_mb"] = rss_mb()

    asyncio.run(main())
    return result


def child_heap(project: str) -> dict:
    """Python heap (tracemalloc) when the screen is up and after moving through 500 excerpts."""
    import tracemalloc

    from qcoder.tui.app import create_app

    result: dict = {}

    async def main() -> None:
        tracemalloc.start()
        app = create_app(project, coder=CODER)
        async with app.run_test(size=(120, 40)) as pilot:
            await _ready(app, pilot)
            await app.workers.wait_for_complete()
            result["heap_ready_mb"] = tracemalloc.get_traced_memory()[0] / 2**20
            for _ in range(500):
                await pilot.press("j")
            result["heap_moved_mb"] = tracemalloc.get_traced_memory()[0] / 2**20

    asyncio.run(main())
    return result


def child_keys(project: str, pace: float) -> dict:
    """Key → commit latencies over PRESSES code keys on successive excerpts, a key every
    ``pace`` seconds at least (0: back to back, each key sent as soon as the last returned)."""
    from qcoder.tui.app import create_app

    commits: list[float] = []
    round_trips: list[float] = []

    async def main() -> None:
        app = create_app(project, coder=CODER)
        async with app.run_test(size=(120, 40)) as pilot:
            await _ready(app, pilot)
            coding = app.session.coding
            real = coding.toggle
            sent = [0.0]

            def timed(excerpt_id: int, code_id: str):  # noqa: ANN202
                outcome = real(excerpt_id, code_id)
                commits.append(time.perf_counter() - sent[0])
                return outcome

            coding.toggle = timed  # type: ignore[method-assign]
            keys = list(app.screen.key_codes)[:20]  # code keys that no command takes
            await asyncio.sleep(1.0)  # let the first progress read settle
            for i in range(PRESSES):
                sent[0] = time.perf_counter()
                await pilot.press(keys[i % len(keys)])
                round_trips.append(time.perf_counter() - sent[0])
                await asyncio.sleep(pace)
                await pilot.press("j")
                await asyncio.sleep(pace)

    asyncio.run(main())
    assert len(commits) == PRESSES, len(commits)
    return {"commit_ms": [c * 1000 for c in commits], "round_trip_ms": [r * 1000 for r in
                                                                         round_trips]}


def child_next(project: str) -> dict:
    """``n`` with unreviewed excerpts 1,000 apart (UI round trip and the core query)."""
    from qcoder.tui.app import create_app

    ui: list[float] = []
    core: list[float] = []

    async def main() -> None:
        app = create_app(project, coder=CODER)
        async with app.run_test(size=(120, 40)) as pilot:
            await _ready(app, pilot)
            nav = app.session.navigation
            await asyncio.sleep(1.0)  # let the first progress read settle
            for _ in range(50):
                t = time.perf_counter()
                nav.next_unreviewed(app.screen.current)
                core.append(time.perf_counter() - t)
                t = time.perf_counter()
                await pilot.press("n")
                ui.append(time.perf_counter() - t)
                await asyncio.sleep(0.2)

    asyncio.run(main())
    return {"ui_ms": [u * 1000 for u in ui], "core_ms": [c * 1000 for c in core]}


def child_worst_next(project: str) -> dict:
    """The core's next-unreviewed when only the last excerpt of the corpus is left."""
    from qcoder.navigation import Navigation
    from qcoder.store.database import Store

    with Store(Path(project) / "qcoder.db") as store:
        nav = Navigation(store, CODER)
        first = store.scalar("SELECT MIN(id) FROM excerpts WHERE active = 1")
        times = []
        for _ in range(5):
            t = time.perf_counter()
            nav.next_unreviewed(first)
            times.append(time.perf_counter() - t)
            nav.refresh_progress()
    return {"worst_ms": [t * 1000 for t in times]}


def child_paint(project: str, size: str = "120x40") -> dict:
    """Key → last frame painted, for a mix of the coding screen's actions; and the CPU time
    the process (every thread) spent from the key until the screen was quiet."""
    from qcoder.tui.app import create_app

    frames: list[float] = []
    latencies: dict[str, list[float]] = {}
    cpu: dict[str, list[float]] = {}
    width, height = (int(n) for n in size.split("x"))

    async def main() -> None:
        app = create_app(project, coder=CODER)
        real = app._display

        def display(screen, renderable):  # noqa: ANN001, ANN202
            if renderable is not None and hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)  # the terminal text a driver writes
            real(screen, renderable)
            if renderable is not None and getattr(renderable, "spans", True):
                frames.append(time.perf_counter())  # not a frame that writes no cell

        app._display = display  # type: ignore[method-assign]
        async with app.run_test(size=(width, height)) as pilot:
            await _ready(app, pilot)
            await asyncio.sleep(1.0)  # let the first progress read settle
            code_keys = list(app.screen.key_codes)[:20]
            for i in range(PAINT_CYCLES):
                mix = [("code key", code_keys[i % len(code_keys)]), ("next", "j"),
                       ("previous", "k"), ("next unreviewed", "n"), ("picker open", "enter"),
                       ("picker close", "escape"), ("filter open", "slash"),
                       ("filter close", "escape")]
                for action, key in mix:
                    sent, used = time.perf_counter(), time.process_time()
                    await pilot.press(key)
                    await pilot.pause()
                    seen = len(frames)
                    while True:  # quiet: no new frame for 60 ms
                        await asyncio.sleep(0.06)
                        if len(frames) == seen:
                            break
                        seen = len(frames)
                    cpu.setdefault(action, []).append((time.process_time() - used) * 1000)
                    painted = [f for f in frames if f >= sent]
                    latencies.setdefault(action, []).append(
                        ((painted[-1] if painted else time.perf_counter()) - sent) * 1000)

    asyncio.run(main())
    return {"paint_ms": latencies, "cpu_ms": cpu}


def launch_in_terminal(project: Path, size: tuple[int, int] = (120, 40)) -> dict:
    """``qcoder`` started as a user starts it, in a pseudo-terminal: seconds from the launch
    until the coding screen's first excerpt is written to the terminal, and the CPU seconds
    the process used by then (from /proc; None elsewhere)."""
    import fcntl
    import pty
    import select
    import signal
    import struct
    import termios

    marker = b"not reviewed yet"  # the excerpt's state line: the coding screen is up
    started = time.perf_counter()
    pid, fd = pty.fork()
    if pid == 0:  # the child: the command line's entry point, as the console script runs it
        os.environ.update(TERM="xterm-256color", COLUMNS=str(size[0]), LINES=str(size[1]))
        os.execv(sys.executable, [sys.executable, "-c", "from qcoder.cli import main; main()",
                                  "--project", str(project), "--coder", CODER])
    fcntl.ioctl(fd, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
    seen = b""
    ready = cpu = None
    try:
        while time.perf_counter() - started < 60:
            if not select.select([fd], [], [], 1.0)[0]:
                continue
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                break
            if not chunk:
                break
            seen = seen[-64:] + chunk
            if marker in seen:
                ready = time.perf_counter() - started
                cpu = _cpu_seconds(pid)
                break
    finally:
        os.kill(pid, signal.SIGTERM)
        os.waitpid(pid, 0)
        os.close(fd)
    if ready is None:
        raise SystemExit("the workbench did not show its coding screen within 60 s")
    return {"launch_s": ready, "launch_cpu_s": cpu}


def _cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds of a running process (Linux /proc)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def paint_summary(paint: dict) -> dict:
    """p50 / p99 of key → painted (wall) and of the CPU per key, overall and per action."""
    every = [v for values in paint["paint_ms"].values() for v in values]
    every_cpu = [v for values in paint["cpu_ms"].values() for v in values]
    return {
        "keys": len(every),
        "key_to_paint_p50_ms": round(statistics.median(every), 1),
        "key_to_paint_p99_ms": round(percentile(every, 99), 1),
        "cpu_per_key_p50_ms": round(statistics.median(every_cpu), 1),
        "cpu_per_key_p99_ms": round(percentile(every_cpu, 99), 1),
        "actions": {a: {"keys": len(v), "p50_ms": round(statistics.median(v), 1),
                        "p99_ms": round(percentile(v, 99), 1),
                        "cpu_p50_ms": round(statistics.median(paint["cpu_ms"][a]), 1),
                        "cpu_p99_ms": round(percentile(paint["cpu_ms"][a], 99), 1)}
                    for a, v in paint["paint_ms"].items()},
    }


def json_report(base: Path, excerpts: int) -> None:
    """One JSON object: start-up and key → paint figures (see the module docstring)."""
    import contextlib
    import io

    with contextlib.redirect_stdout(io.StringIO()):
        big = build(base / f"synthetic-{excerpts}", excerpts)
    review_all_but(big, 1000)
    loads = [os.getloadavg()[0]]
    launches = [launch_in_terminal(big) for _ in range(3)]
    starts = [run_child("startup", big) for _ in range(3)]
    sizes = {}
    for size in ("120x40", "80x24"):
        loads.append(os.getloadavg()[0])
        sizes[size] = paint_summary(run_child("paint", big, size))
    review_all_but(big, 0)
    main_size = sizes["120x40"]
    cpus = [x["launch_cpu_s"] for x in launches if x["launch_cpu_s"] is not None]
    print(json.dumps({
        "excerpts": excerpts, "codes": 60, "coders": 5, "size": "120x40",
        "start_s": round(statistics.median(x["launch_s"] for x in launches), 3),
        "start_cpu_s": round(statistics.median(cpus), 3) if cpus else None,
        "start_headless_s": round(statistics.median(s["launch_s"] for s in starts), 3),
        **main_size,
        "sizes": {"80x24": sizes["80x24"]},
        "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
        "load_average_1min_during": [round(x, 2) for x in loads],
    }))


CHILDREN = {"paint": child_paint, "startup": child_startup, "keys": lambda p: child_keys(p, 0.2),
            "keys-burst": lambda p: child_keys(p, 0.0), "next": child_next, "heap": child_heap,
            "worst": child_worst_next}


def run_child(name: str, project: Path, *extra: str) -> dict:
    launched = time.time()
    done = subprocess.run([sys.executable, __file__, "--child", name, str(project), *extra],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"{name} failed:\n{done.stderr[-3000:]}")
    result = json.loads(done.stdout.strip().splitlines()[-1])
    if "ready_at" in result:
        result["launch_s"] = result.pop("ready_at") - launched
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("excerpts", nargs="?", type=lambda s: int(s.replace("_", "")),
                        default=100_000)
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the projects here.")
    parser.add_argument("--json", action="store_true",
                        help="Print start-up and key → paint figures as one JSON object.")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(CHILDREN[args.child[0]](*args.child[1:])))
        return
    base = args.keep or Path(tempfile.mkdtemp(prefix="qcoder-bench-tui-"))
    try:
        (json_report if args.json else report)(base, args.excerpts)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)


def report(base: Path, excerpts: int) -> None:
    small_n = max(1_000, excerpts // 10)
    print(f"building synthetic projects ({excerpts:,} and {small_n:,} excerpts) …", flush=True)
    big = build(base / f"synthetic-{excerpts}", excerpts)
    small = build(base / f"synthetic-{small_n}", small_n)

    review_all_but(big, 0)
    review_all_but(small, 0)
    starts = [run_child("startup", big) for _ in range(3)]
    launches = [launch_in_terminal(big) for _ in range(3)]
    small_start = run_child("startup", small)
    heap, small_heap = run_child("heap", big), run_child("heap", small)
    keys = run_child("keys", big)
    review_all_but(big, 0)
    burst = run_child("keys-burst", big)
    review_all_but(big, 1000)
    nxt = run_child("next", big)
    conn = sqlite3.connect(big / "qcoder.db", isolation_level=None)
    last = conn.execute("SELECT e.id FROM excerpts e JOIN documents d ON d.id = e.document_id "
                        "WHERE e.active = 1 ORDER BY d.case_id DESC, d.stem DESC, e.n DESC "
                        "LIMIT 1").fetchone()[0]
    conn.execute("INSERT OR IGNORE INTO reviews SELECT id, ?, '2020-01-01' FROM excerpts "
                 "WHERE active = 1 AND id != ?", (CODER, last))
    conn.execute("DELETE FROM reviews WHERE coder = ? AND excerpt_id = ?", (CODER, last))
    conn.close()
    worst = run_child("worst", big)
    review_all_but(big, 0)

    def ms(values: list[float]) -> str:
        return (f"median {statistics.median(values):6.1f} ms   p99 {percentile(values, 99):6.1f}"
                f" ms   max {max(values):6.1f} ms")

    launch = statistics.median(s["launch_s"] for s in starts)
    in_app = statistics.median(s["in_app_s"] for s in starts)
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nworkbench on {excerpts:,} excerpts, 60 codes, 5 coders' codings already stored "
          f"({os.cpu_count()} CPUs, load average {load})")
    print(f"start-up to first usable screen   {launch:5.2f} s from launch "
          f"(Python + imports), {in_app:5.2f} s from create_app   [median of 3]")
    print(f"  in a terminal (pty, 120×40)     "
          f"{statistics.median(x['launch_s'] for x in launches):5.2f} s from launch to the "
          "first excerpt written")
    print(f"key press → committed coding      {ms(keys['commit_ms'])}   [{PRESSES} keys, "
          "one every 0.2 s]")
    print(f"key press → handled (round trip)  {ms(keys['round_trip_ms'])}")
    print(f"  keys back to back: committed    {ms(burst['commit_ms'])}")
    print(f"  keys back to back: round trip   {ms(burst['round_trip_ms'])}")
    print(f"next unreviewed (n), 1,000 apart  {ms(nxt['ui_ms'])}   (UI round trip)")
    print(f"  of which the core query         {ms(nxt['core_ms'])}")
    print(f"next unreviewed, worst case       {statistics.median(worst['worst_ms']):6.1f} ms "
          "(one left, at the far end of the corpus; core)")
    print(f"resident memory at start-up       {starts[0]['rss_ready_mb']:6.0f} MB at "
          f"{excerpts:,} excerpts vs {small_start['rss_ready_mb']:.0f} MB at {small_n:,}; "
          f"{starts[0]['rss_after_moving_mb']:.0f} MB after moving through 500 excerpts")
    print(f"Python heap (tracemalloc)         {heap['heap_ready_mb']:6.1f} MB at {excerpts:,} "
          f"excerpts vs {small_heap['heap_ready_mb']:.1f} MB at {small_n:,}; "
          f"{heap['heap_moved_mb']:.1f} MB after moving through 500 excerpts")


if __name__ == "__main__":
    main()
