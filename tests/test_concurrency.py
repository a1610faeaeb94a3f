"""Two real processes on one database: nothing lost, clear 'locked' errors, durable writes."""

from __future__ import annotations

import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from qcoder.coding import Coding
from qcoder.errors import StoreError
from qcoder.store.database import Store

PARAGRAPHS = 120
CODES = ("framing-security", "linkage-visa")

WRITER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from qcoder.coding import Coding
    from qcoder.store.database import Store

    db, coder, go = sys.argv[1], sys.argv[2], Path(sys.argv[3])
    store = Store(db)
    coding = Coding(store, store.codebook(), coder)
    ids = sorted(store.excerpt_ids_by_ref().values())
    deadline = time.monotonic() + 30
    while not go.exists() and time.monotonic() < deadline:
        time.sleep(0.005)
    for excerpt_id in ids:
        for code in sys.argv[4:]:
            coding.apply(excerpt_id, code)
    print(len(ids))
""")


@pytest.fixture
def big_store(cli, project: Path):
    """The tiny project plus one long document, imported."""
    body = "\n\n".join(f"Paragraph {i} about returns and visas." for i in range(PARAGRAPHS))
    (project / "cases" / "alpha" / "long.txt").write_text(body, encoding="utf-8")
    cli.ok("import")
    with Store(cli.db) as store:
        yield store


def test_two_writers_lose_nothing(big_store: Store, tmp_path: Path) -> None:
    go = tmp_path / "go"
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(big_store.path), coder,
                               str(go), *CODES], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
             for coder in ("ann", "bob")]
    go.touch()
    results = [p.communicate(timeout=120) for p in procs]
    for proc, (_, err) in zip(procs, results, strict=True):
        assert proc.returncode == 0, err
    excerpts = int(results[0][0])
    assert excerpts == big_store.counts()["excerpts"] >= PARAGRAPHS
    per_coder = dict(big_store.query("SELECT coder, COUNT(*) FROM codings GROUP BY coder"))
    assert per_coder == {"ann": excerpts * len(CODES), "bob": excerpts * len(CODES)}
    reviews = dict(big_store.query("SELECT coder, COUNT(*) FROM reviews GROUP BY coder"))
    assert reviews == {"ann": excerpts, "bob": excerpts}
    adds = dict(big_store.query(
        "SELECT coder, COUNT(*) FROM events WHERE kind = 'add' GROUP BY coder"))
    assert adds == per_coder
    actions = big_store.query("SELECT COUNT(DISTINCT action_id) FROM events")[0][0]
    assert actions == 2 * excerpts * len(CODES)


def test_a_writer_holding_the_lock_too_long_gives_a_clear_error(big_store: Store) -> None:
    blocker = sqlite3.connect(big_store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        with Store(big_store.path, timeout=0.2) as store:
            coding = Coding(store, store.codebook(), "ann")
            excerpt = next(iter(store.excerpt_ids_by_ref().values()))
            with pytest.raises(StoreError) as err:
                coding.apply(excerpt, "framing-security")
            message = str(err.value)
            assert "locked" in message and str(big_store.path) in message
            assert "\n" not in message
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert big_store.scalar("SELECT COUNT(*) FROM codings") == 0


KILLED = textwrap.dedent("""
    import sys, time
    from qcoder.coding import Coding
    from qcoder.store.database import Store

    store = Store(sys.argv[1])
    coding = Coding(store, store.codebook(), "ann")
    excerpt = store.excerpt_ids_by_ref()[sys.argv[2]]
    coding.apply(excerpt, "linkage-visa", memo="before the crash")
    print("applied", flush=True)
    time.sleep(60)
""")


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_a_coding_is_on_disk_when_apply_returns(big_store: Store) -> None:
    ref = "alpha/interview-1#4"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(big_store.path), ref],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    try:
        assert proc.stdout.readline().strip() == "applied", proc.stderr.read()
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.stdout.close()
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL
    with Store(big_store.path) as store:
        excerpt = store.excerpt_by_ref(ref)
        assert store.codes_of(excerpt.id, "ann") == {"linkage-visa": "before the crash"}
        assert store.is_reviewed(excerpt.id, "ann")


def test_the_cli_reports_a_lock_in_one_line_and_writes_nothing(cli, big_store: Store,
                                                               tmp_path: Path,
                                                               monkeypatch) -> None:
    import qcoder.store.database

    monkeypatch.setattr(qcoder.store.database, "Store", lambda path: Store(path, timeout=0.2))
    rows = tmp_path / "c.csv"
    rows.write_text("excerpt,code,coder\nalpha/notes#1,framing,ann\n", encoding="utf-8")
    blocker = sqlite3.connect(big_store.path, isolation_level=None)
    blocker.execute("BEGIN IMMEDIATE")
    try:
        result = cli.fails("codings", "import", str(rows))
        assert "database is locked" in result.output and "try again" in result.output
        assert len(result.output.strip().splitlines()) == 1
        assert "locked" in cli.fails("import").output
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
    assert big_store.scalar("SELECT COUNT(*) FROM codings") == 0
    cli.ok("codings", "import", str(rows))
    assert big_store.scalar("SELECT COUNT(*) FROM codings") == 1
