"""Long JSON written piece by piece is byte for byte what ``emit_json`` writes."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from qcoder.cli import base, json_stream
from qcoder.cli.agreement_cmds import _disagreement_records
from qcoder.reliability.disagreements import Batch, Disagreements

# text with the characters the output must escape: C0, DEL, C1, bidi, line separators
TEXT = st.text(alphabet=st.characters(codec="utf-8") | st.sampled_from(
    ["\x1b", "\x00", "\n", "\x7f", "\x85", "\x9b", "\u202e", "\u2066", "\u2028", "é", "\""]),
    max_size=12)


def printed(write: object) -> str:
    """What ``write()`` prints through click."""
    runner = CliRunner()
    import click

    @click.command()
    def command() -> None:
        write()  # type: ignore[operator]

    result = runner.invoke(command, [])
    assert result.exception is None, result.exception
    return result.output


@settings(max_examples=60, deadline=None)
@given(names=st.lists(TEXT, max_size=4), codes=st.lists(st.lists(TEXT, max_size=4),
                                                        max_size=4))
def test_string_lists_and_members_are_what_json_dumps_writes(names: list[str],
                                                             codes: list[list[str]]) -> None:
    lists, members = json_stream.StringLists(3), json_stream.Members(2)
    for items in codes:
        assert lists[tuple(items)] == json_stream.value(items, 3)
        assert lists[tuple(items)] == json_stream.value(items, 3)  # from the cache
    for name, items in zip(names, codes, strict=False):
        member = members[(name, tuple(items))]
        assert member == "\n      " + json_stream.value({name: items}, 2)[8:-6]


@settings(max_examples=40, deadline=None)
@given(records=st.lists(st.dictionaries(TEXT, TEXT | st.integers() | st.none(), max_size=3),
                        max_size=5), chunk=st.integers(1, 3))
def test_emit_with_list_is_emit_json(records: list[dict], chunk: int) -> None:
    head = {"name": "x\x9by", "total": len(records), "case": None}
    json_stream.CHUNK, old = chunk, json_stream.CHUNK
    try:
        streamed = printed(lambda: json_stream.emit_with_list(
            head, "excerpts", (json_stream.value(r, 2) for r in records)))
    finally:
        json_stream.CHUNK = old
    assert streamed == printed(lambda: base.emit_json({**head, "excerpts": records}))
    assert json.loads(streamed) == {**head, "excerpts": records}


def test_an_empty_head_and_list() -> None:
    streamed = printed(lambda: json_stream.emit_with_list({}, "excerpts", []))
    assert streamed == printed(lambda: base.emit_json({"excerpts": []}))


CODE_LISTS = st.lists(st.lists(TEXT, max_size=3).map(tuple), min_size=1, max_size=4)


@settings(max_examples=60, deadline=None)
@given(coders=st.lists(TEXT, min_size=2, max_size=3, unique=True), names=CODE_LISTS,
       rows=st.lists(st.tuples(TEXT, TEXT, TEXT, TEXT, st.integers(0, 3),
                               st.lists(st.integers(-1, 3), min_size=3, max_size=3)),
                     max_size=5),
       size=st.integers(1, 3), full_text=st.booleans())
def test_disagreement_records_are_emit_json_of_their_dicts(
        coders: list[str], names: list[tuple[str, ...]], rows: list, size: int,
        full_text: bool) -> None:
    # each listed excerpt has a reviewer (the listing has two or more)
    rows = [(ref, case, quote, text, disputed % len(names),
             [k % len(names) if k >= 0 or i == 0 else -1 for i, k in enumerate(keys)])
            for ref, case, quote, text, disputed, keys in rows]
    batches = [Batch(refs=[r[0] for r in part], cases=[r[1] for r in part],
                     quotes=[r[2] for r in part], texts=[r[3] for r in part],
                     disputed=[r[4] for r in part],
                     applied=[[r[5][k] for r in part] for k in range(len(coders))])
               for part in (rows[i:i + size] for i in range(0, len(rows), size))]
    found = Disagreements(tuple(coders), len(rows), names, iter(batches))
    head = {"coders": coders, "total": len(rows)}
    streamed = printed(lambda: json_stream.emit_with_batches(
        head, "excerpts", _disagreement_records(found, full_text)))
    records = [{"excerpt": ref, "case": case, "quote": quote,
                **({"text": text} if full_text else {}), "codes": list(names[disputed]),
                "coders": {coder: list(names[keys[k]]) for k, coder in sorted(
                    enumerate(coders), key=lambda c: c[1]) if keys[k] != -1}}
               for ref, case, quote, text, disputed, keys in rows]
    assert streamed == printed(lambda: base.emit_json({**head, "excerpts": records}))
