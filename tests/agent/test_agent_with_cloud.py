"""The agent process against the real cloud process (SQLite and PostgreSQL), over real HTTP."""

from __future__ import annotations

import asyncio
import hashlib
import json
import stat
import subprocess
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from agentkit_agent import AgentProcess, agent_env, enroll
from agentkit_cloud import Admin, CloudProcess
from agentkit_outbox import write_events

from neopro.clock import clock_synced
from neopro.contracts import parse_site_config
from neopro.contracts.agent_status import read_status
from neopro.datadir import DataDir


async def eventually(
    check: Callable[[], Awaitable[bool]] | Callable[[], bool], within_s: float = 30.0
) -> None:
    deadline = asyncio.get_running_loop().time() + within_s
    while True:
        result = check()
        if asyncio.iscoroutine(result):
            result = await result
        if result:
            return
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"not true after {within_s} s: {check}")
        await asyncio.sleep(0.2)


@pytest.fixture
async def site(admin: Admin) -> tuple[str, str, str]:
    return await admin.new_site()


async def test_enroll_writes_a_private_credential_and_refuses_a_second_time(
    cloud: CloudProcess, site: tuple[str, str, str], data_dir: DataDir
) -> None:
    _club, site_id, code = site
    done = await asyncio.to_thread(enroll, data_dir, cloud.url, code)
    assert done.returncode == 0, done.stderr
    assert stat.S_IMODE(data_dir.device_json.stat().st_mode) == 0o600
    identity = json.loads(data_dir.device_json.read_text())
    assert identity["site_id"] == site_id and "." in identity["credential"]
    again = await asyncio.to_thread(enroll, data_dir, cloud.url, code)
    assert again.returncode == 1 and "already enrolled" in again.stderr


async def test_a_wrong_code_is_refused_with_the_clouds_reason(cloud: CloudProcess, data_dir: DataDir) -> None:
    done = await asyncio.to_thread(enroll, data_dir, cloud.url, "NOPE-NOPE")
    assert done.returncode == 1 and "enrollment failed" in done.stderr
    assert not data_dir.device_json.exists()


async def test_published_configuration_is_fetched_applied_and_reported_with_heartbeats(
    cloud: CloudProcess,
    admin: Admin,
    site: tuple[str, str, str],
    data_dir: DataDir,
    clips: list[bytes],
    tmp_path: Path,
) -> None:
    club_id, site_id, code = site
    assert (await asyncio.to_thread(enroll, data_dir, cloud.url, code)).returncode == 0
    media = [await admin.upload(clip, f"spot{i}.mp4", club_id) for i, clip in enumerate(clips[:2])]
    version = await admin.publish(site_id, media)
    agent = AgentProcess(data_dir, tmp_path / "agent.log").start()
    try:

        def applied() -> bool:
            try:
                return parse_site_config(data_dir.current_config.read_bytes()).version == version
            except (OSError, ValueError):
                return False

        await eventually(applied)
        for m in media:
            path = data_dir.media_dir / f"{m['sha256']}.{m['ext']}"
            assert hashlib.sha256(path.read_bytes()).hexdigest() == m["sha256"]

        async def reported() -> bool:
            status = await admin.site_status(site_id)
            return status.get("applied_config_version") == version

        await eventually(reported)
        status = read_status(data_dir.root)
        assert status is not None and status.cloud == "connected" and status.applied_config_version == version
        assert clock_synced(data_dir.root), "the cloud's Date header marks the clock synced"

        # A new version drops a clip: it is applied, and the dropped file is collected.
        media2 = [media[1], await admin.upload(clips[2], "spot2.mp4", club_id)]
        version = await admin.publish(site_id, media2)
        await eventually(applied)
        names = sorted(p.name for p in data_dir.media_dir.iterdir())
        assert names == sorted(f"{m['sha256']}.{m['ext']}" for m in media2)

        # Proof-of-play written by the player reaches the cloud once each, and leaves the Pi.
        ids = write_events(data_dir.state_db, 120)
        await eventually(lambda: len(cloud.stored_event_ids()) >= len(ids))
        stored = cloud.stored_event_ids()
        assert set(ids) <= set(stored) and len(stored) == len(set(stored))
    finally:
        agent.stop()
    assert "Traceback" not in agent.log(), agent.log()


async def test_commands_run_once_with_results_and_unsupported_ones_fail_with_a_reason(
    cloud: CloudProcess, admin: Admin, site: tuple[str, str, str], data_dir: DataDir, tmp_path: Path
) -> None:
    _club, site_id, code = site
    assert (await asyncio.to_thread(enroll, data_dir, cloud.url, code)).returncode == 0
    # Queued while the Pi is off: delivered when it comes back.
    offline = await admin.command(site_id, "sync_now")
    agent = AgentProcess(data_dir, tmp_path / "agent.log").start()
    try:

        async def final(command_id: str) -> dict | None:
            got = await admin.get_command(site_id, command_id)
            return got if got["status"] in ("succeeded", "failed") else None

        async def wait_final(command_id: str) -> dict:
            await eventually(lambda: final(command_id))
            result = await final(command_id)
            assert result is not None
            return result

        assert (await wait_final(offline["id"]))["status"] == "succeeded"
        pushed = await admin.command(site_id, "screenshot")
        done = await wait_final(pushed["id"])
        assert done["status"] == "failed" and "hub" in (done.get("error") or ""), done
        bad = await admin.command(site_id, "restart_service", {"service": "kettle"})
        done = await wait_final(bad["id"])
        assert done["status"] == "failed" and "args.service" in (done.get("error") or ""), done
    finally:
        agent.stop()
    assert "Traceback" not in agent.log(), agent.log()


async def test_a_revoked_device_waits_for_a_new_enrollment_instead_of_crash_looping(
    cloud: CloudProcess, admin: Admin, site: tuple[str, str, str], data_dir: DataDir, tmp_path: Path
) -> None:
    _club, site_id, code = site
    assert (await asyncio.to_thread(enroll, data_dir, cloud.url, code)).returncode == 0
    device_id = json.loads(data_dir.device_json.read_text())["device_id"]
    agent = AgentProcess(data_dir, tmp_path / "agent.log").start()
    try:
        await eventually(lambda: (s := read_status(data_dir.root)) is not None and s.cloud == "connected")
        await admin.call("POST", f"/api/v1/sites/{site_id}/devices/{device_id}/revoke")

        def told() -> bool:
            status = read_status(data_dir.root)
            return status is not None and any("agent enroll --force" in a for a in status.alerts)

        await eventually(told)
        await asyncio.sleep(1.0)
        assert agent.proc is not None and agent.proc.poll() is None, "it waits, it does not crash-loop"

        fresh = (await admin.call("POST", f"/api/v1/sites/{site_id}/enrollment-codes")).json()["code"]
        again = await asyncio.to_thread(
            subprocess.run,
            [sys.executable, "-m", "neopro", "agent", "enroll", "--force", "--cloud", cloud.url, "--code", fresh],
            env=agent_env(data_dir), capture_output=True, text=True, timeout=60,
        )  # fmt: skip
        assert again.returncode == 0, again.stderr
        assert await asyncio.to_thread(agent.proc.wait, 20) == 0, "ends cleanly so systemd starts it afresh"
    finally:
        agent.stop()
