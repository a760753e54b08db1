"""End to end: publish in the cloud -> the agent syncs -> the real player loops it -> proof-of-play goes up;
the cloud's play-a-clip and volume commands reach the TV through the hub.

Real processes on loopback: ``neopro cloud`` (SQLite, then PostgreSQL), ``neopro remote`` (the hub),
``neopro agent run`` and ``neopro player --vo null``, sharing one data directory as on a Pi.
Proof-of-play goes to the cloud's ingest, chained by the player, each event stored once.
"""

from __future__ import annotations

import asyncio
import base64
import sys
from pathlib import Path

import pytest
from agentkit_agent import AgentProcess, agent_env, enroll
from agentkit_cloud import Admin, CloudProcess
from test_agent_with_cloud import eventually

from neopro.contracts import parse_site_config
from neopro.datadir import DataDir
from neopro.supervisor import Child, Supervisor, free_port, wait_for_port

pytestmark = pytest.mark.slow


def _start_edge(env: dict[str, str], hub_port: int, log_path: Path) -> Supervisor:
    """The hub, then the player (vo=null, ao=null), as the demo and the Pi's units start them."""
    edge = Supervisor(out=open(log_path, "a"))  # noqa: SIM115 - closed with the test's tmp dir
    neopro = [sys.executable, "-m", "neopro"]
    edge.start(Child("hub", [*neopro, "remote", "--host", "127.0.0.1", "--port", str(hub_port)], env=env))
    player = [*neopro, "player", "--vo", "null", "--hub-url", f"ws://127.0.0.1:{hub_port}/ws"]
    edge.start(Child("player", player, env={**env, "NEOPRO_PLAYER_AO": "null"}))
    return edge


async def test_published_videos_reach_the_tv_and_their_plays_reach_the_cloud(
    cloud: CloudProcess,
    clips: list[bytes],
    data_dir: DataDir,
    tmp_path: Path,
) -> None:
    admin = await Admin(cloud.url).login()
    club_id, site_id, code = await admin.new_site()
    assert (await asyncio.to_thread(enroll, data_dir, cloud.url, code)).returncode == 0
    hub_port = free_port()
    env = agent_env(data_dir)
    edge = _start_edge(env, hub_port, tmp_path / "edge.log")
    agent = AgentProcess(data_dir, tmp_path / "agent.log", hub_url=f"http://127.0.0.1:{hub_port}").start()
    try:
        wait_for_port(hub_port, timeout=30)
        media = [await admin.upload(clip, f"spot{i}.mp4", club_id) for i, clip in enumerate(clips[:2])]
        version = await admin.publish(site_id, media, note="new sponsors")

        def applied() -> bool:
            try:
                return parse_site_config(data_dir.current_config.read_bytes()).version == version
            except (OSError, ValueError):
                return False

        await eventually(applied, within_s=60)
        new_ids = {m["id"] for m in media}

        def played_and_uploaded() -> bool:
            rows = cloud.query("SELECT media_id FROM play_events WHERE site_id = ?", (site_id,))
            return {r[0] for r in rows} >= new_ids

        await eventually(played_and_uploaded, within_s=60)

        # The cloud's "play this clip now" and "set the volume" reach the TV through the hub.
        async def final(command: dict) -> dict | None:
            got = await admin.get_command(site_id, command["id"])
            return got if got["status"] in ("succeeded", "failed") else None

        async def outcome(command: dict) -> dict:
            await eventually(lambda: final(command), within_s=30)
            done = await final(command)
            assert done is not None
            return done

        clip = media[1]["id"]
        played = await outcome(await admin.command(site_id, "play_clip", {"media_id": clip}))
        assert played["status"] == "succeeded" and played["result"] == {"on_air": clip}, played
        volume = await outcome(await admin.command(site_id, "set_volume", {"volume": 35}))
        assert volume["status"] == "succeeded", volume
        shot = await outcome(await admin.command(site_id, "screenshot"))
        assert shot["status"] == "succeeded", shot
        jpeg = base64.b64decode(shot["result"]["jpeg_base64"])
        assert (
            jpeg[:2] == b"\xff\xd8"
            and 0 < shot["result"]["width"] <= 640
            and 0 < shot["result"]["height"] <= 360
        )
        unknown = await outcome(await admin.command(site_id, "play_clip", {"media_id": "not-on-this-site"}))
        assert unknown["status"] == "failed" and "player refused" in unknown["error"], unknown

        def cloud_play_uploaded() -> bool:
            rows = cloud.query(
                "SELECT trigger FROM play_events WHERE site_id = ? AND media_id = ?", (site_id, clip)
            )
            return "cloud" in {r[0] for r in rows}

        await eventually(cloud_play_uploaded, within_s=60)
    finally:
        agent.stop()
        await asyncio.to_thread(edge.stop_all)
        await admin.close()
    assert "Traceback" not in agent.log(), agent.log()
