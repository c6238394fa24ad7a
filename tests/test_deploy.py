"""The deployment recipe (docs/deploy.md), run on this machine as it is shipped.

Two `chatbot serve` instances with their own journals, one PostgreSQL schema, Redis for the
rate limits, and Debian's nginx in front running deploy/nginx/chatbot.conf over HTTPS. Load
goes through nginx while one instance is killed (SIGKILL, master and workers) and restarted.
The claim checked, "every row stored once", made precise:
- every reply a client received is in the database exactly once (its query_id);
- clients see no error: nginx passes what the dead instance dropped to the other one;
- no row exists that no client received: a request nginx passed to both instances (the dead
  one may have journaled it before dying) has one query_id, nginx's X-Request-ID
  (docs/deploy.md, "How nginx retries").
"""

from __future__ import annotations

import http.client
import json
import re
import shutil
import socket
import sqlite3
import subprocess
import sys
import threading
import uuid
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from chatbot import config
from cluster import Client, Nginx, instance_port, kill, nginx_binary
from conftest import (
    DEV_SET,
    REDIS_URL,
    ROOT,
    service_missing,
    start_server,
    stop_server,
    wait_for,
)
from proxy import Proxy

DEPLOY = ROOT / "deploy"
CLIENTS = 4
CHATS = 300          # in all, from CLIENTS threads; the kill comes after KILL_AFTER of them
KILL_AFTER = 100


def questions() -> list[str]:
    lines = DEV_SET.read_text(encoding="utf-8").splitlines()
    return [json.loads(line)["query"] for line in lines if line.strip()]


def redis_ready() -> None:
    try:
        import redis

        client = redis.Redis.from_url(REDIS_URL, socket_timeout=2)
        client.flushdb()   # database 15: the tests' own
    except Exception as exc:  # noqa: BLE001 - any failure means "no Redis here"
        service_missing("Redis", str(exc))


def stored(url: str) -> dict[str, bool | None]:
    """query_id -> helpful of every logged exchange (the primary key makes each id unique)."""
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return dict(conn.execute(text("SELECT id, helpful FROM exchanges")).all())
    finally:
        engine.dispose()


def drained(*servers) -> bool:
    return all(s.request("GET", "/api/v1/health").json()["pending_log_rows"] == 0
               for s in servers)


def vote_tries(server, query_id: str) -> int:
    """How often the instance's writer looked for the exchange of its vote on `query_id`."""
    with sqlite3.connect(server.env["CHATBOT_JOURNAL_PATH"]) as conn:
        row = conn.execute("SELECT max(tries) FROM entries WHERE kind = 'feedback' AND "
                           "query_id = ?", (query_id,)).fetchone()
    return row[0] or 0


def journal_pending(path: str) -> int:
    with sqlite3.connect(path) as conn:
        return conn.execute("SELECT count(*) FROM entries WHERE done IS NULL").fetchone()[0]


@pytest.fixture
def instance_settings(tmp_path, postgres_url):
    redis_ready()
    if nginx_binary() is None:
        service_missing("nginx", "not installed (apt-get install nginx)")
    # Short database deadline only to keep a failing run quick; a high rate limit because
    # every request comes from 127.0.0.1.
    return {"DATABASE_URL": postgres_url, "RATE_LIMIT_STORAGE": REDIS_URL,
            "TRUSTED_PROXIES": "1", "RATE_LIMIT": "100000/hour", "DATABASE_TIMEOUT": "2"}


def notify_socket(tmp_path: Path) -> tuple[socket.socket, str]:
    """A socket standing in for systemd's: `Type=notify` needs READY=1 from the server."""
    path = str(tmp_path / "notify.sock")
    sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
    sock.bind(path)
    sock.settimeout(0)
    return sock, path


def test_two_instances_behind_nginx_keep_every_reply_once_when_one_dies(
        tmp_path, instance_settings, postgres_url, monkeypatch):
    sock, path = notify_socket(tmp_path)
    monkeypatch.setenv("NOTIFY_SOCKET", path)
    a = start_server(tmp_path / "a", workers=2, **instance_settings)
    monkeypatch.delenv("NOTIFY_SOCKET")
    # deploy/systemd/chatbot@.service is Type=notify: systemd waits for this.
    assert b"READY=1" in sock.recv(4096)
    sock.close()
    b = start_server(tmp_path / "b", workers=2, **instance_settings)
    nginx = Nginx(tmp_path / "nginx", [instance_port(a), instance_port(b)])
    try:
        received = _check_the_front(nginx)
        _load_with_a_kill(tmp_path, nginx, a, b, instance_settings, postgres_url, received)
    finally:
        nginx.stop()
        for server in (a, b):
            if server.process.poll() is None:
                stop_server(server)


def _check_the_front(nginx: Nginx) -> list[str]:
    """Check redirect, HSTS, shared rate limits and JSON errors; return the replies' ids."""
    client = nginx.client()
    # Plain HTTP only redirects (and serves certbot's challenges).
    with socket.create_connection(("127.0.0.1", nginx.http_port)) as plain:
        plain.sendall(b"GET /api/v1/health HTTP/1.1\r\nHost: bot.clinic.example\r\n"
                      b"Connection: close\r\n\r\n")
        head = plain.recv(4096).decode()
    assert head.startswith("HTTP/1.1 301")
    assert "Location: https://bot.clinic.example/api/v1/health" in head
    status, headers, _ = client.request("GET", "/api/v1/health")
    assert status == 200 and headers["Strict-Transport-Security"] == "max-age=31536000"
    # One budget per visitor, whichever instance answers, and a forged X-Forwarded-For
    # does not buy a fresh one: nginx replaces it with the visitor's address.
    remaining, received = [], []
    for i in range(6):
        status, headers, body = client.request("POST", "/api/v1/chat", {"message": "hello"},
                                               {"X-Forwarded-For": f"203.0.113.{i}"})
        assert status == 200
        remaining.append(int(headers["X-RateLimit-Remaining"]))
        received.append(json.loads(body)["query_id"])
    assert remaining == list(range(remaining[0], remaining[0] - 6, -1)), remaining
    upstreams = {m.group(1) for line in nginx.access_log()
                 if (m := re.search(r"upstream=([\d.]+:\d+)", line))}
    assert len(upstreams) == 2, upstreams    # both instances answered
    # The 413 for a too-large body is the app's own JSON, not nginx's page.
    status, _, body = client.request("POST", "/api/v1/chat", {"message": "x" * 70_000})
    assert status == 413 and b"payload_too_large" in body
    client.close()
    return received


def _load_with_a_kill(tmp_path, nginx, a, b, settings, postgres_url, received) -> None:
    pool = questions()
    errors: list[str] = []
    lock = threading.Lock()
    done = threading.Semaphore(0)
    run = uuid.uuid4().hex[:8]

    def visitor(n: int) -> None:
        client = nginx.client()
        for i in range(CHATS // CLIENTS):
            message = f"{pool[(n * 97 + i) % len(pool)]} ({run}-{n}-{i})"   # unique
            try:
                status, _, body = client.request("POST", "/api/v1/chat", {"message": message})
            except (OSError, http.client.HTTPException) as exc:
                with lock:
                    errors.append(repr(exc))
                continue
            finally:
                done.release()
            with lock:
                if status == 200:
                    received.append(json.loads(body)["query_id"])
                else:
                    errors.append(f"{status} {body[:200]!r}")
        client.close()

    threads = [threading.Thread(target=visitor, args=(n,)) for n in range(CLIENTS)]
    for thread in threads:
        thread.start()
    for _ in range(KILL_AFTER):
        done.acquire()
    kill(a.process)
    left_in_journal = journal_pending(a.env["CHATBOT_JOURNAL_PATH"])
    # The health check names the dead instance, and only it.
    check = subprocess.run([sys.executable, str(DEPLOY / "check_health.py"), "--window", "0",
                            a.url, b.url], capture_output=True, text=True, timeout=30)
    assert check.returncode == 2, check.stdout
    assert f"{a.url}: unreachable" in check.stdout and f"{b.url}: ok" in check.stdout
    for thread in threads:
        thread.join()

    restarted = start_server(tmp_path / "a", workers=2, port=instance_port(a),
                             **settings)
    try:
        wait_for(lambda: drained(restarted, b), 20, "both journals drained")
        rows = stored(postgres_url)
    finally:
        stop_server(restarted)
    log = nginx.access_log()
    retried = sum(1 for line in log if "/api/v1/chat" in line and "upstream=" in line
                  and ", " in line.split("upstream=", 1)[1])
    orphans = set(rows) - set(received)
    report = (f"{len(received)} replies received, {len(rows)} rows stored, "
              f"{len(set(received) - set(rows))} missing, {len(orphans)} not received, "
              f"{retried} chats retried on the other instance, {len(errors)} client errors, "
              f"{left_in_journal} left in the killed instance's journal")
    print(report)
    assert not errors, (report, errors[:5])
    assert len(received) == CHATS + 6 and len(set(received)) == len(received), report
    assert set(received) <= set(rows), report           # each once: the id is the key
    assert not orphans, report


def test_feedback_reaches_a_reply_still_in_another_instances_journal(tmp_path,
                                                                     postgres_url):
    proxy = Proxy(("127.0.0.1", 5432))
    through = postgres_url.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
    settings = {"RATE_LIMIT": "1000/minute", "DATABASE_TIMEOUT": "1"}
    a = start_server(tmp_path / "a", DATABASE_URL=through, **settings)
    b = start_server(tmp_path / "b", DATABASE_URL=postgres_url, **settings)
    try:
        proxy.cut()    # a's rows stay in a's journal
        query_id = a.chat("is it dangerous?").json()["query_id"]
        vote = b.request("POST", "/api/v1/feedback",
                         json_body={"query_id": query_id, "helpful": False})
        assert vote.status == 202 and vote.json() == {"ok": True}
        wait_for(lambda: vote_tries(b, query_id) >= 1, 5, "b looked for the row, in vain")
        assert query_id not in stored(postgres_url)
        proxy.restore()
        wait_for(lambda: stored(postgres_url).get(query_id) is False, 15, "the vote applied")
    finally:
        proxy.close()
        stop_server(a)
        stop_server(b)


def test_an_answer_leaves_whole_in_one_send(tmp_path, monkeypatch):
    # A worker killed between the header and the body would leave nginx a half answer, too
    # late to pass the request to the other instance: header and body go out together.
    from waitress import wasyncore
    from waitress.adjustments import Adjustments
    from waitress.task import ThreadedTaskDispatcher

    from chatbot import server
    from chatbot.app import create_app

    monkeypatch.setenv("CHATBOT_DATABASE_URL", f"sqlite:///{tmp_path / 'log.sqlite3'}")
    monkeypatch.setenv("CHATBOT_JOURNAL_PATH", str(tmp_path / "journal.sqlite3"))
    app = create_app({"RATE_LIMIT": "1000/minute"})
    sends: list[bytes] = []
    real_send = server._Channel.send
    monkeypatch.setattr(server._Channel, "send",
                        lambda channel, data, **kw: sends.append(bytes(data))
                        or real_send(channel, data, **kw))
    listener = socket.create_server(("127.0.0.1", 0))
    socket_map: dict = {}
    dispatcher = ThreadedTaskDispatcher()
    dispatcher.set_thread_count(2)
    server._HttpServer(app, socket_map, True, listener, dispatcher=dispatcher,
                       adj=Adjustments(threads=2, asyncore_use_poll=True), bind_socket=False,
                       sockinfo=(listener.family, listener.type, 0, None))
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            wasyncore.loop(0.05, map=socket_map, use_poll=True, count=1)

    loop = threading.Thread(target=serve)
    loop.start()
    try:
        client = Client(listener.getsockname()[1])
        for i in range(10):
            status, _, body = client.request("POST", "/api/v1/chat", {"message": f"pain {i}"})
            assert status == 200 and b'"query_id"' in body
        client.close()
    finally:
        stop.set()
        loop.join()
        dispatcher.shutdown()
        wasyncore.close_all(socket_map)
    answers = [data for data in sends if data.startswith(b"HTTP/1.1 200")]
    assert len(answers) == 10 and all(b'"query_id"' in data for data in answers)


def test_systemd_units_verify(tmp_path):
    if shutil.which("systemd-analyze") is None:
        service_missing("systemd-analyze", "not installed (apt-get install systemd)")
    venv = Path(sys.executable).parent
    units = tmp_path / "units"
    units.mkdir()
    for unit in (DEPLOY / "systemd").glob("chatbot*.[st]*"):
        body = unit.read_text()
        # The recipe's paths, as installed under /opt/chatbot, point at this checkout here.
        body = body.replace("/opt/chatbot/.venv/bin/", f"{venv}/")
        name = unit.name.replace("@.", "@8001.")
        (units / name).write_text(body)
    names = sorted(str(p) for p in units.iterdir())
    assert len(names) == 3, names
    result = subprocess.run(["systemd-analyze", "verify", *names], capture_output=True,
                            text=True, timeout=60)
    # verify only warns about many mistakes (an unknown Type=, a bad path): no output at all.
    assert result.returncode == 0 and not (result.stdout + result.stderr).strip(), \
        result.stdout + result.stderr


def test_environment_file_names_only_real_settings():
    names = re.findall(r"^(?:#\s*)?(CHATBOT_\w+)=", (DEPLOY / "systemd" / "chatbot.env")
                       .read_text(), flags=re.M)
    assert names
    known = {s.env for s in config.SETTINGS}
    assert not set(names) - known, set(names) - known
