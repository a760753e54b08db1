"""The agent as a real process (``neopro agent enroll`` / ``neopro agent run``), with fast settings."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from neopro.datadir import DataDir

FAST = {
    "NEOPRO_AGENT_HEARTBEAT_INTERVAL_S": "1",
    "NEOPRO_AGENT_MANIFEST_INTERVAL_S": "2",
    "NEOPRO_AGENT_COMMAND_POLL_INTERVAL_S": "1",
    "NEOPRO_AGENT_UPLOAD_INTERVAL_S": "0.5",
    "NEOPRO_AGENT_BACKOFF_BASE_S": "0.1",
    "NEOPRO_AGENT_BACKOFF_CAP_S": "1",
    "NEOPRO_AGENT_CONNECT_TIMEOUT_S": "2",
    "NEOPRO_AGENT_READ_TIMEOUT_S": "2",
    "NEOPRO_AGENT_MEDIA_RESERVE_BYTES": str(16 * 2**20),
}


def agent_env(data: DataDir, **settings: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NEOPRO_AGENT_")}
    env.update(FAST)
    env.update({f"NEOPRO_AGENT_{k.upper()}": str(v) for k, v in settings.items()})
    env["NEOPRO_DATA_DIR"] = str(data.root)
    env["PYTHONUNBUFFERED"] = "1"
    return env


def enroll(data: DataDir, cloud_url: str, code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "neopro", "agent", "enroll", "--cloud", cloud_url, "--code", code],
        env=agent_env(data), capture_output=True, text=True, timeout=60,
    )  # fmt: skip


class AgentProcess:
    def __init__(self, data: DataDir, log_path: Path, **settings: str) -> None:
        self.data, self.log_path, self.settings = data, log_path, settings
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> AgentProcess:
        with open(self.log_path, "ab") as log:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "neopro", "--log-level", "INFO", "agent", "run"],
                env=agent_env(self.data, **self.settings), stdout=log, stderr=log,
            )  # fmt: skip
        return self

    def kill9(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait()

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill9()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-6000:]
