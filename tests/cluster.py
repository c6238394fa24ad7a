"""The deployment recipe on one machine: real nginx (deploy/nginx/chatbot.conf) over instances.

`Nginx` runs the shipped site file as a child process with its own prefix, logs and a
throwaway certificate, listening on free loopback ports; the only changes to the file are the
ports and paths below, each checked to be there, so what runs is the recipe. `Client` is one
visitor's keep-alive connection; `kill` is an instance's crash. Used by tests/test_deploy.py
and benchmarks/load.py.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import socket
import ssl
import subprocess
import time
from pathlib import Path

from conftest import ROOT, free_port

SITE = ROOT / "deploy" / "nginx" / "chatbot.conf"
HOST = "bot.clinic.example"

MAIN_CONF = """
{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    client_body_temp_path {prefix}/tmp/body;
    proxy_temp_path {prefix}/tmp/proxy;
    fastcgi_temp_path {prefix}/tmp/fastcgi;
    uwsgi_temp_path {prefix}/tmp/uwsgi;
    scgi_temp_path {prefix}/tmp/scgi;
    access_log off;
    include {prefix}/chatbot.conf;
}}
"""


def nginx_binary() -> str | None:
    return shutil.which("nginx") or next(
        (p for p in ("/usr/sbin/nginx", "/sbin/nginx") if os.access(p, os.X_OK)), None)


def render_site(upstreams: list[int], *, http_port: int, https_port: int,
                prefix: Path) -> str:
    """Return the shipped site file with this machine's ports and paths put in."""
    text = SITE.read_text(encoding="utf-8")
    servers = "\n".join(f"    server 127.0.0.1:{port} max_fails=1 fail_timeout=10s;"
                        for port in upstreams)
    swaps = [
        ("    server 127.0.0.1:8001 max_fails=1 fail_timeout=10s;\n"
         "    server 127.0.0.1:8002 max_fails=1 fail_timeout=10s;", servers),
        ("listen 80;", f"listen 127.0.0.1:{http_port};"),
        ("listen [::]:80;", ""),
        ("listen 443 ssl http2;", f"listen 127.0.0.1:{https_port} ssl http2;"),
        ("listen [::]:443 ssl http2;", ""),
        ("/etc/letsencrypt/live/bot.clinic.example/", f"{prefix}/tls/"),
        ("/var/log/nginx/", f"{prefix}/"),
        ("/var/www/html", f"{prefix}/www"),
    ]
    for old, new in swaps:
        if old not in text:
            raise AssertionError(f"{SITE} no longer has {old!r}: update tests/cluster.py")
        text = text.replace(old, new)
    return text


def self_signed(folder: Path) -> Path:
    """Make a certificate for bot.clinic.example and 127.0.0.1; return the CA file to trust."""
    folder.mkdir(parents=True, exist_ok=True)
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", f"/CN={HOST}",
         "-addext", f"subjectAltName=DNS:{HOST},IP:127.0.0.1",
         "-keyout", str(folder / "privkey.pem"), "-out", str(folder / "fullchain.pem")],
        check=True, capture_output=True)
    return folder / "fullchain.pem"


class Nginx:
    """nginx from the distribution, running deploy/nginx/chatbot.conf in front of `upstreams`."""

    def __init__(self, prefix: Path, upstreams: list[int]):
        binary = nginx_binary()
        if binary is None:
            raise FileNotFoundError("nginx is not installed (apt-get install nginx)")
        self.prefix = prefix
        for sub in ("tmp", "www"):
            (prefix / sub).mkdir(parents=True, exist_ok=True)
        self.ca = self_signed(prefix / "tls")
        self.http_port, self.https_port = free_port(), free_port()
        (prefix / "chatbot.conf").write_text(render_site(
            upstreams, http_port=self.http_port, https_port=self.https_port, prefix=prefix))
        # As root, nginx's workers would switch to www-data, which cannot enter the test's
        # private temp folder; they stay root here (nginx ignores `user` when not root).
        user = "user root;" if os.geteuid() == 0 else ""
        (prefix / "nginx.conf").write_text(MAIN_CONF.format(prefix=prefix, user=user))
        self.process = subprocess.Popen(
            [binary, "-e", str(prefix / "error.log"), "-p", str(prefix), "-c",
             str(prefix / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError("nginx did not start: "
                                   + self.process.stderr.read().decode(errors="replace"))
            try:
                socket.create_connection(("127.0.0.1", self.https_port), timeout=1).close()
                return
            except OSError:
                time.sleep(0.05)
        self.stop()
        raise RuntimeError("nginx did not listen within 10 s")

    def client(self) -> Client:
        return Client(self.https_port, self.ca)

    def access_log(self) -> list[str]:
        path = self.prefix / "chatbot.access.log"
        return path.read_text().splitlines() if path.exists() else []

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGQUIT)   # graceful: finish what is in hand
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


class Client:
    """One visitor's keep-alive connection: HTTPS to nginx (trusting `ca`), or plain HTTP to
    an instance. A new connection is opened after a failure."""

    def __init__(self, port: int, ca: Path | None = None):
        self.port = port
        self.context = None if ca is None else ssl.create_default_context(cafile=str(ca))
        self.conn: http.client.HTTPConnection | None = None

    def request(self, method: str, path: str, body: dict | None = None,
                headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        """Return (status, headers, body); OSError or HTTPException: no whole answer came."""
        headers = dict(headers or {})
        data = None
        if body is not None:
            data = json.dumps(body).encode()
            headers["Content-Type"] = "application/json"
        if self.conn is None:
            self.conn = (http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
                         if self.context is None else
                         http.client.HTTPSConnection("127.0.0.1", self.port, timeout=30,
                                                     context=self.context))
        try:
            self.conn.request(method, path, data, headers)
            response = self.conn.getresponse()
            return response.status, response.headers, response.read()
        except (OSError, http.client.HTTPException):   # no answer, or half of one
            self.close()   # the next request opens a new connection
            raise

    def close(self) -> None:
        if self.conn is not None:
            self.conn.close()
            self.conn = None


def kill(process: subprocess.Popen) -> None:
    """SIGKILL a `chatbot serve` (gunicorn master and workers): a crash, no exit handler runs."""
    master = process.pid
    workers = []
    for task in Path(f"/proc/{master}/task").iterdir():
        workers += [int(pid) for pid in (task / "children").read_text().split()]
    for pid in [master, *workers]:
        os.kill(pid, signal.SIGKILL)
    process.wait()
    deadline = time.monotonic() + 5
    for pid in workers:   # gone (or a zombie) and holding no socket any more
        status = Path(f"/proc/{pid}/status")
        while (time.monotonic() < deadline and status.exists()
               and "zombie" not in status.read_text()):
            time.sleep(0.02)


def instance_port(server) -> int:
    return int(server.url.rsplit(":", 1)[1])
