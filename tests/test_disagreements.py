"""The disagreements listing's bit sets find what ``agreement.disagreements`` finds, and its
quotes are the text flattened and cut at a word."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from qcoder.reliability.agreement import AgreementData, disagreements
from qcoder.reliability.data import trim_quote
from qcoder.reliability.disagreements import CodeSets, in_dispute

CODERS = ["ann", "bob", "cat", "dan"]


@st.composite
def projects(draw: st.DrawFn) -> tuple:
    """Reviews and codings of up to 4 coders on up to 12 excerpts, with 3 to 140 codes (more
    than 64 takes a second word) and a roll-up rule over some of them."""
    codes = [f"c{i:03d}" for i in range(draw(st.integers(3, 140)))]
    order = draw(st.permutations(codes))  # the codebook's order is not the ids' order
    coders = CODERS[: draw(st.integers(2, 4))]
    excerpts = draw(st.lists(st.integers(1, 40), min_size=1, max_size=12, unique=True))
    reviews = {c: np.array(sorted(draw(st.sets(st.sampled_from(excerpts)))), dtype=np.int64)
               for c in coders}
    codings = {}
    for _ in range(draw(st.integers(0, 30))):
        key = (draw(st.sampled_from(codes)), draw(st.sampled_from(coders)))
        codings[key] = np.array(sorted(draw(st.sets(st.sampled_from(excerpts), min_size=1))),
                                dtype=np.int64)
    parents = draw(st.lists(st.sampled_from(codes), max_size=4, unique=True))
    rule = {p: tuple(draw(st.sets(st.sampled_from([c for c in codes if c != p]), min_size=1)))
            for p in parents}
    wanted = draw(st.lists(st.sampled_from(codes), min_size=1, unique=True))
    return order, coders, reviews, codings, rule, wanted


@settings(max_examples=150, deadline=None)
@given(projects())
def test_the_bit_sets_find_the_disagreements(project: tuple) -> None:
    order, coders, reviews, codings, rule, wanted = project
    expected = disagreements(AgreementData.from_arrays(reviews, codings, {}), wanted, coders,
                             rollup=rule)
    sets = CodeSets.from_arrays(reviews, codings, order)
    disputed = in_dispute(sets.rolled_up(rule), sets.reviewed, sets.mask(wanted))
    rows = np.flatnonzero(disputed.any(axis=0))
    names = sets.names(disputed[:, rows].T)
    found = {(e, c) for e, codes in zip(sets.excerpt_ids[rows].tolist(), names, strict=True)
             for c in codes}
    assert found == {(d.excerpt_id, d.code_id) for d in expected}
    for codes in names:  # in codebook order
        assert list(codes) == sorted(codes, key=order.index)
    applied: dict[int, dict[str, set[str]]] = {}
    for k, coder in enumerate(sets.coders):
        for j, codes in enumerate(sets.names(sets.bits[:, k, rows].T)):
            if sets.reviewed[k, rows[j]]:
                applied.setdefault(int(sets.excerpt_ids[rows[j]]), {})[coder] = set(codes)
    assert applied == {d.excerpt_id: {k: set(v) for k, v in d.applied.items()}
                       for d in expected}


def flattened_and_cut(text: str, width: int) -> str:
    """The quote by its definition: whitespace runs made one space, then cut at a word."""
    flat = " ".join(text.split())
    if len(flat) <= width:
        return flat
    cut = flat[: width - 1]
    space = cut.rfind(" ")
    return (cut[:space] if space > width // 2 else cut).rstrip(" ,;:.-–") + "…"


@settings(max_examples=3000, deadline=None)
@given(text=st.text(alphabet=st.sampled_from(
    [*"ab .,-é", "\n", "\t", "\xa0", "\u2028", "\x1c", "\x85", "\u3000", "\x1b"]),
    max_size=260), width=st.integers(2, 120))
def test_a_quote_is_the_text_flattened_and_cut_at_a_word(text: str, width: int) -> None:
    assert trim_quote(text, width) == flattened_and_cut(text, width)
