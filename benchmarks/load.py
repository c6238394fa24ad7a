"""Chat against health on the same live server, on SQLite and PostgreSQL, and rows stored.

    python benchmarks/load.py [--database sqlite,postgresql] [--clients 8] [--requests 2000]
                              [--workers 2] [--rounds 2]
                              [--nginx] [--instances 2] [--kill-after 0.3]

For each database: starts `chatbot serve` (rate limit off), then alternates a health phase
and a chat phase `--rounds` times, each `--requests` requests from `--clients` threads over
keep-alive connections. Chats are dev-set questions made unique by a typo (no two alike,
as from real visitors). Reports p50/p99 latency and throughput per endpoint, the ratio of
chat to health throughput, and the rows: replies received, rows stored, missing, extra.

--nginx puts Debian's nginx in front (deploy/nginx/chatbot.conf over HTTPS, as in
tests/test_deploy.py) with `--instances` instances behind it; --kill-after F SIGKILLs the
first instance once a fraction F of the chats is done, restarts it on its journal after the
run, and counts the errors clients saw. PostgreSQL is the one on 127.0.0.1:5432 (a fresh
schema, dropped afterwards); nginx + several instances also need Redis on 127.0.0.1:6379.
"""

from __future__ import annotations

import argparse
import http.client
import itertools
import json
import os
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from cluster import Client, Nginx, instance_port, kill  # noqa: E402
from conftest import (  # noqa: E402
    DEV_SET,
    POSTGRES_URL,
    REDIS_URL,
    start_server,
    stop_server,
)


def cpu_seconds(pids: list[int]) -> dict[int, float]:
    """CPU time used so far by each of these processes with its children (gunicorn's
    workers); a process that is gone is left out."""
    used = {}
    for pid in pids:
        try:
            family = [pid]
            for task in Path(f"/proc/{pid}/task").iterdir():
                family += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            continue
        used[pid] = 0.0
        for member in family:
            try:
                fields = Path(f"/proc/{member}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            used[pid] += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return used


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def phase(connect, kind: str, requests: int, clients: int, messages, on_chat=None) -> dict:
    """Run `requests` requests of one kind from `clients` threads; return the figures."""
    latencies: list[float] = []
    ids: list[str] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client() -> None:
        conn = connect()
        mine, my_ids, my_errors = [], [], []
        try:
            for _ in range(requests // clients):
                started = time.perf_counter()
                try:
                    if kind == "health":
                        status, _, body = conn.request("GET", "/api/v1/health")
                    else:
                        status, _, body = conn.request("POST", "/api/v1/chat",
                                                       {"message": next(messages)})
                except (OSError, http.client.HTTPException) as exc:   # none, or half of one
                    my_errors.append(repr(exc))
                    continue
                finally:
                    if on_chat and kind == "chat":
                        on_chat()
                mine.append(time.perf_counter() - started)
                if status != 200:
                    my_errors.append(f"{status} {body[:100]!r}")
                elif kind == "chat":
                    my_ids.append(json.loads(body)["query_id"])
        finally:   # what this client received counts even if it failed on the way
            conn.close()
            with lock:
                latencies.extend(mine)
                ids.extend(my_ids)
                errors.extend(my_errors)

    started = time.perf_counter()
    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    return {"latencies": latencies, "elapsed": elapsed, "ids": ids, "errors": errors}


class UniqueMessages:
    """Dev-set questions, each made unique by a typo, as real visitors' messages are; safe to
    share between threads.

    The n-th use of a question changes one of its words of four letters or more: a letter
    dropped, doubled, two swapped, or a neighbouring key struck instead. A suffix ("(visitor
    n)") made them unique before, but no visitor writes one: it is a second sentence of
    unknown words, which the story logic reads and ranks apart from the question.
    """

    KINDS = ("drop", "double", "swap", "neighbour")
    KEYS = "qwertyuiop asdfghjkl zxcvbnm"

    def __init__(self):
        self.pool = [json.loads(line)["query"] for line in DEV_SET.read_text().splitlines()
                     if line]
        self.count = itertools.count()   # next() on it is atomic in CPython
        self.seen: set[str] = set(self.pool)
        self.lock = threading.Lock()

    @classmethod
    def typo(cls, question: str, k: int) -> str:
        words = list(re.finditer(r"[^\W\d_]{4,}", question))
        if not words:   # no word long enough: a letter doubled where there is one
            words = list(re.finditer(r"[^\W\d_]+", question)) or \
                [re.match(r"(?s).*", question)]
        word = words[k % len(words)]
        w, at = word.group(), word.start()
        kind = cls.KINDS[(k // len(words)) % len(cls.KINDS)]
        i = 1 + (k // (len(words) * len(cls.KINDS))) % max(1, len(w) - 2)
        i = min(i, max(0, len(w) - 1))
        if kind == "drop" and len(w) > 2:
            w = w[:i] + w[i + 1:]
        elif kind == "swap" and len(w) > 2 and i + 1 < len(w):
            w = w[:i] + w[i + 1] + w[i] + w[i + 2:]
        elif kind == "neighbour" and w[i:i + 1].lower() in cls.KEYS.replace(" ", ""):
            row = next(r for r in cls.KEYS.split() if w[i].lower() in r)
            j = row.index(w[i].lower())
            w = w[:i] + row[j + 1 if j + 1 < len(row) else j - 1] + w[i + 1:]
        else:
            w = w[:i + 1] + w[i:]
        return question[:at] + w + question[at + len(word.group()):]

    def __next__(self) -> str:
        n = next(self.count)
        question = self.pool[n % len(self.pool)]
        with self.lock:   # the next typo not sent yet (two typos can give the same text)
            for k in itertools.count(n // len(self.pool)):
                # A short question runs out of single typos: then two.
                message = self.typo(question, k) if k < 64 else \
                    self.typo(self.typo(question, k % 64), k // 64)
                if message not in self.seen:
                    self.seen.add(message)
                    return message
        raise AssertionError("unreachable")


def database(kind: str):
    """Return (url, cleanup) for a fresh log database of that kind."""
    if kind == "sqlite":
        folder = tempfile.mkdtemp(prefix="load-")
        return f"sqlite:///{folder}/log.sqlite3", lambda: shutil.rmtree(folder)
    schema = "load_" + uuid.uuid4().hex[:8]
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")

    def cleanup():
        with admin.begin() as conn:
            conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
        admin.dispose()

    return f"{POSTGRES_URL}?options=-csearch_path%3D{schema}", cleanup


def stored_ids(url: str) -> list[str]:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return [row[0] for row in conn.execute(text("SELECT id FROM exchanges"))]
    finally:
        engine.dispose()


def run(kind: str, args) -> dict:
    url, cleanup = database(kind)
    tmp = Path(tempfile.mkdtemp(prefix="load-"))
    settings = {"DATABASE_URL": url, "RATE_LIMIT": "100000000/hour"}
    if args.nginx:
        settings.update(TRUSTED_PROXIES="1")
        if args.instances > 1:
            settings.update(RATE_LIMIT_STORAGE=REDIS_URL)
    servers = [start_server(tmp / f"i{n}", workers=args.workers, **settings)
               for n in range(args.instances)]
    servers_args = [(tmp / f"i{n}", instance_port(s)) for n, s in enumerate(servers)]
    nginx = Nginx(tmp / "nginx", [instance_port(s) for s in servers]) if args.nginx else None

    def connect():
        if nginx:
            return nginx.client()
        return Client(instance_port(servers[0]))

    messages = UniqueMessages()
    figures = {"health": [], "chat": []}
    elapsed = {"health": 0.0, "chat": 0.0}
    cpu = {"health": 0.0, "chat": 0.0}
    ids, errors = [], []
    killed = threading.Event()
    chats_total = args.requests * args.rounds
    chats_done = [0]
    lock = threading.Lock()

    def on_chat():
        if not args.kill_after:
            return
        with lock:
            chats_done[0] += 1
            due = chats_done[0] >= args.kill_after * chats_total and not killed.is_set()
            if due:
                killed.set()
        if due:
            kill(servers[0].process)

    try:
        for _ in range(args.rounds):
            for kind_ in ("health", "chat"):
                pids = [s.process.pid for s in servers if s.process.poll() is None]
                before = cpu_seconds(pids)
                result = phase(connect, kind_, args.requests, args.clients, messages,
                               on_chat if kind_ == "chat" else None)
                after = cpu_seconds(pids)
                # An instance killed during the phase is left out: the figure is a bound.
                cpu[kind_] += sum(after[pid] - before[pid] for pid in after if pid in before)
                figures[kind_] += result["latencies"]
                elapsed[kind_] += result["elapsed"]
                ids += result["ids"]
                errors += result["errors"]
        if killed.is_set():
            folder, port = servers_args[0]
            servers[0] = start_server(folder, workers=args.workers, port=port, **settings)
        started = time.monotonic()
        while any(s.request("GET", "/api/v1/health").json()["pending_log_rows"]
                  for s in servers):
            if time.monotonic() - started > 120:
                break
            time.sleep(0.1)
        drained = time.monotonic() - started
        rows = stored_ids(url)
        # Requests nginx passed to a second instance after the first failed them.
        retried = sum(1 for line in nginx.access_log() if ", " in line.split("upstream=")[-1]) \
            if nginx else 0
    finally:
        if nginx:
            nginx.stop()
        for server in servers:
            if server.process.poll() is None:
                stop_server(server)
        cleanup()

    out = {"database": kind, "load": os.getloadavg()[0]}
    for kind_ in ("health", "chat"):
        lat = figures[kind_]
        out[kind_] = {"requests": len(lat),
                      "per_second": round(len(lat) / elapsed[kind_], 1),
                      "p50_ms": round(statistics.median(lat) * 1000, 2),
                      "p99_ms": round(percentile(lat, 0.99) * 1000, 2),
                      "server_cpu_ms": round(cpu[kind_] * 1000 / max(1, len(lat)), 2)}
    out["chat_to_health"] = round(out["chat"]["per_second"] / out["health"]["per_second"], 2)
    # What the ratio would be on a machine with nothing else to do: server CPU per request.
    out["chat_to_health_cpu"] = round(out["health"]["server_cpu_ms"]
                                      / out["chat"]["server_cpu_ms"], 2)
    out["rows"] = {"replies": len(ids), "stored": len(rows), "distinct": len(set(rows)),
                   "missing": len(set(ids) - set(rows)), "extra": len(set(rows) - set(ids)),
                   "drained_in_s": round(drained, 1)}
    if nginx:
        out["rows"]["retried_by_nginx"] = retried
    out["client_errors"] = len(errors)
    if errors:   # the servers' logs say why: kept
        out["first_errors"] = errors[:3]
        out["server_logs"] = str(tmp)
    else:
        shutil.rmtree(tmp, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite,postgresql",
                        help="comma-separated: sqlite, postgresql (default both)")
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--requests", type=int, default=2000, help="per phase")
    parser.add_argument("--rounds", type=int, default=2,
                        help="health then chat phases, this many times (load drifts)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--nginx", action="store_true", help="through nginx over HTTPS")
    parser.add_argument("--instances", type=int, default=1, help="behind nginx")
    parser.add_argument("--kill-after", type=float, default=0.0,
                        help="SIGKILL the first instance after this fraction of the chats")
    args = parser.parse_args()
    if (args.instances > 1 or args.kill_after) and not args.nginx:
        parser.error("--instances and --kill-after need --nginx")
    if args.kill_after and args.instances < 2:
        parser.error("--kill-after needs --instances 2 or more")
    for kind in args.database.split(","):
        print(json.dumps(run(kind.strip(), args)), flush=True)


if __name__ == "__main__":
    main()
