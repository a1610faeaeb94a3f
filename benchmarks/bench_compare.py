"""Time the cross-case tables on a synthetic project: 100,000 excerpts, 500,000 codings.

Uses ``benchmarks/synthetic.py``'s ``make_project`` (files, then imported with its codings
CSV) when it is there; otherwise writes a similar project straight into a store: 60 codes
(6 themes of 9 children, one theme an exclusive group), 4 cases of 25 documents, 5 coders
who each review every excerpt (about 500,000 codings).

Run: python benchmarks/bench_compare.py [--excerpts N] [--keep DIR]
"""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parent))

from qcoder.compare import (  # noqa: E402
    code_case_matrix,
    cooccurrence,
    distinctive_codes,
    exclusive_distribution,
    framework_matrix,
    resolve_basis,
)
from qcoder.project.codebook import codebook_from_dict  # noqa: E402
from qcoder.store.database import Store, SyncReport  # noqa: E402

CODERS = ("ann", "bob", "cat", "dan", "eve")
CASES = ("eu-third-countries", "mexico-usa", "mexico-diaspora", "switzerland-balkans")
THEMES, CHILDREN, DOCS_PER_CASE = 6, 9, 25


def _codebook() -> dict[str, Any]:
    themes = []
    for t in range(THEMES):
        theme: dict[str, Any] = {"id": f"theme-{t}", "label": f"Theme {t}",
                                 "codes": [{"id": f"theme-{t}-{c}", "label": f"Code {t}.{c}"}
                                           for c in range(CHILDREN)]}
        if t == 0:
            theme["exclusive"] = True
        themes.append(theme)
    return {"name": "Synthetic", "version": 1, "codes": themes}


def generate(store: Store, excerpts: int, seed: int = 0) -> None:
    """Write a synthetic project directly into ``store`` (no files, no CSV import)."""
    rng = np.random.default_rng(seed)
    book = codebook_from_dict(_codebook())
    leaves = [c.id for c in book.leaves()]
    groups = [c.id for c in book.children("theme-0")]
    plain = [c for c in leaves if c not in groups]
    n_docs = len(CASES) * DOCS_PER_CASE
    with store.transaction() as conn:
        store.sync_codebook(conn, book, False, SyncReport())
        conn.executemany("INSERT INTO cases (id, name, attributes, position) VALUES (?, ?, ?, ?)",
                         [(c, c, json.dumps({"region": "Europe" if i % 2 == 0 else "Americas"}),
                           i) for i, c in enumerate(CASES)])
        conn.executemany(
            "INSERT INTO documents (id, case_id, stem, kind, text) VALUES (?, ?, ?, ?, '')",
            [(d + 1, CASES[d % len(CASES)], f"doc-{d:03d}",
              "interview" if d % 3 else "report") for d in range(n_docs)])
        doc_of = rng.integers(1, n_docs + 1, excerpts)
        conn.executemany(
            "INSERT INTO excerpts (id, identity, document_id, n, start, \"end\", text) "
            "VALUES (?, ?, ?, ?, 0, 0, ?)",
            [(i + 1, f"x{i}", int(doc_of[i]), i + 1, f"Synthetic excerpt {i} about partnership.")
             for i in range(excerpts)])
        stamp = "2024-01-01T00:00:00"
        conn.executemany("INSERT INTO coders (name, created) VALUES (?, ?)",
                         [(c, stamp) for c in CODERS])
        conn.executemany("INSERT INTO reviews (excerpt_id, coder, reviewed_at) VALUES (?, ?, ?)",
                         [(i + 1, c, stamp) for c in CODERS for i in range(excerpts)])
        prevalence = rng.dirichlet(np.ones(len(plain)) * 0.5)
        rows = []
        for coder in CODERS:  # per coder: a code on 70% of the excerpts, a type on 30%
            coded = np.nonzero(rng.random(excerpts) < 0.7)[0]
            picks = rng.choice(len(plain), size=coded.size, p=prevalence)
            typed = np.nonzero(rng.random(excerpts) < 0.3)[0]
            kinds = rng.integers(0, len(groups), typed.size)
            rows += [(int(i) + 1, plain[p], coder, stamp)
                     for i, p in zip(coded.tolist(), picks.tolist(), strict=True)]
            rows += [(int(i) + 1, groups[k], coder, stamp)
                     for i, k in zip(typed.tolist(), kinds.tolist(), strict=True)]
        conn.executemany("INSERT OR IGNORE INTO codings (excerpt_id, code_id, coder, created) "
                         "VALUES (?, ?, ?, ?)", rows)


def _open(root: Path, excerpts: int) -> Store:
    try:
        from synthetic import codings_csv, make_project  # type: ignore[import-not-found]
    except ImportError:
        store = Store(root / "qcoder.db")
        generate(store, excerpts)
        return store
    from qcoder.exchange.codings_csv import import_codings
    from qcoder.importer import import_project
    from qcoder.project.folder import open_project

    project = open_project(make_project(root, excerpts=excerpts, coders=len(CODERS)))
    store = Store(project.db_path)
    import_project(project, store)
    import_codings(store, store.codebook(), codings_csv(root))
    return store


def _time(label: str, run: Callable[[], Any], repeat: int = 3) -> Any:
    """Best wall-clock and CPU time of ``repeat`` runs (CPU time is steadier on a busy machine)."""
    best, cpu, result = float("inf"), float("inf"), None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        result = run()
        best = min(best, time.perf_counter() - start)
        cpu = min(cpu, time.process_time() - start_cpu)
    print(f"{label:<44} {best:7.3f} s wall {cpu:7.3f} s CPU  (best of {repeat})")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--excerpts", type=int, default=100_000)
    parser.add_argument("--keep", type=Path, help="Build (or reuse) the project in this folder.")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = args.keep or Path(tmp)
        root.mkdir(parents=True, exist_ok=True)
        start = time.perf_counter()
        reuse = (root / "qcoder.db").exists()
        store = Store(root / "qcoder.db") if reuse else _open(root, args.excerpts)
        counts = store.counts()
        print(f"project: {counts['excerpts']:,} excerpts, {counts['codings']:,} codings, "
              f"{counts['codes']} codes, {counts['coders']} coders, {counts['cases']} cases "
              f"({'reused' if reuse else f'built in {time.perf_counter() - start:.1f} s'})")
        pooled = resolve_basis(store, pooled=True)
        single = resolve_basis(store, coders=[store.coders()[0]])
        _time("code x case matrix, pooled", lambda: code_case_matrix(store, pooled))
        _time("code x case matrix, one coder", lambda: code_case_matrix(store, single))
        _time("code x document-kind matrix, pooled",
              lambda: code_case_matrix(store, pooled, by="kind"))
        group = store.codebook().exclusive_groups()[0].id
        _time("exclusive-group distribution, pooled",
              lambda: exclusive_distribution(store, pooled, group))
        _time("co-occurrence, pooled, per case", lambda: cooccurrence(store, pooled))
        _time("co-occurrence, one coder, per case", lambda: cooccurrence(store, single))
        _time("framework matrix (depth 1, top 3), pooled",
              lambda: framework_matrix(store, pooled, depth=1))
        matrix = code_case_matrix(store, pooled)
        _time("distinctive codes (from the matrix)", lambda: distinctive_codes(matrix))
        store.close()


if __name__ == "__main__":
    main()
