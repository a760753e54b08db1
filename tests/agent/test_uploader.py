"""The uploader: batches in write order, each sent once on a good link, deleted only after the 2xx."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import aiohttp
import pytest
from agentkit_event_sink import EventSink
from agentkit_outbox import write_events
from aiohttp import web

from agent.cloud_client import CloudClient, CloudUnavailable
from agent.outbox import Outbox
from agent.uploader import Uploader
from neopro.datadir import DataDir
from neopro.supervisor import free_port


@pytest.fixture
async def sink(tmp_path: Path) -> AsyncIterator[tuple[EventSink, str]]:
    events = EventSink(tmp_path / "events.db")
    runner = web.AppRunner(events.app, access_log=None)
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    yield events, f"http://127.0.0.1:{site._server.sockets[0].getsockname()[1]}"  # type: ignore[union-attr]
    await runner.cleanup()


async def test_a_drain_sends_every_closed_event_once_and_keeps_open_ones(
    data_dir: DataDir, sink: tuple[EventSink, str], http: aiohttp.ClientSession
) -> None:
    events, url = sink
    closed = write_events(data_dir.state_db, 1234)
    still_on_air = write_events(data_dir.state_db, 3, closed=False)
    outbox = Outbox(data_dir.state_db)
    uploader = Uploader(CloudClient(url, "dev-1.secret", http), outbox, batch=100)
    assert await uploader.drain_once() == 1234
    assert events.received == 1234 and events.batches == 13, "on a good link each event goes up once"
    assert sorted(events.stored_ids()) == sorted(closed)
    assert [r.event_id for r in await outbox.next_batch(10)] == []
    assert await outbox.backlog() == len(still_on_air)
    outbox.close()


async def test_nothing_is_deleted_when_the_cloud_does_not_answer(
    data_dir: DataDir, http: aiohttp.ClientSession
) -> None:
    write_events(data_dir.state_db, 50)
    outbox = Outbox(data_dir.state_db)
    uploader = Uploader(
        CloudClient(f"http://127.0.0.1:{free_port()}", "dev-1.secret", http), outbox, batch=20
    )
    with pytest.raises(CloudUnavailable):
        await uploader.drain_once()
    assert await outbox.backlog() == 50
    outbox.close()
