"""Faults of the log database against a live server: answers never wait, no row is lost or doubled.

PostgreSQL is the real one on this machine, reached through a loopback proxy (tests/proxy.py)
that freezes (accepts and holds bytes, like a hung proxy) or cuts connections. SQLite faults
are real too: a lock held by another connection, a file made read-only, a full disk.
"""

from __future__ import annotations

import os
import signal
import subprocess
import threading
import time
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from conftest import ADMIN_TOKEN, service_missing, start_server, stop_server, wait_for
from proxy import Proxy

ADMIN = {"Authorization": f"Bearer {ADMIN_TOKEN}"}
EMERGENCY = "i fell off my bike and the bone is sticking out of my leg"
QUESTION = "how is bone marrow edema diagnosed?"
# Short deadlines keep the tests quick; the behaviour is the same at the default 3 s.
FAST = {"DATABASE_TIMEOUT": "1", "ADMIN_TOKEN": ADMIN_TOKEN, "RATE_LIMIT": "100000/minute"}


@pytest.fixture
def proxied(postgres_url):
    """(URL through a fault proxy, direct URL) of a fresh PostgreSQL schema."""
    proxy = Proxy(("127.0.0.1", 5432))
    yield proxy, postgres_url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/"), \
        postgres_url
    proxy.close()


def timed(call, *args, **kwargs):
    started = time.monotonic()
    result = call(*args, **kwargs)
    return result, time.monotonic() - started


def health(server) -> dict:
    return server.request("GET", "/api/v1/health").json()


def stored(url: str) -> dict[str, bool | None]:
    """query_id -> helpful of every logged exchange (the primary key makes each id unique)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(text("SELECT id, helpful FROM exchanges")).all()
    finally:
        engine.dispose()
    ids = [r.id for r in rows]
    assert len(ids) == len(set(ids))
    return {r.id: r.helpful for r in rows}


def chat_ids(server, messages) -> list[str]:
    ids = []
    for message in messages:
        response = server.chat(message)
        assert response.status == 200, response.body
        ids.append(response.json()["query_id"])
    return ids


def test_frozen_postgresql_delays_no_answer_and_loses_no_row(tmp_path, proxied):
    proxy, url, direct = proxied
    server = start_server(tmp_path, DATABASE_URL=url, **FAST)
    try:
        before = chat_ids(server, ["what is bone marrow edema?"])
        wait_for(lambda: set(before) <= set(stored(direct)), 5, "the first row")
        proxy.freeze()
        issued = []
        for message in (EMERGENCY, QUESTION, "how much does the bioplasty cost?"):
            response, took = timed(server.chat, message)
            assert response.status == 200 and took < 1.0, (message, took)
            issued.append(response.json()["query_id"])
            if message == EMERGENCY:
                assert "112" in response.json()["reply"]
        state, took = timed(health, server)
        assert took < 1.0
        state = wait_for(lambda: (h := health(server))["db"] == "down" and h, 6, "db down")
        assert state["pending_log_rows"] >= 3
        # A vote on a reply the database has not seen yet is taken, and waits for it.
        vote = server.request("POST", "/api/v1/feedback",
                              json_body={"query_id": issued[1], "helpful": True})
        assert vote.status == 202
        admin, took = timed(server.request, "GET", "/api/v1/admin/stats", headers=ADMIN)
        assert admin.status == 503 and took < 5.0, took
        _, took = timed(health, server)
        assert took < 1.0

        proxy.restore()
        wait_for(lambda: health(server)["pending_log_rows"] == 0, 15, "journal drained")
        rows = stored(direct)
        assert sorted(rows) == sorted(before + issued)
        assert rows[issued[1]] is True
        assert health(server)["db"] == "ok"
    finally:
        proxy.restore()
        stop_server(server)


def test_serve_starts_and_answers_while_the_database_hangs(tmp_path, proxied):
    proxy, url, direct = proxied
    proxy.freeze()
    server, took = timed(start_server, tmp_path, DATABASE_URL=url, **FAST)
    try:
        assert took < 15, took
        assert "DOWN: answering anyway" in server.output()
        response, took = timed(server.chat, EMERGENCY)
        assert response.status == 200 and took < 1.0
        proxy.restore()
        # The schema is created by the writer once the database answers, then the row lands.
        wait_for(lambda: health(server)["pending_log_rows"] == 0, 15, "journal drained")
        assert list(stored(direct)) == [response.json()["query_id"]]
    finally:
        proxy.restore()
        stop_server(server)


def test_outage_under_load_with_two_workers_keeps_every_row_once(tmp_path, proxied):
    proxy, url, direct = proxied
    server = start_server(tmp_path, DATABASE_URL=url, workers=2, **FAST)
    issued: list[str] = []
    failures: list[int] = []
    lock = threading.Lock()
    stop = threading.Event()

    def load(n: int) -> None:
        i = 0
        while not stop.is_set() and i < 150:
            response = server.chat(f"do you sell bicycle helmets, model {n}-{i}?")
            with lock:
                if response.status == 200:
                    issued.append(response.json()["query_id"])
                else:
                    failures.append(response.status)
            i += 1
            time.sleep(0.02)

    try:
        threads = [threading.Thread(target=load, args=(n,)) for n in range(3)]
        for t in threads:
            t.start()
        time.sleep(1)
        proxy.cut()
        time.sleep(5)
        proxy.restore()
        time.sleep(1)
        stop.set()
        for t in threads:
            t.join()
        assert not failures and len(issued) >= 200, (len(issued), failures[:5])
        wait_for(lambda: health(server)["pending_log_rows"] == 0, 20, "journal drained")
        rows = stored(direct)
        assert sorted(rows) == sorted(issued)
        assert health(server)["dropped_log_rows"] == 0
    finally:
        stop.set()
        proxy.restore()
        stop_server(server)


def _children(pid: int) -> list[int]:
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        found += [int(c) for c in (task / "children").read_text().split()]
    return found


def test_journal_is_replayed_after_sigterm_and_sigkill(tmp_path, proxied):
    proxy, url, direct = proxied
    settings = dict(FAST, DATABASE_URL=url, JOURNAL_PATH=str(tmp_path / "journal.sqlite3"))
    proxy.cut()
    issued = []
    server = start_server(tmp_path, **settings)
    issued += chat_ids(server, [f"parking question {i}?" for i in range(10)])
    assert health(server)["pending_log_rows"] == 10
    stop_server(server)                       # SIGTERM: a clean exit, the database still down
    assert server.process.returncode == 0

    server = start_server(tmp_path, **settings)
    assert health(server)["pending_log_rows"] == 10
    issued += chat_ids(server, [f"lasagna question {i}?" for i in range(10)])
    wait_for(lambda: health(server)["pending_log_rows"] == 20, 2, "20 pending")
    for pid in [*_children(server.process.pid), server.process.pid]:
        os.kill(pid, signal.SIGKILL)          # a crash: no exit handler runs
    server.process.wait()

    proxy.restore()
    server = start_server(tmp_path, **settings)
    try:
        wait_for(lambda: health(server)["pending_log_rows"] == 0, 15, "journal replayed")
        assert sorted(stored(direct)) == sorted(issued)
    finally:
        stop_server(server)


def test_full_journal_answers_refuses_and_counts(tmp_path, proxied):
    proxy, url, direct = proxied
    proxy.cut()
    server = start_server(tmp_path, DATABASE_URL=url, JOURNAL_MAX_ROWS="5", **FAST)
    try:
        issued = chat_ids(server, [f"do you sell crutches {i}?" for i in range(8)])
        state = health(server)
        assert state["pending_log_rows"] == 5 and state["dropped_log_rows"] == 3
        assert "journal" in server.output() and "full" in server.output()
        proxy.restore()
        wait_for(lambda: health(server)["pending_log_rows"] == 0, 15, "journal drained")
        assert sorted(stored(direct)) == sorted(issued[:5])
        assert health(server)["dropped_log_rows"] == 3
    finally:
        stop_server(server)


# -- SQLite ---------------------------------------------------------------------------------

def sqlite_server(tmp_path, db: Path):
    server = start_server(tmp_path, DATABASE_URL=f"sqlite:///{db}", **FAST)
    first = chat_ids(server, ["what is bone marrow edema?"])
    wait_for(lambda: health(server)["pending_log_rows"] == 0, 5, "first row written")
    return server, first


def fault_then_recover(server, db: Path, start_fault, clear_fault, before: list[str]):
    start_fault()
    try:
        issued = []
        for message in (EMERGENCY, QUESTION, "is there parking at the clinic?"):
            response, took = timed(server.chat, message)
            assert response.status == 200 and took < 1.0, (message, took)
            issued.append(response.json()["query_id"])
        state = wait_for(lambda: (h := health(server))["db"] == "down" and h, 6, "db down")
        assert state["pending_log_rows"] == 3
    finally:
        clear_fault()
    wait_for(lambda: health(server)["pending_log_rows"] == 0, 15, "journal drained")
    assert sorted(stored(f"sqlite:///{db}")) == sorted(before + issued)


def test_sqlite_locked_by_another_connection(tmp_path):
    import sqlite3

    db = tmp_path / "log.sqlite3"
    server, first = sqlite_server(tmp_path, db)
    holder = sqlite3.connect(db, isolation_level=None)
    try:
        fault_then_recover(server, db, lambda: holder.execute("BEGIN EXCLUSIVE"),
                           lambda: holder.execute("ROLLBACK"), first)
    finally:
        holder.close()
        stop_server(server)


def test_sqlite_read_only(tmp_path):
    db = tmp_path / "log.sqlite3"
    server, first = sqlite_server(tmp_path, db)
    # Root writes through file modes; the immutable attribute stops even root.
    if os.geteuid() == 0:
        protect = ["chattr", "+i", str(db)]
        release = ["chattr", "-i", str(db)]
    else:
        protect, release = ["chmod", "0444", str(db)], ["chmod", "0644", str(db)]
    try:
        fault_then_recover(server, db, lambda: subprocess.run(protect, check=True),
                           lambda: subprocess.run(release, check=True), first)
    finally:
        subprocess.run(release, check=False)
        stop_server(server)


@pytest.fixture
def small_disk(tmp_path):
    """A 2 MiB tmpfs (mounting needs root)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)],
                            capture_output=True, text=True)
    if result.returncode != 0:
        service_missing("a small tmpfs (mount, as root)", result.stderr.strip())
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_sqlite_disk_full(tmp_path, small_disk):
    db = small_disk / "log.sqlite3"
    server, first = sqlite_server(tmp_path, db)
    filler = small_disk / "filler"

    def fill():
        with open(filler, "wb") as f:
            try:
                while True:
                    f.write(b"\0" * 65536)
                    f.flush()
            except OSError:
                pass

    try:
        fault_then_recover(server, db, fill, lambda: filler.unlink(), first)
    finally:
        stop_server(server)


def test_feedback_never_waits_for_the_database(tmp_path, proxied):
    proxy, url, direct = proxied
    server = start_server(tmp_path, DATABASE_URL=url, **FAST)
    try:
        (query_id,) = chat_ids(server, [QUESTION])
        wait_for(lambda: query_id in stored(direct), 5, "the row")
        proxy.freeze()
        response, took = timed(server.request, "POST", "/api/v1/feedback",
                               json_body={"query_id": query_id, "helpful": False})
        assert response.status == 202 and took < 1.0, took
        proxy.restore()
        wait_for(lambda: stored(direct)[query_id] is False, 15, "the vote applied")
    finally:
        proxy.restore()
        stop_server(server)
