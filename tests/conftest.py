"""Fixtures mirror the app factory: test settings, a temp database, a live server over real HTTP."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
FAQ = ROOT / "data" / "faq.json"
DEV_SET = ROOT / "tests" / "data" / "dev.jsonl"
POSTGRES_URL = os.environ.get("CHATBOT_TEST_POSTGRES_URL",
                              "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("CHATBOT_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")
# In CI (.ci/run) a missing service is a failure, never a silent skip.
REQUIRE_SERVICES = os.environ.get("CHATBOT_REQUIRE_SERVICES") == "1"
ADMIN_TOKEN = "test-admin-token-0123456789"  # the shortest accepted is 24 characters


def service_missing(what: str, reason: str):
    """Fail in CI, skip (with the reason) on a developer machine."""
    if REQUIRE_SERVICES:
        pytest.fail(f"{what} is required in CI but unavailable: {reason}")
    pytest.skip(f"{what} unavailable: {reason}")


@pytest.fixture(scope="session")
def bot():
    from chatbot import Chatbot

    return Chatbot.from_file(FAQ)


@pytest.fixture
def faq_copy(tmp_path):
    """Return (path, data) of a writable copy of the knowledge file."""
    path = tmp_path / "faq.json"
    shutil.copy(FAQ, path)
    return path, json.loads(path.read_text(encoding="utf-8"))


@pytest.fixture
def sqlite_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'log.sqlite3'}"


@contextmanager
def postgres_schema():
    """A PostgreSQL URL whose tables live in a fresh schema, dropped afterwards."""
    sqlalchemy = pytest.importorskip("sqlalchemy")
    schema = "t_" + uuid.uuid4().hex[:12]
    try:
        engine = sqlalchemy.create_engine(POSTGRES_URL)
        with engine.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    except Exception as exc:  # noqa: BLE001 - any failure means "no PostgreSQL here"
        service_missing("PostgreSQL", str(exc).splitlines()[0])
    try:
        yield f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    finally:
        with engine.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        engine.dispose()


@pytest.fixture
def postgres_url():
    """A PostgreSQL URL whose tables live in a fresh schema, dropped afterwards."""
    with postgres_schema() as url:
        yield url


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request, tmp_path):
    """Run a test once against SQLite and once against PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'log.sqlite3'}"
    return request.getfixturevalue("postgres_url")


def wait_for(predicate, timeout: float, what: str):
    """Poll until `predicate()` is truthy and return its value; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"not within {timeout} s: {what}")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class Response:
    status: int
    headers: dict
    body: bytes

    def json(self):
        return json.loads(self.body)


@dataclass
class LiveServer:
    """A real `chatbot serve` (gunicorn) process, called over real HTTP."""

    url: str
    env: dict
    process: subprocess.Popen
    log_path: Path | None = None

    def output(self) -> str:
        """What the server printed so far (start-up report, warnings, access log)."""
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def request(self, method: str, path: str, *, json_body=None, data: bytes | None = None,
                headers: dict | None = None) -> Response:
        headers = dict(headers or {})
        if json_body is not None:
            data = json.dumps(json_body).encode()
            headers.setdefault("Content-Type", "application/json")
        req = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(req, timeout=10) as resp:
                return Response(resp.status, dict(resp.headers), resp.read())
        except urllib.error.HTTPError as err:
            return Response(err.code, dict(err.headers), err.read())

    def logged(self, timeout: float = 10) -> None:
        """Wait until every exchange so far left the journal for the database."""
        deadline = time.monotonic() + timeout
        while self.request("GET", "/api/v1/health").json()["pending_log_rows"]:
            if time.monotonic() > deadline:
                raise AssertionError(f"exchanges still in the journal after {timeout} s")
            time.sleep(0.05)

    def chat(self, message, **extra) -> Response:
        return self.request("POST", "/api/v1/chat", json_body={"message": message, **extra})


def start_server(tmp_path: Path, *, workers: int = 1, port: int | None = None,
                 **settings) -> LiveServer:
    """Start `chatbot serve` with CHATBOT_* settings and wait until it answers.

    The same `tmp_path` and `port` start it again on its journal (a restart).
    """
    port = port or free_port()
    tmp_path.mkdir(parents=True, exist_ok=True)
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    env.update({f"CHATBOT_{k}": str(v) for k, v in settings.items()})
    if "CHATBOT_FAQ_PATH" not in env:
        # A copy: the admin API writes to the knowledge file, never to the repository's.
        shutil.copy(FAQ, tmp_path / f"faq-{port}.json")
        env["CHATBOT_FAQ_PATH"] = str(tmp_path / f"faq-{port}.json")
    env.setdefault("CHATBOT_DATABASE_URL", f"sqlite:///{tmp_path / f'live-{port}.sqlite3'}")
    env.setdefault("CHATBOT_JOURNAL_PATH", str(tmp_path / f"journal-{port}.sqlite3"))
    log_path = tmp_path / f"server-{port}.log"
    log = open(log_path, "wb")  # noqa: SIM115 - closed with the process
    process = subprocess.Popen(
        [sys.executable, "-m", "chatbot", "serve", "--port", str(port),
         "--workers", str(workers)],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
    server = LiveServer(f"http://127.0.0.1:{port}", env, process, log_path)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError((tmp_path / f"server-{port}.log").read_text())
        try:
            if server.request("GET", "/api/v1/health").status == 200:
                return server
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise RuntimeError("server did not start within 30 s")


def stop_server(server: LiveServer) -> None:
    server.process.terminate()
    try:
        server.process.wait(timeout=10)
    except subprocess.TimeoutExpired:
        server.process.kill()


@pytest.fixture(scope="module")
def live(tmp_path_factory):
    """A live server with an admin token and a generous rate limit."""
    server = start_server(tmp_path_factory.mktemp("live"), ADMIN_TOKEN=ADMIN_TOKEN,
                          RATE_LIMIT="1000/minute")
    yield server
    stop_server(server)


# Property tests: CI explores a fixed, larger sample (derandomized, so a run is repeatable);
# developers get fresh random examples each run.
from hypothesis import settings as _hypothesis_settings  # noqa: E402

_hypothesis_settings.register_profile("ci", derandomize=True, max_examples=300, deadline=None)
_hypothesis_settings.register_profile("dev", deadline=None)
_hypothesis_settings.load_profile("ci" if os.environ.get("CI") else "dev")
