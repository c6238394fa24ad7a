"""The journal in process: spool, replay, ordering of votes, bounds; real SQLite and PostgreSQL."""

from __future__ import annotations

import json
import sqlite3
import time

import pytest

from chatbot import journal as journal_module
from chatbot.journal import Journal
from chatbot.store import Entry, Store, exchange_entry

DOWN = "postgresql+psycopg://postgres@127.0.0.1:9/none"   # nothing listens on port 9


@pytest.fixture
def spool_path(tmp_path):
    return tmp_path / "journal.sqlite3"


def wait_for(predicate, timeout=10.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    raise AssertionError("condition not met in time")


def on_disk(spool_path) -> int:
    """Entries a process started now would find: pending in the spool or in an inbox file."""
    spool = journal_module.Spool(spool_path, max_rows=100)
    conn = spool.connect()
    try:
        return spool.pending_count(conn, waiting_votes=True) + spool.untaken(
            conn, journal_module.inboxes(spool_path.with_name(spool_path.name + ".inbox")))
    finally:
        conn.close()


def spooled(spool_path) -> list[tuple]:
    with sqlite3.connect(spool_path) as conn:
        return conn.execute("SELECT kind, query_id, done IS NULL, failed FROM entries "
                            "ORDER BY seq").fetchall()


def test_entries_kept_while_down_are_replayed_once_by_the_next_run(database_url, spool_path):
    first = Journal(Store(DOWN, timeout=1), spool_path, max_rows=100)
    for i in range(5):
        first.log_exchange(f"q{i}", answered=False, reason="no_match", text=f"question {i}")
    first.log_feedback("q1", True)
    assert first.status()["pending"] == 6
    first.stop()

    store = Store(database_url)
    # The commit of q0 went through before, its acknowledgement did not: it is replayed too.
    store.write([exchange_entry("q0", answered=False, reason="no_match", text="question 0")])
    second = Journal(store, spool_path, max_rows=100)
    assert second.drain() == 0
    items, total = store.unanswered(limit=10)
    assert total == 5 and sorted(i["id"] for i in items) == [f"q{i}" for i in range(5)]
    assert store.stats()["helpful"] == 1
    # Written entries keep only their id (for feedback), not the visitor's text.
    with sqlite3.connect(spool_path) as conn:
        assert conn.execute("SELECT count(*) FROM entries WHERE payload IS NOT NULL"
                            ).fetchone()[0] == 0


def test_a_vote_waits_for_its_exchange_then_is_given_up(sqlite_url, spool_path, monkeypatch):
    monkeypatch.setattr(journal_module, "VOTE_BACKOFF", (0.05, 0.1))
    monkeypatch.setattr(journal_module, "VOTE_TRIES", 4)
    store = Store(sqlite_url)
    journal = Journal(store, spool_path, max_rows=100)
    conn = journal.spool.connect()
    # A vote can come before its exchange: appended after it here (a slow disk), or taken by
    # this instance while the reply is in another instance's journal.
    journal.spool.append(conn, [Entry("feedback", "late", {"helpful": False}),
                                Entry("feedback", "elsewhere", {"helpful": False}),
                                Entry("feedback", "nobody", {"helpful": True})])
    # None applies yet. They wait for a reply, not for the database: health does not count
    # them as pending (a vote on an id no reply gave would hold that up for minutes).
    assert journal.drain() == 0
    assert [row[2] for row in spooled(spool_path)] == [1, 1, 1]
    journal.spool.append(conn, [Entry("feedback", "late", {"helpful": True}),
                                exchange_entry("late", answered=True, reason="answer",
                                               match_id="faq-surgery", score=0.9)])
    store.write([exchange_entry("elsewhere", answered=True, reason="answer")])  # the other's
    wait_for(lambda: journal.drain(timeout=0.2) == 0
             and not any(row[2] for row in spooled(spool_path)))
    figures = store.stats()
    assert (figures["messages"], figures["answered"], figures["unanswered"], figures["helpful"],
            figures["not_helpful"]) == (2, 2, 0, 1, 1)
    # The vote no reply ever matched is given up, kept for a look, and not counted as a loss.
    assert ("feedback", "nobody", 0, "no_such_reply") in spooled(spool_path)
    assert journal.status()["dropped"] == 0
    conn.close()


def test_a_journal_left_by_the_previous_version_is_upgraded_and_replayed(sqlite_url,
                                                                        spool_path):
    with sqlite3.connect(spool_path) as old:
        old.executescript("""
            CREATE TABLE entries (seq INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL,
                query_id TEXT NOT NULL, payload TEXT, added REAL NOT NULL, done REAL,
                failed TEXT);
            CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);""")
        entry = exchange_entry("q1", answered=False, reason="no_match", text="left over")
        old.execute("INSERT INTO entries (kind, query_id, payload, added) VALUES (?, ?, ?, ?)",
                    (entry.kind, entry.query_id, json.dumps(entry.payload), time.time()))
    store = Store(sqlite_url)
    assert Journal(store, spool_path, max_rows=100).drain() == 0
    assert [i["id"] for i in store.unanswered()[0]] == ["q1"]


def test_an_entry_the_database_rejects_is_set_aside_not_retried_forever(database_url,
                                                                      spool_path):
    store = Store(database_url)
    journal = Journal(store, spool_path, max_rows=100)
    conn = journal.spool.connect()
    bad = exchange_entry("bad", answered=False, reason="no_match", text="x")
    bad = Entry(bad.kind, bad.query_id, dict(bad.payload, reason=None))   # NOT NULL column
    journal.spool.append(conn, [exchange_entry("a", answered=False, reason="no_match",
                                               text="first"), bad,
                                exchange_entry("b", answered=False, reason="no_match",
                                               text="second")])
    conn.close()
    assert journal.drain() == 0
    assert sorted(i["id"] for i in store.unanswered()[0]) == ["a", "b"]
    assert journal.status()["dropped"] == 1
    assert ("exchange", "bad", 0, "IntegrityError") in spooled(spool_path)


def test_a_full_journal_refuses_new_entries_and_counts_them(spool_path):
    journal = Journal(Store(DOWN, timeout=1), spool_path, max_rows=3)
    for i in range(5):
        journal.log_exchange(f"q{i}", answered=True, reason="answer")
    status = journal.status()
    assert status["pending"] == 3 and status["dropped"] == 2
    assert [row[1] for row in spooled(spool_path)] == ["q0", "q1", "q2"]
    journal.stop()


def test_requests_wait_for_the_disk_not_for_the_database(postgres_url, spool_path):
    from proxy import Proxy

    proxy = Proxy(("127.0.0.1", 5432))
    url = postgres_url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
    journal = Journal(Store(url, timeout=1), spool_path, max_rows=100)
    try:
        journal.log_exchange("first", answered=True, reason="answer")
        wait_for(lambda: journal.status() == {"db": "ok", "pending": 0, "dropped": 0})
        proxy.freeze()
        started = time.monotonic()
        for i in range(20):
            journal.log_exchange(f"q{i}", answered=False, reason="no_match", text="hung")
        assert time.monotonic() - started < 1.0
        # On disk already: a crash now would lose none of them.
        assert on_disk(spool_path) == 20
        wait_for(lambda: journal.status()["db"] == "down")
        assert journal.settle(timeout=5) is False      # gives up at once: the db is down
        proxy.restore()
        wait_for(lambda: journal.status()["pending"] == 0)
        assert journal.settle(timeout=1) is True
        assert Store(postgres_url).stats()["messages"] == 21
    finally:
        journal.stop()
        proxy.close()


KILLED_PROCESS = """
import os, signal, sys
from chatbot import journal
from chatbot.journal import Journal
from chatbot.store import Store
journal.POLL = 3600   # its journal thread never moves the inbox: only the file has the entries
j = Journal(Store(sys.argv[1], timeout=1), sys.argv[2], max_rows=100)
for i in range(30):
    j.log_exchange(f"k{i}", answered=False, reason="no_match", text=f"question {i}")
j.log_feedback("k3", False)
os.kill(os.getpid(), signal.SIGKILL)
"""


def test_a_killed_process_inbox_is_replayed_once_by_the_next_writer(database_url, spool_path,
                                                                    tmp_path):
    import subprocess
    import sys

    script = tmp_path / "killed.py"
    script.write_text(KILLED_PROCESS)
    # The database is down for it: its writer cannot have written anything either.
    done = subprocess.run([sys.executable, str(script), DOWN, str(spool_path)], timeout=60)
    assert done.returncode == -9
    (inbox,) = journal_module.inboxes(spool_path.with_name(spool_path.name + ".inbox"))
    assert inbox.read_bytes().count(b"\n") == 31
    assert on_disk(spool_path) == 31

    store = Store(database_url)
    journal = Journal(store, spool_path, max_rows=100)
    assert journal.drain() == 0
    items, total = store.unanswered(limit=50)
    assert total == 30 and sorted(i["id"] for i in items) == sorted(f"k{i}" for i in range(30))
    assert store.stats()["not_helpful"] == 1
    assert not inbox.exists()
    assert journal.drain() == 0 and store.unanswered(limit=50)[1] == 30


def test_inbox_lines_are_moved_once_whoever_moves_them(spool_path):
    """The owner, a status check and a writer may move the same file at once."""
    import threading

    spool = journal_module.Spool(spool_path, max_rows=100_000)
    spool.connect().close()
    inbox = journal_module.Inbox(spool_path.with_name(spool_path.name + ".inbox"))
    writing = threading.Event()

    def write():
        for i in range(2000):
            inbox.write(journal_module._line(exchange_entry(
                f"m{i}", answered=True, reason="answer")))
        writing.set()

    def move():
        conn = spool.connect()
        while not writing.is_set():
            spool.take(conn, [inbox.path])
        spool.take(conn, [inbox.path])
        conn.close()

    threads = [threading.Thread(target=write)] + [threading.Thread(target=move)
                                                  for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    ids = [row[1] for row in spooled(spool_path)]
    assert len(ids) == 2000 and set(ids) == {f"m{i}" for i in range(2000)}
    # Each file's lines keep their order.
    assert ids == [f"m{i}" for i in range(2000)]
    inbox.close()


def test_a_full_inbox_is_replaced_and_removed_once_moved(sqlite_url, spool_path, monkeypatch):
    monkeypatch.setattr(journal_module, "INBOX_ROTATE", 2000)   # bytes: a few entries
    monkeypatch.setattr(journal_module, "POLL", 0.01)
    store = Store(sqlite_url)
    journal = Journal(store, spool_path, max_rows=1000)
    for i in range(60):
        journal.log_exchange(f"r{i}", answered=False, reason="no_match", text="x" * 50)
        time.sleep(0.005)
    assert journal.settle(timeout=10)
    journal.stop()
    assert sorted(i["id"] for i in store.unanswered(limit=100)[0]) == \
        sorted(f"r{i}" for i in range(60))
    # Every inbox was moved whole and removed, its offset forgotten.
    assert journal_module.inboxes(spool_path.with_name(spool_path.name + ".inbox")) == []
    with sqlite3.connect(spool_path) as conn:
        assert conn.execute("SELECT count(*) FROM meta WHERE key LIKE 'inbox:%'"
                            ).fetchone()[0] == 0


def test_an_inbox_goes_soon_after_its_lines_moved_even_when_idle(sqlite_url, spool_path,
                                                                 monkeypatch):
    """Its lines hold the visitor's (redacted) words: they must not linger in the file."""
    monkeypatch.setattr(journal_module, "INBOX_AGE", 0.3)
    journal = Journal(Store(sqlite_url), spool_path, max_rows=100)
    try:
        journal.log_exchange("idle", answered=False, reason="no_match", text="my knee hurts")
        folder = spool_path.with_name(spool_path.name + ".inbox")
        assert len(journal_module.inboxes(folder)) == 1
        wait_for(lambda: journal_module.inboxes(folder) == [])
        assert journal.settle(timeout=5)
        assert [i["id"] for i in Store(sqlite_url).unanswered()[0]] == ["idle"]
    finally:
        journal.stop()
