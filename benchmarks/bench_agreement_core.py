"""Time qcoder.reliability.agreement.report() on random data: 60 codes, 5 coders, 100,000 excerpts.

Of the 60 codes, 12 are the children of 3 exclusive groups (4 children each); 4 of the others
are parents rolled up from 3 children each. Each coder reviews an excerpt with probability 0.6
and codes it from a hidden "true" coding with some noise, so alphas are realistic.

Run: python benchmarks/bench_agreement_core.py [--excerpts N] [--bootstrap B]
"""

from __future__ import annotations

import argparse
import os
import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import numpy as np

from qcoder.reliability.agreement import AgreementData, report

CODERS = ("ann", "bob", "cat", "dan", "eve")
N_CODES, N_GROUPS, GROUP_SIZE, N_CASES = 60, 3, 4, 20


def codebook() -> tuple[list[str], dict[str, list[str]], dict[str, list[str]]]:
    """Code ids (codebook order), exclusive groups and the parent rollup."""
    n_plain = N_CODES - N_GROUPS * GROUP_SIZE
    plain = [f"code-{i:02d}" for i in range(n_plain)]
    groups = {f"group-{g}": [f"group-{g}-{c}" for c in range(GROUP_SIZE)] for g in range(N_GROUPS)}
    rollup = {plain[i * 4]: plain[i * 4 + 1 : i * 4 + 4] for i in range(4)}
    return plain + [c for children in groups.values() for c in children], groups, rollup


def random_rows(n_excerpts: int, seed: int = 7) -> tuple[list, list, dict[int, str]]:
    """Reviews, codings and case_of for the benchmark corpus."""
    rng = np.random.default_rng(seed)
    code_ids, groups, _ = codebook()
    plain = [c for c in code_ids if not c.startswith("group-")]
    reviewed = rng.random((n_excerpts, len(CODERS))) < 0.6
    unit, coder = np.nonzero(reviewed)
    reviews = list(zip(unit.tolist(), [CODERS[k] for k in coder], strict=True))
    prevalence = rng.uniform(0.02, 0.2, len(plain))
    truth = rng.random((n_excerpts, len(plain))) < prevalence
    chance = np.where(truth[unit], 0.9, 0.02)
    hit_row, hit_code = np.nonzero(rng.random(chance.shape) < chance)
    codings = list(
        zip(
            unit[hit_row].tolist(),
            [plain[c] for c in hit_code],
            [CODERS[k] for k in coder[hit_row]],
            strict=True,
        )
    )
    for children in groups.values():
        true_choice = rng.integers(0, GROUP_SIZE + 1, n_excerpts)
        noise = rng.random(unit.size) < 0.15
        choice = np.where(noise, rng.integers(0, GROUP_SIZE + 1, unit.size), true_choice[unit])
        keep = choice < GROUP_SIZE
        codings += zip(
            unit[keep].tolist(),
            [children[c] for c in choice[keep]],
            [CODERS[k] for k in coder[keep]],
            strict=True,
        )
    case_of = {e: f"case-{e % N_CASES:02d}" for e in range(n_excerpts)}
    return reviews, codings, case_of


def measure(label: str, func: Callable[[], Any]) -> Any:
    """Run func twice: once timed (wall and CPU), once under tracemalloc for peak memory.

    Timing runs without tracemalloc, whose bookkeeping would slow every allocation.
    """
    wall, cpu = time.perf_counter(), time.process_time()
    result = func()
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    tracemalloc.start()
    func()
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(f"{label:<34} wall {wall:6.2f} s  cpu {cpu:6.2f} s  peak {peak / 2**20:7.1f} MiB")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=100_000)
    parser.add_argument("--bootstrap", type=int, default=1000)
    args = parser.parse_args()
    code_ids, groups, rollup = codebook()
    reviews, codings, case_of = random_rows(args.excerpts)
    print(f"{args.excerpts} excerpts, {len(CODERS)} coders, {len(code_ids)} codes, ", end="")
    print(f"{len(groups)} groups, {N_CASES} cases: {len(reviews)} reviews, {len(codings)} codings")
    data = measure(
        "AgreementData.from_rows", lambda: AgreementData.from_rows(reviews, codings, case_of)
    )
    kwargs = {"groups": groups, "rollup": rollup}
    measure("report() without bootstrap", lambda: report(data, code_ids, **kwargs))
    result = measure(
        f"report() with bootstrap {args.bootstrap}",
        lambda: report(data, code_ids, **kwargs, bootstrap=args.bootstrap, seed=1),
    )
    print(f"load average at the end: {os.getloadavg()[0]:.1f} on {os.cpu_count()} CPUs")
    for item in result.codes[:3] + result.groups[:1]:
        print(f"  {item.id:<12} alpha={item.alpha:.3f} ci={item.ci} q={item.q} {item.flag}")


if __name__ == "__main__":
    main()
