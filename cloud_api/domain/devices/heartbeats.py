"""Heartbeats stored in batches: one INSERT of many rows and one upsert of the sites' status.

Each request waits until its row is committed (a 204 means stored), but thousands of
requests share one transaction: the writer takes whatever arrived while the previous batch
was being written. That is what lets one instance keep up with a large fleet.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

import psycopg
from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from cloud_api.db.base import utcnow
from cloud_api.db.fastreads import PgPool
from cloud_api.db.models import HeartbeatRow, SiteStatus
from neopro.contracts.device_api import Heartbeat

from .auth import DeviceIdentity

MAX_BATCH = 1000
IN_FLIGHT = 4
_FIELDS = (
    "software_version", "applied_config_version", "applied_at", "on_air", "cpu_percent", "temperature_c",
    "disk_percent", "memory_percent", "uptime_s", "outbox_backlog",
)  # fmt: skip
log = logging.getLogger("cloud_api.heartbeats")

# Telemetry, not money: a crash may lose the last fraction of a second of heartbeats, never
# corrupt anything, so the commit need not wait for the disk.
_ASYNC_COMMIT = "SET synchronous_commit TO OFF"
_PG_COLUMNS = ("site_id", "device_id", "received_at", *_FIELDS)
_PG_TYPES = (
    "text", "text", "timestamptz", "text", "int", "timestamptz", "text", "float8", "float8", "float8",
    "float8", "float8", "int",
)  # fmt: skip
_COLS = ", ".join(_PG_COLUMNS)
_STATUS_COLS = ", ".join(("device_id", "last_seen_at", *_FIELDS))
_STATUS_SET = ", ".join(f"{c} = EXCLUDED.{c}" for c in ("device_id", "last_seen_at", *_FIELDS))
# Every row into heartbeats, and the latest per site into site_status, in one statement;
# DISTINCT ON ... ORDER BY site_id takes the row locks in one order (no deadlock between workers).
_PG_BATCH = f"""
WITH batch AS (
    SELECT * FROM unnest({", ".join(f"%s::{t}[]" for t in _PG_TYPES)}) AS b({_COLS})
), stored AS (
    INSERT INTO heartbeats ({_COLS}) SELECT {_COLS} FROM batch
)
INSERT INTO site_status (site_id, {_STATUS_COLS})
SELECT DISTINCT ON (site_id) site_id, device_id, received_at, {", ".join(_FIELDS)}
FROM batch ORDER BY site_id, received_at DESC
ON CONFLICT (site_id) DO UPDATE SET {_STATUS_SET}
"""


class HeartbeatWriter:
    def __init__(self, engine: AsyncEngine, pg_conninfo: str | None = None) -> None:
        self._engine = engine
        #: On PostgreSQL a batch is one statement on a raw connection: one round trip, where
        #: BEGIN, INSERT, upsert and COMMIT through the ORM took five.
        self._pg = PgPool(pg_conninfo, IN_FLIGHT, setup=_ASYNC_COMMIT) if pg_conninfo else None
        self._sqlite = engine.dialect.name == "sqlite"
        # Built once: executemany with one cached statement (SQLAlchemy's "insertmanyvalues"
        # turns it into multi-row INSERTs) costs far less than compiling a VALUES list per batch.
        self._insert_rows = insert(HeartbeatRow)
        upsert = (sqlite_insert if self._sqlite else pg_insert)(SiteStatus)
        self._upsert_status = upsert.on_conflict_do_update(
            index_elements=[SiteStatus.site_id],
            set_={name: upsert.excluded[name] for name in (*_FIELDS, "device_id", "last_seen_at")},
        )
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._slots = asyncio.Semaphore(IN_FLIGHT)
        self._flushing: set[asyncio.Task[None]] = set()
        self.stored = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="heartbeat-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._pg is not None:
            await self._pg.close()

    async def store(self, device: DeviceIdentity, beat: Heartbeat) -> None:
        row = {name: getattr(beat, name) for name in _FIELDS}
        row.update(site_id=device.site_id, device_id=device.id, received_at=utcnow())
        future: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._pending.append((row, future))
        self._wake.set()
        await future

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                # Several batches in flight, each on its own connection: the commit round trip,
                # not the CPU, is what a single writer would wait on.
                await self._slots.acquire()
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                task = asyncio.create_task(self._flush(batch))
                self._flushing.add(task)
                task.add_done_callback(self._flushing.discard)

    async def _flush(self, batch: list[tuple[dict[str, Any], asyncio.Future[None]]]) -> None:
        try:
            await self._write([row for row, _ in batch])
        except (IntegrityError, psycopg.IntegrityError):
            await self._write_one_by_one(batch)
        except Exception as exc:
            log.exception("heartbeat batch of %d failed", len(batch))
            _settle(batch, exc)
        else:
            self.stored += len(batch)
            _settle(batch, None)
        finally:
            self._slots.release()

    async def _write(self, rows: list[dict[str, Any]]) -> None:
        if self._pg is not None:
            columns = [[row[name] for row in rows] for name in _PG_COLUMNS]
            await self._pg.run(_PG_BATCH, columns, fetch=False)
            return
        latest: dict[str, dict[str, Any]] = {}
        for row in rows:
            latest[row["site_id"]] = row
        status = [
            {**{k: v for k, v in row.items() if k != "received_at"}, "last_seen_at": row["received_at"]}
            for _, row in sorted(latest.items())  # one lock order: two instances never deadlock
        ]
        async with self._engine.begin() as conn:
            await conn.execute(self._insert_rows, rows)
            await conn.execute(self._upsert_status, status)

    async def _write_one_by_one(self, batch: list[tuple[dict[str, Any], asyncio.Future[None]]]) -> None:
        """A site deleted mid-batch breaks the batch's foreign key: keep every other row."""
        for row, future in batch:
            try:
                await self._write([row])
            except Exception as exc:
                _settle([(row, future)], exc)
            else:
                self.stored += 1
                _settle([(row, future)], None)


def _settle(batch: list[tuple[dict[str, Any], asyncio.Future[None]]], exc: BaseException | None) -> None:
    for _, future in batch:
        if future.done():
            continue
        if exc is None:
            future.set_result(None)
        else:
            future.set_exception(exc)
