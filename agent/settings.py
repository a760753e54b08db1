"""The agent's settings: one dataclass read from the environment once (``NEOPRO_AGENT_*``).

Defaults are what a Pi in a club should do; tests shorten the intervals and timeouts.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, fields
from pathlib import Path

from neopro.datadir import DataDir

from .buffer import DEFAULT_CAPACITY_EVENTS


@dataclass(frozen=True)
class AgentSettings:
    data_dir: Path = Path("/var/lib/neopro")
    heartbeat_interval_s: float = 30.0
    #: Manifest poll when the push channel is down (a push says "fetch now" otherwise).
    manifest_interval_s: float = 60.0
    command_poll_interval_s: float = 30.0
    upload_interval_s: float = 10.0
    upload_batch: int = 500
    #: Where event batches go; empty: the cloud's ``/device/v1/events`` (issue 6 builds it).
    events_url: str = ""
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 300.0
    #: Request timeouts: a stalled link is given up after this many seconds without a byte.
    connect_timeout_s: float = 10.0
    read_timeout_s: float = 30.0
    #: Optional media bandwidth cap in bytes per second (0: none).
    bandwidth_cap_bps: int = 0
    media_reserve_bytes: int = 512 * 2**20
    media_max_file_bytes: int = 8 * 2**30
    outbox_capacity_events: int = DEFAULT_CAPACITY_EVENTS
    #: Software update: where releases are installed (``releases/<version>``, ``current``).
    install_dir: Path = Path("/opt/neopro")
    #: How a service is restarted ("{service}" becomes its unit), per the image's sudo rules.
    restart_command: str = "sudo -n systemctl restart {service}"
    reboot_command: str = "sudo -n systemctl reboot"
    #: Which services an update restarts before its health gate (the agent restarts last).
    update_services: str = "player remote"
    #: The health gate after an update: the player on air (or idle by design) and a heartbeat
    #: accepted within this many seconds, else roll back.
    health_timeout_s: float = 120.0
    #: The largest release tarball taken when the update command does not say (args.max_bytes).
    update_max_bytes: int = 1 * 2**30
    #: The hub's base URL on the Pi (to ask whether the player is on air).
    hub_url: str = "http://127.0.0.1:8080"

    @classmethod
    def from_env(cls, **overrides: object) -> AgentSettings:
        values: dict[str, object] = {}
        for f in fields(cls):
            raw = os.environ.get(f"NEOPRO_AGENT_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _convert(f.type, raw)
        values["data_dir"] = Path(os.environ.get("NEOPRO_DATA_DIR", str(cls.data_dir)))
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def data(self) -> DataDir:
        return DataDir(self.data_dir)


def _convert(type_name: object, raw: str) -> object:
    name = str(type_name)
    if "float" in name:
        return float(raw)
    if "int" in name:
        return int(raw)
    if "Path" in name:
        return Path(raw)
    return raw
