"""``device.json``: who this Pi is to the cloud. Written once at enrollment, mode 0600.

It holds the device credential (``<device_id>.<secret>``); anyone who reads it can speak
for the site, so it is never world-readable and never logged.
"""

from __future__ import annotations

from pathlib import Path

import msgspec

from neopro.datadir import atomic_write


class DeviceIdentity(msgspec.Struct, kw_only=True):
    cloud_url: str
    site_id: str
    club_id: str
    device_id: str
    credential: str
    heartbeat_interval_s: int = 30
    enrolled_at: str = ""


def save_identity(path: Path, identity: DeviceIdentity) -> None:
    atomic_write(path, msgspec.json.format(msgspec.json.encode(identity)), mode=0o600)
    path.chmod(0o600)  # atomic_write honours the mode on creation; be explicit for a replace


def load_identity(path: Path) -> DeviceIdentity | None:
    """The enrollment, or None when the device has not enrolled (or the file is unreadable)."""
    try:
        return msgspec.json.decode(path.read_bytes(), type=DeviceIdentity)
    except FileNotFoundError:
        return None
    except (OSError, msgspec.DecodeError) as exc:
        raise RuntimeError(f"{path} is unreadable ({exc}); enroll again with `neopro agent enroll`") from exc
