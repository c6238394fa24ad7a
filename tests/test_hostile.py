"""Hostile clients over real HTTP: bodies the app can't take, slow and malformed requests, token
guessing. Each is refused with a 4xx JSON error, and nobody else waits because of it."""

import json
import socket
import threading
import time
import uuid
from urllib.parse import urlsplit

import pytest
from click.testing import CliRunner

from chatbot.errors import ConfigError
from conftest import ADMIN_TOKEN, start_server, stop_server

JSON = {"Content-Type": "application/json"}


def error_code(response) -> str:
    assert response.headers["Content-Type"].startswith("application/json"), response.headers
    body = response.json()
    assert set(body) == {"error"} and set(body["error"]) == {"code", "message"}, body
    assert body["error"]["message"]
    return body["error"]["code"]


# -- bodies ---------------------------------------------------------------------------------

DEEP = b"[" * 30000 + b"]" * 30000


@pytest.mark.parametrize("data, code", [
    (b'{"message": "hi", "x": ' + DEEP + b"}", "invalid_json"),
    (DEEP, "invalid_json"),
    (b'{"a":' * 10000 + b"1" + b"}" * 10000, "invalid_json"),
    (b'{"message": "hi", "n": ' + b"9" * 5000 + b"}", "invalid_json"),
    (b'{"message": "hi", "n": -' + b"1" * 5000 + b".5}", "invalid_json"),
    (b'{"message": "hi", "n": 1e999}', "invalid_json"),
    (b'{"message": "hi", "n": NaN}', "invalid_json"),
    (b'{"message": "hi", "n": -Infinity}', "invalid_json"),
    # An unclosed string of escaped quotes: the depth check must read it in one pass.
    (b'{"message": "' + b'\\"' * 30000, "invalid_json"),
    (b'{"message": "hi", "session_id": "\\ud800"}', "invalid_session_id"),
    (b'{"message": "hi", "session_id": "abc\\u0000"}', "invalid_session_id"),
    (b'{"message": "hi", "session_id": "' + b"a" * 65 + b'"}', "invalid_session_id"),
], ids=["deep-array-in-object", "deep-array", "deep-objects", "5000-digit-int",
        "5000-digit-float", "1e999", "NaN", "-Infinity", "unclosed-escaped-quotes",
        "surrogate-session-id", "nul-session-id", "long-session-id"])
def test_hostile_chat_bodies_get_400_json(live, data, code):
    response = live.request("POST", "/api/v1/chat", data=data, headers=JSON)
    assert response.status == 400, response.body[:300]
    assert error_code(response) == code


def test_brackets_inside_strings_are_text_not_nesting(live):
    body = {"message": "what is [[[[[[[[[[[[[[[[[[[[[[[[[ bone marrow edema ]]]]]]]]]]]"}
    response = live.request("POST", "/api/v1/chat", json_body=body)
    assert response.status == 200 and response.json()["answered"] is True


def test_a_lone_surrogate_in_the_message_is_dropped_not_stored(live):
    # The widget cuts messages at 500 UTF-16 units and can split an emoji: that is no attack.
    # Letters only: a random code with digits can look like a passport number and be redacted.
    marker = uuid.uuid4().hex[:8].translate(str.maketrans("0123456789", "ghijklmnop"))
    data = ('{"message": "lasagna recipe ' + marker + ' \\ud83d"}').encode()
    response = live.request("POST", "/api/v1/chat", data=data, headers=JSON)
    assert response.status == 200 and response.json()["answered"] is False
    items = live.request("GET", "/api/v1/admin/unanswered?limit=20",
                         headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}).json()["items"]
    stored = next(i["text"] for i in items if marker in i["text"])
    assert not any(0xD800 <= ord(ch) <= 0xDFFF for ch in stored)


def test_hostile_feedback_ids_get_400_on_every_database(tmp_path, database_url):
    # A NUL in query_id reached PostgreSQL (503) and a lone surrogate the driver (500).
    server = start_server(tmp_path, DATABASE_URL=database_url, RATE_LIMIT="1000/minute")
    try:
        for query_id in ("\\ud800", "abc\\u0000", "a b", "a" * 65, ""):
            data = ('{"query_id": "' + query_id + '", "helpful": true}').encode()
            response = server.request("POST", "/api/v1/feedback", data=data, headers=JSON)
            assert response.status == 400, (query_id, response.body)
            assert error_code(response) == "invalid_query_id"
        query_id = server.chat("is it dangerous?").json()["query_id"]
        ok = server.request("POST", "/api/v1/feedback",
                            json_body={"query_id": query_id, "helpful": True})
        assert ok.status == 200
    finally:
        stop_server(server)


# -- raw HTTP -------------------------------------------------------------------------------

def address(server) -> tuple[str, int]:
    parts = urlsplit(server.url)
    return parts.hostname, parts.port


def exchange(addr, data: bytes, timeout: float = 10) -> tuple[int, dict, bytes]:
    """Send raw bytes on a new connection; read the answer until the server closes it."""
    with socket.create_connection(addr, timeout=timeout) as sock:
        sock.sendall(data)
        received = b""
        while chunk := sock.recv(65536):
            received += chunk
    head, _, body = received.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), headers, body


def chunked(body: bytes, size: int = 4096) -> bytes:
    return b"".join(b"%x\r\n%s\r\n" % (len(body[i:i + size]), body[i:i + size])
                    for i in range(0, len(body), size)) + b"0\r\n\r\n"


CHUNKED_CHAT = (b"POST /api/v1/chat HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
                b"Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n")


class Answer:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def json(self):
        return json.loads(self.body)


def test_chunked_bodies_are_read_whole_and_refused_past_the_limit(live):
    small = exchange(address(live), CHUNKED_CHAT + chunked(b'{"message": "is it dangerous?"}', 7))
    assert small[0] == 200 and json.loads(small[2])["answered"] is True
    # 80 KB: used to be cut at 64 KB and the cut body answered.
    padded = b'{"message": "is it dangerous?"}' + b" " * 80000
    big = Answer(*exchange(address(live), CHUNKED_CHAT + chunked(padded)))
    assert big.status == 413 and error_code(big) == "payload_too_large"


@pytest.mark.parametrize("limit_delta, status", [(0, 200), (1, 413)])
def test_chunked_limit_under_a_server_that_passes_chunks_through(limit_delta, status):
    # Werkzeug's own server hands chunked bodies to the app undecided (no Content-Length):
    # the app must count them itself, and not cut them at the limit.
    from werkzeug.serving import make_server

    from chatbot.app import create_app

    app = create_app({"DATABASE_URL": "sqlite://", "MAX_BODY_BYTES": 4096})
    httpd = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        body = b'{"message": "is it dangerous?"}'.ljust(4096 + limit_delta)
        answer = exchange(("127.0.0.1", httpd.server_port), CHUNKED_CHAT + chunked(body, 1000))
        assert answer[0] == status, answer
    finally:
        httpd.shutdown()


@pytest.mark.parametrize("request_bytes, status, code", [
    (b"GET /api/v1/" + b"a" * 40000 + b" HTTP/1.1\r\nHost: test\r\n\r\n", 431,
     "headers_too_large"),
    (b"GET /api/v1/health HTTP/1.1\r\nHost: test\r\nX-Big: " + b"a" * 40000 + b"\r\n\r\n", 431,
     "headers_too_large"),
    (b"GARBAGE\r\n\r\n", 400, "bad_request"),
    (b"GET /api/v1/health HTTP/1.1\r\nHost: test\r\nBad Header: x\r\n\r\n", 400, "bad_request"),
    (b"POST /api/v1/chat HTTP/1.1\r\nHost: test\r\nContent-Length: many\r\n\r\n", 400,
     "bad_request"),
    (b"POST /api/v1/chat HTTP/1.1\r\nHost: test\r\nContent-Length: 900000\r\n\r\n", 413,
     "payload_too_large"),
    (b"POST /api/v1/chat HTTP/1.1\r\nHost: test\r\nTransfer-Encoding: gzip\r\n\r\nxx", 501,
     "not_implemented"),
], ids=["request-line-too-long", "header-too-large", "garbage", "bad-header-name",
        "bad-content-length", "declared-too-large", "unknown-transfer-encoding"])
def test_errors_of_the_http_server_itself_are_json(live, request_bytes, status, code):
    answer = Answer(*exchange(address(live), request_bytes))
    assert answer.status == status, answer.body
    assert error_code(answer) == code


# -- slow clients ---------------------------------------------------------------------------

HALF_A_CHAT = (b"POST /api/v1/chat HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\n"
               b"Content-Length: 31\r\n\r\n" + b'{"message": "is it')


def still_open(sock) -> bool:
    sock.setblocking(False)
    try:
        return sock.recv(1) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False
    finally:
        sock.setblocking(True)


def test_slow_clients_do_not_starve_the_server(tmp_path):
    timeout = 3
    server = start_server(tmp_path, CLIENT_TIMEOUT=timeout, RATE_LIMIT="1000/minute")
    addr = address(server)
    try:
        opened = time.monotonic()
        # The default server has 4 threads: these 16 held them all, for as long as they liked.
        hanging = [socket.create_connection(addr) for _ in range(16)]
        for sock in hanging:
            sock.sendall(HALF_A_CHAT)
        late = socket.create_connection(addr)  # a slow visitor who does finish in time
        late.sendall(HALF_A_CHAT)
        trickler = socket.create_connection(addr)  # never silent, never done
        trickler.sendall(b"POST /api/v1/chat HTTP/1.1\r\nHost: test\r\n")

        assert server.request("GET", "/api/v1/health").status == 200
        assert server.chat("is it dangerous?").json()["answered"] is True
        assert all(still_open(sock) for sock in hanging)  # answered while they hang

        time.sleep(max(0.0, opened + 1 - time.monotonic()))
        late.sendall(b' dangerous?"}')
        late.settimeout(5)
        assert b"200 OK" in late.recv(65536).split(b"\r\n")[0]

        while time.monotonic() < opened + timeout + 5 and still_open(trickler):
            try:
                trickler.sendall(b"X")  # one more header byte: never silent for long
            except OSError:
                break
            time.sleep(0.5)
        assert not still_open(trickler)
        for sock in hanging:
            sock.settimeout(timeout + 5)
            assert sock.recv(1024) == b""  # closed by the server, without an answer
        closed_after = time.monotonic() - opened
        assert timeout * 0.8 <= closed_after <= timeout + 5
    finally:
        for sock in (*hanging, late, trickler):
            sock.close()
        stop_server(server)


def test_access_log_has_no_address_or_user_agent(tmp_path):
    server = start_server(tmp_path)
    try:
        server.request("GET", "/api/v1/health?probe=1", headers={"User-Agent": "HostileBot/9"})
    finally:
        stop_server(server)
    log = (tmp_path / f"server-{address(server)[1]}.log").read_text()
    # Nor the query string: it could carry what a visitor wrote (see test_privacy.py).
    assert '"GET /api/v1/health HTTP/1.1" 200' in log and "probe=1" not in log
    assert "HostileBot" not in log and "127.0.0.1 " not in log.replace("http://127.0.0.1", "")


# -- admin token ----------------------------------------------------------------------------

def test_failed_admin_logins_are_limited_per_client(tmp_path):
    server = start_server(tmp_path, ADMIN_TOKEN=ADMIN_TOKEN, ADMIN_LOGIN_LIMIT="5/minute",
                          TRUSTED_PROXIES=1)

    def admin(path, token, client):
        return server.request("GET", f"/api/v1/admin/{path}", headers={
            "Authorization": f"Bearer {token}", "X-Forwarded-For": client})

    try:
        # Staff using the right token are never counted.
        assert {admin("stats", ADMIN_TOKEN, "203.0.113.1").status for _ in range(12)} == {200}
        guesses = [admin(path, f"guess-{i}", "203.0.113.1").status
                   for i, path in enumerate(["stats", "unanswered"] * 3)]
        assert guesses == [401] * 5 + [429]  # both endpoints share one budget
        locked = admin("stats", ADMIN_TOKEN, "203.0.113.1")
        assert locked.status == 429 and error_code(locked) == "rate_limited"
        assert int(locked.headers["Retry-After"]) > 0
        assert admin("stats", ADMIN_TOKEN, "198.51.100.2").status == 200  # someone else
        assert admin("stats", "wrong", "198.51.100.2").status == 401
    finally:
        stop_server(server)


@pytest.mark.parametrize("token", ["a", "x" * 23, "x" * 20 + " " + "y" * 10])
def test_a_guessable_admin_token_stops_start_up(token, tmp_path):
    from chatbot.app import create_app

    with pytest.raises(ConfigError, match="CHATBOT_ADMIN_TOKEN"):  # or `serve` would serve
        create_app({"ADMIN_TOKEN": token, "DATABASE_URL": "sqlite://"})
    from chatbot.cli import main

    result = CliRunner().invoke(main, ["serve"], env={"CHATBOT_ADMIN_TOKEN": token})
    assert result.exit_code == 2, result.output
    assert "CHATBOT_ADMIN_TOKEN" in result.output and "Traceback" not in result.output


def test_a_24_character_token_is_enough():
    from chatbot.app import create_app

    app = create_app({"ADMIN_TOKEN": "x" * 24, "DATABASE_URL": "sqlite://"})
    response = app.test_client().get("/api/v1/admin/stats",
                                     headers={"Authorization": "Bearer " + "x" * 24})
    assert response.status_code == 200


@pytest.mark.parametrize("env, named", [
    ({"CHATBOT_CLIENT_TIMEOUT": "soon"}, "CHATBOT_CLIENT_TIMEOUT='soon' is not a number"),
    ({"CHATBOT_CLIENT_TIMEOUT": "0"}, "CHATBOT_CLIENT_TIMEOUT must be more than 0"),
    ({"CHATBOT_ADMIN_LOGIN_LIMIT": "lots"}, "CHATBOT_ADMIN_LOGIN_LIMIT='lots' is not a rate"),
])
def test_bad_server_settings_are_a_clear_message(env, named, monkeypatch):
    from chatbot.app import create_app
    from chatbot.cli import main

    for key, value in env.items():
        monkeypatch.setenv(key, value)
    with pytest.raises(ConfigError):  # first, or `serve` below would start serving
        create_app({"DATABASE_URL": "sqlite://"})
    result = CliRunner().invoke(main, ["serve"], env=env)
    assert result.exit_code == 2 and named in result.output, result.output
