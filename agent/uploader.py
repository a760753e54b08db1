"""Drain the proof-of-play outbox into the cloud: batches, deleted only after a 2xx.

The cloud's ingest endpoint is built in issue 6; until then :func:`post_events` is the one
place that knows its shape: ``POST /device/v1/events`` with ``{"events": [...]}``, each
element the contract's JSON body exactly as the player wrote it (ProofOfPlay or
PlaybackError). The cloud stores each event id once, so a batch re-sent after a crash or a
lost answer counts nothing twice.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

from neopro.contracts import device_api as api

from .backoff import Backoff
from .buffer import check_buffer
from .cloud_client import CloudClient, CloudRefused, CloudUnavailable, Unauthorized
from .outbox import Outbox, OutboxRow
from .status import StatusBoard

log = logging.getLogger("neopro.agent.upload")

EVENTS_PATH = f"{api.API_PREFIX}/events"


async def post_events(client: CloudClient, rows: list[OutboxRow], url: str = EVENTS_PATH) -> None:
    """Send one batch; returns only when the cloud answered 2xx (else raises)."""
    body = b'{"events":[' + b",".join(r.body for r in rows) + b"]}"
    await client.request("POST", url, body=body)


class Uploader:
    def __init__(
        self,
        client: CloudClient,
        outbox: Outbox,
        *,
        board: StatusBoard | None = None,
        batch: int = 500,
        interval_s: float = 10.0,
        capacity: int | None = None,
        backoff: Backoff | None = None,
        events_url: str = "",
    ) -> None:
        self.client, self.outbox, self.board = client, outbox, board
        self.events_url = events_url or EVENTS_PATH
        self.batch, self.interval_s = batch, interval_s
        self.capacity = capacity
        self.backoff = backoff or Backoff()
        self.sent = 0
        self.wake = asyncio.Event()

    async def drain_once(self) -> int:
        """Send batches until the outbox is empty; returns how many events the cloud took.

        The delete of an acknowledged batch (a disk write) runs while the next batch is on
        the network; the next batch is read past the last rowid sent, so nothing is sent twice.
        """
        total = 0
        size = self.batch
        deleting: asyncio.Future[int] | None = None
        rows = await self.outbox.next_batch(size)
        try:
            while rows:
                try:
                    await post_events(self.client, rows, self.events_url)
                except CloudRefused as exc:
                    if exc.status == 413 and size > 1:
                        size = max(1, size // 2)  # too big for the cloud: smaller batches, nothing dropped
                        rows = rows[:size]
                        continue
                    raise
                following = await self.outbox.next_batch(size, after_rowid=rows[-1].rowid)
                if deleting is not None:
                    await deleting
                deleting = asyncio.ensure_future(self.outbox.delete_sent(rows))
                total += len(rows)
                self.sent += len(rows)
                rows = following
        finally:
            if deleting is not None:
                await deleting
        return total

    async def check(self) -> int:
        backlog = await self.outbox.backlog()
        kwargs = {"capacity": self.capacity} if self.capacity else {}
        state = check_buffer(backlog, self.outbox.path, **kwargs)
        if self.board is not None:
            self.board.update(outbox_backlog=backlog)
            if state.alert:
                self.board.alert("outbox", state.message)
            else:
                self.board.clear_alert("outbox")
        return backlog

    async def run(self) -> None:
        while True:
            await self.check()
            try:
                sent = await self.drain_once()
            except Unauthorized:
                raise
            except (CloudUnavailable, CloudRefused) as exc:
                retry_after = exc.retry_after_s if isinstance(exc, CloudUnavailable) else None
                delay = self.backoff.next_delay(retry_after)
                log.warning("outbox upload failed (%s); next try in %.1f s", exc.reason, delay)
                await asyncio.sleep(delay)
                continue
            self.backoff.reset()
            if sent:
                log.info("outbox: %d event(s) uploaded", sent)
                await self.check()
            self.wake.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.wake.wait(), self.interval_s)
