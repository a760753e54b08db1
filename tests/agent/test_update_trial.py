"""A new release whose agent cannot start is rolled back at start; one that gets a heartbeat through is kept."""

from __future__ import annotations

import asyncio
import json
import os
import sys
from pathlib import Path

import aiohttp
from agentkit_agent import AgentProcess, enroll
from agentkit_cloud import Admin, CloudProcess
from agentkit_media_server import MediaOrigin
from agentkit_releases import build_release, start_with_trial_check
from test_agent_with_cloud import eventually
from test_update import KIT, _updater

from agent import trial
from agent.update import Releases
from neopro.contracts.agent_status import read_status
from neopro.datadir import DataDir

Origin = tuple[MediaOrigin, str]


async def test_a_release_whose_agent_crashes_at_start_is_rolled_back_after_three_starts(
    installed: tuple[Path, int], media_origin: Origin, http: aiohttp.ClientSession, tmp_path: Path
) -> None:
    install_dir, port = installed
    origin, url = media_origin
    # The player and hub of 2.0 are fine (the old agent's gate passes); its agent is not.
    tarball, sha = build_release(tmp_path / "dist", "2.0", agent_crashes=True)
    origin.add(tarball.read_bytes(), key="release-2.0")
    updater, _hub, task = await _updater(install_dir, port, url, http)
    restarts: list[int] = []
    updater.restart_agent = lambda: restarts.append(1)
    try:
        result = await updater({"version": "2.0", "url": "/media/release-2.0", "sha256": sha})
    finally:
        task.cancel()
    assert result == {"version": "2.0", "previous": "1.0"} and restarts == [1]
    pending = trial.pending(install_dir)
    assert pending is not None and pending["version"] == "2.0" and pending["previous"] == "1.0"
    assert pending["starts"] == 0 and (install_dir / "trial-check.py").exists()

    # systemd: Restart=always, the check before each start.
    runs = []
    for _ in range(8):
        done = await asyncio.to_thread(start_with_trial_check, install_dir, "neopro-agent.service")
        runs.append(done)
        if done.returncode == 0:
            break
    assert [r.returncode for r in runs] == [1, 1, 1, 0], [r.stderr for r in runs]
    assert all("crashes at start" in r.stderr for r in runs[:3])
    assert runs[-1].stdout.strip() == "1.0 agent up"  # the fourth start ran the old release
    assert os.readlink(install_dir / "current").endswith("releases/1.0")
    assert trial.pending(install_dir) is None
    record = trial.rolled_back(install_dir)
    assert record is not None
    assert record["reason"] == (
        "release 2.0 rolled back to 1.0: its agent was started 3 time(s) without a heartbeat accepted"
    )


async def test_a_trial_past_its_deadline_is_rolled_back_at_the_next_start(
    installed: tuple[Path, int], tmp_path: Path
) -> None:
    install_dir, _port = installed
    tarball, _ = build_release(tmp_path / "dist", "2.0")
    releases = Releases(install_dir)
    releases.install("2.0", tarball)
    releases.switch("2.0")
    trial.record(install_dir, "2.0", "1.0", window_s=-1)  # already late
    done = await asyncio.to_thread(start_with_trial_check, install_dir, "neopro-agent.service")
    assert done.stdout.strip() == "1.0 agent up"
    assert "deadline" in json.dumps(trial.rolled_back(install_dir))


async def test_the_new_agent_confirms_its_trial_once_a_heartbeat_is_accepted_and_reports_a_roll_back(
    installed: tuple[Path, int], sqlite_cloud: CloudProcess, data_dir: DataDir, tmp_path: Path
) -> None:
    install_dir, port = installed
    admin = await Admin(sqlite_cloud.url).login()
    try:
        _club, _site_id, code = await admin.new_site()
        assert (await asyncio.to_thread(enroll, data_dir, sqlite_cloud.url, code)).returncode == 0
    finally:
        await admin.close()
    trial.record(install_dir, "1.0", "0.9", window_s=600)  # the running release is on trial
    # ... and an earlier release was rolled back at start: the agent must say so.
    (install_dir / trial.ROLLED_BACK_FILE).write_text(
        json.dumps({"version": "0.8", "previous": "0.7", "reason": "release 0.8 rolled back to 0.7: test"})
    )
    agent = AgentProcess(
        data_dir,
        tmp_path / "agent.log",
        install_dir=str(install_dir),
        restart_command=f"{sys.executable} {KIT} restart {install_dir} {{service}}",
        update_services="player",
        hub_url=f"http://127.0.0.1:{port}",
    ).start()
    try:
        await eventually(lambda: trial.pending(install_dir) is None, within_s=30)
        assert os.readlink(install_dir / "current").endswith("releases/1.0")

        def alerted() -> bool:
            status = read_status(data_dir.root)
            return status is not None and any("rolled back to 0.7" in a for a in status.alerts)

        await eventually(alerted, within_s=30)
    finally:
        agent.stop()
    assert "Traceback" not in agent.log(), agent.log()
