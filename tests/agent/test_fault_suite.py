"""The fault suite: bad links and kill -9 at random moments, then every play counted once.

A real cloud process and a real agent process, with a fault proxy between them (resets,
stalls, bodies cut mid-way, 503 bursts) and the agent killed with SIGKILL at a random
moment of every round — while it downloads media, uploads events, runs its duties. After
the rounds the link is healed and the agent runs to the end. Then:

- every event the "player" wrote is stored by the cloud's ingest exactly once (none lost,
  none twice);
- every media file under its content address hashes to that address, in every round
  (the player never sees a partial file);
- resumed downloads cost on average no more than 1.1 x the files' sizes.

``NEOPRO_AGENT_FAULT_ROUNDS`` sets the rounds (200 by default, as in CI).
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import random
from pathlib import Path

import msgspec
import pytest
from agentkit_agent import AgentProcess, enroll
from agentkit_cloud import Admin, CloudProcess
from agentkit_fault_proxy import FaultPlan, FaultProxy
from agentkit_outbox import write_events
from test_agent_with_cloud import eventually

from neopro.contracts import parse_site_config
from neopro.datadir import DataDir
from neopro.state_db import open_outbox
from neopro.supervisor import free_port

ROUNDS = int(os.environ.get("NEOPRO_AGENT_FAULT_ROUNDS", "200"))
CLIPS = 8

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def fault_clips() -> list[bytes]:
    """Distinct real clips of a few hundred KB, so a download spans several agent lifetimes."""
    from neopro.media.samples import ClipRecipe, make_clip

    return [
        make_clip(
            ClipRecipe(f"Fault {i}", f"0x{0x203040 + i * 0x111111:06X}", 10.0, 300 + 40 * i, 1280, 720)
        ).read_bytes()
        for i in range(CLIPS)
    ]


def _media_is_whole(media_dir: Path) -> list[str]:
    """Names under a content address whose bytes do not hash to it (must always be empty)."""
    bad = []
    for path in media_dir.iterdir():
        if path.name.endswith((".part", ".etag")) or path.name.startswith("."):
            continue
        if hashlib.sha256(path.read_bytes()).hexdigest() != path.name.split(".", 1)[0]:
            bad.append(path.name)
    return bad


def _backlog(data: DataDir) -> int:
    conn = open_outbox(data.state_db)
    try:
        return conn.execute("SELECT count(*) FROM outbox").fetchone()[0]
    finally:
        conn.close()


async def test_every_event_once_and_every_file_whole_through_faults_and_kill_9(
    sqlite_cloud: CloudProcess,
    fault_clips: list[bytes],
    data_dir: DataDir,
    tmp_path: Path,
) -> None:
    rng = random.Random(20261125)
    admin = await Admin(sqlite_cloud.url).login()
    club_id, site_id, code = await admin.new_site()
    assert (await asyncio.to_thread(enroll, data_dir, sqlite_cloud.url, code)).returncode == 0
    cloud_proxy = await FaultProxy(
        sqlite_cloud.port, FaultPlan(rate=0.25, stall_s=1.5, seed=1), rate_bps=4_000_000
    ).start()
    identity = msgspec.json.decode(data_dir.device_json.read_bytes())
    identity["cloud_url"] = cloud_proxy.url
    data_dir.device_json.write_bytes(msgspec.json.encode(identity))
    settings = {
        "hub_url": f"http://127.0.0.1:{free_port()}",
        "heartbeat_interval_s": "0.5",
        "manifest_interval_s": "0.5",
        "upload_interval_s": "0.2",
        "upload_batch": "50",
        "backoff_base_s": "0.05",
        "backoff_cap_s": "0.5",
        "read_timeout_s": "1",
        "connect_timeout_s": "1",
    }
    uploaded: list[dict] = []
    written: list[str] = []
    partial_seen: list[str] = []
    publish_every = max(ROUNDS // CLIPS, 1)
    try:
        for round_no in range(ROUNDS):
            if round_no % publish_every == 0 and len(uploaded) < CLIPS:
                uploaded.append(
                    await admin.upload(fault_clips[len(uploaded)], f"fault{len(uploaded)}.mp4", club_id)
                )
                await admin.publish(site_id, uploaded, note=f"round {round_no}")
            if rng.random() < 0.6:
                written += await asyncio.to_thread(write_events, data_dir.state_db, rng.randint(1, 40))
            agent = AgentProcess(data_dir, tmp_path / "agent.log", **settings).start()
            await asyncio.sleep(rng.uniform(0.05, 0.8))
            agent.kill9()
            partial_seen += await asyncio.to_thread(_media_is_whole, data_dir.media_dir)

        # The link heals; the agent runs to the end.
        cloud_proxy.plan.rate = 0.0
        final_version = len(uploaded)
        agent = AgentProcess(data_dir, tmp_path / "agent.log", **settings).start()
        try:

            def applied() -> bool:
                try:
                    return parse_site_config(data_dir.current_config.read_bytes()).version == final_version
                except (OSError, ValueError):
                    return False

            await eventually(applied, within_s=120)
            await eventually(lambda: _backlog(data_dir) == 0, within_s=60)
        finally:
            agent.stop()
    finally:
        await cloud_proxy.stop()
        await admin.close()

    stored = await asyncio.to_thread(sqlite_cloud.stored_event_ids, site_id)
    assert len(stored) == len(set(stored)) == len(written), (len(stored), len(written))
    assert set(stored) == set(written), "every event the player wrote is in the cloud, once"
    uploads = cloud_proxy.requests_by_path["/device/v1/events"]
    assert partial_seen == [], f"a file under its content address did not match its hash: {partial_seen}"
    assert await asyncio.to_thread(_media_is_whole, data_dir.media_dir) == []
    cfg = parse_site_config(data_dir.current_config.read_bytes())
    assert sorted(p.name for p in data_dir.media_dir.iterdir()) == sorted(v.filename for v in cfg.videos)
    total = sum(m["size"] for m in uploaded)
    transferred = cloud_proxy.bytes_by_path["/device/v1/media"]
    ratio = transferred / total
    print(
        f"\nfault suite: {ROUNDS} rounds, {len(written)} events stored once ({uploads} batch uploads tried), "
        f"faults {dict(cloud_proxy.faults_done)}, media {transferred} bytes for {total} ({ratio:.3f}x)"
    )
    assert ratio <= 1.1, f"resumed downloads cost {ratio:.3f}x the files' sizes: {cloud_proxy.media_answers}"
