"""Durable log path: requests hand exchanges to a local journal; a writer drains it into the store.

    request --write--> inbox (this process's append-only file) --journal thread, every 0.1 s-->
        spool (SQLite file, WAL, one fsync per move) --writer thread--> Store (retries, backoff)

A request waits until its entry is written to its process's inbox file, at most WAIT_WRITTEN,
and never for the database: one write() of a line, the cost of which is what lets the chat
endpoint keep up. Written is safe from the process's death (SIGKILL, a crash): the kernel holds
the bytes. What is safe from the machine's (a power cut) is what the spool holds: each
process's journal thread moves its inbox there every POLL, in one fsync'd transaction that
also records how far the file was moved, so the fsync is shared by every entry of that
interval and each line is moved exactly once, whoever moves it. Group write without a thread in
between: the request that finds nobody writing the inbox writes what is in memory (its own
entry and those that came meanwhile); requests arriving during that write wait, and the first
of them writes the next lines. The journal thread also retries lines the disk refused (with
backoff, requests waiting WAIT_WRITTEN at most meanwhile) and writes entries whose requests
stopped waiting; at exit it moves what is left into the spool and removes its inbox.

One writer per spool drains it, in order, whichever process holds the spool's lock file: gunicorn's
workers share one spool, and a worker that dies (or a server stopped while the database was
down) leaves its entries to the next writer, which replays them: it moves the inbox of a
process that is gone (no one holds its flock) into the spool first. The database ignores an
exchange it already holds, so a replay stores nothing twice; an entry is marked done only
after the database committed it.

A vote (feedback) is applied once its exchange is in the database. Behind a load balancer
the exchange may be in another instance's journal still, so a vote that finds no row is tried
again, waiting longer each time, and given up after VOTE_TRIES tries (about nine minutes while
the database answers): the instance that gave the reply has written it by then, or no reply
ever had that id.

The spool holds at most `max_rows` entries not yet in the database. Past that, entries moved
in are refused: the visitor is still answered, the exchange is not logged, and the refusal is
counted (`dropped_log_rows` in /api/v1/health) and logged. Refusing the newest keeps what is
already spooled intact and needs no rewriting of the file. An inbox holding more than
INBOX_MAX bytes not yet moved (the spool cannot be written) refuses new entries the same way.
"""

from __future__ import annotations

import atexit
import collections
import contextlib
import fcntl
import json
import logging
import os
import sqlite3
import threading
import time
from pathlib import Path

from .errors import StoreError, StoreUnavailable
from .store import Entry, Store, exchange_entry, feedback_entry

log = logging.getLogger(__name__)

WAIT_WRITTEN = 0.2      # longest a request waits for its entry to reach its inbox, in seconds
BATCH = 200             # entries per database transaction
POLL = 0.1              # how often each process moves its inbox into the spool (the most an
                        # OS crash can lose), and the writer looks for entries to write
GATHER = 0.5            # after a partial batch, the writer lets the next one gather this long
PING_EVERY = 5.0        # an idle writer checks the database this often (health's "db")
BACKOFF = (0.1, 2.0)    # first and longest wait between tries while the database is out
KEEP_DONE = 24 * 3600   # ids of written entries stay (to trace what went where) this long
VOTE_BACKOFF = (1.0, 60.0)  # first and longest wait before a vote looks for its exchange again
VOTE_TRIES = 15         # then it is given up: 9 minutes (1+2+...+32+8x60 s) of waits
HOUSEKEEPING = 3600.0   # retention purge and spool pruning, at most this often
DEAD_EVERY = 1.0        # the writer looks for the inboxes of processes gone this often
MEMORY_MAX = 10_000     # entries held in memory while the inbox cannot be written
INBOX_BATCH = 1000      # entries per write to the inbox at most
INBOX_ROTATE = 4 << 20  # an inbox moved up to this size is removed and a new one begun,
INBOX_AGE = 10.0        # as is one this old (seconds): the visitor's words do not linger
INBOX_MAX = 16 << 20    # bytes an inbox may hold not yet moved (the spool unwritable)

SCHEMA = """
CREATE TABLE IF NOT EXISTS entries (
    seq INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL,
    query_id TEXT NOT NULL,
    payload TEXT,                 -- JSON; emptied once the database has the entry
    added REAL NOT NULL,
    done REAL,                    -- when the database committed it; NULL while pending
    failed TEXT,                  -- why the database rejected it (or gave up), if it did
    tries INTEGER NOT NULL DEFAULT 0,  -- a vote's tries while its exchange was not stored
    retry_at REAL                 -- a waiting vote is not tried again before this
);
CREATE INDEX IF NOT EXISTS entries_pending ON entries(seq) WHERE done IS NULL;
CREATE TABLE IF NOT EXISTS meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""
SPOOL_VERSION = 2       # PRAGMA user_version of a spool with the SCHEMA above


def init_app(app, store: Store, path: str | Path) -> Journal:
    """Give the app its journal; its threads start in the process that first uses it."""
    journal = Journal(store, path, max_rows=app.config["CHATBOT"]["JOURNAL_MAX_ROWS"])
    app.extensions["chatbot_journal"] = journal
    # gunicorn forks workers after the app is built: each starts its own threads lazily
    # (cheap pid check), so the first request, or the server's worker hook, starts them.
    app.before_request(journal.start)
    return journal


class Spool:
    """The journal file: entries pending for the database and the ids written lately."""

    def __init__(self, path: str | Path, *, max_rows: int):
        self.path = Path(path)
        self.max_rows = max_rows

    def connect(self, *, timeout: float = 5.0, durable: bool = True) -> sqlite3.Connection:
        """Open the spool (creating it if needed); autocommit, transactions are explicit.

        `durable=False` is for the writer: a mark of "done" lost in a crash only replays
        entries the database ignores, so its commits need not wait for the disk.
        """
        self.path.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(self.path, timeout=timeout, isolation_level=None,
                               check_same_thread=False)
        try:
            conn.execute("PRAGMA journal_mode=WAL")
            # FULL: every commit (one move of an inbox) is fsync'd: the inbox's lines are then
            # safe from a power cut too.
            conn.execute("PRAGMA synchronous=FULL" if durable else "PRAGMA synchronous=NORMAL")
            if conn.execute("PRAGMA user_version").fetchone()[0] < SPOOL_VERSION:
                conn.executescript(SCHEMA)
                _upgrade(conn)
        except sqlite3.Error:
            conn.close()
            raise
        return conn

    def append(self, conn: sqlite3.Connection, entries: list[Entry]) -> int:
        """Append entries in one fsync'd transaction; return how many were refused (full)."""
        with _transaction(conn):
            return self._insert(conn, [(e.kind, e.query_id, json.dumps(e.payload))
                                       for e in entries])

    def _insert(self, conn: sqlite3.Connection, rows: list[tuple[str, str, str]]) -> int:
        """Insert (kind, query_id, payload JSON) rows as far as there is room, in the caller's
        transaction; count and return the refused."""
        if not rows:
            return 0
        # Pending rows lie between the oldest pending seq and the newest: when that span
        # leaves room, no need to count them (a count reads every pending row's index entry).
        first, last = conn.execute(
            "SELECT (SELECT seq FROM entries WHERE done IS NULL ORDER BY seq LIMIT 1), "
            "(SELECT max(seq) FROM entries)").fetchone()
        span = 0 if first is None else last - first + 1
        pending = span if span + len(rows) <= self.max_rows else \
            self.pending_count(conn, waiting_votes=True)
        room = max(0, self.max_rows - pending)
        added = time.time()
        conn.executemany("INSERT INTO entries (kind, query_id, payload, added) VALUES (?, ?, ?, ?)",
                         [(*row, added) for row in rows[:room]])
        refused = len(rows) - min(room, len(rows))
        if refused:
            _bump(conn, "dropped", refused)
        return refused

    def take(self, conn: sqlite3.Connection, inboxes: list[Path]) -> tuple[int, int]:
        """Move the whole lines the inboxes hold past what was moved before into the spool, in
        one fsync'd transaction with how far each file was read; return (moved, refused).

        Whoever moves a file's lines (its process, a status check, the writer for a process
        that is gone), the offset read and written under the spool's write lock moves each
        line once. A line not whole yet is left for the next time.
        """
        # Only what grew since it was last moved costs a transaction (a health check's too).
        inboxes = [path for path in inboxes
                   if _size(path) > int(self.get(conn, "inbox:" + path.name, "0"))]
        if not inboxes:
            return 0, 0
        with _transaction(conn):
            rows, offsets = [], {}
            for path in inboxes:
                key = "inbox:" + path.name
                offset = int(self.get(conn, key, "0"))
                try:
                    with open(path, "rb") as file:
                        file.seek(offset)
                        data = file.read()
                except FileNotFoundError:   # removed by its process once all was moved
                    continue
                end = data.rfind(b"\n") + 1
                if end:
                    rows += _parse(data[:end], path)
                    offsets[key] = offset + end
            refused = self._insert(conn, rows)
            for key, offset in offsets.items():
                self.set(conn, key, str(offset))
        return len(rows) - refused, refused

    def untaken(self, conn: sqlite3.Connection, inboxes: list[Path]) -> int:
        """Count the lines the inboxes hold not moved into the spool yet (read only)."""
        count = 0
        for path in inboxes:
            try:
                with open(path, "rb") as file:
                    file.seek(int(self.get(conn, "inbox:" + path.name, "0")))
                    count += file.read().count(b"\n")
            except FileNotFoundError:
                continue
        return count

    def forget(self, conn: sqlite3.Connection, inbox: Path) -> None:
        """Remove an inbox all of which was moved, then its offset (in that order: a file
        whose offset is gone must be gone too, or its lines would be moved again)."""
        inbox.unlink(missing_ok=True)
        conn.execute("DELETE FROM meta WHERE key = ?", ("inbox:" + inbox.name,))

    def pending(self, conn: sqlite3.Connection, limit: int) -> list[tuple[int, Entry]]:
        """Return the oldest pending entries, exchanges before feedback (votes need the row).

        A vote waiting for its exchange (another instance's) is left out until its retry time.
        """
        # Two walks of the pending index in seq order, each stopping at `limit`: one query
        # ordering all pending rows by kind would sort the whole backlog for every batch.
        rows = conn.execute(
            "SELECT seq, kind, query_id, payload FROM entries WHERE done IS NULL "
            "AND kind = 'exchange' ORDER BY seq LIMIT ?", (limit,)).fetchall()
        if len(rows) < limit:
            rows += conn.execute(
                "SELECT seq, kind, query_id, payload FROM entries WHERE done IS NULL "
                "AND kind != 'exchange' AND (retry_at IS NULL OR retry_at <= ?) "
                "ORDER BY seq LIMIT ?", (time.time(), limit - len(rows))).fetchall()
        return [(seq, Entry(kind, query_id, json.loads(payload)))
                for seq, kind, query_id, payload in rows]

    def mark_done(self, conn: sqlite3.Connection, seqs: list[int], *,
                  failed: str | None = None, votes: list[tuple[int, str]] = ()) -> None:
        """Mark entries written; their payload (the visitor's text) is no longer kept.

        Entries the database rejected (`failed`) keep theirs, for a look, until pruned.
        `votes` (seq, query_id) were applied: older votes on the same reply still waiting
        are done too, or their retry would overwrite the newer vote.
        """
        with _transaction(conn):
            if failed is None:
                conn.executemany("UPDATE entries SET done = ?, payload = NULL WHERE seq = ?",
                                 [(time.time(), seq) for seq in seqs])
                conn.executemany("UPDATE entries SET done = ?, payload = NULL "
                                 "WHERE kind = 'feedback' AND query_id = ? AND seq < ? "
                                 "AND done IS NULL",
                                 [(time.time(), query_id, seq) for seq, query_id in votes])
            else:
                conn.executemany("UPDATE entries SET done = ?, failed = ? WHERE seq = ?",
                                 [(time.time(), failed, seq) for seq in seqs])
                _bump(conn, "dropped", len(seqs))

    def postpone(self, conn: sqlite3.Connection, seqs: list[int]) -> int:
        """Try these votes again later, each wait twice the last; return how many were given up.

        Their exchange is not in the database yet: it may still be in another instance's
        journal. Only tries count, not time, so an outage of the database costs none.
        """
        if not seqs:
            return 0
        marks = ",".join("?" * len(seqs))
        with _transaction(conn):
            conn.execute(f"UPDATE entries SET tries = tries + 1, retry_at = ? + "
                         f"min(?, ? * (1 << min(tries, 30))) WHERE seq IN ({marks})",
                         (time.time(), VOTE_BACKOFF[1], VOTE_BACKOFF[0], *seqs))
            # Kept for a look until pruned, like a rejected entry, but not counted as dropped:
            # a vote for an id no reply gave (a client's mistake or a guess) is not our loss.
            return conn.execute(
                f"UPDATE entries SET done = ?, failed = 'no_such_reply' "
                f"WHERE seq IN ({marks}) AND tries >= ?",
                (time.time(), *seqs, VOTE_TRIES)).rowcount

    def pending_count(self, conn: sqlite3.Connection, *, up_to: int | None = None,
                      waiting_votes: bool = False) -> int:
        """Count entries waiting for the database (up to a seq), votes waiting for their
        reply only if asked: those wait for another instance, not for the database."""
        sql = "SELECT count(*) FROM entries WHERE done IS NULL"
        if not waiting_votes:
            sql += " AND tries = 0"
        if up_to is None:
            return conn.execute(sql).fetchone()[0]
        return conn.execute(sql + " AND seq <= ?", (up_to,)).fetchone()[0]

    def last_seq(self, conn: sqlite3.Connection) -> int:
        return conn.execute("SELECT coalesce(max(seq), 0) FROM entries").fetchone()[0]

    def has_pending_exchange(self, conn: sqlite3.Connection, query_id: str) -> bool:
        return conn.execute("SELECT 1 FROM entries WHERE query_id = ? AND kind = 'exchange' "
                            "AND done IS NULL", (query_id,)).fetchone() is not None

    def get(self, conn: sqlite3.Connection, key: str, default: str | None = None) -> str | None:
        row = conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return default if row is None else row[0]

    def set(self, conn: sqlite3.Connection, key: str, value: str) -> None:
        conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) "
                     "ON CONFLICT (key) DO UPDATE SET value = excluded.value", (key, value))

    def prune(self, conn: sqlite3.Connection) -> int:
        """Forget written entries older than KEEP_DONE, and beyond the newest `max_rows`."""
        removed = conn.execute("DELETE FROM entries WHERE done IS NOT NULL AND done < ?",
                               (time.time() - KEEP_DONE,)).rowcount
        removed += conn.execute(
            "DELETE FROM entries WHERE done IS NOT NULL AND seq < (SELECT seq FROM entries "
            "WHERE done IS NOT NULL ORDER BY seq DESC LIMIT 1 OFFSET ?)",
            (self.max_rows,)).rowcount
        return removed


def _upgrade(conn: sqlite3.Connection) -> None:
    """Add the columns a spool written by an older version lacks (it may hold pending rows)."""
    have = {row[1] for row in conn.execute("PRAGMA table_info(entries)")}
    for column, definition in (("tries", "INTEGER NOT NULL DEFAULT 0"), ("retry_at", "REAL")):
        if column not in have:
            try:
                conn.execute(f"ALTER TABLE entries ADD COLUMN {column} {definition}")
            except sqlite3.OperationalError as exc:
                if "duplicate column" not in str(exc):   # another process just added it
                    raise
    # Version 1 indexed every entry's query_id, a page more to write for each append; the
    # lookups by query_id (votes) read the pending rows' index instead.
    conn.execute("DROP INDEX IF EXISTS entries_query")
    conn.execute(f"PRAGMA user_version = {SPOOL_VERSION}")


class _transaction:
    """BEGIN IMMEDIATE ... COMMIT on an autocommit connection (ROLLBACK on error)."""

    def __init__(self, conn: sqlite3.Connection):
        self.conn = conn

    def __enter__(self):
        self.conn.execute("BEGIN IMMEDIATE")

    def __exit__(self, exc_type, *_):
        self.conn.execute("ROLLBACK" if exc_type else "COMMIT")


def _bump(conn: sqlite3.Connection, key: str, by: int) -> None:
    conn.execute("INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) "
                 "DO UPDATE SET value = CAST(value AS INTEGER) + ?", (key, str(by), by))


def _line(entry: Entry) -> bytes:
    """An entry as one inbox line: [kind, query_id], a tab, the payload's JSON (which, like
    any JSON text, holds no tab or newline: the spool stores it as it is)."""
    return (json.dumps([entry.kind, entry.query_id]) + "\t"
            + json.dumps(entry.payload) + "\n").encode()


def _parse(data: bytes, path: Path) -> list[tuple[str, str, str]]:
    rows = []
    for line in data.decode(errors="replace").splitlines():
        try:
            head, payload = line.split("\t", 1)
            kind, query_id = json.loads(head)
        except ValueError:   # not written by _line: a damaged file
            log.error("journal: a damaged line in %s skipped: %.80r", path, line)
            continue
        rows.append((kind, query_id, payload))
    return rows


class Inbox:
    """This process's append-only file of entries on their way to the spool.

    It holds an exclusive flock on its file while it lives: a file no one holds the lock of is
    a dead process's, for the writer to move into the spool and remove. The file is made
    under a temporary name, locked, then renamed, so no one takes a new file for a dead one.
    """

    def __init__(self, folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.path = folder / f"{os.getpid()}-{os.urandom(4).hex()}.log"
        making = self.path.with_suffix(".new")
        self.fd = os.open(making, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_APPEND, 0o600)
        try:
            fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            os.rename(making, self.path)
        except OSError:
            os.close(self.fd)
            with contextlib.suppress(OSError):
                making.unlink()
            raise
        self.born = time.monotonic()
        self.size = 0       # what this process wrote (it alone writes the file)
        self.taken = 0      # how far this process last saw it moved into the spool
        self.broken = False

    def write(self, data: bytes) -> None:
        """Append whole lines, or raise leaving the file as it was (a failed write is cut off)."""
        try:
            done = 0
            while done < len(data):
                done += os.write(self.fd, data[done:])
        except OSError:
            try:
                os.ftruncate(self.fd, self.size)
            except OSError:
                self.broken = True   # a part of a line may stay: no line may follow it
            raise
        self.size += len(data)

    def close(self) -> None:
        if self.fd >= 0:
            os.close(self.fd)   # closing releases the flock
            self.fd = -1


def inboxes(folder: Path) -> list[Path]:
    """The inbox files in the folder (each keeps its lines in order; votes wait for their
    exchange whatever the order between files)."""
    try:
        return sorted(folder.glob("*.log"))
    except OSError:
        return []


def _size(path: Path) -> int:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return 0


def _dead(path: Path) -> bool:
    """Whether no process holds the inbox's flock (its process is gone)."""
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)


class Journal:
    """The per-app durable log path: in the inbox on the request, into the database off it."""

    def __init__(self, store: Store, path: str | Path, *, max_rows: int):
        self.store = store
        self.spool = Spool(path, max_rows=max_rows)
        self.inbox_folder = Path(str(path) + ".inbox")
        self._pid: int | None = None
        self._lockfile = None
        self._start_lock = threading.Lock()
        self._db: tuple[str, float] | None = None   # the writer's last word on the database
        self._housekept = -HOUSEKEEPING
        self._last_status = {"db": "down", "pending": 0, "dropped": 0}

    # -- life cycle -----------------------------------------------------------------------

    def start(self) -> None:
        """Start the journal and writer threads in this process (again after a fork)."""
        if self._pid == os.getpid():
            return
        with self._start_lock:
            if self._pid == os.getpid():
                return
            # Threads and locks do not survive a fork: everything is made anew in each process.
            # Guarded by _cond: entries (as inbox lines) not written yet, how many are being
            # written, whether someone writes (one at a time), whether the disk refused the
            # last lines (the journal thread retries them then), the inbox file.
            self._cond = threading.Condition()
            self._memory: collections.deque[bytes] = collections.deque()
            self._in_flight = 0
            self._writing = self._failing = False
            self._inbox: Inbox | None = None
            self._conn: sqlite3.Connection | None = None   # the journal thread's
            self._ticket = self._written = self._lost_here = 0
            self._stopping = threading.Event()
            self._wake = threading.Event()     # the writer: entries reached the spool
            self._hurry = threading.Event()    # the writer: someone waits for the database
            self._orphans = threading.Event()  # the journal thread: entries nobody waits for
            self._lockfile = None
            self._db = None
            # The spool is created (schema, WAL) here, before the threads: a health check and
            # the two threads creating it at once kept one another locked past the check's
            # timeout, and the check fell back to its last figures (0 pending).
            try:
                self.spool.connect().close()
            except (sqlite3.Error, OSError) as exc:   # the threads retry with backoff
                log.error("journal %s unwritable: %s", self.spool.path, exc)
            self._threads = [
                threading.Thread(target=self._journal_loop, name="journal", daemon=True),
                threading.Thread(target=self._writer_loop, name="journal-writer", daemon=True),
            ]
            for thread in self._threads:
                thread.start()
            self._pid = os.getpid()
            atexit.register(self.stop)

    def stop(self, timeout: float = 2.0) -> None:
        """Move what is still in memory and in the inbox into the spool, and stop; the spool
        keeps what is pending (an inbox that could not be moved is the next writer's)."""
        if self._pid != os.getpid() or self._stopping.is_set():
            return
        self._stopping.set()
        self._wake.set()
        self._hurry.set()
        self._orphans.set()
        for thread in self._threads:
            thread.join(timeout)
        if not self._threads[1].is_alive():
            self._release_lock()

    # -- the request side -----------------------------------------------------------------

    def log_exchange(self, query_id: str, **fields) -> None:
        """Journal one exchange (see Store.record for the fields)."""
        self._add(exchange_entry(query_id, **fields))

    def log_feedback(self, query_id: str, helpful: bool, comment: str | None = None) -> None:
        """Journal a visitor's vote (and comment); it reaches the database after its exchange."""
        self._add(feedback_entry(query_id, helpful, comment))

    def _add(self, entry: Entry) -> None:
        self.start()
        line = _line(entry)   # serialised once, outside the lock: the spool stores it as is
        with self._cond:
            inbox = self._inbox
            if len(self._memory) >= MEMORY_MAX or (
                    inbox is not None and inbox.size - inbox.taken > INBOX_MAX):
                self._lost_here += 1
                log.error("journal: %s full, %s %s not logged",
                          "memory" if len(self._memory) >= MEMORY_MAX else "inbox",
                          entry.kind, entry.query_id)
                return
            self._memory.append(line)
            self._ticket += 1
            ticket = self._ticket
            # Bounded: a slow or broken disk delays the answer by WAIT_WRITTEN at most.
            deadline = time.monotonic() + WAIT_WRITTEN
            while self._written < ticket:
                if not (self._writing or self._failing):
                    self._write_memory()   # nobody writes: this request does, for all waiting
                    continue
                left = deadline - time.monotonic()
                if left <= 0:
                    self._orphans.set()    # the journal thread writes it when it can
                    break
                self._cond.wait(left)

    def _write_memory(self) -> bool:
        """Write the oldest lines in memory to the inbox in one write; called, and returns,
        holding _cond, which it lets go of while writing. False: the disk refused them, and
        they are back in memory, first, for the journal thread to retry."""
        batch = [self._memory.popleft() for _ in range(min(len(self._memory), INBOX_BATCH))]
        self._writing, self._in_flight = True, len(batch)
        self._cond.release()
        try:
            self._inbox = self._inbox or Inbox(self.inbox_folder)
            self._inbox.write(b"".join(batch))
            error = None
        except OSError as exc:   # a full or broken disk: hold and retry
            error = exc
            if self._inbox is not None and self._inbox.broken:
                # Let go of it: the writer moves its whole lines as a dead process's.
                self._inbox.close()
                self._inbox = None
        finally:
            self._cond.acquire()
            self._writing, self._in_flight = False, 0
        if error is None:
            self._written += len(batch)
            self._failing = False
        else:
            self._memory.extendleft(reversed(batch))
            if not self._failing:
                self._orphans.set()
            self._failing = True
            log.error("journal inbox %s unwritable (%s): %d entries held in memory",
                      self.inbox_folder, error, len(self._memory))
        self._cond.notify_all()
        return error is None

    def status(self) -> dict:
        """Return {"db": "ok"|"down", "pending": N, "dropped": N} without touching the database.

        Every inbox is moved into the spool first, so what was refused for want of room is
        counted as dropped now, not a moment later.
        """
        mine = self._pid == os.getpid()
        in_memory = len(self._memory) + self._in_flight if mine else 0
        lost_here = self._lost_here if mine else 0
        try:
            conn = self.spool.connect(timeout=0.5)
            try:
                found = inboxes(self.inbox_folder)
                try:
                    self._take(conn, found)
                    untaken = 0
                except (sqlite3.Error, OSError) as exc:   # the spool unwritable: count them
                    log.warning("journal %s unwritable: %s", self.spool.path, exc)
                    untaken = self.spool.untaken(conn, found)
                status = {"db": self.spool.get(conn, "db", "down"),
                          "pending": self.spool.pending_count(conn) + untaken,
                          "dropped": int(self.spool.get(conn, "dropped", "0"))}
            finally:
                conn.close()
        except (sqlite3.Error, OSError) as exc:
            log.warning("journal %s unreadable: %s", self.spool.path, exc)
            status = dict(self._last_status)
        self._last_status = dict(status)
        status["pending"] += in_memory
        status["dropped"] += lost_here
        return status

    def settle(self, timeout: float = 1.0) -> bool:
        """Wait (at most `timeout`) until what was logged before now is in the database."""
        deadline = time.monotonic() + timeout
        if self._pid == os.getpid():
            with self._cond:
                ticket = self._ticket
                self._cond.wait_for(lambda: self._written >= ticket, timeout=timeout)
        try:
            conn = self.spool.connect(timeout=0.5)
        except (sqlite3.Error, OSError):
            return False
        try:
            self._take(conn, inboxes(self.inbox_folder))
            target = self.spool.last_seq(conn)
            while self.spool.pending_count(conn, up_to=target):
                if time.monotonic() > deadline or self.spool.get(conn, "db") == "down":
                    return False
                if self._pid == os.getpid():
                    self._hurry.set()
                time.sleep(0.02)
            return True
        except (sqlite3.Error, OSError):
            return False
        finally:
            conn.close()

    def drain(self, timeout: float = 5.0) -> int:
        """Write pending entries now when no running server does; return how many remain.

        For commands run while the server is stopped (`chatbot unanswered`): what the
        journal kept during an outage reaches the database before it is read.
        """
        if self._pid == os.getpid() or not self._take_lock():
            self.settle(timeout)
        else:
            try:
                conn = self.spool.connect()
                deadline = time.monotonic() + timeout
                try:
                    self._take_dead()
                    while (time.monotonic() < deadline
                           and self._drain_once(conn) in ("busy", "written")):
                        pass
                finally:
                    conn.close()
            except (sqlite3.Error, OSError) as exc:
                log.warning("journal %s unreadable: %s", self.spool.path, exc)
            finally:
                self._release_lock()
        return self.status()["pending"]

    # -- the inboxes -> spool ---------------------------------------------------------------

    def _take(self, conn: sqlite3.Connection, found: list[Path]) -> None:
        """Move these inboxes into the spool (the caller's connection, fsync'd)."""
        moved, refused = self.spool.take(conn, found)
        if refused:
            log.error("journal %s full (%d entries pending): %d not logged",
                      self.spool.path, self.spool.max_rows, refused)
        if moved and self._pid == os.getpid():
            self._wake.set()

    def _take_own(self) -> None:
        """The journal thread's move of this process's inbox; a full or old one is replaced:
        its lines hold the visitor's redacted words, which the spool keeps (until the
        database has them), and the inbox's copy no longer than INBOX_AGE."""
        inbox = self._inbox
        if inbox is None:
            return
        if inbox.size > inbox.taken:
            self._conn = self._conn or self.spool.connect()
            size = inbox.size   # what is written by now: the move reads at least that far
            self._take(self._conn, [inbox.path])
            inbox.taken = size
        if inbox.taken >= INBOX_ROTATE or time.monotonic() - inbox.born >= INBOX_AGE:
            with self._cond:
                while self._writing:
                    self._cond.wait()
                self._inbox = None     # the next write begins a new file
            self._retire(inbox)

    def _retire(self, inbox: Inbox) -> None:
        """Move the rest of an inbox no one writes any longer, then remove it. Should the
        spool refuse, the file is let go of, for the writer to move as a dead process's."""
        try:
            self._conn = self._conn or self.spool.connect()
            self._take(self._conn, [inbox.path])
            self.spool.forget(self._conn, inbox.path)
        finally:
            inbox.close()

    def _take_dead(self) -> None:
        """The writer's: move the inboxes of processes that are gone into the spool (fsync'd:
        the files are removed after), and remove them."""
        own = getattr(self, "_inbox", None)
        dead = [path for path in inboxes(self.inbox_folder)
                if (own is None or path != own.path) and _dead(path)]
        if not dead:
            return
        conn = self.spool.connect()
        try:
            for path in dead:
                self._take(conn, [path])
                self.spool.forget(conn, path)
                log.info("journal: the inbox %s of a process gone moved into the spool", path)
        finally:
            conn.close()

    # -- the journal thread: what no request writes -> inbox, inbox -> spool --------------

    def _journal_loop(self) -> None:
        delay = BACKOFF[0]
        while True:
            stopping = self._stopping.is_set()
            with self._cond:
                while self._writing:
                    self._cond.wait()
                written = self._write_memory() if self._memory else None
                if written is False and stopping and delay >= BACKOFF[1]:
                    lost = len(self._memory)
                    self._memory.clear()
                    self._lost_here += lost
                    self._written += lost
                    self._cond.notify_all()
                    log.error("journal inbox %s unwritable at exit: %d entries lost",
                              self.inbox_folder, lost)
                    break
                left = len(self._memory)
            try:
                self._take_own()
                moved = True
            except (sqlite3.Error, OSError) as exc:   # kept in the inbox: tried again
                log.error("journal %s unwritable: %s", self.spool.path, exc)
                self._conn = _close(self._conn)
                moved = False
            if written is False or not moved:
                if stopping and delay >= BACKOFF[1]:
                    break       # the inbox stays for the next writer
                time.sleep(delay)
                delay = min(delay * 2, BACKOFF[1])
                continue
            delay = BACKOFF[0]
            if stopping and not left:
                break
            if not left:
                self._orphans.wait(POLL)
                self._orphans.clear()
        with self._cond:
            inbox, self._inbox = self._inbox, None
        if inbox is not None:
            try:
                self._retire(inbox)
            except (sqlite3.Error, OSError) as exc:
                log.error("journal %s unwritable at exit: %s; the inbox %s is left for the "
                          "next writer", self.spool.path, exc, inbox.path)
        self._conn = _close(self._conn)

    # -- the writer thread: spool -> database ---------------------------------------------

    def _writer_loop(self) -> None:
        conn = None
        backoff = BACKOFF[0]
        looked_for_dead = -DEAD_EVERY
        while not self._stopping.is_set():
            if not self._take_lock():
                self._stopping.wait(1.0)   # another process drains this spool
                continue
            try:
                if time.monotonic() - looked_for_dead >= DEAD_EVERY:
                    looked_for_dead = time.monotonic()
                    self._take_dead()
                conn = conn or self.spool.connect(durable=False)
                outcome = self._drain_once(conn)
            except (sqlite3.Error, OSError) as exc:
                log.error("journal %s unreadable: %s", self.spool.path, exc)
                conn = _close(conn)
                outcome = "unavailable"
            except Exception:  # noqa: BLE001 - the writer must outlive any one bad batch
                log.exception("journal writer failed; retrying")
                outcome = "unavailable"
            if outcome == "unavailable":
                self._stopping.wait(backoff)
                backoff = min(backoff * 2, BACKOFF[1])
                continue
            backoff = BACKOFF[0]
            if outcome == "idle":
                self._wake.wait(POLL)
                self._wake.clear()
            elif outcome == "written":
                # Under steady load, writing each few rows as they come costs a database
                # transaction (and a spool one) per request, CPU the requests need. Rows are
                # safe on disk already: let them gather into larger batches (unless an admin
                # page of this process waits for them: settle()).
                self._hurry.wait(GATHER)
                self._hurry.clear()
        _close(conn)

    def _drain_once(self, conn: sqlite3.Connection) -> str:
        """Write one batch; return "busy" (a full one: more may follow), "written" (a partial
        one), "idle" (nothing to write) or "unavailable"."""
        rows = self.spool.pending(conn, BATCH)
        if not rows:
            return self._idle(conn)
        try:
            results = self.store.write([entry for _, entry in rows])
        except StoreUnavailable:
            self._set_db(conn, "down")
            return "unavailable"
        except Exception:  # noqa: BLE001 - some entry is unacceptable: find it, keep the rest
            return self._one_by_one(conn, rows)
        self._set_db(conn, "ok")
        self._settle_results(conn, rows, results)
        return "busy" if len(rows) == BATCH else "written"

    def _one_by_one(self, conn: sqlite3.Connection, rows: list[tuple[int, Entry]]) -> str:
        for seq, entry in rows:
            try:
                took = self.store.write([entry])
            except StoreUnavailable:
                self._set_db(conn, "down")
                return "unavailable"
            except Exception as exc:  # noqa: BLE001 - set aside, counted, never retried forever
                log.error("journal: the database rejected %s %s (%s); set aside in %s",
                          entry.kind, entry.query_id, exc, self.spool.path)
                cause = exc.__cause__ or exc    # the database's own error class says why
                self.spool.mark_done(conn, [seq], failed=cause.__class__.__name__)
                continue
            self._settle_results(conn, [(seq, entry)], took)
        self._set_db(conn, "ok")
        return "busy"

    def _settle_results(self, conn: sqlite3.Connection, rows, results) -> None:
        done, votes, waiting = [], [], []
        for (seq, entry), took in zip(rows, results, strict=True):
            if took:
                done.append(seq)
                if entry.kind == "feedback":
                    votes.append((seq, entry.query_id))
            # A vote whose exchange is still spooled here (appended after this batch was
            # read) is retried with the next batch; one whose exchange is elsewhere (another
            # instance's journal) is retried later, for a while.
            elif not self.spool.has_pending_exchange(conn, entry.query_id):
                waiting.append(seq)
        self.spool.mark_done(conn, done, votes=votes)
        if given_up := self.spool.postpone(conn, waiting):
            log.info("journal: %d vote(s) given up: no reply with their query_id was stored "
                     "in %d tries", given_up, VOTE_TRIES)

    def _idle(self, conn: sqlite3.Connection) -> str:
        now = time.monotonic()
        if self._db is None or now - self._db[1] > PING_EVERY or self._db[0] != "ok":
            ok = self.store.ping()
            self._set_db(conn, "ok" if ok else "down")
            if not ok:
                return "unavailable"
        if now - self._housekept >= HOUSEKEEPING:
            self._housekept = now
            try:
                self.store.purge_if_due()
            except StoreError as exc:
                log.warning("retention purge postponed: %s", exc)
            with _transaction(conn):
                self.spool.prune(conn)
        return "idle"

    def _set_db(self, conn: sqlite3.Connection, state: str) -> None:
        previous = self._db[0] if self._db else None
        self._db = (state, time.monotonic())
        if state != previous:
            if state == "down":
                log.warning("log database unavailable: entries stay in the journal %s",
                            self.spool.path)
            elif previous == "down":
                log.warning("log database back: writing the journal's entries")
        if state != previous or self.spool.get(conn, "db") != state:
            self.spool.set(conn, "db", state)

    def record_db_state(self, ok: bool) -> None:
        """Note the database's state in the journal (the server's start-up check)."""
        try:
            conn = self.spool.connect()
            try:
                self.spool.set(conn, "db", "ok" if ok else "down")
            finally:
                conn.close()
        except (sqlite3.Error, OSError) as exc:
            log.warning("journal %s unwritable: %s", self.spool.path, exc)

    # -- the writer's lock ----------------------------------------------------------------

    def _take_lock(self) -> bool:
        if self._lockfile is not None:
            return True
        try:
            self.spool.path.parent.mkdir(parents=True, exist_ok=True)
            lockfile = open(str(self.spool.path) + ".lock", "a+b")  # noqa: SIM115 - held open
        except OSError as exc:
            log.error("journal lock %s.lock: %s", self.spool.path, exc)
            return False
        try:
            fcntl.flock(lockfile, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            lockfile.close()
            return False
        self._lockfile = lockfile
        return True

    def _release_lock(self) -> None:
        if self._lockfile is not None:
            self._lockfile.close()   # closing releases the flock
            self._lockfile = None


def _close(conn: sqlite3.Connection | None) -> None:
    if conn is not None:
        with contextlib.suppress(sqlite3.Error):
            conn.close()
