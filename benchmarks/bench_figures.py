"""Time every figure for a synthetic project: the data (code x case matrix, group shares,
agreement with 1000 bootstrap resamples, progress), then drawing and writing each figure
as PNG, SVG and PDF, and ``qcoder export figures`` end to end in a child process.

The project comes from ``synthetic.make_project`` (default 100,000 excerpts, 60 codes, 5
coders who each decide every excerpt), built as the other benchmarks build it (``measuring.py``).

Target: all figures (``qcoder export figures DIR``, PNG) in under 10 s.

Run: python benchmarks/bench_figures.py [--excerpts N] [--project DIR]
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from measuring import main  # noqa: E402

TARGET = 10.0


def timed(what: str, function, *args, **kwargs):  # noqa: ANN001, ANN201
    """Run and print wall and CPU seconds (the CPU time holds when the machine is shared)."""
    start, cpu = time.perf_counter(), time.process_time()
    value = function(*args, **kwargs)
    wall, cpu = time.perf_counter() - start, time.process_time() - cpu
    print(f"{what:<44} {wall:7.2f} s  cpu {cpu:6.2f} s")
    return value


def run(root: Path) -> None:
    from qcoder.compare import resolve_basis
    from qcoder.figures.collect import gather
    from qcoder.figures.draw import draw, render
    from qcoder.store.database import Store

    with Store(root / "qcoder.db") as store:
        counts = store.counts()
        print(f"{counts['excerpts']:,} excerpts, {counts['codes']} codes, {counts['coders']} "
              f"coders, {counts['codings']:,} codings\n")
        basis = resolve_basis(store)
        figures = timed("data of every figure (bootstrap 1000)", gather, store, basis)
        timed("data of every figure (no bootstrap)", gather, store, basis, bootstrap=0)
    for fmt in ("png", "svg", "pdf"):
        total = total_cpu = 0.0
        for name, data in figures.named():
            start, cpu = time.perf_counter(), time.process_time()
            size = len(render(draw(data), fmt, 200))
            seconds, cpu = time.perf_counter() - start, time.process_time() - cpu
            total += seconds
            total_cpu += cpu
            print(f"  {name + '.' + fmt:<42} {seconds:7.2f} s  cpu {cpu:6.2f} s  "
                  f"{size / 1024:6.0f} KiB")
        print(f"{'draw and render all, ' + fmt:<44} {total:7.2f} s  cpu {total_cpu:6.2f} s")
    with tempfile.TemporaryDirectory(prefix="qcoder-figures-") as out:
        start = time.perf_counter()
        proc = subprocess.Popen([sys.executable, "-c", "from qcoder.cli import main; main()",
                                 "--project", str(root), "export", "figures", out, "--force"],
                                stdout=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        wall, cpu = time.perf_counter() - start, usage.ru_utime + usage.ru_stime
        if os.waitstatus_to_exitcode(status):
            raise SystemExit("qcoder export figures failed")
    verdict = "met" if wall < TARGET else "MISSED"
    print(f"\n{'qcoder export figures DIR (png, child)':<44} {wall:7.2f} s  cpu {cpu:6.2f} s"
          f"   target < {TARGET:.0f} s: {verdict}")
    print(f"load average when done: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs "
          "(wall times include waiting for the CPU when the machine is shared)")


if __name__ == "__main__":
    main(__doc__, run)
