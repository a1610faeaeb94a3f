"""Time ``qcoder agreement`` end to end on a synthetic project, with and without bootstrap.

The project comes from ``synthetic.make_project`` (default 100,000 excerpts, 60 codes, 5
coders, each coder deciding every excerpt), imported with ``qcoder import`` and ``qcoder
codings import``. Each command runs the real command line in a child process of its own,
measured as ``measuring.py`` says (wall, CPU, peak memory; fastest of three short runs).

Targets: under 5 s without bootstrap, under 60 s with ``--bootstrap 1000``.

Run: python benchmarks/bench_agreement.py [--excerpts N] [--project DIR]
(``--project DIR``: build the project there once and reuse it on the next run.)
"""

from __future__ import annotations

import sqlite3
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from measuring import best, main, report  # noqa: E402

TARGETS = {"agreement": 5.0, "agreement --bootstrap 1000": 60.0}


def run(root: Path) -> None:
    base = ["--project", str(root)]
    steps = [
        ("agreement", ["agreement", "--json"]),
        ("agreement (table)", ["agreement"]),
        ("agreement --bootstrap 1000", ["agreement", "--bootstrap", "1000", "--json"]),
        ("agreement --bootstrap 1000 units", ["agreement", "--bootstrap", "1000",
                                              "--bootstrap-method", "units", "--json"]),
        ("disagreements --limit 20", ["disagreements", "--limit", "20", "--json"]),
    ]
    with sqlite3.connect(root / "qcoder.db") as conn:
        counts = [conn.execute(f"SELECT COUNT(*) FROM {t}").fetchone()[0]
                  for t in ("excerpts", "codes", "coders", "reviews", "codings")]
    print("{:,} excerpts, {} codes, {} coders, {:,} reviews, {:,} codings\n".format(*counts))
    report([(label, best([*base, *args])) for label, args in steps], TARGETS)


if __name__ == "__main__":
    main(__doc__ or "", run)
