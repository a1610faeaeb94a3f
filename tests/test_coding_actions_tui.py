"""The coding rules the workbench's keys rely on, tested on the core (no Textual)."""

from __future__ import annotations

import pytest

from qcoder.coding import Coding
from qcoder.errors import InputError
from qcoder.store.database import Store


def first_excerpt(store: Store) -> int:
    return store.excerpt_by_ref("alpha/interview-1#2").id


def test_a_key_toggles_its_code_and_marks_the_excerpt_reviewed(store, coding_for) -> None:
    ann = coding_for("ann")
    excerpt = first_excerpt(store)
    assert ann.toggle(excerpt, "framing-security").added == ["framing-security"]
    assert store.codes_of(excerpt, "ann") == {"framing-security": None}
    assert store.is_reviewed(excerpt, "ann")
    assert ann.toggle(excerpt, "framing-security").removed == ["framing-security"]
    assert store.codes_of(excerpt, "ann") == {}
    assert store.is_reviewed(excerpt, "ann")


def test_a_new_child_of_an_exclusive_group_replaces_the_old_one(store, coding_for) -> None:
    ann = coding_for("ann")
    excerpt = first_excerpt(store)
    ann.toggle(excerpt, "ptype-operational")
    ann.toggle(excerpt, "framing-security")
    outcome = ann.toggle(excerpt, "ptype-dialogue")
    assert (outcome.added, outcome.removed) == (["ptype-dialogue"], ["ptype-operational"])
    assert set(store.codes_of(excerpt, "ann")) == {"framing-security", "ptype-dialogue"}


def test_an_exclusive_group_itself_cannot_be_applied(store, coding_for) -> None:
    with pytest.raises(InputError, match="exclusive group"):
        coding_for("ann").toggle(first_excerpt(store), "ptype")


def test_undo_of_a_replacement_restores_the_old_child_in_one_step(store, coding_for) -> None:
    ann = coding_for("ann")
    excerpt = first_excerpt(store)
    ann.apply(excerpt, "ptype-operational")
    ann.apply(excerpt, "ptype-dialogue")
    outcome = ann.undo()
    assert outcome.excerpt_id == excerpt
    assert store.codes_of(excerpt, "ann") == {"ptype-operational": None}
    assert ann.redo().excerpt_id == excerpt
    assert store.codes_of(excerpt, "ann") == {"ptype-dialogue": None}


def test_undo_and_redo_work_after_reopening_the_database(store, coding_for) -> None:
    excerpt = first_excerpt(store)
    coding_for("ann").apply(excerpt, "linkage-visa")
    coding_for("ann").set_excerpt_memo(excerpt, "check the date")
    store.close()
    again = Store(store.path)
    try:
        ann = Coding(again, again.codebook(), "ann")
        assert ann.undo().excerpt_id == excerpt
        assert again.memo_of(excerpt, "ann") == ""
        assert ann.undo().removed == ["linkage-visa"]
        assert not again.is_reviewed(excerpt, "ann")
        assert ann.redo().added == ["linkage-visa"]
        assert again.is_reviewed(excerpt, "ann")
    finally:
        again.close()


def test_undo_touches_only_this_coders_actions(store, coding_for) -> None:
    excerpt = first_excerpt(store)
    coding_for("ann").apply(excerpt, "framing-security")
    coding_for("bob").apply(excerpt, "framing-development")
    coding_for("ann").undo()
    assert store.codes_of(excerpt, "bob") == {"framing-development": None}
    assert store.codes_of(excerpt, "ann") == {}


def test_reviewed_with_no_code_is_one_undoable_action(store, coding_for) -> None:
    ann = coding_for("ann")
    excerpt = first_excerpt(store)
    assert ann.mark_reviewed(excerpt).action_id is not None
    assert ann.mark_reviewed(excerpt).action_id is None
    assert ann.undo().excerpt_id == excerpt
    assert not store.is_reviewed(excerpt, "ann")
    assert ann.undo().action_id is None


def test_clear_removes_every_code_of_this_coder_and_keeps_the_review(store, coding_for) -> None:
    ann = coding_for("ann")
    excerpt = first_excerpt(store)
    ann.apply(excerpt, "framing-security")
    ann.apply(excerpt, "ptype-capacity")
    assert sorted(ann.clear(excerpt).removed) == ["framing-security", "ptype-capacity"]
    assert store.codes_of(excerpt, "ann") == {} and store.is_reviewed(excerpt, "ann")
    ann.undo()
    assert set(store.codes_of(excerpt, "ann")) == {"framing-security", "ptype-capacity"}
