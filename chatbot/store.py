"""The exchange log: SQLAlchemy tables, their migrations and the few queries the app needs.

One row per exchange. The visitor's text is kept, after redaction, where staff need it: when
the bot could not answer, answered weakly (a low score, or an out-of-scope-looking request
answered by a clinic entry), or a visitor voted the reply not helpful. Every other answer's
text is held for HOLD, so that a "not helpful" vote can still keep it,
then erased by the writer's hourly housekeeping (`Store.purge`). Every text bound for the
journal or the database (a message, a vote's comment) goes through `private()` here (in
`exchange_entry` and `feedback_entry`), so no caller can store a visitor's words unredacted.
Writes come from the journal's writer (journal.py) and are idempotent on the query id, so a
batch replayed after a crash or a lost commit acknowledgement stores each row once.

Every call runs under a deadline: PostgreSQL gets a connect timeout and a statement timeout,
SQLite a busy timeout, and a watchdog breaks the connection of a call that outlives its time
(a frozen proxy or server accepts bytes and never answers, which no server-side timeout sees).
A call that fails that way raises StoreUnavailable; it never hangs its thread.
"""

from __future__ import annotations

import functools
import logging
import math
import os
import socket
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import (
    Boolean,
    Column,
    DateTime,
    Float,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.engine import Connection, Engine, make_url
from sqlalchemy.exc import DBAPIError, OperationalError, SQLAlchemyError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from sqlalchemy.pool import NullPool

from .errors import StoreError, StoreUnavailable
from .redact import scrub

log = logging.getLogger(__name__)

metadata = MetaData()

exchanges = Table(
    "exchanges", metadata,
    Column("id", String(36), primary_key=True),                  # the API's query_id
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("answered", Boolean, nullable=False, index=True),
    Column("reason", String(20), nullable=False),
    Column("match_id", String(200)),
    Column("score", Float),
    Column("best_id", String(200)),
    Column("best_score", Float),
    Column("category", String(40)),
    Column("text", Text),                 # redacted; see the module's docstring for how long
    Column("session_id", String(64)),
    Column("helpful", Boolean),
    Column("lang", String(8)),            # the language the reply was written in
    Column("weak", Boolean),              # answered, but worth a look by staff (review.py)
    Column("comment", Text),              # the visitor's words with a vote, redacted
    Column("dismissed_at", DateTime(timezone=True)),  # staff dismissed it from review
)

EXCHANGE_FIELDS = ("answered", "reason", "match_id", "score", "best_id", "best_score",
                   "category", "text", "session_id", "lang", "weak")
# How long the text of an answer nobody needs to review is kept: a visitor's
# "not helpful" vote within this time keeps them (as the journal knows recent ids for a day).
HOLD = timedelta(days=1)
# The most exchanges one review (clusters) reads: the newest.
REVIEW_MAX = 2000

MIGRATIONS = Path(__file__).resolve().parent / "migrations"
# The revision a database created before migrations existed (by create_all) is at.
BASELINE = "0001"
# Any number of processes may start at once on a fresh database: one migrates, the rest wait.
MIGRATION_LOCK = 0x63686174626F74  # "chatbot"
MIGRATION_TIMEOUT = 60.0           # seconds an upgrade (and the wait for another's) may take


def now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


@dataclass(frozen=True)
class Entry:
    """One journal entry to apply: an exchange to insert or a feedback vote to set."""

    kind: str                 # "exchange" | "feedback"
    query_id: str
    payload: dict


class Store:
    """Read and write the exchange log at one database URL, every call under a deadline."""

    # Retention is applied by the journal's writer, at most this often.
    PURGE_EVERY = timedelta(hours=1)

    def __init__(self, url: str, *, timeout: float = 3.0, retention_days: int | None = None):
        self.url = url
        self.timeout = timeout
        self.retention_days = retention_days
        self._last_purge: datetime | None = None
        self._local = threading.local()
        self.engine: Engine = _engine(url, timeout)
        # Register each new DBAPI connection with the calling thread's deadline before the
        # dialect's first queries run on it, so those are guarded too.
        event.listen(self.engine, "do_connect", self._do_connect)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._ready = False

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    # -- schema ---------------------------------------------------------------------------

    def connect(self) -> bool:
        """Bring the schema up to date once; return False when the database is out."""
        if self._ready:
            return True
        try:
            self.migrate()
        except StoreError:
            return False
        return True

    def migrate(self) -> str:
        """Upgrade the schema to the newest migration under a lock; return the revision."""
        head = _head()
        # The usual case, an up-to-date schema, costs one quick query under the usual deadline;
        # only a real upgrade gets the long one (a hung database fails the quick check first).
        if self.revision() != head:
            self._call(_upgrade, write=True, timeout=MIGRATION_TIMEOUT)
        self._ready = True
        return head

    def revision(self) -> str | None:
        """Return the schema's current migration revision (None: no schema yet)."""
        def work(conn: Connection):
            if "alembic_version" not in inspect(conn).get_table_names():
                return None
            return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return self._call(work)

    # -- writes ---------------------------------------------------------------------------

    def write(self, entries: Iterable[Entry]) -> list[bool]:
        """Apply entries in order in one transaction; return, per entry, whether it took effect.

        An exchange already stored is left as it is (a replay); a feedback vote for an
        exchange the database does not hold has no effect (False), the caller decides why.
        """
        entries = list(entries)
        self._ensure_schema()

        def work(conn: Connection) -> list[bool]:
            done: list[bool] = []
            rows: list[dict] = []

            def insert_rows():
                # One executemany for a run of exchanges: per-row statements cost the
                # writer more CPU than the requests that logged them.
                if rows:
                    conn.execute(self._insert_ignoring_duplicates(), rows)
                    done.extend([True] * len(rows))
                    rows.clear()

            for entry in entries:
                if entry.kind == "exchange":
                    rows.append(_row(entry))
                    continue
                insert_rows()
                if entry.kind == "feedback":
                    # A second vote replaces the first, its comment included.
                    result = conn.execute(update(exchanges)
                                          .where(exchanges.c.id == entry.query_id)
                                          .values(helpful=bool(entry.payload["helpful"]),
                                                  comment=entry.payload.get("comment")))
                    done.append(result.rowcount > 0)
                else:
                    raise StoreError(f"unknown journal entry kind {entry.kind!r}")
            insert_rows()
            return done

        return self._call(work, write=True)

    def record(self, *, query_id: str, created_at: datetime | None = None, **fields) -> None:
        """Log one exchange now (idempotent); `text` is dropped unless it went unanswered."""
        self.write([exchange_entry(query_id, created_at=created_at, **fields)])

    def feedback(self, query_id: str, helpful: bool, comment: str | None = None) -> bool:
        """Record a visitor's verdict on an answer now; False if the exchange is unknown."""
        return self.write([feedback_entry(query_id, helpful, comment)])[0]

    def purge(self, older_than_days: int) -> int:
        """Delete exchanges older than the given number of days; return how many went.

        Also erase the text held (HOLD) of answers nobody needs to review.
        """
        self._ensure_schema()
        cutoff = now() - timedelta(days=older_than_days)
        held = now() - HOLD
        c = exchanges.c

        def work(conn: Connection) -> int:
            removed = conn.execute(delete(exchanges).where(c.created_at < cutoff)).rowcount
            conn.execute(update(exchanges)
                         .where(c.created_at < held, c.answered.is_(True), c.weak.is_not(True),
                                c.helpful.is_not(False), c.text.is_not(None))
                         .values(text=None))
            return removed

        return self._call(work, write=True)

    def purge_if_due(self) -> int:
        """Apply the retention period if the last purge is older than PURGE_EVERY."""
        if self.retention_days is None or (
                self._last_purge is not None and now() - self._last_purge < self.PURGE_EVERY):
            return 0
        self._last_purge = now()
        return self.purge(self.retention_days)

    # -- reads ----------------------------------------------------------------------------

    def ping(self) -> bool:
        """Return whether the database answers a trivial query within the deadline."""
        try:
            self._call(lambda conn: conn.execute(text("SELECT 1")).scalar())
        except StoreError:
            return False
        return True

    def exists(self, query_id: str) -> bool:
        """Return whether an exchange with this query id is stored."""
        self._ensure_schema()
        return self._call(lambda conn: conn.execute(
            select(exchanges.c.id).where(exchanges.c.id == query_id)).first() is not None)

    def unanswered(self, *, limit: int = 50, offset: int = 0,
                   lang: str | None = None) -> tuple[list[dict], int]:
        """Return unanswered messages (in one language, if given), newest first, and how many
        there are in all."""
        self._ensure_schema()
        where = (exchanges.c.answered.is_(False)) & exchanges.c.text.is_not(None)
        if lang is not None:
            where &= exchanges.c.lang == lang

        def work(conn: Connection):
            rows = conn.execute(
                select(exchanges.c.id, exchanges.c.text, exchanges.c.created_at,
                       exchanges.c.best_id, exchanges.c.best_score, exchanges.c.reason,
                       exchanges.c.lang)
                .where(where)
                .order_by(exchanges.c.created_at.desc(), exchanges.c.id.desc())
                .limit(limit).offset(offset)).all()
            total = conn.execute(select(func.count()).select_from(exchanges)
                                 .where(where)).scalar_one()
            return rows, total

        rows, total = self._call(work)
        items = [{"id": r.id, "text": r.text, "created_at": _iso(r.created_at),
                  "best_id": r.best_id, "best_score": r.best_score, "reason": r.reason,
                  "lang": r.lang}
                 for r in rows]
        return items, total

    def stats(self, days: int = 30, *, top: int = 10) -> dict:
        """Count the exchanges of the last `days` days (UTC, today included): in all, per day,
        per language, and the entries answered with most."""
        self._ensure_schema()
        today = now().date()
        first = today - timedelta(days=days - 1)
        c = exchanges.c
        since = c.created_at >= datetime(first.year, first.month, first.day, tzinfo=UTC)
        answered = func.count().filter(c.answered.is_(True))

        def work(conn: Connection):
            totals = conn.execute(select(
                func.count(), answered, func.count().filter(c.helpful.is_(True)),
                func.count().filter(c.helpful.is_(False))).where(since)).one()
            day = self._day(c.created_at)
            per_day = conn.execute(select(day, func.count(), answered).where(since)
                                   .group_by(day)).all()
            langs = conn.execute(select(c.lang, func.count()).where(since, c.lang.is_not(None))
                                 .group_by(c.lang)).all()
            entries = conn.execute(
                select(c.match_id, func.count().label("n"))
                .where(since, c.answered.is_(True), c.match_id.is_not(None),
                       c.reason != "urgent")
                .group_by(c.match_id).order_by(func.count().desc(), c.match_id)
                .limit(top)).all()
            return totals, per_day, langs, entries

        totals, per_day, langs, entries = self._call(work)
        counts = {str(d)[:10]: (n, a) for d, n, a in per_day}
        dates = [first + timedelta(days=i) for i in range(days)]
        return {
            "messages": totals[0], "answered": totals[1], "unanswered": totals[0] - totals[1],
            "helpful": totals[2], "not_helpful": totals[3],
            "answer_rate": round(totals[1] / totals[0], 4) if totals[0] else 0.0,
            "top_entries": [{"id": match_id, "count": n} for match_id, n in entries],
            "per_day": [{"date": d.isoformat(), "messages": counts.get(d.isoformat(), (0, 0))[0],
                         "answered": counts.get(d.isoformat(), (0, 0))[1]} for d in dates],
            "languages": dict(sorted(langs)),
        }

    def _day(self, column):
        """The UTC calendar day of a timestamp column, as SQL."""
        if self.engine.dialect.name == "postgresql":
            return func.date(func.timezone("UTC", column))
        return func.date(column)   # SQLite keeps the UTC wall time as text

    def review(self, *, days: int = 30, limit: int = REVIEW_MAX) -> list[dict]:
        """Return the exchanges for staff to review, newest first: unanswered, answered weakly,
        or voted not helpful, with their text, not dismissed, from the last `days` days."""
        self._ensure_schema()
        c = exchanges.c
        where = (c.created_at >= now() - timedelta(days=days), c.dismissed_at.is_(None),
                 c.text.is_not(None),
                 c.answered.is_(False) | c.weak.is_(True) | c.helpful.is_(False))
        rows = self._call(lambda conn: conn.execute(
            select(c.id, c.created_at, c.text, c.lang, c.answered, c.reason, c.match_id,
                   c.score, c.best_id, c.best_score, c.helpful, c.weak, c.comment)
            .where(*where).order_by(c.created_at.desc(), c.id.desc()).limit(limit)).all())
        out = []
        for r in rows:
            item = dict(r._mapping)
            item["created_at"] = _iso(r.created_at)
            item["kind"] = ("not_helpful" if r.helpful is False else
                            "unanswered" if not r.answered else "weak_answer")
            out.append(item)
        return out

    def dismiss(self, ids: Iterable[str]) -> int:
        """Mark exchanges as dismissed by staff (no longer reviewed); return how many."""
        ids = list(ids)
        self._ensure_schema()
        return self._call(lambda conn: conn.execute(
            update(exchanges).where(exchanges.c.id.in_(ids), exchanges.c.dismissed_at.is_(None))
            .values(dismissed_at=now())).rowcount, write=True)

    def dispose(self) -> None:
        self.engine.dispose()

    # -- the guarded call -----------------------------------------------------------------

    def _ensure_schema(self) -> None:
        if not self._ready:
            self.migrate()

    def _insert_ignoring_duplicates(self):
        dialect = self.engine.dialect.name
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        elif dialect == "sqlite":
            from sqlalchemy.dialects.sqlite import insert
        else:
            raise StoreError(f"the log database must be PostgreSQL or SQLite, not {dialect}")
        return insert(exchanges).on_conflict_do_nothing(index_elements=["id"])

    def _call(self, work: Callable[[Connection], object], *, write: bool = False,
              timeout: float | None = None):
        """Run `work` on a connection within the deadline; map failures to StoreError."""
        for attempt in (1, 2):
            started = time.monotonic()
            deadline = _Deadline((timeout or self.timeout) + 0.5)
            self._local.deadline = deadline
            try:
                with deadline, self.engine.connect() as conn:
                    deadline.watch(conn.connection.dbapi_connection)
                    if not write:
                        return work(conn)
                    with conn.begin():
                        return work(conn)
            except SQLAlchemyError as exc:
                # A pooled connection the server dropped since (a restart) fails at once;
                # the pool is then renewed and one more try is the honest answer.
                if (attempt == 1 and isinstance(exc, DBAPIError) and exc.connection_invalidated
                        and not deadline.expired and time.monotonic() - started < 0.5):
                    continue
                self._ready = False   # a database replaced or emptied since gets its schema
                raise _store_error(exc, deadline.expired) from exc
            finally:
                self._local.deadline = None
        raise AssertionError("unreachable")

    def _do_connect(self, dialect, _record, cargs, cparams):
        dbapi_connection = dialect.connect(*cargs, **cparams)
        deadline = getattr(self._local, "deadline", None)
        if deadline is not None:
            deadline.watch(dbapi_connection)
        return dbapi_connection


def _row(entry: Entry) -> dict:
    """The exchanges row of a journal entry (every column, so rows share one statement)."""
    values = {name: entry.payload.get(name) for name in EXCHANGE_FIELDS}
    # An answer's (redacted) text is kept for HOLD, so a "not helpful" vote can show it.
    values.update(id=entry.query_id,
                  created_at=datetime.fromisoformat(entry.payload["created_at"]))
    return values


def private(text: str | None) -> str | None:
    """What may be stored of a visitor's text: control characters stripped, personal data out."""
    return None if text is None else scrub(text)


def exchange_entry(query_id: str, *, created_at: datetime | None = None, **fields) -> Entry:
    """Return the journal entry of one exchange, stamped now unless `created_at` is given; its
    text redacted (the journal on disk is storage too)."""
    unknown = set(fields) - set(EXCHANGE_FIELDS)
    if unknown:
        raise TypeError(f"unknown exchange field(s): {', '.join(sorted(unknown))}")
    payload = {name: fields.get(name) for name in EXCHANGE_FIELDS}
    payload["created_at"] = (created_at or now()).isoformat()
    payload["text"] = private(payload["text"])
    return Entry("exchange", query_id, payload)


def feedback_entry(query_id: str, helpful: bool, comment: str | None = None) -> Entry:
    """Return the journal entry of a visitor's vote (a later vote replaces it); its comment
    redacted."""
    return Entry("feedback", query_id, {"helpful": bool(helpful), "comment": private(comment)})


def _engine(url: str, timeout: float) -> Engine:
    parsed = make_url(url)
    options: dict = {}
    if parsed.get_backend_name() == "postgresql":
        ms = int(timeout * 1000)
        extra = f"-c statement_timeout={ms} -c lock_timeout={ms}"
        given = parsed.query.get("options")
        given = " ".join(given) if isinstance(given, tuple) else given
        connect_args = {
            "options": f"{given} {extra}" if given else extra,
            # libpq's floor is 2 s; keepalives notice a peer that vanished off the network.
            "connect_timeout": max(2, math.ceil(timeout)),
            "keepalives": 1, "keepalives_idle": 10, "keepalives_interval": 5,
            "keepalives_count": 3,
        }
        for key in list(connect_args):
            if key in parsed.query and key != "options":
                del connect_args[key]   # the URL's own choice wins
        options = {"connect_args": connect_args, "pool_timeout": timeout}
    elif parsed.get_backend_name() == "sqlite":
        options = {"connect_args": {"timeout": timeout}}
        if parsed.database not in (None, "", ":memory:"):
            # A fresh connection per call (cheap for a file) sees a file made read-only or
            # replaced since; a pooled one would keep its old handle.
            options["poolclass"] = NullPool
    return create_engine(url, **options)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets readers (admin pages, other processes) read while the writer writes.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.close()


def _upgrade(conn: Connection) -> str:
    """Upgrade the schema on this connection (inside its transaction), serialised by a lock."""
    from alembic import command
    from alembic.config import Config
    from alembic.runtime.migration import MigrationContext

    ms = int(MIGRATION_TIMEOUT * 1000)
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"SET LOCAL statement_timeout = {ms}")
        conn.exec_driver_sql(f"SET LOCAL lock_timeout = {ms}")
        conn.execute(text("SELECT pg_advisory_xact_lock(:key)"), {"key": MIGRATION_LOCK})
    elif conn.dialect.name == "sqlite":
        # Take SQLite's write lock now: a second process waits here instead of racing to
        # create the same tables.
        conn.exec_driver_sql(f"PRAGMA busy_timeout = {ms}")
        conn.exec_driver_sql("BEGIN IMMEDIATE")
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["connection"] = conn
    tables = inspect(conn).get_table_names()
    if "exchanges" in tables and "alembic_version" not in tables:
        command.stamp(config, BASELINE)   # created by create_all before migrations existed
    command.upgrade(config, "head")
    return MigrationContext.configure(conn).get_current_revision()


@functools.cache
def _head() -> str:
    from alembic.script import ScriptDirectory

    return ScriptDirectory(str(MIGRATIONS)).get_current_head()


class _Deadline:
    """Break the connections of a call that outlives `seconds` (from a timer thread)."""

    def __init__(self, seconds: float):
        self.seconds = seconds
        self.expired = False
        self._connections: list = []
        self._lock = threading.Lock()
        self._timer: threading.Timer | None = None

    def __enter__(self):
        self._timer = threading.Timer(self.seconds, self._expire)
        self._timer.daemon = True
        self._timer.start()
        return self

    def __exit__(self, *_exc):
        self._timer.cancel()

    def watch(self, dbapi_connection) -> None:
        with self._lock:
            self._connections.append(dbapi_connection)
            expired = self.expired
        if expired:
            _interrupt(dbapi_connection)

    def _expire(self) -> None:
        with self._lock:
            self.expired = True
            connections = list(self._connections)
        for dbapi_connection in connections:
            _interrupt(dbapi_connection)


def _interrupt(dbapi_connection) -> None:
    """Make a blocked call on this DBAPI connection fail now."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        dbapi_connection.interrupt()
        return
    try:
        # Shutting the socket down wakes the thread waiting on it (the server "closed the
        # connection"); the driver raises and SQLAlchemy drops the connection from its pool.
        sock = socket.socket(fileno=os.dup(dbapi_connection.fileno()))
    except (AttributeError, OSError, ValueError):
        return
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    finally:
        sock.close()


def _store_error(exc: SQLAlchemyError, expired: bool) -> StoreError:
    if expired:
        return StoreUnavailable("log database did not answer in time")
    if isinstance(exc, OperationalError | PoolTimeout) or (
            isinstance(exc, DBAPIError) and exc.connection_invalidated):
        # Down, refused, locked, read-only, full, timed out server-side: all pass with time.
        # The journal's writer reports the change of state once; this is the detail.
        log.info("log database unavailable: %s", _first_line(exc))
        return StoreUnavailable("log database unavailable")
    log.error("log database error: %s", _first_line(exc))
    return StoreError(f"log database error ({exc.__class__.__name__})")


def _first_line(exc: SQLAlchemyError) -> str:
    original = getattr(exc, "orig", None) or exc
    lines = str(original).splitlines()
    return f"{original.__class__.__name__}: {lines[0] if lines else ''}"
