"""The uploader against the cloud's real ingest: batches in write order, each event stored once,
deleted only after the 2xx; an event the cloud refuses is kept aside with the reason, never dropped."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator

import aiohttp
import pytest
from agentkit_cloud import Admin, CloudProcess
from agentkit_fault_proxy import FaultProxy
from agentkit_outbox import make_event, write_events

from agent.cloud_client import CloudClient, CloudUnavailable
from agent.enroll import enroll
from agent.outbox import Outbox
from agent.status import StatusBoard
from agent.uploader import Uploader
from neopro.contracts.agent_status import read_status
from neopro.contracts.proof_of_play import encode
from neopro.datadir import DataDir
from neopro.state_db import open_outbox
from neopro.supervisor import free_port


@pytest.fixture
async def enrolled(
    cloud: CloudProcess, admin: Admin, data_dir: DataDir
) -> AsyncIterator[tuple[str, str, FaultProxy]]:
    """(site id, credential, a counting proxy in front of the cloud)."""
    _club, site_id, code = await admin.new_site()
    identity = await enroll(cloud.url, code, data_dir)
    proxy = await FaultProxy(cloud.port).start()
    yield site_id, identity.credential, proxy
    await proxy.stop()


async def test_a_drain_stores_every_closed_event_once_and_keeps_open_ones(
    cloud: CloudProcess, enrolled: tuple[str, str, FaultProxy], data_dir: DataDir, http: aiohttp.ClientSession
) -> None:
    site_id, credential, proxy = enrolled
    closed = write_events(data_dir.state_db, 1234)
    still_on_air = write_events(data_dir.state_db, 3, closed=False)
    outbox = Outbox(data_dir.state_db)
    uploader = Uploader(CloudClient(proxy.url, credential, http), outbox, batch=100)
    assert await uploader.drain_once() == 1234
    assert proxy.requests_by_path["/device/v1/events"] == 13, "on a good link each batch goes up once"
    assert sorted(cloud.stored_event_ids(site_id)) == sorted(closed)
    assert await outbox.backlog() == len(still_on_air)
    outbox.close()


async def test_an_event_the_cloud_refuses_is_kept_aside_with_its_reason_and_an_alert(
    cloud: CloudProcess, enrolled: tuple[str, str, FaultProxy], data_dir: DataDir, http: aiohttp.ClientSession
) -> None:
    site_id, credential, proxy = enrolled
    good = write_events(data_dir.state_db, 5)
    foreign = make_event(99, site_id="another-site")  # names a site that is not this device's
    conn = open_outbox(data_dir.state_db)
    conn.execute(
        "INSERT INTO outbox(event_id, kind, body, closed, boot_id, created_mono_ns) VALUES (?,?,?,1,?,?)",
        (foreign.event_id, "proof_of_play", encode(foreign).decode(), foreign.boot_id, 99),
    )
    conn.close()
    outbox = Outbox(data_dir.state_db)
    board = StatusBoard(data_dir, min_interval_s=0)
    uploader = Uploader(CloudClient(proxy.url, credential, http), outbox, board=board)
    assert await uploader.drain_once() == 5
    assert sorted(cloud.stored_event_ids(site_id)) == sorted(good)
    assert await outbox.backlog() == 0
    outbox.close()
    kept = (
        sqlite3.connect(data_dir.state_db)
        .execute("SELECT event_id, reason FROM agent_rejected_events")
        .fetchall()
    )
    assert kept[0][0] == foreign.event_id and "another site" in kept[0][1]
    status = read_status(data_dir.root)
    assert status is not None and any("refused by the cloud are kept on the Pi" in a for a in status.alerts)


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
