"""The exchange log, against SQLite and the PostgreSQL on this machine."""

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from chatbot import StoreError
from chatbot.store import Store, exchanges, now


@pytest.fixture
def store(database_url):
    s = Store(database_url)
    assert s.connect()
    yield s
    s.dispose()


def test_answered_exchange_keeps_no_text(store):
    store.record(query_id="q1", answered=True, reason="answer", match_id="faq-surgery",
                 score=0.9, text="my private question")
    with store.engine.connect() as conn:
        row = conn.execute(select(exchanges)).one()
    assert row.text is None and row.match_id == "faq-surgery" and row.answered is True
    assert store.unanswered() == ([], 0)


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
    assert store.stats() == {"total": 2, "answered": 1, "unanswered": 1, "helpful": 1,
                             "not_helpful": 0}


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
    with pytest.raises(StoreError):
        s.record(query_id="x", answered=False, reason="no_match", text="t")
    with pytest.raises(StoreError):
        s.unanswered()


def test_retention_is_applied_automatically_by_writers(database_url):
    store = Store(database_url, retention_days=30)
    store.connect()
    store.record(query_id="old", answered=False, reason="no_match", text="old one")
    with store.engine.begin() as conn:
        conn.execute(update(exchanges).where(exchanges.c.id == "old")
                     .values(created_at=now() - timedelta(days=31)))
    store._last_purge = now() - Store.PURGE_EVERY - timedelta(seconds=1)
    store.record(query_id="new", answered=False, reason="no_match", text="new one")
    assert [i["id"] for i in store.unanswered()[0]] == ["new"]
    store.dispose()
