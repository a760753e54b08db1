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

from sqlalchemy import insert
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncEngine

from cloud_api.db.base import utcnow
from cloud_api.db.models import HeartbeatRow, SiteStatus
from neopro.contracts.device_api import Heartbeat

from .auth import DeviceIdentity

MAX_BATCH = 1000
_FIELDS = (
    "software_version", "applied_config_version", "applied_at", "on_air", "cpu_percent", "temperature_c",
    "disk_percent", "memory_percent", "uptime_s", "outbox_backlog",
)  # fmt: skip
log = logging.getLogger("cloud_api.heartbeats")


class HeartbeatWriter:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._insert_status = sqlite_insert if engine.dialect.name == "sqlite" else pg_insert
        self._pending: list[tuple[dict[str, Any], asyncio.Future[None]]] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.stored = 0

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="heartbeat-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

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
                batch, self._pending = self._pending[:MAX_BATCH], self._pending[MAX_BATCH:]
                try:
                    await self._write([row for row, _ in batch])
                except IntegrityError:
                    await self._write_one_by_one(batch)
                    continue
                except Exception as exc:
                    log.exception("heartbeat batch of %d failed", len(batch))
                    _settle(batch, exc)
                    continue
                self.stored += len(batch)
                _settle(batch, None)

    async def _write(self, rows: list[dict[str, Any]]) -> None:
        latest: dict[str, dict[str, Any]] = {}
        for row in rows:
            latest[row["site_id"]] = row
        status = [
            {**{k: v for k, v in row.items() if k != "received_at"}, "last_seen_at": row["received_at"]}
            for row in latest.values()
        ]
        upsert = self._insert_status(SiteStatus).values(status)
        upsert = upsert.on_conflict_do_update(
            index_elements=[SiteStatus.site_id],
            set_={name: upsert.excluded[name] for name in (*_FIELDS, "device_id", "last_seen_at")},
        )
        async with self._engine.begin() as conn:
            await conn.execute(insert(HeartbeatRow), rows)
            await conn.execute(upsert)

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
