"""Time the unitizing alphas on a synthetic continuum as long as a 300-page PDF.

A continuum of 1,000,000 characters (about 300 pages of 3,300 characters), 3 coders, one
exclusive group of 5 codes; each coder codes N spans (default 2,000) of 20 to 400
characters, placed near a hidden "true" unitization with some noise, so the alphas are
realistic. Times, per code, the 1995 alpha-U (cu-alpha) and the 2016 u-alpha, and for the
group the 1995 Cu-alpha and the 2016 family (u-alpha, |u-alpha, cu-alpha, (k)u-alpha).
Figures are printed, never asserted.

Run: python benchmarks/bench_unitizing.py [--spans N] [--length L]
"""

from __future__ import annotations

import argparse
import random
import time
from collections.abc import Callable
from typing import Any

from qcoder.reliability.unitizing import group_unitizing_alpha, unitizing_alpha
from qcoder.reliability.unitizing_family import unitizing_family

CODERS = ("ann", "bob", "cat")
CODES = tuple(f"code-{i}" for i in range(5))


def synthetic(spans: int, length: int, seed: int = 7) -> dict[str, dict[str, list]]:
    """Per coder, per code, spans near a hidden unitization (shifted ends, 10 % relabelled,
    5 % left out)."""
    rng = random.Random(seed)
    step = length // spans
    truth = []
    for k in range(spans):
        start = k * step + rng.randint(0, step // 4)
        truth.append((start, min(length, start + rng.randint(20, min(400, step))),
                      rng.choice(CODES)))
    out: dict[str, dict[str, list]] = {}
    for coder in CODERS:
        units: dict[str, list] = {c: [] for c in CODES}
        for start, end, code in truth:
            if rng.random() < 0.05:
                continue
            code = rng.choice(CODES) if rng.random() < 0.1 else code
            a = max(0, start + rng.randint(-15, 15))
            b = min(length, max(a + 1, end + rng.randint(-15, 15)))
            units[code].append((a, b))
        out[coder] = units
    return out


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Best wall time of three runs and the result."""
    times, result = [], None
    for _ in range(3):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spans", type=int, default=2000)
    parser.add_argument("--length", type=int, default=1_000_000)
    args = parser.parse_args()
    data = synthetic(args.spans, args.length)
    code = CODES[0]
    per_code = {c: data[c][code] for c in CODERS}
    rows = [
        ("1995 cu-alpha, one code", lambda: unitizing_alpha(per_code, args.length).alpha),
        ("2016 u-alpha, one code",
         lambda: unitizing_family({c: {code: u} for c, u in per_code.items()},
                                  args.length).u_alpha.alpha),
        ("1995 Cu-alpha, group of 5",
         lambda: group_unitizing_alpha({k: {c: data[c][k] for c in CODERS} for k in CODES},
                                       args.length).alpha),
        ("2016 family, group of 5",
         lambda: unitizing_family(data, args.length).cu_alpha.alpha),
    ]
    print(f"continuum {args.length:,} characters, {len(CODERS)} coders, "
          f"{args.spans:,} spans each, {len(CODES)} codes")
    print(f"{'what':<28} {'seconds':>8} {'alpha':>7}")
    for name, fn in rows:
        seconds, alpha = timed(fn)
        print(f"{name:<28} {seconds:>8.3f} {alpha:>7.3f}")


if __name__ == "__main__":
    main()
