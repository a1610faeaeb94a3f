"""Time selection mode in the workbench against the coding keys, on the synthetic project.

Key press → screen painted (median and 99th percentile), measured as ``bench_tui.py --json``
measures it: "painted" is the last frame Textual hands to its driver after the key (its
segments rendered to terminal text), once the screen is quiet (no new frame for 60 ms). Each
of CYCLES rounds at 120×40 presses: a code key on the excerpt (the coding key to compare
with), ``V`` (enter selection mode), → (next word), shift+→ (extend by a word), ↓ (next
sentence), shift+← (shrink by a word), a code key on the span (a selection excerpt made and
coded, one transaction), ``u`` (undo it), Escape (leave the mode) and ``j`` (next excerpt).

Run: python benchmarks/bench_spans.py [EXCERPTS] [--keep DIR] [--json]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from bench_tui import CODER, _ready, build, percentile, review_all_but  # noqa: E402

CYCLES = 30
CODING = ("code key", "next (j)")


def child_paint(project: str) -> dict:
    """Key → last frame painted for the selection-mode keys and the coding keys."""
    from qcoder.tui.app import create_app

    frames: list[float] = []
    latencies: dict[str, list[float]] = {}

    async def main() -> None:
        app = create_app(project, coder=CODER)
        real = app._display

        def display(screen, renderable):  # noqa: ANN001, ANN202
            if renderable is not None and hasattr(renderable, "render_segments"):
                renderable.render_segments(app.console)
            real(screen, renderable)
            frames.append(time.perf_counter())

        app._display = display  # type: ignore[method-assign]
        async with app.run_test(size=(120, 40)) as pilot:
            await _ready(app, pilot)
            await asyncio.sleep(1.0)  # let the first progress read settle
            code_keys = list(app.screen.key_codes)[:20]
            for i in range(CYCLES):
                key = code_keys[i % len(code_keys)]
                mix = [("code key", key), ("enter mode (V)", "V"), ("next word", "right"),
                       ("extend by a word", "shift+right"), ("next sentence", "down"),
                       ("shrink by a word", "shift+left"), ("code key on the span", key),
                       ("undo (u)", "u"), ("leave mode (esc)", "escape"), ("next (j)", "j")]
                for action, pressed in mix:
                    sent = time.perf_counter()
                    await pilot.press(pressed)
                    await pilot.pause()
                    seen = len(frames)
                    while True:
                        await asyncio.sleep(0.06)
                        if len(frames) == seen:
                            break
                        seen = len(frames)
                    painted = [f for f in frames if f >= sent]
                    latencies.setdefault(action, []).append(
                        ((painted[-1] if painted else time.perf_counter()) - sent) * 1000)

    asyncio.run(main())
    return {"paint_ms": latencies}


def run_child(project: Path) -> dict:
    done = subprocess.run([sys.executable, __file__, "--child", str(project)],
                          capture_output=True, text=True, check=False)
    if done.returncode:
        raise SystemExit(f"child failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("excerpts", nargs="?", type=lambda s: int(s.replace("_", "")),
                        default=100_000)
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the project here.")
    parser.add_argument("--json", action="store_true", help="Print one JSON object.")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(child_paint(args.child)))
        return
    base = args.keep or Path(tempfile.mkdtemp(prefix="qcoder-bench-spans-"))
    try:
        if not args.json:
            print(f"building a synthetic project ({args.excerpts:,} excerpts) …", flush=True)
        big = build(base / f"synthetic-{args.excerpts}", args.excerpts)
        review_all_but(big, 1000)
        paint = run_child(big)["paint_ms"]
        review_all_but(big, 0)
    finally:
        if args.keep is None:
            shutil.rmtree(base, ignore_errors=True)
    selection = [v for a, values in paint.items() if a not in CODING for v in values]
    coding = [v for a in CODING for v in paint[a]]
    figures = {
        "excerpts": args.excerpts, "size": "120x40", "cycles": CYCLES,
        "selection_keys": len(selection),
        "selection_key_to_paint_p50_ms": round(statistics.median(selection), 1),
        "selection_key_to_paint_p99_ms": round(percentile(selection, 99), 1),
        "coding_keys": len(coding),
        "coding_key_to_paint_p50_ms": round(statistics.median(coding), 1),
        "coding_key_to_paint_p99_ms": round(percentile(coding, 99), 1),
        "actions": {a: {"keys": len(v), "p50_ms": round(statistics.median(v), 1),
                        "p99_ms": round(percentile(v, 99), 1)} for a, v in paint.items()},
        "cpus": os.cpu_count(), "load_average": [round(x, 2) for x in os.getloadavg()],
    }
    if args.json:
        print(json.dumps(figures))
        return
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    print(f"\nselection mode on {args.excerpts:,} excerpts at 120×40, key → painted "
          f"({os.cpu_count()} CPUs, load average {load})")
    for action, values in paint.items():
        print(f"  {action:<22} p50 {statistics.median(values):6.1f} ms   "
              f"p99 {percentile(values, 99):6.1f} ms   [{len(values)} keys]")
    print(f"selection-mode keys (all)  p50 {figures['selection_key_to_paint_p50_ms']:6.1f} ms"
          f"   p99 {figures['selection_key_to_paint_p99_ms']:6.1f} ms   [{len(selection)} keys]")
    print(f"coding keys (code key, j)  p50 {figures['coding_key_to_paint_p50_ms']:6.1f} ms"
          f"   p99 {figures['coding_key_to_paint_p99_ms']:6.1f} ms   [{len(coding)} keys]")


if __name__ == "__main__":
    main()
