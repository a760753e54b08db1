"""Software update with real processes: a release that crashes at start is rolled back, a good one kept."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import aiohttp
import pytest
from agentkit_agent import AgentProcess, enroll
from agentkit_cloud import Admin, CloudProcess
from agentkit_media_server import MediaOrigin
from agentkit_releases import build_release
from test_agent_with_cloud import eventually

from agent.cloud_client import CloudClient
from agent.commands import CommandFailed
from agent.hub_link import HubLink
from agent.update import Releases, Updater
from neopro.contracts import device_api as api
from neopro.datadir import DataDir

Origin = tuple[MediaOrigin, str]
KIT = Path(__file__).parent / "agentkit_releases.py"


async def _updater(
    install_dir: Path, port: int, origin_url: str, http: aiohttp.ClientSession
) -> tuple[Updater, HubLink, asyncio.Task[None]]:
    client = CloudClient(origin_url, "dev-1.secret", http)
    hub = HubLink(f"http://127.0.0.1:{port}", "token")
    hub.backoff.cap_s = 0.2
    task = asyncio.ensure_future(hub.run(http))
    updater = Updater(
        client,
        Releases(install_dir),
        restart_command=f"{sys.executable} {KIT} restart {install_dir} {{service}}",
        services=["player"],
        health_timeout_s=4.0,
        player_healthy=hub.player_healthy,
        heartbeat=lambda: client.heartbeat(api.Heartbeat(software_version="test")),
    )
    return updater, hub, task


async def test_a_release_that_crashes_at_start_is_rolled_back_and_the_reason_reported(
    installed: tuple[Path, int], media_origin: Origin, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    install_dir, port = installed
    origin, url = media_origin
    tarball, sha = build_release(tmp_path / "dist", "2.0-bad", crashes=True)
    origin.add(tarball.read_bytes(), key="release-2.0-bad")
    updater, hub, task = await _updater(install_dir, port, url, http)
    try:
        with pytest.raises(CommandFailed, match=r"rolled back to 1\.0: after 4 s, the player was neither"):
            await updater({"version": "2.0-bad", "url": "/media/release-2.0-bad", "sha256": sha})
        assert os.readlink(install_dir / "current").endswith("releases/1.0")
        assert not (install_dir / "releases" / "2.0-bad").exists()
        assert "crashes at start" in (install_dir / "neopro-player.service.log").read_text()
        for _ in range(100):  # the old release serves again
            if hub.player_healthy():
                break
            await asyncio.sleep(0.05)
        assert hub.player_healthy()
    finally:
        task.cancel()


async def test_a_good_release_is_kept_after_its_health_gate(
    installed: tuple[Path, int], media_origin: Origin, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    install_dir, port = installed
    origin, url = media_origin
    tarball, sha = build_release(tmp_path / "dist", "2.0")
    origin.add(tarball.read_bytes(), key="release-2.0")
    updater, _hub, task = await _updater(install_dir, port, url, http)
    try:
        result = await updater({"version": "2.0", "url": "/media/release-2.0", "sha256": sha})
        assert result == {"version": "2.0", "previous": "1.0"}
        assert os.readlink(install_dir / "current").endswith("releases/2.0")
        assert (install_dir / "current" / "VERSION").read_text() == "2.0\n"
        assert origin.heartbeats, "the gate needs a heartbeat the cloud accepted"
    finally:
        task.cancel()


async def test_a_release_with_the_wrong_hash_is_never_installed(
    installed: tuple[Path, int], media_origin: Origin, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    install_dir, port = installed
    origin, url = media_origin
    tarball, _ = build_release(tmp_path / "dist", "3.0")
    origin.add(tarball.read_bytes(), key="release-3.0")
    updater, _hub, task = await _updater(install_dir, port, url, http)
    try:
        with pytest.raises(CommandFailed, match="not installed"):
            await updater({"version": "3.0", "url": "/media/release-3.0", "sha256": "0" * 64})
        assert sorted(p.name for p in (install_dir / "releases").iterdir()) == ["1.0"]
        assert os.readlink(install_dir / "current").endswith("releases/1.0")
    finally:
        task.cancel()


async def test_update_commands_from_the_cloud_roll_back_a_crashing_release_and_keep_a_good_one(
    installed: tuple[Path, int],
    sqlite_cloud: CloudProcess,
    media_origin: Origin,
    data_dir: DataDir,
    tmp_path: Path,
) -> None:
    """The whole path: command pushed by the real cloud, agent process, heartbeat the cloud accepts."""
    install_dir, port = installed
    origin, origin_url = media_origin
    admin = await Admin(sqlite_cloud.url).login()
    _club, site_id, code = await admin.new_site()
    assert (await asyncio.to_thread(enroll, data_dir, sqlite_cloud.url, code)).returncode == 0
    bad, bad_sha = build_release(tmp_path / "dist", "2.0-bad", crashes=True)
    good, good_sha = build_release(tmp_path / "dist", "2.1")
    origin.add(bad.read_bytes(), key="2.0-bad")
    origin.add(good.read_bytes(), key="2.1")
    agent = AgentProcess(
        data_dir,
        tmp_path / "agent.log",
        install_dir=str(install_dir),
        restart_command=f"{sys.executable} {KIT} restart {install_dir} {{service}}",
        update_services="player",
        health_timeout_s="4",
        hub_url=f"http://127.0.0.1:{port}",
    ).start()
    try:

        async def finished(command_id: str) -> dict:
            async def done() -> bool:
                return (await admin.get_command(site_id, command_id))["status"] in ("succeeded", "failed")

            await eventually(done, within_s=60)
            return await admin.get_command(site_id, command_id)

        # A release on another host (a CDN): fetched without the device credential.
        crash = await admin.command(
            site_id,
            "update_software",
            {"version": "2.0-bad", "url": f"{origin_url}/media/2.0-bad", "sha256": bad_sha},
        )
        result = await finished(crash["id"])
        assert result["status"] == "failed" and "rolled back to 1.0" in result["error"], result
        assert os.readlink(install_dir / "current").endswith("releases/1.0")
        assert all("Authorization" not in r for r in origin.requests)

        keep = await admin.command(
            site_id,
            "update_software",
            {"version": "2.1", "url": f"{origin_url}/media/2.1", "sha256": good_sha},
        )
        result = await finished(keep["id"])
        assert result["status"] == "succeeded", result
        assert os.readlink(install_dir / "current").endswith("releases/2.1")
    finally:
        agent.stop()
        await admin.close()
    assert "Traceback" not in agent.log(), agent.log()


async def test_an_update_cut_by_a_crash_during_its_gate_is_finished_at_the_next_start(
    installed: tuple[Path, int],
    sqlite_cloud: CloudProcess,
    media_origin: Origin,
    data_dir: DataDir,
    tmp_path: Path,
) -> None:
    install_dir, port = installed
    origin, origin_url = media_origin
    admin = await Admin(sqlite_cloud.url).login()
    _club, site_id, code = await admin.new_site()
    assert (await asyncio.to_thread(enroll, data_dir, sqlite_cloud.url, code)).returncode == 0
    bad, bad_sha = build_release(tmp_path / "dist", "2.0-bad", crashes=True)
    origin.add(bad.read_bytes(), key="2.0-bad")
    settings = {
        "install_dir": str(install_dir),
        "restart_command": f"{sys.executable} {KIT} restart {install_dir} {{service}}",
        "update_services": "player",
        "hub_url": f"http://127.0.0.1:{port}",
    }
    agent = AgentProcess(data_dir, tmp_path / "agent.log", health_timeout_s="60", **settings).start()
    try:
        command = await admin.command(
            site_id,
            "update_software",
            {"version": "2.0-bad", "url": f"{origin_url}/media/2.0-bad", "sha256": bad_sha},
        )
        await eventually(lambda: (install_dir / "update-pending.json").exists(), within_s=30)
        await eventually(lambda: os.readlink(install_dir / "current").endswith("2.0-bad"), within_s=30)
        agent.kill9()  # the power goes in the middle of the health gate
        agent = AgentProcess(data_dir, tmp_path / "agent.log", health_timeout_s="3", **settings).start()

        async def done() -> bool:
            return (await admin.get_command(site_id, command["id"]))["status"] in ("succeeded", "failed")

        await eventually(done, within_s=60)
        result = await admin.get_command(site_id, command["id"])
        assert result["status"] == "failed" and "rolled back to 1.0" in result["error"], result
        assert os.readlink(install_dir / "current").endswith("releases/1.0")
        assert not (install_dir / "update-pending.json").exists()
    finally:
        agent.stop()
        await admin.close()
