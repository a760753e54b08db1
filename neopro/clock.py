"""Clock facts for a device with no real-time clock.

``boot_id`` + ``time.monotonic_ns()`` order the events of one boot exactly; the wall time
is trusted only when the system clock is synchronised (systemd-timesyncd says so) or the
agent has measured the offset against the cloud's ``Date`` header (``clock.json``).
"""

from __future__ import annotations

import json
import time
import uuid
from datetime import UTC, datetime
from functools import cache
from pathlib import Path

_TIMESYNC_FLAG = Path("/run/systemd/timesync/synchronized")


@cache
def boot_id() -> str:
    try:
        return Path("/proc/sys/kernel/random/boot_id").read_text().strip().replace("-", "")
    except OSError:  # not Linux: one id per process is the best we can do
        return uuid.uuid4().hex


def mono_ns() -> int:
    return time.monotonic_ns()


def utcnow() -> datetime:
    return datetime.now(UTC)


def clock_synced(data_root: Path | None = None, *, max_age_s: float = 6 * 3600) -> bool:
    if _TIMESYNC_FLAG.exists():
        return True
    if data_root is None:
        return False
    try:
        facts = json.loads((data_root / "clock.json").read_text())
    except (OSError, ValueError):
        return False
    return bool(facts.get("synced")) and time.time() - float(facts.get("checked_at", 0)) < max_age_s
