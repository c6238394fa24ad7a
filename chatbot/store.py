"""The exchange log: SQLAlchemy tables and the few queries the app needs.

One row per exchange. The visitor's text is kept only when the bot could not answer (that is
what staff need to see) and only after redaction: every text this module writes goes through
`private()` here, so no caller can store a visitor's words unredacted. Answered exchanges keep
the matched id and score. A database that is down never stops the bot: writes fail with
StoreError, which the caller logs.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

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
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from .errors import StoreError
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
    Column("text", Text),                                        # only when unanswered
    Column("session_id", String(64)),
    Column("helpful", Boolean),
)

def private(text: str | None) -> str | None:
    """What may be stored of a visitor's text: control characters stripped, personal data out."""
    return None if text is None else scrub(text)


def now() -> datetime:
    return datetime.now(UTC)


def _iso(value: datetime) -> str:
    if value.tzinfo is None:  # SQLite hands back naive datetimes; they were stored as UTC
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


class Store:
    """Read and write the exchange log at one database URL."""

    # Retention is applied by the writers themselves, at most this often per process.
    PURGE_EVERY = timedelta(hours=1)

    def __init__(self, url: str, *, retention_days: int | None = None, **engine_options):
        self.url = url
        self.retention_days = retention_days
        self._last_purge: datetime | None = None
        self.engine: Engine = create_engine(url, pool_pre_ping=True, **engine_options)
        if self.engine.dialect.name == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._ready = False

    def connect(self) -> bool:
        """Create missing tables; return False (and log) when the database is unreachable."""
        if self._ready:
            return True
        try:
            metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            log.error("log database unavailable (%s): %s", self.safe_url, exc.__class__.__name__)
            return False
        self._ready = True
        return True

    @property
    def safe_url(self) -> str:
        return self.engine.url.render_as_string(hide_password=True)

    def _run(self, statement, *, write: bool = False):
        if not self.connect():
            raise StoreError("log database unavailable")
        try:
            with (self.engine.begin() if write else self.engine.connect()) as conn:
                return conn.execute(statement)
        except SQLAlchemyError as exc:
            log.error("log database error: %s", exc.__class__.__name__)
            raise StoreError("log database error") from exc

    def record(self, *, query_id: str, answered: bool, reason: str, match_id: str | None = None,
               score: float | None = None, best_id: str | None = None,
               best_score: float | None = None, category: str | None = None,
               text: str | None = None, session_id: str | None = None) -> None:
        """Log one exchange; `text` is dropped unless the exchange went unanswered, and redacted."""
        self._run(exchanges.insert().values(
            id=query_id, created_at=now(), answered=answered, reason=reason, match_id=match_id,
            score=score, best_id=best_id, best_score=best_score, category=category,
            text=None if answered else private(text), session_id=session_id), write=True)
        if self.retention_days is not None and (
                self._last_purge is None or now() - self._last_purge > self.PURGE_EVERY):
            self._last_purge = now()
            self.purge(self.retention_days)

    def unanswered(self, *, limit: int = 50, offset: int = 0) -> tuple[list[dict], int]:
        """Return unanswered messages, newest first, and how many there are in all."""
        where = (exchanges.c.answered.is_(False)) & exchanges.c.text.is_not(None)
        rows = self._run(select(exchanges.c.id, exchanges.c.text, exchanges.c.created_at,
                                exchanges.c.best_id, exchanges.c.best_score, exchanges.c.reason)
                         .where(where)
                         .order_by(exchanges.c.created_at.desc(), exchanges.c.id.desc())
                         .limit(limit).offset(offset)).all()
        total = self._run(select(func.count()).select_from(exchanges).where(where)).scalar_one()
        items = [{"id": r.id, "text": r.text, "created_at": _iso(r.created_at),
                  "best_id": r.best_id, "best_score": r.best_score, "reason": r.reason}
                 for r in rows]
        return items, total

    def feedback(self, query_id: str, helpful: bool) -> bool:
        """Record a visitor's verdict on an answer; False if the exchange is unknown."""
        result = self._run(update(exchanges).where(exchanges.c.id == query_id)
                           .values(helpful=helpful), write=True)
        return result.rowcount > 0

    def stats(self) -> dict:
        """Count exchanges: total, answered, unanswered, helpful yes/no."""
        row = self._run(select(
            func.count(),
            func.count().filter(exchanges.c.answered.is_(True)),
            func.count().filter(exchanges.c.helpful.is_(True)),
            func.count().filter(exchanges.c.helpful.is_(False)),
        ).select_from(exchanges)).one()
        return {"total": row[0], "answered": row[1], "unanswered": row[0] - row[1],
                "helpful": row[2], "not_helpful": row[3]}

    def purge(self, older_than_days: int) -> int:
        """Delete exchanges older than the given number of days; return how many went."""
        cutoff = now() - timedelta(days=older_than_days)
        return self._run(delete(exchanges).where(exchanges.c.created_at < cutoff),
                         write=True).rowcount

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    # WAL lets the server's workers read while one writes; busy_timeout waits instead of failing.
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=5000")
    cursor.close()

