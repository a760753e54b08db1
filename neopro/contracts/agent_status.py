"""The agent's status file: what the hub's local admin shows about sync (contract, read-only).

The agent rewrites ``<data dir>/run/agent-status.json`` atomically at most about once a
second while something changes; the hub only reads it. A missing file means the agent has
not started (or is not installed); ``at`` older than a minute or two means it is not running.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Literal

import msgspec
from msgspec import Struct

STATUS_FILENAME = "agent-status.json"


class DownloadProgress(Struct, kw_only=True):
    filename: str
    bytes_done: int
    bytes_total: int
    percent: float
    rate_bytes_per_s: float


class AgentStatus(Struct, kw_only=True):
    #: When the agent wrote this (Unix seconds): older than a minute or two = agent not running.
    at: float
    enrolled: bool = False
    site_id: str | None = None
    #: ``connected``: the cloud answered lately; ``offline``: it did not (the agent keeps trying).
    cloud: Literal["connected", "offline", "unknown"] = "unknown"
    applied_config_version: int | None = None
    #: The last configuration the agent refused, with the reason (the current one stays).
    config_error: str | None = None
    downloads: list[DownloadProgress] = []
    outbox_backlog: int = 0
    last_heartbeat_at: datetime | None = None
    #: Things a person should act on (buffer near its bound, disk full, update rolled back).
    alerts: list[str] = []
    software_version: str | None = None


def status_path(data_root: Path) -> Path:
    return data_root / "run" / STATUS_FILENAME


def read_status(data_root: Path) -> AgentStatus | None:
    """The last status the agent wrote, or None when there is none (or it is unreadable)."""
    try:
        return msgspec.json.decode(status_path(data_root).read_bytes(), type=AgentStatus)
    except (OSError, msgspec.DecodeError):
        return None
