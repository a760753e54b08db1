"""The two reads every agent connection makes, on the shortest path to the database.

After a cloud restart the whole fleet reconnects at once: each socket looks up its device
credential and asks whether anything is due. Through SQLAlchemy each of those point reads
costs about a millisecond of CPU; straight through psycopg, a fifth of that. On PostgreSQL
they go through a small pool of autocommit psycopg connections; on SQLite (one process, the
embedded default) through the SQLAlchemy engine.
"""

from __future__ import annotations

import asyncio
from typing import Any, Protocol

import psycopg
from sqlalchemy import exists, func, select
from sqlalchemy.ext.asyncio import AsyncEngine

from cloud_api.db.models import Command, Device, SiteConfigVersion

OPEN_STATUSES = ("queued", "sent")
_DEVICE_SQL = "SELECT secret_hash, site_id, club_id, revoked_at FROM devices WHERE id = %s"
_PROBE_SQL = (
    "SELECT (SELECT max(version) FROM site_configs WHERE site_id = %s),"
    " EXISTS (SELECT 1 FROM commands WHERE site_id = %s AND status IN ('queued', 'sent'))"
)


class FastReads(Protocol):
    async def device(self, device_id: str) -> tuple[str, str, str, Any] | None:
        """(secret_hash, site_id, club_id, revoked_at) of a device, or None."""
        ...

    async def probe(self, site_id: str) -> tuple[int, bool]:
        """(published config version, whether any command is queued or unacknowledged)."""
        ...

    async def close(self) -> None: ...


class PgPool:
    """A few autocommit psycopg connections, opened on demand and kept."""

    def __init__(self, conninfo: str, size: int, setup: str | None = None) -> None:
        self._conninfo = conninfo
        self._size = size
        self._setup = setup
        self._idle: asyncio.Queue[psycopg.AsyncConnection] = asyncio.Queue()
        self._opened = 0

    async def _get(self) -> psycopg.AsyncConnection:
        if self._idle.empty() and self._opened < self._size:
            self._opened += 1
            try:
                conn = await psycopg.AsyncConnection.connect(self._conninfo, autocommit=True)
                if self._setup:
                    await conn.execute(self._setup)
                return conn
            except Exception:
                self._opened -= 1
                raise
        return await self._idle.get()

    async def run(self, sql: str, params: Any, *, fetch: bool = True) -> tuple[Any, ...] | None:
        """Execute one statement on an idle connection (retried once if the connection dropped)."""
        for attempt in (1, 2):
            conn = await self._get()
            try:
                cursor = await conn.execute(sql, params, prepare=True)
                row = await cursor.fetchone() if fetch else None
            except psycopg.OperationalError:
                self._opened -= 1
                await conn.close()
                if attempt == 2:
                    raise
                continue
            except BaseException:
                self._idle.put_nowait(conn)
                raise
            self._idle.put_nowait(conn)
            return row
        return None

    async def close(self) -> None:
        while not self._idle.empty():
            await self._idle.get_nowait().close()


class PostgresReads:
    def __init__(self, conninfo: str, size: int = 8) -> None:
        self._pool = PgPool(conninfo, size)

    async def _fetchone(self, sql: str, params: tuple[Any, ...]) -> tuple[Any, ...] | None:
        return await self._pool.run(sql, params)

    async def device(self, device_id: str) -> tuple[str, str, str, Any] | None:
        return await self._fetchone(_DEVICE_SQL, (device_id,))  # type: ignore[return-value]

    async def probe(self, site_id: str) -> tuple[int, bool]:
        row = await self._fetchone(_PROBE_SQL, (site_id, site_id))
        return (row[0] or 0, bool(row[1])) if row else (0, False)

    async def close(self) -> None:
        await self._pool.close()


class EngineReads:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine.execution_options(isolation_level="AUTOCOMMIT")

    async def device(self, device_id: str) -> tuple[str, str, str, Any] | None:
        query = select(Device.secret_hash, Device.site_id, Device.club_id, Device.revoked_at).where(
            Device.id == device_id
        )
        async with self._engine.connect() as conn:
            row = (await conn.execute(query)).first()
        return tuple(row) if row else None  # type: ignore[return-value]

    async def probe(self, site_id: str) -> tuple[int, bool]:
        query = select(
            select(func.max(SiteConfigVersion.version))
            .where(SiteConfigVersion.site_id == site_id)
            .scalar_subquery(),
            exists().where(Command.site_id == site_id, Command.status.in_(OPEN_STATUSES)),
        )
        async with self._engine.connect() as conn:
            version, due = (await conn.execute(query)).one()
        return version or 0, bool(due)

    async def close(self) -> None:
        return None
