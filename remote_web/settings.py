"""The hub's settings: one dataclass, read from the environment once (``Settings.from_env``)."""

from __future__ import annotations

import os
import platform
from dataclasses import dataclass, field
from pathlib import Path

from neopro.datadir import DEFAULT_DATA_DIR, DataDir

GIB = 1024**3


def _on_a_pi() -> bool:
    """Port 80 on the appliance (the QR code on the TV is a bare http://<ip>/), 8080 elsewhere."""
    try:
        model = Path("/proc/device-tree/model").read_text(errors="replace")
    except OSError:
        return False
    return "Raspberry Pi" in model and platform.machine() in {"aarch64", "armv7l"}


@dataclass(frozen=True)
class Settings:
    data_dir: DataDir
    host: str = "0.0.0.0"
    port: int = 8080
    #: Uploads larger than this are answered 413 before a byte of the body is read.
    upload_max_bytes: int = 2 * GIB
    #: Convert uploads that are not in the player's profile (ARCHITECTURE decision 10).
    transcode_uploads: bool = True
    #: An operator session lasts a match day; an admin session is shorter.
    operator_session_s: float = 12 * 3600
    admin_session_s: float = 2 * 3600
    #: Lockout: this many failures inside the window lock the role, with a growing delay.
    lockout_failures: int = 5
    lockout_window_s: float = 15 * 60
    lockout_base_delay_s: float = 30.0
    #: Per-connection rate limit on phone frames: a burst, then a sustained rate.
    ws_rate_per_s: float = 20.0
    ws_burst: int = 40
    #: Frames waiting for a slow phone; beyond this the phone is dropped (it reconnects).
    ws_send_queue: int = 256
    #: Services whose logs the admin page shows (systemd units neopro-<name>).
    services: tuple[str, ...] = field(default=("player", "remote", "agent"))

    @classmethod
    def from_env(cls, env: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if env is None else env)
        default_port = 80 if _on_a_pi() else 8080
        return cls(
            data_dir=DataDir(Path(env.get("NEOPRO_DATA_DIR", DEFAULT_DATA_DIR))),
            host=env.get("NEOPRO_REMOTE_HOST", "0.0.0.0"),
            port=int(env.get("NEOPRO_REMOTE_PORT", default_port)),
            upload_max_bytes=int(env.get("NEOPRO_UPLOAD_MAX_BYTES", 2 * GIB)),
            transcode_uploads=env.get("NEOPRO_TRANSCODE_UPLOADS", "1").lower()
            not in {"0", "no", "false", "off"},
        )
