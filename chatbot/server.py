"""The production server: gunicorn runs the worker processes, waitress speaks HTTP inside each.

gunicorn's threaded worker hands a connection to a thread as soon as its first bytes arrive,
and the thread then waits for the rest of the request with no deadline: four clients that send
half a request hold all four threads and nobody else is served. waitress reads each request
whole in one I/O loop and only then gives it to a thread, so a slow client costs a socket,
never a thread. gunicorn keeps what it does well: worker processes, restarts, signals, logs.

Limits enforced here, before the app:
- a client must send each request whole within `client_timeout` seconds, and an idle
  connection is closed after as long (a client that trickles bytes is cut off too);
- bodies over `max_body_bytes` get 413, with or without a Content-Length (chunked);
- request line plus headers over MAX_HEADER_BYTES get 431.
Errors the server answers itself are JSON, `{"error": {"code", "message"}}`, like the app's.

The waitress classes below extend its channel and server (a JSON error task, a whole-request
deadline, a lingering close): pyproject.toml keeps waitress to the major version they fit.
"""

from __future__ import annotations

import json
import logging
import os
import socket
import time
from functools import lru_cache

from gunicorn.app.base import BaseApplication
from gunicorn.glogging import Logger
from gunicorn.workers.base import Worker
from waitress import wasyncore
from waitress.adjustments import Adjustments
from waitress.channel import HTTPChannel
from waitress.server import TcpWSGIServer
from waitress.task import ErrorTask, ThreadedTaskDispatcher

from .redact import RedactingFilter, redact

MAX_HEADER_BYTES = 32 * 1024  # our own pages and API need a fraction of this
LINGER_SECONDS = 2.0  # after an error, how long the rest of the request is read and dropped

# waitress's status -> our code, and our message where waitress's would be misleading.
SERVER_ERRORS = {
    400: ("bad_request", None),
    413: ("payload_too_large", "The request body is too large."),
    431: ("headers_too_large", "The request line and headers are too large."),
    500: ("internal_error", "Something went wrong on our side."),
    501: ("not_implemented", None),
}


def serve(app, *, host: str, port: int, workers: int, threads: int, client_timeout: float,
          max_body_bytes: int, hooks: dict | None = None) -> None:
    """Serve a WSGI app until stopped: `workers` processes of `threads` threads each.

    `hooks` are gunicorn server hooks by name (e.g. post_worker_init, worker_exit).
    """
    _Server(app, bind=f"{host}:{port}", workers=workers, threads=threads,
            client_timeout=client_timeout, max_body_bytes=max_body_bytes, **(hooks or {})).run()


class _Server(BaseApplication):
    def __init__(self, app, *, bind, workers, threads, client_timeout, max_body_bytes, **hooks):
        self.application = app
        self.options = dict(bind=bind, workers=workers, threads=threads, **hooks)
        self.client_timeout, self.max_body_bytes = client_timeout, max_body_bytes
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)
        self.cfg.set("worker_class", WaitressWorker)
        self.cfg.set("accesslog", "-")
        self.cfg.set("logger_class", PrivateLogger)

    def load(self):
        return self.application


class PrivateLogger(Logger):
    """gunicorn's logs, with personal data redacted from every error-log line; the app's and
    waitress's own lines go to the same place through the same redaction."""

    def setup(self, cfg):
        super().setup(cfg)
        for handler in self.error_log.handlers:
            handler.addFilter(RedactingFilter())
        for name in ("chatbot", "waitress"):
            log = logging.getLogger(name)
            log.handlers = list(self.error_log.handlers)
            log.setLevel(logging.INFO)
            log.propagate = False


class WaitressWorker(Worker):
    """A gunicorn worker process whose HTTP is waitress: whole requests reach the threads."""

    servers: list | tuple = ()

    def handle_exit(self, sig, frame):
        super().handle_exit(sig, frame)
        if self.servers:
            self.servers[0].pull_trigger()  # wake the I/O loop now rather than at its timeout

    def run(self):
        options = self.app  # gunicorn's application object: the _Server above
        adj = Adjustments(
            threads=self.cfg.threads, backlog=self.cfg.backlog,
            connection_limit=self.cfg.worker_connections,
            channel_timeout=options.client_timeout, cleanup_interval=1,
            max_request_body_size=options.max_body_bytes + 1,  # waitress refuses at ">="
            max_request_header_size=MAX_HEADER_BYTES,
            # The app trusts X-Forwarded-For itself (CHATBOT_TRUSTED_PROXIES); leave it alone.
            clear_untrusted_proxy_headers=False,
            ident="", asyncore_use_poll=True)  # poll: no 1024-descriptor ceiling
        socket_map: dict = {}
        dispatcher = ThreadedTaskDispatcher()
        dispatcher.set_thread_count(adj.threads)
        app = _access_logged(self.wsgi, _HttpServer.access_log)
        self.servers = [
            _HttpServer(app, socket_map, True, s.sock, dispatcher=dispatcher, adj=adj,
                        bind_socket=False, sockinfo=(s.sock.family, s.sock.type, 0, None))
            for s in self.sockets]
        try:
            while self.alive and self.ppid == os.getppid():
                self.notify()  # gunicorn's heartbeat: a worker that stops calling it is killed
                wasyncore.loop(timeout=1.0, map=socket_map, use_poll=True, count=1)
        finally:
            self._finish_requests(socket_map)
            dispatcher.shutdown(timeout=1)
            wasyncore.close_all(socket_map)

    def _finish_requests(self, socket_map) -> None:
        """Stop accepting; let requests already received finish within the graceful timeout."""
        for server in self.servers:
            server.accepting = False
        deadline = time.monotonic() + self.cfg.graceful_timeout
        while time.monotonic() < deadline and any(
                channel.requests or channel.total_outbufs_len
                for server in self.servers for channel in list(server.active_channels.values())):
            self.notify()
            wasyncore.loop(timeout=0.1, map=socket_map, use_poll=True, count=1)


class _JsonErrorTask(ErrorTask):
    """waitress's own error answers (malformed request, too large), as JSON."""

    def execute(self):
        error = self.request.error
        code, message = SERVER_ERRORS.get(error.code, ("bad_request", None))
        message = message or error.reason + (f": {error.body}" if error.body else "")
        body = json.dumps({"error": {"code": code, "message": message}}).encode()
        self.status = f"{error.code} {error.reason}"
        self.response_headers.extend([("Content-Type", "application/json"),
                                      ("Cache-Control", "no-store"),
                                      ("X-Content-Type-Options", "nosniff")])
        self.set_close_on_finish()
        self.channel.refused = True
        self.content_length = len(body)
        self.write(body)
        # In the access log with the rest; the request line may be what was wrong, so not it.
        self.channel.server.access_log.info('"-" %s %d 0ms', error.code, len(body))


class _Channel(HTTPChannel):
    error_task_class = _JsonErrorTask
    request_started = 0.0
    refused = False     # an error was answered: the client may still be sending the request
    linger_until = None  # while set, what the client still sends is read and dropped

    def received(self, data):
        if self.request is None and data:
            self.request_started = time.time()  # the first bytes of a new request
        return super().received(data)

    def handle_close(self):
        # Closing a socket with unread input makes the kernel send a reset, and the client can
        # lose the error just sent (a 413 while it is still sending the body). Like nginx,
        # stop writing and read what is still coming for a moment first ("lingering close").
        if self.refused and self.linger_until is None and self.socket is not None:
            try:
                self.socket.shutdown(socket.SHUT_WR)
            except OSError:
                return super().handle_close()
            self.linger_until = time.time() + LINGER_SECONDS
            self.will_close = False
            return None
        return super().handle_close()

    def readable(self):
        return self.linger_until is not None or super().readable()

    def writable(self):
        return self.linger_until is None and super().writable()

    def handle_read(self):
        if self.linger_until is None:
            return super().handle_read()
        try:
            data = self.socket.recv(65536)
        except OSError:
            data = b""
        if not data or time.time() > self.linger_until:
            super().handle_close()
        return None


class _HttpServer(TcpWSGIServer):
    channel_class = _Channel
    access_log = logging.getLogger("gunicorn.access")  # gunicorn sets its handler up

    def maintenance(self, now):
        # waitress closes connections silent for channel_timeout; a client that sends a byte
        # now and then must not hold one for ever either, so a request has as long in all.
        super().maintenance(now)
        cutoff = now - self.adj.channel_timeout
        for channel in list(self.active_channels.values()):
            if channel.linger_until is not None and now > channel.linger_until:
                HTTPChannel.handle_close(channel)
            elif channel.request is not None and channel.request_started < cutoff:
                channel.will_close = True


@lru_cache(maxsize=512)  # the same few paths, again and again
def _private_path(path: str) -> str:
    # WSGI hands the path over decoded as Latin-1; read it as the UTF-8 it was.
    return redact(path.encode("latin-1", "replace").decode("utf-8", "replace"))[:200]


def _access_logged(app, access):
    """Log one line per request: method, path, status, bytes, milliseconds. No address, no user
    agent, no query string: visitors' privacy. GET routes take only ids; free text in a path
    is someone's doing, and whatever it holds is redacted."""

    def logged(environ, start_response):
        started = time.monotonic()
        answer = {}

        def start(status, headers, exc_info=None):
            answer.update(status=status.split(" ", 1)[0], headers=headers)
            return start_response(status, headers, exc_info)

        result = app(environ, start)
        size = next((v for k, v in answer.get("headers", ()) if k.lower() == "content-length"),
                    "-")
        access.info('"%s %s %s" %s %s %dms', environ["REQUEST_METHOD"],
                    _private_path(environ.get("PATH_INFO", "")),
                    environ.get("SERVER_PROTOCOL", ""), answer.get("status", "-"), size,
                    (time.monotonic() - started) * 1000)
        return result

    return logged
