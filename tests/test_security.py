"""Rate limits, CORS, protective headers and privacy, over real HTTP."""

import uuid

import pytest
from sqlalchemy import create_engine, text

from conftest import ADMIN_TOKEN, REDIS_URL, service_missing, start_server, stop_server, wait_for


@pytest.fixture
def server(tmp_path, request):
    settings = getattr(request, "param", {})
    s = start_server(tmp_path, **settings)
    yield s
    stop_server(s)


@pytest.mark.parametrize("server", [{"RATE_LIMIT": "3/minute"}], indirect=True)
def test_rate_limit_gives_429_json_with_retry_after(server):
    statuses = [server.chat("what is bone marrow edema").status for _ in range(3)]
    assert statuses == [200, 200, 200]
    limited = server.chat("what is bone marrow edema")
    assert limited.status == 429
    assert limited.json()["error"]["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) > 0
    # Reading the FAQ is not limited.
    assert server.request("GET", "/api/v1/faq").status == 200


def test_memory_limits_expire_without_a_thread_per_hit():
    import threading
    import time

    from limits import parse, strategies
    from limits.storage import storage_from_string

    from chatbot.security import LazyMemoryStorage

    storage = storage_from_string("memory://")
    assert isinstance(storage, LazyMemoryStorage)
    storage.SWEEP_EVERY = 0.2
    limiter = strategies.FixedWindowRateLimiter(storage)
    two_a_second = parse("2/second")
    threads = set(threading.enumerate())
    assert [limiter.hit(two_a_second, "chat", "10.0.0.1") for _ in range(3)] == [True, True, False]
    for n in range(50):
        limiter.hit(two_a_second, "chat", f"10.0.1.{n}")
    assert set(threading.enumerate()) <= threads   # no timer thread started by a hit
    time.sleep(1.3)
    # The window has passed: the limited client may chat again, and the one hit that follows
    # sweeps the counters of the 50 clients that never came back.
    assert limiter.hit(two_a_second, "chat", "10.0.0.1")
    assert len(storage.storage) == 1


def redis_available() -> None:
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001 - any failure means "no Redis here"
        service_missing("Redis", str(exc))


def test_redis_limiter_is_shared_by_two_instances(tmp_path):
    redis_available()
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()  # database 15: the tests' own
    settings = {"RATE_LIMIT": "4/minute", "RATE_LIMIT_STORAGE": REDIS_URL}
    a, b = start_server(tmp_path, **settings), start_server(tmp_path, **settings)
    try:
        answers = [s.chat("is it dangerous").status for s in (a, b, a, b)]
        assert answers == [200, 200, 200, 200]
        # Each instance alone would allow 4: together they have used the shared budget.
        assert a.chat("is it dangerous").status == 429
        assert b.chat("is it dangerous").status == 429
    finally:
        stop_server(a)
        stop_server(b)


@pytest.mark.parametrize("server", [{"CORS_ORIGINS": "https://clinic.example"}], indirect=True)
def test_cors_allows_only_the_configured_origin(server):
    ok = server.request("POST", "/api/v1/chat", json_body={"message": "hi"},
                        headers={"Origin": "https://clinic.example"})
    assert ok.headers["Access-Control-Allow-Origin"] == "https://clinic.example"
    other = server.request("POST", "/api/v1/chat", json_body={"message": "hi"},
                           headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    preflight = server.request("OPTIONS", "/api/v1/chat", headers={
        "Origin": "https://clinic.example", "Access-Control-Request-Method": "POST",
        "Access-Control-Request-Headers": "content-type"})
    assert preflight.status == 200
    assert "POST" in preflight.headers["Access-Control-Allow-Methods"]
    assert preflight.headers["Access-Control-Allow-Headers"].lower() == "content-type"


def test_no_cors_by_default(live):
    response = live.request("POST", "/api/v1/chat", json_body={"message": "hi"},
                            headers={"Origin": "https://anywhere.example"})
    assert "Access-Control-Allow-Origin" not in response.headers


def test_protective_headers(live):
    api = live.request("GET", "/api/v1/health")
    assert api.headers["X-Content-Type-Options"] == "nosniff"
    assert api.headers["Referrer-Policy"]
    assert api.headers["Cache-Control"] == "no-store"
    page = live.request("GET", "/")
    if page.status == 200:
        csp = page.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "style-src 'self'" in csp
        assert "frame-ancestors 'self'" in csp and "unsafe-inline" not in csp


def test_only_listed_web_files_are_served(live):
    for path in ("/../pyproject.toml", "/%2e%2e/README.md", "/faq.json", "/admin.py"):
        assert live.request("GET", path).status == 404


def test_control_characters_are_stripped_before_logging(live):
    # Letters only: a random code with digits can look like a passport number and be redacted.
    marker = uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "ghijklmnop"))
    live.chat(f"lasagna\x00\x07 recipe {marker}\x1b[31m")
    items = live.request("GET", "/api/v1/admin/unanswered?limit=20",
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()["items"]
    stored = next(i["text"] for i in items if marker in i["text"])
    assert not any(ord(ch) < 32 and ch not in "\n\t" for ch in stored)


def test_errors_reveal_no_internals(live):
    for response in (live.request("POST", "/api/v1/chat", data=b"{", headers={
            "Content-Type": "application/json"}),
                     live.request("GET", "/api/v1/nope")):
        assert b"Traceback" not in response.body and b"/work/" not in response.body
        assert b"site-packages" not in response.body


@pytest.mark.parametrize("server", [{"RATE_LIMIT": "2/minute", "TRUSTED_PROXIES": "1"}],
                         indirect=True)
def test_behind_a_proxy_each_visitor_has_their_own_limit(server):
    def chat_as(ip):
        return server.request("POST", "/api/v1/chat", json_body={"message": "is it dangerous"},
                              headers={"X-Forwarded-For": ip}).status

    assert [chat_as("203.0.113.7") for _ in range(3)] == [200, 200, 429]
    assert chat_as("198.51.100.9") == 200  # another visitor behind the same proxy


@pytest.mark.parametrize("server", [{"TRUSTED_PROXIES": "1"}], indirect=True)
def test_a_trusted_proxys_request_id_is_the_query_id_and_a_retried_chat_is_one_row(server):
    # nginx sends a chat it retries on another instance with the same X-Request-ID.
    request_id = uuid.uuid4().hex   # nginx's $request_id: 32 hex digits

    def chat(message, request_id):
        return server.request("POST", "/api/v1/chat", json_body={"message": message},
                              headers={"X-Request-ID": request_id}).json()["query_id"]

    first = chat("is it dangerous", request_id)
    assert first == str(uuid.UUID(request_id))
    assert chat("is it dangerous", request_id) == first
    other = chat("is it dangerous", "../../etc; DROP")   # not an id: a new one
    assert other != first and uuid.UUID(other).version == 4
    wait_for(lambda: server.request("GET", "/api/v1/health").json()["pending_log_rows"] == 0,
             10, "the journal drained")
    engine = create_engine(server.env["CHATBOT_DATABASE_URL"])
    try:
        with engine.connect() as conn:
            ids = [row[0] for row in conn.execute(text("SELECT id FROM exchanges"))]
    finally:
        engine.dispose()
    assert sorted(ids) == sorted([first, other])


def test_without_a_trusted_proxy_a_clients_request_id_is_ignored(server):
    request_id = uuid.uuid4().hex
    replies = [server.request("POST", "/api/v1/chat", json_body={"message": "is it dangerous"},
                              headers={"X-Request-ID": request_id}).json()["query_id"]
               for _ in range(2)]
    assert str(uuid.UUID(request_id)) not in replies and replies[0] != replies[1]
