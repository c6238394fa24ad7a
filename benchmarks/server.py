"""The production server under load and under slow clients, over real HTTP.

    python benchmarks/server.py [--workers 1] [--threads 4] [--slow 16] [--requests 2000]

Starts `chatbot serve` (rate limit off, SQLite log in a temp folder), then:
1. throughput: 8 client threads with keep-alive connections post chat questions from the dev
   set; requests per second and the median / 95th percentile latency;
2. slow clients: `--slow` sockets each send the headers and half the body of a chat request and
   then wait; meanwhile /api/v1/health and a chat are timed, and each slow socket is watched
   until the server closes it.
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEV = ROOT / "tests" / "data" / "dev.jsonl"


def start(port: int, workers: int, threads: int, folder: str) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHATBOT_")}
    env.update(CHATBOT_RATE_LIMIT="1000000/minute", CHATBOT_CLIENT_TIMEOUT="5",
               CHATBOT_DATABASE_URL=f"sqlite:///{folder}/bench.sqlite3")
    process = subprocess.Popen(
        [sys.executable, "-m", "chatbot", "serve", "--port", str(port), "--workers",
         str(workers), "--threads", str(threads)], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(300):
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("server did not start")


def throughput(port: int, questions: list[str], total: int, clients: int = 8) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()

    def client(n: int):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
        mine = []
        for i in range(n):
            body = json.dumps({"message": questions[i % len(questions)]})
            t = time.perf_counter()
            conn.request("POST", "/api/v1/chat", body, {"Content-Type": "application/json"})
            response = conn.getresponse()
            response.read()
            assert response.status == 200, response.status
            mine.append(time.perf_counter() - t)
        with lock:
            latencies.extend(mine)

    started = time.perf_counter()
    threads = [threading.Thread(target=client, args=(total // clients,)) for _ in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {"requests": len(latencies), "per_second": round(len(latencies) / elapsed, 1),
            "median_ms": round(statistics.median(latencies) * 1000, 1),
            "p95_ms": round(latencies[int(len(latencies) * 0.95)] * 1000, 1)}


def slow_clients(port: int, count: int) -> dict:
    sockets = []
    for _ in range(count):
        s = socket.create_connection(("127.0.0.1", port))
        s.sendall(b"POST /api/v1/chat HTTP/1.1\r\nHost: bench\r\nContent-Type: application/json"
                  b"\r\nContent-Length: 40\r\n\r\n{\"message\": \"is it")
        sockets.append(s)
    opened = time.monotonic()
    time.sleep(0.3)
    timings = {}
    for name, method, path, body in (("health", "GET", "/api/v1/health", None),
                                     ("chat", "POST", "/api/v1/chat",
                                      json.dumps({"message": "is it dangerous?"}))):
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        t = time.monotonic()
        try:
            conn.request(method, path, body, {"Content-Type": "application/json"})
            conn.getresponse().read()
            timings[f"{name}_s"] = round(time.monotonic() - t, 3)
        except OSError as exc:
            timings[f"{name}_s"] = f"failed after {time.monotonic() - t:.1f} s ({exc})"
    closed = []
    for s in sockets:
        s.settimeout(max(0.1, opened + 60 - time.monotonic()))
        try:
            s.recv(1024)
            closed.append(time.monotonic() - opened)
        except OSError:
            pass
        s.close()
    timings["slow_sockets_closed"] = f"{len(closed)}/{count}"
    if closed:
        timings["closed_after_s"] = f"{min(closed):.1f}-{max(closed):.1f}"
    return timings


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument("--threads", type=int, default=4)
    parser.add_argument("--slow", type=int, default=16)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args()
    questions = [json.loads(line)["query"] for line in DEV.read_text().splitlines() if line]
    with tempfile.TemporaryDirectory() as folder:
        process = start(args.port, args.workers, args.threads, folder)
        try:
            result = {"throughput": throughput(args.port, questions, args.requests),
                      "slow_clients": slow_clients(args.port, args.slow)}
        finally:
            process.terminate()
            process.wait(timeout=30)
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
