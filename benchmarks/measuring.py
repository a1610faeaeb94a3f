"""How the command-line benchmarks measure: each command in a child process of its own.

``measure(args)`` runs ``qcoder ARGS`` in a fresh Python (this file with ``--child``): its wall
time includes starting Python and reading the database; its CPU time is the child's user plus
system time (``wait4``); its peak memory is the child's own high-water mark (``VmHWM``).
``best`` keeps the fastest of up to three runs: the machine may be shared, and noise only
ever adds time. ``build`` makes the synthetic project once per folder; ``report`` prints
the table with each target met or missed; ``main`` is the shared command line
(``--excerpts N``, ``--project DIR``: build the project there once and reuse it).
"""

from __future__ import annotations

import argparse
import atexit
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from pathlib import Path

HERE = Path(__file__).resolve().parent
PEAK_ENV = "QCODER_BENCH_PEAK"

Result = tuple[float, float, float]  # wall seconds, CPU seconds, peak MiB


def qcoder_child(args: list[str]) -> None:
    """In a child: run the command line, then record this process's peak memory."""
    atexit.register(_record_peak)
    from qcoder.cli import cli

    cli(args, prog_name="qcoder")


def _record_peak() -> None:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            Path(os.environ[PEAK_ENV]).write_text(line.split()[1])


def measure(args: list[str]) -> Result:
    """Wall seconds, CPU seconds and peak MiB of ``qcoder ARGS`` in a child process."""
    with tempfile.NamedTemporaryFile("r", suffix=".peak") as peak:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, __file__, "--child", *args],
                                stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                                env={**os.environ, PEAK_ENV: peak.name})
        err = proc.stderr.read() if proc.stderr else b""
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - start
        if proc.stderr:
            proc.stderr.close()
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"qcoder {' '.join(args)} failed:\n{err.decode()}")
        return wall, usage.ru_utime + usage.ru_stime, int(peak.read() or 0) / 1024


def best(args: list[str], runs: int = 3) -> Result:
    """The fastest of up to ``runs`` runs (one only when a run takes 10 s or more)."""
    results = [measure(args)]
    while len(results) < runs and results[-1][0] < 10:
        results.append(measure(args))
    return min(results)


def build(root: Path, excerpts: int) -> Path:
    """Write, import and load the synthetic project's codings (once per folder)."""
    if (root / "qcoder.db").exists():
        return root
    sys.path.insert(0, str(HERE))
    from synthetic import codings_csv, make_project

    start = time.perf_counter()
    make_project(root, excerpts=excerpts)
    for args in (["import"], ["codings", "import", str(codings_csv(root))]):
        subprocess.run([sys.executable, __file__, "--child", "--project", str(root), *args],
                       check=True, stdout=subprocess.DEVNULL,
                       env={**os.environ, PEAK_ENV: os.devnull})
    print(f"built the project in {time.perf_counter() - start:.0f} s", file=sys.stderr)
    return root


def report(steps: Sequence[tuple[str, Result]], targets: dict[str, float],
           notes: Sequence[str] = ()) -> None:
    """One line per command (wall, CPU, peak, target met or MISSED), the ``notes`` lines,
    then the load."""
    width = max(30, *(len(label) + 2 for label, _ in steps))
    print(f"{'command':<{width}} {'wall':>8} {'cpu':>8} {'peak':>9}   target")
    for label, (wall, cpu, peak) in steps:
        target = targets.get(label)
        verdict = "" if target is None else (
            f"< {target:.0f} s: {'met' if wall < target else 'MISSED'}")
        print(f"{label:<{width}} {wall:7.2f}s {cpu:7.2f}s {peak:6.0f} MiB   {verdict}")
    for line in notes:
        print(line)
    print(f"\nload average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(wall times include waiting for the CPU when the machine is shared)")


def main(doc: str, run: Callable[[Path], None]) -> None:
    """The benchmarks' command line: build (or reuse) the project, then ``run(root)``."""
    parser = argparse.ArgumentParser(description=doc.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=100_000)
    parser.add_argument("--project", type=Path, help="Build (or reuse) the project here.")
    args = parser.parse_args()
    if args.project is not None:
        run(build(args.project.resolve(), args.excerpts))
        return
    with tempfile.TemporaryDirectory(prefix="qcoder-bench-") as tmp:
        run(build(Path(tmp) / "project", args.excerpts))


if __name__ == "__main__" and sys.argv[1:2] == ["--child"]:
    qcoder_child(sys.argv[2:])
