"""The async engine: SQLite (embedded default) or PostgreSQL through psycopg 3."""

from __future__ import annotations

from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine

from cloud_api.lib.settings import Settings


def make_engine(settings: Settings) -> AsyncEngine:
    if settings.is_sqlite:
        engine = create_async_engine(settings.database_url, connect_args={"timeout": 30})
        event.listen(engine.sync_engine, "connect", _sqlite_pragmas)
        return engine
    # Connections are kept, not churned: an overflow connection is closed when returned, and
    # opening a PostgreSQL connection (a new backend process) costs more than waiting for one.
    return create_async_engine(
        settings.database_url,
        pool_size=settings.db_pool_size,
        max_overflow=max(2, settings.db_pool_size // 4),
        pool_timeout=30,
    )


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    """WAL so readers never wait for the writer; foreign keys on (SQLite has them off)."""
    cursor = dbapi_conn.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def make_sessionmaker(engine: AsyncEngine) -> async_sessionmaker:
    return async_sessionmaker(engine, expire_on_commit=False)


def libpq_url(database_url: str) -> str:
    """``postgresql+psycopg://...`` -> ``postgresql://...`` for a plain psycopg connection."""
    scheme, sep, rest = database_url.partition("://")
    return f"{scheme.split('+', 1)[0]}{sep}{rest}"
