"""Drain the proof-of-play outbox into the cloud: batches, deleted only after a 2xx.

``POST /device/v1/events`` with the contract's :class:`EventBatch`: the outbox bodies as
the player wrote them (proof-of-play in ``events``, playback errors in ``errors``) plus
this boot's id and monotonic time, so the cloud can date the events of a Pi whose clock
was never synced. The cloud stores each event id once, so a batch re-sent after a crash or
a lost answer counts nothing twice. An event the cloud rejects (malformed, another site's)
is never silently dropped: it moves to ``agent_rejected_events`` in ``state.db`` with the
cloud's reason, and an alert says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging

import msgspec

from neopro.backoff import Backoff
from neopro.clock import boot_id, mono_ns
from neopro.contracts.proof_of_play import EVENTS_PATH, EventBatch, EventBatchResult

from .buffer import check_buffer
from .cloud_client import CloudClient, CloudRefused, CloudUnavailable, Unauthorized
from .outbox import Outbox, OutboxRow
from .status import StatusBoard

log = logging.getLogger("neopro.agent.upload")


async def post_events(client: CloudClient, rows: list[OutboxRow], url: str = EVENTS_PATH) -> dict[str, str]:
    """Send one batch; returns the rejected rows' event ids with the cloud's reason (2xx only)."""
    events = [r for r in rows if r.kind != "playback_error"]
    errors = [r for r in rows if r.kind == "playback_error"]
    batch = EventBatch(
        events=[msgspec.Raw(r.body) for r in events],
        errors=[msgspec.Raw(r.body) for r in errors],
        boot_id=boot_id(),
        sent_mono_ns=mono_ns(),
    )
    answer = await client.request("POST", url, body=batch)
    try:
        result = msgspec.json.decode(answer.body, type=EventBatchResult)
    except msgspec.DecodeError:
        return {}  # a 2xx without the contract's answer: everything was taken
    rejected: dict[str, str] = {}
    for r in result.rejections:
        source = errors if r.kind == "playback_error" else events
        if 0 <= r.index < len(source):
            rejected[source[r.index].event_id] = f"{r.field}: {r.reason}"
    return rejected


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
                    rejected = await post_events(self.client, rows, self.events_url)
                except CloudRefused as exc:
                    if exc.status == 413 and size > 1:
                        size = max(1, size // 2)  # too big for the cloud: smaller batches, nothing dropped
                        rows = rows[:size]
                        continue
                    raise
                if rejected:
                    await self._quarantine(rows, rejected)
                following = await self.outbox.next_batch(size, after_rowid=rows[-1].rowid)
                if deleting is not None:
                    await deleting
                deleting = asyncio.ensure_future(self.outbox.delete_sent(rows))
                total += len(rows) - len(rejected)
                self.sent += len(rows) - len(rejected)
                rows = following
        finally:
            if deleting is not None:
                await deleting
        return total

    async def _quarantine(self, rows: list[OutboxRow], rejected: dict[str, str]) -> None:
        kept = await self.outbox.keep_rejected([r for r in rows if r.event_id in rejected], rejected)
        first = next(iter(rejected.items()))
        log.error("the cloud rejected %d event(s), e.g. %s: %s", len(rejected), *first)
        if self.board is not None:
            self.board.alert(
                "rejected",
                f"{kept} proof-of-play event(s) refused by the cloud are kept on the Pi "
                f"(state.db, agent_rejected_events); e.g. {first[0]}: {first[1]}",
            )

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
