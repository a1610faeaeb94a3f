"""Full-text search (``qcoder search``): FTS5 syntax, keyword in context, an index that
follows re-imports, filters, and one-line errors."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from qcoder.search import Hit, Span, unmark
from qcoder.store import search as sql
from qcoder.store.database import Store
from qcoder.store.migrations import migrate


def refs(cli, *args: str) -> list[str]:
    data = json.loads(cli.ok("search", *args, "--json").output)
    return [r["excerpt"] for r in data["results"]]


def test_words_phrases_prefixes_and_operators(cli) -> None:
    cli.ok("import")
    assert refs(cli, "money") == ["alpha/interview-1#2", "alpha/notes#2"]
    assert refs(cli, "money border") == ["alpha/notes#2"]  # every word must occur
    assert refs(cli, "money NOT border") == ["alpha/interview-1#2"]
    assert refs(cli, "visa*") == ["alpha/interview-1#3", "alpha/interview-1#4",
                                  "beta/declaration#3"]
    assert refs(cli, '"talks on returns"') == ["alpha/interview-1#2"]
    assert refs(cli, '"returns talks"') == []  # a phrase keeps its order
    assert refs(cli, "NEAR(began returns, 3)") == ["alpha/interview-1#2"]
    assert refs(cli, "NEAR(began followed, 2)") == []
    assert refs(cli, "signed OR students") == ["alpha/notes#1", "beta/declaration#3"]
    assert refs(cli, "VISAS") == ["alpha/interview-1#3", "alpha/interview-1#4"]  # any case


def test_accents_do_not_matter(cli, project: Path) -> None:
    doc = project / "cases" / "beta" / "talk.txt"
    doc.write_text("La cooperación con México empezó en 2010.\n", encoding="utf-8")
    cli.ok("import")
    assert refs(cli, "mexico cooperacion") == ["beta/talk#1"]
    assert refs(cli, "MÉXICO") == ["beta/talk#1"]


def test_keyword_in_context_lines(cli, project: Path) -> None:
    long = ("Before the meeting " + "many words came first, " * 6 + "and then the readmission "
            "clause was discussed " + "at great length, " * 6 + "until the end.")
    (project / "cases" / "beta" / "long.txt").write_text(long + "\n", encoding="utf-8")
    cli.ok("import")
    data = json.loads(cli.ok("search", "readmission", "--json").output)
    assert data["excerpts"] == 1 and data["cases"] == [{"id": "beta", "excerpts": 1}]
    hit = data["results"][0]["hits"][0]
    assert long[hit["start"]:hit["end"]] == "readmission"
    assert hit["hit"] == "readmission"
    assert hit["left"].startswith("…") and hit["left"].endswith("and then the ")
    assert hit["right"].startswith(" clause was discussed") and hit["right"].endswith("…")
    assert len(hit["left"]) <= 42 and len(hit["right"]) <= 42
    out = cli.ok("search", "readmission").output
    assert "beta/long#1" in out and "[readmission]" in out
    assert "readmission: 1 excerpt in 1 case (beta 1)" in out


def test_every_hit_of_an_excerpt_is_a_line(cli) -> None:
    cli.ok("import")
    data = json.loads(cli.ok("search", "the", "--json", "--case", "alpha").output)
    by_ref = {r["excerpt"]: r["hits"] for r in data["results"]}
    assert [h["hit"] for h in by_ref["alpha/interview-1#1"]] == ["the"]
    assert data["hits"] == sum(len(h) for h in by_ref.values())
    notes1 = by_ref["alpha/notes#1"][0]
    assert notes1["left"] == "" and notes1["right"] == " agreement was signed in 2016."


def test_unmark_and_kwic_on_short_text() -> None:
    text, spans = unmark(f"a {sql.HIT_OPEN}b{sql.HIT_CLOSE} c {sql.HIT_OPEN}b{sql.HIT_CLOSE}")
    assert text == "a b c b" and spans == [Span(2, 3), Span(6, 7)]
    hit = Hit(1, "x/y#1", "x", None, text, spans)
    assert hit.kwic() == ("a ", "b", " c b") and hit.kwic(spans[1]) == ("a b c ", "b", "")


def test_the_index_follows_a_changed_document(cli, project: Path) -> None:
    cli.ok("import")
    assert refs(cli, "carrot") == ["alpha/interview-1#4"]
    doc = project / "cases" / "alpha" / "interview-1.txt"
    doc.write_text(doc.read_text(encoding="utf-8").replace("carrot", "stick"), encoding="utf-8")
    cli.ok("import")
    assert refs(cli, "carrot") == []
    assert refs(cli, "stick") == ["alpha/interview-1#4"]
    (project / "cases" / "alpha" / "notes.md").unlink()
    cli.ok("import")
    assert refs(cli, "money") == ["alpha/interview-1#2"]  # a removed document is not found


def in_step(db: Path) -> bool:
    """FTS5's own check of the index against the excerpts' text (rank 1: the content too)."""
    conn = sqlite3.connect(db)
    try:
        conn.execute("INSERT INTO excerpt_text (excerpt_text, rank) VALUES ('integrity-check', 1)")
    except sqlite3.DatabaseError:
        return False
    finally:
        conn.close()
    return True


def triggers(db: Path) -> dict[str, str]:
    conn = sqlite3.connect(db)
    found = dict(conn.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' "
                              "AND tbl_name = 'excerpts'").fetchall())
    conn.close()
    return found


def test_an_import_indexes_in_bulk_and_leaves_the_triggers_in_place(cli, project: Path) -> None:
    cli.ok("import")  # a fresh store: indexed in one pass
    assert in_step(cli.db) and refs(cli, "carrot") == ["alpha/interview-1#4"]
    assert sorted(triggers(cli.db)) == sorted(sql.TRIGGERS)
    assert not any("meta" in text for text in triggers(cli.db).values())
    (project / "cases" / "beta" / "new.txt").write_text("A parsnip here.\n", encoding="utf-8")
    cli.ok("import")  # one document more: indexed on its own
    assert in_step(cli.db) and refs(cli, "parsnip") == ["beta/new#1"]
    for name in ("alpha/interview-1.txt", "alpha/notes.md", "beta/new.txt"):
        doc = project / "cases" / name  # most documents changed: all indexed anew
        doc.write_text(doc.read_text(encoding="utf-8").replace("money", "cash")
                       .replace("parsnip", "leek"), encoding="utf-8")
    cli.ok("import")
    assert in_step(cli.db) and refs(cli, "money") == [] and len(refs(cli, "cash")) == 2
    assert refs(cli, "parsnip") == [] and refs(cli, "leek") == ["beta/new#1"]
    assert sorted(triggers(cli.db)) == sorted(sql.TRIGGERS)
    with Store(cli.db) as store, store.transaction() as conn:  # a write outside an import
        conn.execute("UPDATE excerpts SET text = 'turnip' WHERE id = (SELECT MIN(id) FROM "
                     "excerpts WHERE active = 1)")
    assert in_step(cli.db) and len(refs(cli, "turnip")) == 1


def test_filters_by_case_code_and_coder(cli, tmp_path: Path) -> None:
    cli.ok("import")
    rows = ("excerpt,code,coder\nalpha/interview-1#2,framing-remittances,ann\n"
            "alpha/notes#2,ptype-operational,bob\n")
    (tmp_path / "c.csv").write_text(rows, encoding="utf-8")
    cli.ok("codings", "import", str(tmp_path / "c.csv"))
    assert refs(cli, "money", "--case", "beta") == []
    assert refs(cli, "money", "--code", "framing") == ["alpha/interview-1#2"]  # rolled up
    assert refs(cli, "money", "--code", "ptype", "--coder", "ann") == []
    assert refs(cli, "money", "--code", "ptype", "--coder", "bob") == ["alpha/notes#2"]


def test_limit_keeps_the_counts(cli) -> None:
    cli.ok("import")
    data = json.loads(cli.ok("search", "the", "--limit", "1", "--json").output)
    assert data["shown"] == 1 and data["excerpts"] > 1
    assert sum(c["excerpts"] for c in data["cases"]) == data["excerpts"]
    assert data["method"]["index"] == "SQLite FTS5"


def test_a_page_is_the_head_of_all_matches_in_corpus_order_or_by_rank(cli, project: Path
                                                                     ) -> None:
    cli.ok("import")
    doc = project / "cases" / "alpha" / "interview-1.txt"  # the first document: its new
    doc.write_text(doc.read_text(encoding="utf-8")  # paragraph has the highest id
                   + "\nOfficial: The talks ended there.\n", encoding="utf-8")
    cli.ok("import")
    query = "the OR talks OR returns"
    every = refs(cli, query, "--limit", "1000")
    ranked = refs(cli, query, "--rank", "--limit", "1000")
    assert len(every) >= 7 and sorted(every) == sorted(ranked) and ranked != every
    corpus = [(r.split("/")[0], r.split("/")[1].split("#")[0], int(r.split("#")[1]))
              for r in every]
    assert corpus == sorted(corpus) and "alpha/interview-1#5" in every[:4]
    for k in range(1, len(every) + 1):
        assert refs(cli, query, "--limit", str(k)) == every[:k]
        assert refs(cli, query, "--rank", "--limit", str(k)) == ranked[:k]
    beta = refs(cli, query, "--case", "beta", "--rank", "--limit", "1000")
    assert beta == [r for r in ranked if r.startswith("beta/")] != []


def test_bad_input_is_one_line(cli) -> None:
    cli.ok("import")
    for args, words in ((["AND visas"], "syntax error"), (['"open phrase'], "syntax"),
                        ([""], "give words"), (["visas", "--case", "alpah"], "'alpha'"),
                        (["visas", "--code", "framng"], "'framing'"),
                        (["visas", "--limit", "0"], "--limit"),
                        (["visas", "--code", "framing", "--coder", "nobody"], "coder")):
        result = cli.fails("search", *args)
        assert words in result.output and len(result.output.strip().splitlines()) == 1


def test_hidden_from_a_coder_of_an_open_round(cli) -> None:
    cli.ok("import")
    cli.ok("round", "start", "pilot", "--sample", "50", "--coders", "ann,bob")
    result = cli.fails("search", "visas", "--code", "linkage", coder="ann")
    assert "open round 'pilot'" in result.output
    cli.ok("search", "visas", "--code", "linkage", "--coder", "ann", coder="ann")
    cli.ok("search", "visas", coder="ann")  # the text alone shows nobody's codings


def test_user_text_in_results_is_not_terminal_control(cli, project: Path) -> None:
    (project / "cases" / "beta" / "evil.txt").write_text(
        "Visas \x1b]0;PWNED\x07 and [bold red]markup[/] here.\n", encoding="utf-8")
    cli.ok("import")
    out = cli.ok("search", "markup").output
    assert "\x1b" not in out and "\x07" not in out and "[bold red]" in out


def _one_excerpt(conn: sqlite3.Connection) -> None:
    """One case, one document and one excerpt, written straight into an older schema."""
    conn.execute("INSERT INTO cases (id, name) VALUES ('alpha', 'Alpha')")
    conn.execute("INSERT INTO documents (id, case_id, stem, text) VALUES (1, 'alpha', 't', '')")
    conn.execute('INSERT INTO excerpts (identity, document_id, n, start, "end", text) '
                 "VALUES ('i1', 1, 1, 0, 20, 'Remittances grew fast')")


def test_migration_indexes_excerpts_of_an_older_database(tmp_path: Path) -> None:
    path = tmp_path / "eight.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, upto=8)
    _one_excerpt(conn)
    conn.close()
    with Store(path) as store:
        assert sql.index_size(store) == 1
        assert [m[0] for m in sql.matches(store, "remittance*")] == [1]


def test_migration_15_replaces_the_triggers_that_looked_up_a_pause(tmp_path: Path) -> None:
    path = tmp_path / "fourteen.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrate(conn, upto=14)
    assert all("search_index_deferred" in text for text in triggers(path).values())
    _one_excerpt(conn)
    conn.close()
    with Store(path) as store:
        assert sorted(triggers(path)) == sorted(sql.TRIGGERS)
        assert not any("meta" in text for text in triggers(path).values())
        with store.transaction() as conn:
            conn.execute("UPDATE excerpts SET text = 'Visas grew fast' WHERE id = 1")
        assert [m[0] for m in sql.matches(store, "visas")] == [1]
        assert sql.matches(store, "remittance*") == []
        assert store.conn.execute("SELECT v FROM excerpt_text_config WHERE k = 'hashsize'"
                                  ).fetchone() == (sql.HASH_SIZE,)
    assert in_step(path)


def test_rank_skips_best_matches_that_are_not_shown(cli, project: Path) -> None:
    """Short excerpts rank high (BM25); those of a document gone from the project stay in
    the index but are never shown, however many of them outrank the ones that are."""
    short = project / "cases" / "beta" / "short.txt"
    short.write_text("\n\n".join(f"Quota {k}." for k in range(60)) + "\n", encoding="utf-8")
    (project / "cases" / "alpha" / "quota.txt").write_text(
        "The quota for seasonal workers was raised after a long debate in parliament.\n\n"
        "A quota again, in a second and rather longer paragraph about the same quota.\n",
        encoding="utf-8")
    cli.ok("import")
    assert len(refs(cli, "quota", "--rank", "--limit", "3")) == 3
    assert refs(cli, "quota", "--rank", "--limit", "1")[0].startswith("beta/short#")
    short.unlink()
    cli.ok("import")
    assert refs(cli, "quota", "--rank", "--limit", "1") == ["alpha/quota#2"]  # quota twice
    assert refs(cli, "quota", "--rank") == ["alpha/quota#2", "alpha/quota#1"]
    data = json.loads(cli.ok("search", "quota", "--rank", "--json").output)
    assert data["excerpts"] == 2 and data["cases"] == [{"id": "alpha", "excerpts": 2}]


def test_hostile_text_is_shown_as_signs_in_the_table_and_escaped_in_json(cli, project: Path
                                                                         ) -> None:
    """ESC, BEL and ``[bold]`` in an excerpt's text, in a speaker's name (a WebVTT voice),
    in the query and in a coder name: signs or literal text in the table and in error
    lines, JSON escapes in ``--json``, the data itself unchanged."""
    (project / "cases" / "beta" / "talk.vtt").write_text(
        "WEBVTT\n\n00:00:01.000 --> 00:00:04.000\n"
        "<v [bold]Boss\x1b[2J\x07>Visas \x1b]0;PWNED\x07 and [bold red]markup[/] here.\n",
        encoding="utf-8")
    cli.ok("import")
    out = cli.ok("search", 'markup OR "here \x1b[2J"').output
    assert "\x1b" not in out and "\x07" not in out
    assert 'markup OR "here ␛[2J": 1 excerpt in 1 case (beta 1)' in out
    assert "[bold]Boss␛[2J␇" in out  # the speaker column
    assert "␛]0;PWNED␇ and [bold red][markup][/]" in out
    data = json.loads(cli.ok("search", "markup", "--json").output)
    result = data["results"][0]
    assert result["speaker"] == "[bold]Boss\x1b[2J\x07"
    assert result["hits"][0]["left"].endswith("Visas \x1b]0;PWNED\x07 and [bold red]")
    raw = cli.ok("search", "markup", "--json").output
    assert "\x1b" not in raw and "\\u001b" in raw and "\\u0007" in raw
    for args in (["mar\x1b[2J[bold]kup\nAND"], ["markup", "--code", "framing", "--coder",
                                                "[bold]ann\x1b[2J\x07"]):
        failed = cli.fails("search", *args).output
        assert "\x1b" not in failed and "\x07" not in failed and "␛[2J" in failed
        assert "[bold]" in failed and len(failed.strip().splitlines()) == 1
