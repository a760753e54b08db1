"""The README's run command, end to end: `neopro demo` on real processes and sockets."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from neopro.supervisor import free_port

pytestmark = pytest.mark.slow


def test_demo_brings_up_cloud_agent_hub_and_player_and_stops_cleanly(tmp_path: Path):
    out = subprocess.run(
        [
            sys.executable, "-m", "neopro", "demo", "--dir", str(tmp_path / "demo"), "--headless",
            "--size", "320x180", "--cloud-port", str(free_port()), "--hub-port", str(free_port()),
            "--exit-after", "30",
        ],
        capture_output=True, text=True, timeout=240, env={**os.environ, "DISPLAY": "", "NEOPRO_AGENT_UPLOAD_INTERVAL_S": "2"},
    )  # fmt: skip
    log = out.stdout + out.stderr
    assert out.returncode == 0, log
    assert "Neopro demo is running" in log
    assert "enrolled: site" in log
    assert "configuration 1 applied (7 videos)" in log  # published in the cloud, synced by the agent
    assert "player connected" in log  # the player reached the hub
    assert "event(s) uploaded" in log  # the first sponsor clip's proof-of-play reached the cloud
    assert "Traceback" not in log
    # The configuration the player reads came from the cloud: it names the cloud's site.
    current = (tmp_path / "demo" / "edge" / "config" / "current.json").read_text()
    assert '"version": 1' in current
