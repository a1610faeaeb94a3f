"""Long JSON written piece by piece is byte for byte what ``emit_json`` writes."""

from __future__ import annotations

import json

from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from qcoder.cli import base, json_stream
from qcoder.cli.agreement_cmds import _disagreement_records
from qcoder.reliability.data import ExcerptDisagreement

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


@settings(max_examples=40, deadline=None)
@given(st.lists(st.tuples(TEXT, TEXT, st.lists(TEXT, max_size=3),
                          st.dictionaries(TEXT, st.lists(TEXT, max_size=3), max_size=3)),
                max_size=4))
def test_disagreement_records_are_their_dicts(rows: list) -> None:
    shown = [ExcerptDisagreement(excerpt_id=i, ref=ref, case_id="c", quote=quote,
                                 codes=tuple(codes),
                                 applied={k: tuple(v) for k, v in applied.items()})
             for i, (ref, quote, codes, applied) in enumerate(rows)]
    assert list(_disagreement_records(shown)) == [json_stream.value(d.to_dict(), 2)
                                                 for d in shown]
