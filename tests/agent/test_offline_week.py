"""An offline week, time-compressed: 35,000 events buffered while the cloud (PostgreSQL) is away, then drained."""

from __future__ import annotations

import asyncio
from pathlib import Path

import msgspec
import pytest
from agentkit_agent import AgentProcess, enroll
from agentkit_cloud import CloudProcess
from agentkit_fault_proxy import FaultProxy
from agentkit_outbox import write_events
from test_agent_with_cloud import eventually
from test_fault_suite import _backlog

from neopro.contracts.agent_status import read_status
from neopro.datadir import DataDir
from neopro.supervisor import free_port

pytestmark = pytest.mark.slow

DAYS, PER_DAY = 7, 5_000


async def test_a_week_offline_is_buffered_then_each_event_counted_once(
    postgres_cloud: CloudProcess,
    data_dir: DataDir,
    tmp_path: Path,
) -> None:
    from agentkit_cloud import Admin

    admin = await Admin(postgres_cloud.url).login()
    _club, site_id, code = await admin.new_site()
    await admin.close()
    assert (await asyncio.to_thread(enroll, data_dir, postgres_cloud.url, code)).returncode == 0
    cloud_link = await FaultProxy(postgres_cloud.port).start()
    cloud_link.offline = True  # the club's 4G dongle is unplugged
    identity = msgspec.json.decode(data_dir.device_json.read_bytes())
    identity["cloud_url"] = cloud_link.url
    data_dir.device_json.write_bytes(msgspec.json.encode(identity))
    agent = AgentProcess(
        data_dir,
        tmp_path / "agent.log",
        hub_url=f"http://127.0.0.1:{free_port()}",
        backoff_cap_s="0.5",
    ).start()
    try:
        written: list[str] = []
        for _day in range(DAYS):
            written += await asyncio.to_thread(write_events, data_dir.state_db, PER_DAY)
        await asyncio.sleep(1.5)
        assert await asyncio.to_thread(_backlog, data_dir) == DAYS * PER_DAY, "nothing leaves while offline"

        def seen_offline() -> bool:
            status = read_status(data_dir.root)
            return (
                status is not None and status.cloud == "offline" and status.outbox_backlog == DAYS * PER_DAY
            )

        await eventually(seen_offline)
        assert read_status(data_dir.root).alerts == []  # type: ignore[union-attr] # a week is far below the bound

        cloud_link.offline = False  # back online
        await eventually(lambda: _backlog(data_dir) == 0, within_s=120)
    finally:
        agent.stop()
        await cloud_link.stop()
    stored = await asyncio.to_thread(postgres_cloud.stored_event_ids, site_id)
    assert len(stored) == len(set(stored)) == DAYS * PER_DAY
    assert set(stored) == set(written)
    assert "Traceback" not in agent.log(), agent.log()
