"""Group commit for ingest: the batches that arrive together are written in one transaction.

Each request prepares its batch (decode, check, date, hash) on its own, then waits here
until its rows are committed — a 200 still means stored. Meanwhile the writer takes every
batch that queued up while the previous transaction ran and writes them together: one
INSERT, one rollup upsert and one commit for many devices, which is what lets one instance
keep up with a fleet uploading at once (the same design as the heartbeat writer). If a
group fails, its batches are retried one by one so one bad batch never fails the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from sqlalchemy.ext.asyncio import AsyncEngine

from cloud_api.db.base import utcnow
from neopro.contracts.proof_of_play import EventBatchResult

from .ingest import Prepared, write

log = logging.getLogger("cloud_api.analytics.ingest")
#: Rows per transaction: big enough to share the commit, small enough to keep it short.
MAX_GROUP_ROWS = 5000

_Item = tuple[Prepared, asyncio.Future[set[str]]]


class IngestWriter:
    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._pending: list[_Item] = []
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="ingest-writer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        for _, future in self._pending:
            future.cancel()

    async def store(self, prepared: Prepared) -> EventBatchResult:
        """Wait until ``prepared`` is committed (with whatever else arrived meanwhile)."""
        if not prepared.rows and not prepared.errors:
            return prepared.result(set())
        future: asyncio.Future[set[str]] = asyncio.get_running_loop().create_future()
        self._pending.append((prepared, future))
        self._wake.set()
        return prepared.result(await future)

    async def _run(self) -> None:
        while True:
            await self._wake.wait()
            self._wake.clear()
            while self._pending:
                group = self._take()
                try:
                    await self._write(group)
                except Exception:
                    if len(group) == 1:
                        log.exception("ingest of a batch of %d events failed", len(group[0][0].rows))
                        _fail(group)
                        continue
                    for item in group:  # one by one: a bad batch fails alone
                        try:
                            await self._write([item])
                        except Exception:
                            log.exception("ingest of a batch of %d events failed", len(item[0].rows))
                            _fail([item])

    def _take(self) -> list[_Item]:
        group, rows = [], 0
        while self._pending and (not group or rows + len(self._pending[0][0].rows) <= MAX_GROUP_ROWS):
            item = self._pending.pop(0)
            group.append(item)
            rows += len(item[0].rows)
        return group

    async def _write(self, group: list[_Item]) -> None:
        async with self._engine.begin() as conn:
            per_batch = await write(conn, [p for p, _ in group], utcnow())
        for (_, future), inserted in zip(group, per_batch, strict=True):
            if not future.done():
                future.set_result(inserted)


def _fail(group: list[_Item]) -> None:
    for _, future in group:
        if not future.done():
            future.set_exception(RuntimeError("the events could not be stored; send the batch again"))
