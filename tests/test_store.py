"""The exchange log, against SQLite and the PostgreSQL on this machine."""

import sqlite3
import subprocess
import sys
import time
from datetime import timedelta

import pytest
from sqlalchemy import select, update

from chatbot import StoreError, StoreUnavailable
from chatbot.store import BASELINE, Entry, Store, _head, exchange_entry, exchanges, metadata, now
from conftest import ROOT


@pytest.fixture
def store(database_url):
    s = Store(database_url)
    assert s.connect()
    yield s
    s.dispose()


def _age(store, query_id, **delta):
    with store.engine.begin() as conn:
        conn.execute(update(exchanges).where(exchanges.c.id == query_id)
                     .values(created_at=now() - timedelta(**delta)))


def test_an_answer_keeps_its_text_only_while_a_vote_may_need_it(store):
    store.record(query_id="q1", answered=True, reason="answer", match_id="faq-surgery",
                 score=0.9, text="my private question", lang="en", weak=False)
    store.record(query_id="q2", answered=True, reason="answer", match_id="faq-surgery",
                 score=0.9, text="voted down", lang="en", weak=False)
    store.record(query_id="q3", answered=True, reason="answer", match_id="clinic-contact",
                 score=0.4, text="how much is it", lang="en", weak=True)
    store.record(query_id="q4", answered=False, reason="no_match", text="parking?",
                 lang="en")
    assert store.feedback("q2", False, "not what I asked") is True
    store.purge(90)   # within HOLD: nothing erased yet
    assert {r["id"] for r in store.review()} == {"q2", "q3", "q4"}
    for query_id in ("q1", "q2", "q3", "q4"):
        _age(store, query_id, days=1, minutes=1)
    store.purge(90)
    with store.engine.connect() as conn:
        rows = {r.id: r for r in conn.execute(select(exchanges))}
    assert rows["q1"].text is None                                  # nobody needs it
    assert rows["q1"].match_id == "faq-surgery" and rows["q1"].answered is True
    assert (rows["q2"].text, rows["q2"].comment) == \
        ("voted down", "not what I asked")                          # the vote keeps it
    assert rows["q3"].text == "how much is it"                      # a weak answer too
    assert rows["q4"].text == "parking?"
    kinds = {r["id"]: r["kind"] for r in store.review()}
    assert kinds == {"q2": "not_helpful", "q3": "weak_answer", "q4": "unanswered"}
    assert store.unanswered()[1] == 1
    # A second vote replaces the first, comment included.
    assert store.feedback("q2", True) is True
    with store.engine.connect() as conn:
        row = conn.execute(select(exchanges).where(exchanges.c.id == "q2")).one()
    assert row.helpful is True and row.comment is None
    assert store.dismiss(["q3", "q4"]) == 2 and store.review() == []


def test_stats_per_day_language_and_entry(store):
    for i, (answered, lang, match, days) in enumerate([
            (True, "en", "faq-surgery", 0), (True, "tr", "faq-surgery", 0),
            (False, "en", None, 0), (True, "en", "faq-causes", 2), (True, "en", "x", 40)]):
        store.record(query_id=f"s{i}", answered=answered, reason="answer" if answered
                     else "no_match", match_id=match, score=0.8 if answered else None,
                     text="t", lang=lang)
        _age(store, f"s{i}", days=days)
    assert store.feedback("s0", True) and store.feedback("s1", False)
    figures = store.stats(7)
    assert (figures["messages"], figures["answered"], figures["unanswered"]) == (4, 3, 1)
    assert (figures["helpful"], figures["not_helpful"], figures["answer_rate"]) == (1, 1, 0.75)
    assert figures["top_entries"] == [{"id": "faq-surgery", "count": 2},
                                      {"id": "faq-causes", "count": 1}]
    assert figures["languages"] == {"en": 3, "tr": 1}
    assert len(figures["per_day"]) == 7
    assert figures["per_day"][-1] == {"date": now().date().isoformat(), "messages": 3,
                                      "answered": 2}
    assert figures["per_day"][-3]["messages"] == 1 and figures["per_day"][0]["messages"] == 0
    assert store.stats(1)["messages"] == 3 and store.stats(60)["messages"] == 5


def test_unanswered_rows_newest_first_and_repeats_kept(store):
    for i, text in enumerate(["parking?", "price?", "parking?"]):
        store.record(query_id=f"q{i}", answered=False, reason="no_match", text=text,
                     best_id="clinic-contact", best_score=0.2)
    items, total = store.unanswered(limit=2)
    assert total == 3
    assert [i["id"] for i in items] == ["q2", "q1"]
    assert items[0]["text"] == "parking?" and items[0]["best_id"] == "clinic-contact"
    assert store.unanswered(limit=2, offset=2)[0][0]["id"] == "q0"


def test_feedback_and_stats(store):
    store.record(query_id="a", answered=True, reason="answer", match_id="faq-chronic", score=0.7)
    store.record(query_id="b", answered=False, reason="no_match", text="x")
    assert store.feedback("a", True) is True
    assert store.feedback("missing", False) is False
    figures = store.stats()
    assert (figures["messages"], figures["answered"], figures["unanswered"],
            figures["helpful"], figures["not_helpful"]) == (2, 1, 1, 1, 0)


def test_purge_removes_only_old_rows(store):
    store.record(query_id="old", answered=False, reason="no_match", text="old one")
    store.record(query_id="new", answered=False, reason="no_match", text="new one")
    with store.engine.begin() as conn:
        conn.execute(update(exchanges).where(exchanges.c.id == "old")
                     .values(created_at=now() - timedelta(days=100)))
    assert store.purge(90) == 1
    assert [i["id"] for i in store.unanswered()[0]] == ["new"]


def test_unreachable_database_raises_store_error_not_crash():
    s = Store("postgresql+psycopg://postgres@127.0.0.1:9/none")
    assert s.connect() is False
    with pytest.raises(StoreUnavailable):
        s.record(query_id="x", answered=False, reason="no_match", text="t")
    with pytest.raises(StoreError):
        s.unanswered()


def test_retention_is_applied_by_the_writer_at_most_hourly(database_url):
    store = Store(database_url, retention_days=30)
    store.record(query_id="old", answered=False, reason="no_match", text="old one",
                 created_at=now() - timedelta(days=31))
    store.record(query_id="new", answered=False, reason="no_match", text="new one")
    assert store.purge_if_due() == 1
    store.record(query_id="old2", answered=False, reason="no_match", text="old again",
                 created_at=now() - timedelta(days=31))
    assert store.purge_if_due() == 0          # not an hour yet
    store._last_purge = now() - Store.PURGE_EVERY - timedelta(seconds=1)
    assert store.purge_if_due() == 1
    assert [i["id"] for i in store.unanswered()[0]] == ["new"]
    store.dispose()


def test_writes_are_idempotent_and_applied_in_order(store):
    batch = [exchange_entry("q1", answered=True, reason="answer", match_id="faq-surgery",
                            score=0.9),
             Entry("feedback", "q1", {"helpful": False}),
             Entry("feedback", "q1", {"helpful": True}),
             Entry("feedback", "unknown", {"helpful": True})]
    assert store.write(batch) == [True, True, True, False]
    # A replay (the commit went through, its acknowledgement did not) stores nothing twice.
    assert store.write(batch) == [True, True, True, False]
    figures = store.stats()
    assert (figures["messages"], figures["answered"], figures["helpful"]) == (1, 1, 1)
    assert store.exists("q1") and not store.exists("unknown")


def test_migrations_build_the_models_schema_on_an_empty_database(database_url):
    from alembic.autogenerate import compare_metadata
    from alembic.runtime.migration import MigrationContext

    store = Store(database_url)
    assert store.revision() is None
    assert store.migrate() == _head() and store.revision() == _head() != BASELINE
    assert store.migrate() == _head()           # a second run changes nothing
    with store.engine.connect() as conn:
        assert compare_metadata(MigrationContext.configure(conn), metadata) == []
    store.dispose()


def test_a_database_made_before_migrations_is_adopted(database_url):
    from sqlalchemy import MetaData, Table

    store = Store(database_url)
    # How the schema was made before Alembic: create_all of the table as it was then (0001).
    before = MetaData()
    Table("exchanges", before, *(c._copy() for c in exchanges.columns
                                 if c.name not in ("lang", "weak", "comment",
                                                   "dismissed_at")))
    before.create_all(store.engine)
    store.engine.dispose()
    with store.engine.begin() as conn:
        conn.execute(before.tables["exchanges"].insert().values(
            id="kept", created_at=now(), answered=False, reason="no_match", text="older row"))
    assert store.migrate() == _head()
    assert store.unanswered()[1] == 1 and store.review()[0]["kind"] == "unanswered"
    store.dispose()


def test_many_processes_creating_the_schema_at_once(database_url):
    # Each process imports, says "ready", and migrates when told: all of them at one moment.
    script = ("import sys; from chatbot.store import Store; s = Store(sys.argv[1]); "
              "print('ready', flush=True); sys.stdin.readline(); print(s.migrate())")
    processes = [subprocess.Popen([sys.executable, "-c", script, database_url], cwd=ROOT,
                                  stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                  stderr=subprocess.PIPE, text=True) for _ in range(4)]
    for p in processes:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
    for p in processes:
        p.stdin.write("go\n")
        p.stdin.flush()
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0] * 4, [err for _, err in outputs]
    assert {out.strip() for out, _ in outputs} == {_head()}
    store = Store(database_url)
    store.record(query_id="q", answered=False, reason="no_match", text="works")
    assert store.unanswered()[1] == 1
    store.dispose()


def test_a_frozen_postgresql_costs_a_call_its_deadline_not_a_hang(postgres_url):
    from proxy import Proxy

    proxy = Proxy(("127.0.0.1", 5432))
    store = Store(postgres_url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/"),
                  timeout=1)
    try:
        store.record(query_id="q", answered=False, reason="no_match", text="before")
        proxy.freeze()
        # The pooled connection hangs mid-call, then a new one hangs while connecting.
        for call in (store.stats, lambda: store.record(
                query_id="r", answered=False, reason="no_match", text="during")):
            started = time.monotonic()
            with pytest.raises(StoreUnavailable):
                call()
            assert time.monotonic() - started < 3.0
        proxy.restore()
        assert store.ping() is True and store.unanswered()[1] == 1
    finally:
        proxy.close()
        store.dispose()


def test_a_locked_sqlite_is_unavailable_within_the_timeout(sqlite_url, tmp_path):
    store = Store(sqlite_url, timeout=0.5)
    store.migrate()
    holder = sqlite3.connect(tmp_path / "log.sqlite3", isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        started = time.monotonic()
        with pytest.raises(StoreUnavailable):
            store.record(query_id="q", answered=False, reason="no_match", text="locked out")
        assert time.monotonic() - started < 2.0
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    store.record(query_id="q", answered=False, reason="no_match", text="in now")
    assert store.unanswered()[1] == 1
