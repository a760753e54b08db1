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


#: How far the wall clock may drift from the cloud's time, carried forward on the monotonic
#: clock, and still be called synchronised.
SYNC_TOLERANCE_S = 2.0


def clock_synced(data_root: Path | None = None, *, max_age_s: float = 6 * 3600) -> bool:
    """Can this instant's wall time be trusted?

    Yes when systemd-timesyncd says so, or when the agent compared the clock with the
    cloud's ``Date`` (``clock.json``) during *this* boot, found it right, not too long ago on
    the monotonic clock, and the wall clock has not stepped since: the wall time of that
    check carried forward on the monotonic clock must still agree with ``time.time()``. A
    file left by another boot (a Pi with no RTC comes back from a power cut at a restored,
    wrong time) never counts.
    """
    if _TIMESYNC_FLAG.exists():
        return True
    if data_root is None:
        return False
    try:
        facts = json.loads((data_root / "clock.json").read_text())
        if not facts.get("synced") or facts.get("boot_id") != boot_id():
            return False
        age_s = (mono_ns() - int(facts["mono_ns"])) / 1e9
        expected_now = float(facts["checked_at"]) + age_s
    except (OSError, ValueError, KeyError, TypeError):
        return False
    return 0 <= age_s < max_age_s and abs(time.time() - expected_now) <= SYNC_TOLERANCE_S
