"""A synthetic qcoder project of any size, for benchmarks.

``make_project(root)`` writes ``codebooks/synthetic.yaml``, four cases of about 100 ``.txt``
documents each (half of them interviews with speaker turns), and a codings CSV in
``root/synthetic/codings.csv`` — outside ``codings/``, so ``qcoder import`` does not load it
and a benchmark can time ``qcoder codings import`` on its own (``codings_csv(root)``).

Each coder decides every excerpt: a mean of ``codings_per_excerpt`` codes per excerpt and
coder (so about ``excerpts * coders * codings_per_excerpt`` codings), at most one child of the
exclusive group, and an empty ``code`` (reviewed, no code) where a coder chose none. Coders
follow a shared hidden coding most of the time, so their agreement is neither perfect nor
random.
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

CASES = ("eu-third-countries", "mexico-usa", "mexico-diaspora", "switzerland-balkans")
DOCUMENTS_PER_CASE = 100
GROUP_SIZE = 5
KEYS = "abcdefghijklmnopqrstuvwxyz0123456789"
_VOCABULARY = (
    "migration partnership return readmission visa mobility border security development "
    "trade finance funding capacity dialogue policy operational agreement ministry embassy "
    "diaspora remittances asylum labour pathway project pilot programme training equipment "
    "cooperation conditionality leverage incentive negotiation declaration framework summit "
    "officials migrants community consulate integration returnees reintegration smuggling "
    "protection rights evaluation monitoring report budget donor implementing partner local "
    "national regional bilateral multilateral the a of and to in for with on by was were is "
    "are that this which from as at their our they we it its not but also more than"
)
WORDS = tuple(_VOCABULARY.split())


def codebook_yaml(codes: int = 60) -> tuple[str, list[str], list[str]]:
    """The codebook text, the ids a coder can apply outside the group, and the group's ids.

    One exclusive group (a parent with ``GROUP_SIZE`` children); the rest are dimensions with
    children, the first child of each having two grandchildren.
    """
    if codes < GROUP_SIZE + 2:
        raise ValueError(f"need at least {GROUP_SIZE + 2} codes")
    lines = ["name: Synthetic partnerships", "version: 1", "codes:"]
    plain: list[str] = []
    key = iter(KEYS)

    def code(indent: int, code_id: str, label: str, extra: str = "") -> None:
        pad = " " * indent
        lines.append(f"{pad}- id: {code_id}")
        lines.append(f"{pad}  label: {label}")
        lines.append(f"{pad}  definition: Synthetic code {code_id} for benchmarks.")
        if len(plain) < len(KEYS) - GROUP_SIZE and extra != "group":
            lines.append(f"{pad}  key: '{next(key)}'")
        if extra == "group":
            lines.append(f"{pad}  exclusive: true")

    group = [f"ptype-{i}" for i in range(1, GROUP_SIZE + 1)]
    remaining = codes - GROUP_SIZE - 1
    dim = 0
    while remaining > 0:
        dim += 1
        root = f"dim-{dim}"
        code(2, root, f"Dimension {dim}")
        plain.append(root)
        remaining -= 1
        children = min(4, remaining)
        if children:
            lines.append("    codes:")
        for c in range(1, children + 1):
            child = f"{root}-{c}"
            code(6, child, f"Dimension {dim}, aspect {c}")
            plain.append(child)
            remaining -= 1
            if c == 1 and remaining >= children - c + 2:
                lines.append("        codes:")
                for g in (1, 2):
                    grand = f"{child}-{g}"
                    code(10, grand, f"Dimension {dim}, aspect {c}.{g}")
                    plain.append(grand)
                    remaining -= 1
    code(2, "ptype", "Partnership type", "group")
    lines.append("    codes:")
    for i, child in enumerate(group, 1):
        lines.append(f"      - id: {child}")
        lines.append(f"        label: Partnership type {i}")
        lines.append(f"        definition: Synthetic partnership type {i}.")
    return "\n".join(lines) + "\n", plain, group


def _paragraphs(rng: np.random.Generator, n: int) -> list[str]:
    """``n`` distinct paragraphs of 25–60 words, built from a pool of sentences."""
    pool_size = 4096
    lengths = rng.integers(8, 21, pool_size)
    words = np.array(WORDS)
    flat = words[rng.integers(0, len(WORDS), int(lengths.sum()))].tolist()
    pool, at = [], 0
    for length in lengths.tolist():
        sentence = " ".join(flat[at:at + length])
        pool.append(sentence[0].upper() + sentence[1:] + ".")
        at += length
    picks = rng.integers(0, pool_size, (n, 3)).tolist()
    return [f"{pool[a]} {pool[b]} {pool[c]} (item {i})." for i, (a, b, c) in enumerate(picks)]


def codings_csv(root: Path) -> Path:
    """Where ``make_project`` wrote the codings CSV."""
    return Path(root) / "synthetic" / "codings.csv"


def make_project(root: Path, excerpts: int = 100_000, codes: int = 60, coders: int = 5,
                 codings_per_excerpt: float = 1.0, seed: int = 0) -> Path:
    """Write a synthetic project under ``root`` and return ``root``."""
    root = Path(root)
    rng = np.random.default_rng(seed)
    text, plain, group = codebook_yaml(codes)
    (root / "codebooks").mkdir(parents=True, exist_ok=True)
    (root / "codebooks" / "synthetic.yaml").write_text(text, encoding="utf-8")

    n_docs = len(CASES) * DOCUMENTS_PER_CASE
    per_doc = np.full(n_docs, excerpts // n_docs)
    per_doc[: excerpts % n_docs] += 1
    paragraphs = _paragraphs(rng, excerpts)
    refs: list[str] = []
    at = 0
    for d in range(n_docs):
        case, stem = CASES[d // DOCUMENTS_PER_CASE], f"doc-{d % DOCUMENTS_PER_CASE:03d}"
        folder = root / "cases" / case
        if d % DOCUMENTS_PER_CASE == 0:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "case.yaml").write_text(
                f"name: Synthetic {case}\ndescription: Generated for benchmarks.\n"
                f"attributes:\n  region: {case.split('-')[0]}\n", encoding="utf-8")
        count = int(per_doc[d])
        body = paragraphs[at:at + count]
        if d % 2:
            kind = "interview"
            body = [f"{'Interviewer' if i % 2 == 0 else 'Respondent'}: {p}"
                    for i, p in enumerate(body)]
        else:
            kind = "policy-document"
        (folder / f"{stem}.txt").write_text(
            f"---\ntitle: {case} {stem}\nkind: {kind}\ndate: 2020-01-01\n---\n"
            + "\n\n".join(body) + "\n", encoding="utf-8")
        refs += [f"{case}/{stem}#{n}" for n in range(1, count + 1)]
        at += count
    _write_codings(root, rng, refs, plain, group, coders, codings_per_excerpt)
    return root


def _write_codings(root: Path, rng: np.random.Generator, refs: list[str], plain: list[str],
                   group: list[str], coders: int, per_excerpt: float) -> None:
    """Each coder decides every excerpt; rows are ordered by coder then excerpt."""
    n, n_plain = len(refs), len(plain)
    group_rate = min(0.3, per_excerpt / 2)
    plain_mean = max(per_excerpt - group_rate, 0.0)
    true_start = rng.integers(0, n_plain, n)
    true_group = rng.integers(0, len(group), n)
    ref_arr = np.array(refs, dtype=object)
    names = [f"coder-{k + 1}" for k in range(coders)]
    path = codings_csv(root)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["excerpt", "code", "coder", "memo"])
        for name in names:
            k = np.minimum(rng.poisson(plain_mean, n), n_plain)
            agree = rng.random(n) < 0.75
            start = np.where(agree, true_start, rng.integers(0, n_plain, n))
            rows = np.repeat(np.arange(n), k)
            offset = np.arange(rows.size) - np.repeat(np.cumsum(k) - k, k)
            code_idx = (start[rows] + offset) % n_plain
            in_group = rng.random(n) < group_rate
            group_idx = np.where(rng.random(n) < 0.8, true_group, rng.integers(0, len(group), n))
            g_rows = np.nonzero(in_group)[0]
            none = np.nonzero((k == 0) & ~in_group)[0]
            excerpt = np.concatenate([rows, g_rows, none])
            labels = np.array(plain + group + [""], dtype=object)
            code = np.concatenate([code_idx, n_plain + group_idx[g_rows],
                                   np.full(none.size, n_plain + len(group))])
            order = np.argsort(excerpt, kind="stable")
            writer.writerows(zip(ref_arr[excerpt[order]].tolist(),
                                 labels[code[order]].tolist(), [name] * excerpt.size,
                                 [""] * excerpt.size, strict=True))
