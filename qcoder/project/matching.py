"""Which excerpts of a document's old version are which of its new one, as a diff sees it.

Equal texts are told apart by their neighbours, never by their order alone: a paragraph is
matched when its text is unique in the stretch between two matched neighbours (patience
diff), or when it continues a run of equal paragraphs from a matched neighbour or from the
start or end of the document. Where two such runs claim the same paragraph, neither does:
the caller keeps the old one as orphaned instead of guessing.
"""

from __future__ import annotations

from bisect import bisect_left
from collections import Counter
from collections.abc import Sequence


def match_sequences(old: Sequence[str], new: Sequence[str]) -> dict[int, int]:
    """Map indexes of ``old`` to indexes of ``new`` (equal items, order kept), plus items
    unique in both sequences that moved elsewhere."""
    pairs: dict[int, int] = {}
    stack = [(0, len(old), 0, len(new))]
    while stack:
        a0, a1, b0, b1 = stack.pop()
        inner = _runs(old, new, a0, a1, b0, b1, pairs)
        if inner is None:
            continue
        a0, a1, b0, b1 = inner
        anchors = _unique_anchors(old, new, a0, a1, b0, b1)
        prev_a, prev_b = a0, b0
        for i, j in anchors:
            pairs[i] = j
            stack.append((prev_a, i, prev_b, j))
            prev_a, prev_b = i + 1, j + 1
        if anchors:
            stack.append((prev_a, a1, prev_b, b1))
    _moved(old, new, pairs)
    return pairs


def _runs(old: Sequence[str], new: Sequence[str], a0: int, a1: int, b0: int, b1: int,
          pairs: dict[int, int]) -> tuple[int, int, int, int] | None:
    """Match the equal runs at both ends of a stretch; return the stretch left between them
    (None when nothing is left). Items that both runs claim stay unmatched."""
    p = 0
    while a0 + p < a1 and b0 + p < b1 and old[a0 + p] == new[b0 + p]:
        p += 1
    s = 0
    while a1 - s > a0 and b1 - s > b0 and old[a1 - s - 1] == new[b1 - s - 1]:
        s += 1
    if p + s <= min(a1 - a0, b1 - b0):
        for k in range(p):
            pairs[a0 + k] = b0 + k
        for k in range(1, s + 1):
            pairs[a1 - k] = b1 - k
        if a0 + p == a1 - s or b0 + p == b1 - s:
            return None
        return a0 + p, a1 - s, b0 + p, b1 - s
    # The runs overlap: keep the claims on which both agree or that only one makes.
    claims: dict[int, set[int]] = {}
    for k in range(p):
        claims.setdefault(a0 + k, set()).add(b0 + k)
    for k in range(1, s + 1):
        claims.setdefault(a1 - k, set()).add(b1 - k)
    taken = Counter(j for js in claims.values() for j in js)
    for i, js in claims.items():
        if len(js) == 1 and taken[next(iter(js))] == 1:
            pairs[i] = next(iter(js))
    return None


def _unique_anchors(old: Sequence[str], new: Sequence[str], a0: int, a1: int, b0: int,
                    b1: int) -> list[tuple[int, int]]:
    """Items unique in both stretches, the longest run of them in the same order."""
    old_count = Counter(old[a0:a1])
    new_at: dict[str, int] = {}
    new_count: Counter[str] = Counter()
    for j in range(b0, b1):
        new_count[new[j]] += 1
        new_at[new[j]] = j
    candidates = [(i, new_at[old[i]]) for i in range(a0, a1)
                  if old_count[old[i]] == 1 and new_count.get(old[i]) == 1]
    return _increasing(candidates)


def _increasing(pairs: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The longest subsequence of ``pairs`` (sorted by first) increasing in second."""
    tails: list[int] = []  # second values ending the best run of each length
    tail_at: list[int] = []
    back: list[int] = []
    for k, (_, j) in enumerate(pairs):
        pos = bisect_left(tails, j)
        if pos == len(tails):
            tails.append(j)
            tail_at.append(k)
        else:
            tails[pos] = j
            tail_at[pos] = k
        back.append(tail_at[pos - 1] if pos else -1)
    out: list[tuple[int, int]] = []
    k = tail_at[-1] if tail_at else -1
    while k >= 0:
        out.append(pairs[k])
        k = back[k]
    return out[::-1]


def _moved(old: Sequence[str], new: Sequence[str], pairs: dict[int, int]) -> None:
    """A text once in each version is the same excerpt wherever it moved."""
    old_count, new_count = Counter(old), Counter(new)
    new_at = {text: j for j, text in enumerate(new) if new_count[text] == 1}
    used = set(pairs.values())
    for i, text in enumerate(old):
        if i not in pairs and old_count[text] == 1 and text in new_at \
                and new_at[text] not in used:
            pairs[i] = new_at[text]
            used.add(new_at[text])
