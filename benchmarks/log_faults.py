"""Answer latency and log completeness while the PostgreSQL log database is healthy, hung, cut.

    python benchmarks/log_faults.py [--requests 200] [--workers 2]

Starts a real `chatbot serve` against the PostgreSQL on 127.0.0.1:5432 through the tests'
loopback fault proxy (tests/proxy.py), then measures chat and health latency in three phases
(healthy, frozen: the proxy holds every byte, cut: connections reset), and finally counts the
rows that reached the database against the replies given. Traffic stays on 127.0.0.1.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine, text

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from conftest import POSTGRES_URL, start_server, stop_server  # noqa: E402
from proxy import Proxy  # noqa: E402


def phase(server, name: str, requests: int, threads: int) -> tuple[list[str], dict]:
    chats, healths, ids, errors = [], [], [], []
    lock = threading.Lock()

    def worker(n: int) -> None:
        for i in range(requests // threads):
            message = ("i fell off my bike and the bone is sticking out of my leg" if i % 10 == 0
                       else f"do you sell bicycle helmets {name} {n}-{i}?")
            started = time.monotonic()
            response = server.chat(message)
            took = time.monotonic() - started
            with lock:
                chats.append(took)
                if response.status == 200:
                    ids.append(response.json()["query_id"])
                else:
                    errors.append(response.status)
            if i % 10 == 0:
                started = time.monotonic()
                server.request("GET", "/api/v1/health")
                with lock:
                    healths.append(time.monotonic() - started)

    pool = [threading.Thread(target=worker, args=(n,)) for n in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    chats.sort()
    return ids, {"phase": name, "chats": len(chats), "errors": len(errors),
                 "chat_p50_ms": round(statistics.median(chats) * 1000, 1),
                 "chat_p95_ms": round(chats[int(len(chats) * 0.95) - 1] * 1000, 1),
                 "chat_max_ms": round(chats[-1] * 1000, 1),
                 "health_max_ms": round(max(healths) * 1000, 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=200, help="chats per phase")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    args = parser.parse_args()

    schema = "bench_" + uuid.uuid4().hex[:8]
    admin = create_engine(POSTGRES_URL)
    with admin.begin() as conn:
        conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
    direct = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    proxy = Proxy(("127.0.0.1", 5432))
    url = direct.replace("@127.0.0.1:5432/", f"@127.0.0.1:{proxy.port}/")
    with tempfile.TemporaryDirectory() as tmp:
        server = start_server(Path(tmp), workers=args.workers, DATABASE_URL=url,
                              RATE_LIMIT="1000000/minute")
        try:
            issued, rows = [], []
            for name, fault in (("healthy", None), ("frozen", proxy.freeze),
                                ("cut", proxy.cut)):
                if fault:
                    fault()
                ids, row = phase(server, name, args.requests, threads=4)
                issued += ids
                rows.append(row)
                proxy.restore()
            started = time.monotonic()
            while server.request("GET", "/api/v1/health").json()["pending_log_rows"]:
                time.sleep(0.1)
            drained = time.monotonic() - started
        finally:
            stop_server(server)
            proxy.close()
    with admin.connect() as conn:
        stored = [r[0] for r in conn.execute(text(f"SELECT id FROM {schema}.exchanges"))]
    with admin.begin() as conn:
        conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
    for row in rows:
        print("  ".join(f"{k}={v}" for k, v in row.items()))
    print(f"replies={len(issued)} rows_stored={len(stored)} distinct={len(set(stored))} "
          f"missing={len(set(issued) - set(stored))} drained_in_s={drained:.1f}")


if __name__ == "__main__":
    main()
