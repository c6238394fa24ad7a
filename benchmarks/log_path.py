"""CPU of the log path alone, per exchange: the request's share, the journal's threads, the insert.

    python benchmarks/log_path.py [--database sqlite,postgresql] [--exchanges 3000] [--threads 4]

In one process, `--threads` threads hand exchanges to a Journal (as request threads do, a
couple of milliseconds apart), then wait until the database has them all. Reports the
process's CPU time (every thread: requests, journal thread, writer, the database driver) per
exchange. The entries are built before the clock starts: building one redacts its text
(store.exchange_entry), which is redaction's cost, measured in benchmarks/redaction.py.
PostgreSQL is the one on 127.0.0.1:5432 (a fresh schema, dropped afterwards).
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

from sqlalchemy import create_engine

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))
from chatbot.journal import Journal  # noqa: E402
from chatbot.store import Store, exchange_entry  # noqa: E402
from conftest import POSTGRES_URL  # noqa: E402


def run(kind: str, exchanges: int, threads: int) -> dict:
    folder = Path(tempfile.mkdtemp(prefix="log-path-"))
    if kind == "sqlite":
        url, admin, schema = f"sqlite:///{folder}/log.sqlite3", None, None
    else:
        schema = "log_path_" + uuid.uuid4().hex[:8]
        admin = create_engine(POSTGRES_URL)
        with admin.begin() as conn:
            conn.exec_driver_sql(f"CREATE SCHEMA {schema}")
        url = f"{POSTGRES_URL}?options=-csearch_path%3D{schema}"
    store = Store(url)
    journal = Journal(store, folder / "journal.sqlite3", max_rows=1_000_000)
    try:
        journal.log_exchange(str(uuid.uuid4()), answered=True, reason="answer")
        assert journal.settle(timeout=30), "the first exchange did not reach the database"
        entries = [exchange_entry(str(uuid.uuid4()), answered=True, reason="answer",
                                  match_id="knee-replacement-recovery", score=0.91,
                                  best_id="knee-replacement-recovery", best_score=0.91,
                                  category="knee", lang="en", weak=False,
                                  session_id="5f1c0e9d2a7b4c3e",
                                  text="How long is the recovery after a knee replacement?")
                   for _ in range(exchanges)]

        def request_thread(k: int) -> None:
            for entry in entries[k::threads]:
                journal._add(entry)   # what log_exchange does once the entry is built
                time.sleep(0.002)     # requests come apart, as to a server

        cpu, wall = time.process_time(), time.perf_counter()
        workers = [threading.Thread(target=request_thread, args=(k,)) for k in range(threads)]
        for worker in workers:
            worker.start()
        for worker in workers:
            worker.join()
        settled = journal.settle(timeout=60)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        stored = store.stats(days=1)["messages"]
    finally:
        journal.stop()
        store.dispose()
        if admin is not None:
            with admin.begin() as conn:
                conn.exec_driver_sql(f"DROP SCHEMA {schema} CASCADE")
            admin.dispose()
        shutil.rmtree(folder, ignore_errors=True)
    return {"database": kind, "exchanges": exchanges, "threads": threads,
            "cpu_ms_per_exchange": round(cpu * 1000 / exchanges, 3),
            "seconds": round(wall, 2), "settled": settled, "stored": stored - 1,
            "load": round(os.getloadavg()[0], 1)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", default="sqlite,postgresql")
    parser.add_argument("--exchanges", type=int, default=3000)
    parser.add_argument("--threads", type=int, default=4)
    args = parser.parse_args()
    for kind in args.database.split(","):
        print(json.dumps(run(kind.strip(), args.exchanges, args.threads)), flush=True)


if __name__ == "__main__":
    main()
