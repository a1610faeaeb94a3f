"""Suggestions from a search or a language model: never codings until accepted, hidden in
blind rounds, measured against the coders like one more coder.

The language-model path runs end to end through the ``llm`` library with a small model
plugin registered in the test session (no network): it answers with the codes whose
keyword appears in the excerpt.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import krippendorff
import numpy as np
import pytest

from qcoder.store.database import Store


def csv(tmp_path: Path, rows: str) -> str:
    path = tmp_path / "codings.csv"
    path.write_text("excerpt,code,coder\n" + rows, encoding="utf-8")
    return str(path)


def listed(cli, *args: str, coder: str | None = None) -> list[dict]:
    return json.loads(cli.ok("suggest", "list", "--json", *args, coder=coder).output)["results"]


def test_a_search_suggests_and_nothing_becomes_a_coding(cli) -> None:
    cli.ok("import")
    before = json.loads(cli.ok("status", "--json").output)
    out = cli.ok("suggest", "search", "visa*", "--code", "linkage-visa").output
    assert "3 suggestions on 10 excerpts examined (3 new)" in out
    found = listed(cli)
    assert [s["excerpt"] for s in found] == ["alpha/interview-1#3", "alpha/interview-1#4",
                                              "beta/declaration#3"]
    assert {s["status"] for s in found} == {"open"} and found[0]["reason"] == "search: visa*"
    after = json.loads(cli.ok("status", "--json").output)
    assert after["codings"] == before["codings"] == 0
    assert cli.ok("codings", "export").output.strip().count("\n") == 0  # the header only
    again = cli.ok("suggest", "search", "visa*", "--code", "linkage-visa").output
    assert "(0 new)" in again  # the same suggestion twice is one


def test_accepting_makes_an_ordinary_coding_with_its_provenance(cli) -> None:
    cli.ok("import")
    cli.ok("suggest", "search", "visa*", "--code", "linkage-visa")
    first, second, _ = (s["id"] for s in listed(cli))
    cli.ok("suggest", "accept", str(first), coder="ann")
    cli.ok("suggest", "reject", str(second), coder="ann")
    rows = cli.ok("codings", "export").output.strip().splitlines()
    assert len(rows) == 2 and "alpha/interview-1#3" in rows[1] and "ann" in rows[1]
    decided = {s["id"]: s for s in listed(cli, "--status", "all")}
    assert decided[first]["status"] == "accepted" and decided[first]["decided_by"] == "ann"
    assert decided[second]["status"] == "rejected"
    with Store(cli.db) as store:
        logs = store.query("SELECT coder, after FROM events WHERE kind = 'suggestion'")
    trail = [json.loads(after) for _, after in logs]
    assert [(t["decision"], t["excerpt"], t["source"]) for t in trail] == [
        ("accepted", "alpha/interview-1#3", "search"),
        ("rejected", "alpha/interview-1#4", "search")]
    result = cli.fails("suggest", "accept", str(second), coder="ann")
    assert "already rejected by ann" in result.output
    assert "no coder given" in cli.fails("suggest", "accept", str(first)).output


def test_hidden_from_a_coder_of_an_open_round(cli) -> None:
    cli.ok("import")
    cli.ok("suggest", "search", "visa*", "--code", "linkage-visa")
    cli.ok("round", "start", "pilot", "--sample", "100", "--coders", "ann,bob")
    assert listed(cli, coder="ann") == []
    assert len(listed(cli, coder="lead")) == 3
    some = listed(cli, coder="lead")[0]["id"]
    assert "open round" in cli.fails("suggest", "accept", str(some), coder="ann").output
    cli.ok("round", "close", "pilot")
    assert len(listed(cli, coder="ann")) == 3


def test_a_source_is_measured_like_one_more_coder(cli, tmp_path: Path) -> None:
    cli.ok("import")
    cli.ok("codings", "import", csv(tmp_path, "alpha/interview-1#3,linkage-visa,ann\n"
                                    "alpha/interview-1#1,linkage-visa,ann\n"))
    for ref in ("alpha/interview-1#1", "alpha/interview-1#2", "alpha/interview-1#4",
                "alpha/notes#1", "alpha/notes#2", "alpha/notes#3", "beta/declaration#1",
                "beta/declaration#2", "beta/declaration#3"):
        cli.ok("codings", "import", csv(tmp_path, f"{ref},,ann\n"))  # reviewed, no code
    cli.ok("suggest", "search", "visa*", "--code", "linkage-visa", "--source", "dictionary")
    data = json.loads(cli.ok("agreement", "--coders", "ann", "--with-suggestions",
                             "dictionary", "--json").output)
    code = next(c for c in data["codes"] if c["id"] == "linkage-visa")
    order = ["alpha/interview-1#1", "alpha/interview-1#2", "alpha/interview-1#3",
             "alpha/interview-1#4", "alpha/notes#1", "alpha/notes#2", "alpha/notes#3",
             "beta/declaration#1", "beta/declaration#2", "beta/declaration#3"]
    ann = [1 if r in ("alpha/interview-1#1", "alpha/interview-1#3") else 0 for r in order]
    machine = [1 if r in ("alpha/interview-1#3", "alpha/interview-1#4", "beta/declaration#3")
               else 0 for r in order]
    expected = krippendorff.alpha(reliability_data=np.array([ann, machine], dtype=float),
                                  level_of_measurement="nominal")
    assert code["alpha"] == pytest.approx(expected)
    assert [c["id"] for c in data["codes"]] == ["linkage-visa"]  # only what it examined
    assert "did not examine" in cli.fails("agreement", "--coders", "ann",
                                          "--with-suggestions", "dictionary",
                                          "--codes", "framing").output
    assert "no suggestion source 'other'" in cli.fails(
        "agreement", "--coders", "ann", "--with-suggestions", "other").output


# -- the language-model path, through llm --------------------------------------------------
KEYWORDS = {"linkage-visa": "visa", "framing-development": "money"}


@pytest.fixture
def keyword_model(tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """Register an offline llm model plugin for this test."""
    llm = pytest.importorskip("llm")
    monkeypatch.setenv("LLM_USER_PATH", str(tmp_path / "llm"))
    seen: list[str] = []

    class KeywordModel(llm.Model):
        model_id = "qcoder-test-keywords"
        can_stream = False

        def execute(self, prompt, stream, response, conversation):  # noqa: ANN001
            seen.append(prompt.system or "")
            text = prompt.prompt.split(":", 1)[1].lower()
            if "garbled" in text:
                yield "I think it is about visas."
                return
            codes = [c for c, word in KEYWORDS.items() if word in text]
            yield json.dumps({"codes": [*codes, "not-a-code"], "reason": "the keyword"})

    class Plugin:
        @llm.hookimpl
        def register_models(self, register):  # noqa: ANN001
            register(KeywordModel())

    plugin = Plugin()
    llm.plugins.pm.register(plugin, name="qcoder-test-keywords")
    yield seen
    llm.plugins.pm.unregister(plugin)


def test_a_model_suggests_through_llm(cli, project: Path, keyword_model: list[str]) -> None:
    (project / "cases" / "beta" / "odd.txt").write_text("A garbled visa answer.\n",
                                                         encoding="utf-8")
    cli.ok("import")
    result = cli.ok("suggest", "ai", "--code", "linkage-visa,framing-development",
                    "--model", "qcoder-test-keywords", "--json")
    report = json.loads(result.output)
    assert report == {"source": "ai-qcoder-test-keywords", "excerpts": 11, "suggestions": 5,
                      "new": 5, "unreadable_answers": 1}
    assert "Visa facilitation offered or withheld." in keyword_model[0]  # the definitions
    found = {(s["excerpt"], s["code_id"]) for s in listed(cli)}
    assert found == {("alpha/interview-1#3", "linkage-visa"),
                     ("alpha/interview-1#4", "linkage-visa"),
                     ("beta/declaration#3", "linkage-visa"),
                     ("alpha/interview-1#2", "framing-development"),
                     ("alpha/notes#2", "framing-development")}
    assert {s["model"] for s in listed(cli)} == {"qcoder-test-keywords"}
    assert json.loads(cli.ok("status", "--json").output)["codings"] == 0
    unknown = cli.fails("suggest", "ai", "--code", "linkage-visa", "--model", "nope")
    assert "model 'nope'" in unknown.output


def test_without_llm_installed_it_says_how_to_install(cli, monkeypatch) -> None:
    cli.ok("import")
    monkeypatch.setitem(sys.modules, "llm", None)  # what an install without the extra sees
    result = cli.fails("suggest", "ai", "--code", "linkage-visa")
    assert "pip install 'qcoder[ai]'" in result.output


def test_accepting_is_one_action_in_one_transaction_and_undo_reopens(cli) -> None:
    from qcoder.coding import Coding
    from qcoder.errors import QcoderError
    from qcoder.suggestions import decide

    cli.ok("import")
    cli.ok("suggest", "search", "visa*", "--code", "linkage-visa")
    first, second, _ = (s["id"] for s in listed(cli))
    with Store(cli.db) as store:
        coding = Coding(store, store.codebook(), "ann")
        decide(store, "ann", [first], True, coding)
        actions = store.query("SELECT DISTINCT action_id FROM events WHERE coder = 'ann' "
                              "AND kind IN ('add', 'review', 'suggestion')")
        assert len(actions) == 1  # the coding, its review and its provenance
        coding.undo()
        assert store.query("SELECT COUNT(*) FROM codings") == [(0,)]
        coding.redo()
        assert store.query("SELECT COUNT(*) FROM codings") == [(1,)]
        excerpt = store.query("SELECT excerpt_id FROM suggestions WHERE id = ?", (second,))[0][0]

        def fails(conn, action) -> None:
            raise QcoderError("the decision could not be written")

        with pytest.raises(QcoderError):
            coding.apply(excerpt, "linkage-visa", then=fails)
        assert store.query("SELECT COUNT(*) FROM codings") == [(1,)]  # nothing half-written
    status = {s["id"]: s["status"] for s in listed(cli, "--status", "all")}
    assert status[first] == "accepted" and status[second] == "open"
    cli.ok("suggest", "reject", str(second), coder="ann")
    with Store(cli.db) as store:
        Coding(store, store.codebook(), "ann").undo()
    assert {s["id"]: s["status"] for s in listed(cli, "--status", "all")}[second] == "open"


def test_when_the_workbench_shows_suggestions_comes_from_qcoder_yaml(project: Path) -> None:
    from qcoder.errors import QcoderError
    from qcoder.project.folder import open_project

    assert open_project(project).suggestions_mode() == "after-review"
    config = project / "qcoder.yaml"
    config.write_text("suggestions: never\n", encoding="utf-8")
    assert open_project(project).suggestions_mode() == "never"
    config.write_text("# team settings\nsuggestions: always\n", encoding="utf-8")
    with pytest.raises(QcoderError) as caught:
        open_project(project).suggestions_mode()
    assert str(caught.value) == (
        f"{config}:2: suggestions: 'always' is not a choice; write "
        "'suggestions: after-review' or 'suggestions: never'")
