"""Coding actions: apply, remove, toggle, exclusive groups, reviews, memos, undo and redo."""

from __future__ import annotations

from datetime import datetime

import pytest

from qcoder.coding import Coding, check_coder
from qcoder.errors import InputError
from qcoder.store.database import Store


@pytest.fixture
def ids(store: Store) -> dict[str, int]:
    return store.excerpt_ids_by_ref()


def events(store: Store, coder: str | None = None) -> list[tuple]:
    sql = "SELECT coder, kind, excerpt_id, code_id, at FROM events"
    if coder:
        return store.query(sql + " WHERE coder = ? ORDER BY id", (coder,))
    return store.query(sql + " ORDER BY id")


def test_apply_records_coding_review_and_events(store: Store, coding_for, ids) -> None:
    ann = coding_for("ann")
    x = ids["alpha/interview-1#2"]
    out = ann.apply(x, "framing-security", memo="returns first")
    assert (out.added, out.removed) == (["framing-security"], [])
    assert store.codes_of(x, "ann") == {"framing-security": "returns first"}
    assert store.is_reviewed(x, "ann")
    assert store.coders() == ["ann"]
    kinds = [(c, k, e, code) for c, k, e, code, _ in events(store)]
    assert kinds == [("ann", "add", x, "framing-security"), ("ann", "review", x, None)]
    for *_, at in events(store):
        assert datetime.fromisoformat(at).tzinfo is not None


def test_applying_twice_is_one_coding(store: Store, coding_for, ids) -> None:
    ann = coding_for("ann")
    x = ids["alpha/interview-1#2"]
    ann.apply(x, "framing-security")
    assert ann.apply(x, "framing-security").added == []
    assert store.scalar("SELECT COUNT(*) FROM codings") == 1


def test_coders_are_independent(store: Store, coding_for, ids) -> None:
    x = ids["alpha/interview-1#2"]
    coding_for("ann").apply(x, "framing-security")
    coding_for("bob").apply(x, "linkage-visa")
    assert store.codes_of(x, "ann") == {"framing-security": None}
    assert store.codes_of(x, "bob") == {"linkage-visa": None}


def test_remove_keeps_the_excerpt_reviewed(store: Store, coding_for, ids) -> None:
    ann = coding_for("ann")
    x = ids["alpha/notes#1"]
    ann.apply(x, "framing-security")
    assert ann.remove(x, "framing-security").removed == ["framing-security"]
    assert store.codes_of(x, "ann") == {}
    assert store.is_reviewed(x, "ann")
    assert events(store, "ann")[-1][1:4] == ("remove", x, "framing-security")
    assert ann.remove(x, "framing-security").action_id is None


def test_toggle(store: Store, coding_for, ids) -> None:
    ann = coding_for("ann")
    x = ids["alpha/notes#2"]
    assert ann.toggle(x, "linkage-visa").added == ["linkage-visa"]
    assert ann.toggle(x, "linkage-visa").removed == ["linkage-visa"]
    assert store.codes_of(x, "ann") == {}


def test_exclusive_group_replaces_the_sibling(store: Store, coding_for, ids) -> None:
    ann = coding_for("ann")
    x = ids["beta/declaration#1"]
    ann.apply(x, "ptype-operational")
    ann.apply(x, "framing-security")
    out = ann.apply(x, "ptype-dialogue")
    assert (out.added, out.removed) == (["ptype-dialogue"], ["ptype-operational"])
    assert set(store.codes_of(x, "ann")) == {"framing-security", "ptype-dialogue"}
    coding_for("bob").apply(x, "ptype-capacity")
    assert set(store.codes_of(x, "ann")) == {"framing-security", "ptype-dialogue"}


def test_the_group_itself_and_unknown_codes_are_refused(store: Store, coding_for, ids) -> None:
    ann = coding_for("ann")
    x = ids["beta/declaration#1"]
    with pytest.raises(InputError, match="exclusive group"):
        ann.apply(x, "ptype")
    with pytest.raises(InputError, match="unknown code 'nope'"):
        ann.apply(x, "nope")
    with pytest.raises(InputError, match="does not exist"):
        ann.apply(999_999, "framing")
    assert store.scalar("SELECT COUNT(*) FROM codings") == 0
    assert store.scalar("SELECT COUNT(*) FROM events") == 0


def test_mark_reviewed_without_a_code(store: Store, coding_for, ids) -> None:
    ann = coding_for("ann")
    x = ids["alpha/interview-1#1"]
    assert not store.is_reviewed(x, "ann")
    assert ann.mark_reviewed(x).action_id is not None
    assert store.is_reviewed(x, "ann") and store.codes_of(x, "ann") == {}
    assert ann.mark_reviewed(x).action_id is None
    assert [e[1] for e in events(store)] == ["review"]
    assert not store.is_reviewed(x, "bob")


def test_clear_removes_every_code(store: Store, coding_for, ids) -> None:
    ann = coding_for("ann")
    x = ids["alpha/interview-1#4"]
    ann.apply(x, "linkage-visa")
    ann.apply(x, "ptype-dialogue")
    assert sorted(ann.clear(x).removed) == ["linkage-visa", "ptype-dialogue"]
    assert store.codes_of(x, "ann") == {} and store.is_reviewed(x, "ann")


def test_memos(store: Store, coding_for, ids) -> None:
    ann = coding_for("ann")
    x = ids["alpha/interview-1#4"]
    ann.apply(x, "linkage-visa")
    ann.set_coding_memo(x, "linkage-visa", "  the carrot  ")
    assert store.codes_of(x, "ann") == {"linkage-visa": "the carrot"}
    ann.set_excerpt_memo(x, "Ask about fees.")
    assert store.memo_of(x, "ann") == "Ask about fees."
    assert store.memo_of(x, "bob") == ""
    ann.set_excerpt_memo(x, "")
    assert store.memo_of(x, "ann") == ""
    with pytest.raises(InputError, match="apply the code"):
        ann.set_coding_memo(x, "framing-security", "no such coding")
    kinds = [e[1] for e in events(store)]
    assert kinds[-3:] == ["coding-memo", "excerpt-memo", "excerpt-memo"]


def test_undo_and_redo(store: Store, coding_for, ids) -> None:
    ann = coding_for("ann")
    x = ids["beta/declaration#2"]
    ann.apply(x, "ptype-operational", memo="joint patrols")
    ann.apply(x, "ptype-dialogue")
    assert ann.undo().added == ["ptype-operational"]
    assert store.codes_of(x, "ann") == {"ptype-operational": "joint patrols"}
    assert ann.undo().removed == ["ptype-operational"]
    assert store.codes_of(x, "ann") == {} and not store.is_reviewed(x, "ann")
    assert ann.undo().action_id is None
    ann.redo()
    assert store.codes_of(x, "ann") == {"ptype-operational": "joint patrols"}
    ann.redo()
    assert store.codes_of(x, "ann") == {"ptype-dialogue": None}
    assert ann.redo().action_id is None


def test_undo_of_memos(store: Store, coding_for, ids) -> None:
    ann = coding_for("ann")
    x = ids["alpha/notes#3"]
    ann.set_excerpt_memo(x, "first")
    ann.set_excerpt_memo(x, "second")
    ann.undo()
    assert store.memo_of(x, "ann") == "first"
    ann.redo()
    assert store.memo_of(x, "ann") == "second"


def test_undo_is_per_coder(store: Store, coding_for, ids) -> None:
    x = ids["alpha/notes#1"]
    ann, bob = coding_for("ann"), coding_for("bob")
    ann.apply(x, "framing-security")
    bob.apply(x, "linkage-visa")
    ann.undo()
    assert store.codes_of(x, "ann") == {}
    assert store.codes_of(x, "bob") == {"linkage-visa": None}


def test_undo_and_redo_survive_reopening(store: Store, ids) -> None:
    x = ids["alpha/notes#2"]
    Coding(store, store.codebook(), "ann").apply(x, "framing-development")
    store.close()
    with Store(store.path) as again:
        Coding(again, again.codebook(), "ann").undo()
    with Store(store.path) as again:
        assert again.codes_of(x, "ann") == {}
        Coding(again, again.codebook(), "ann").redo()
    with Store(store.path) as again:
        assert again.codes_of(x, "ann") == {"framing-development": None}


def test_a_new_action_drops_the_redo_history(store: Store, coding_for, ids) -> None:
    ann = coding_for("ann")
    x, y = ids["alpha/notes#1"], ids["alpha/notes#2"]
    ann.apply(x, "framing-security")
    ann.undo()
    ann.apply(y, "linkage-visa")
    assert ann.redo().action_id is None
    assert store.codes_of(x, "ann") == {}


def test_every_change_is_an_event_and_undo_is_logged(store: Store, coding_for, ids) -> None:
    ann = coding_for("ann")
    x = ids["alpha/interview-1#3"]
    ann.apply(x, "linkage-visa")
    ann.undo()
    ann.redo()
    rows = store.query("SELECT coder, kind, state FROM events ORDER BY id")
    assert [r[1] for r in rows] == ["add", "review", "undo", "redo"]
    assert all(r[0] == "ann" for r in rows)
    assert [r[2] for r in rows[:2]] == ["done", "done"]


@pytest.mark.parametrize("name", ["", "two words", "x" * 41, "semi;colon"])
def test_coder_names_are_checked(name: str) -> None:
    with pytest.raises(InputError, match="invalid coder name"):
        check_coder(name)


def test_reserved_characters_allowed_in_coder_names() -> None:
    assert check_coder(" ann.b@uni+1 ") == "ann.b@uni+1"
