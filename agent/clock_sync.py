"""Learn the wall-clock offset from the cloud's ``Date`` header: a Pi has no RTC.

After a power cut a Pi may boot with a clock from the past until NTP answers (if it ever
does behind a club's 4G). Every cloud answer carries ``Date``; the offset between it and
our clock says whether our wall time can be trusted. ``clock.json`` (read by
:func:`neopro.clock.clock_synced`) holds the verdict and the pair (boot id, monotonic ns)
↔ cloud time, so a wrong wall time can still be corrected later from the monotonic clock.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import UTC
from email.utils import parsedate_to_datetime
from pathlib import Path

from neopro.clock import boot_id, mono_ns
from neopro.datadir import atomic_write

log = logging.getLogger("neopro.agent.clock")

#: ``Date`` has one-second resolution and the answer takes a moment to arrive.
SYNC_TOLERANCE_S = 2.0
#: Rewrite the file at most this often while nothing changes (an SD card wears).
REFRESH_S = 600.0


class ClockWatch:
    def __init__(self, data_root: Path) -> None:
        self.path = data_root / "clock.json"
        self.offset_s: float | None = None
        self._written_at = 0.0
        self._written_synced: bool | None = None

    def observe(self, date_header: str | None) -> None:
        """Feed the ``Date`` header of one cloud answer (called for every answer)."""
        if not date_header:
            return
        try:
            cloud = parsedate_to_datetime(date_header)
        except (TypeError, ValueError):
            return
        if cloud.tzinfo is None:
            cloud = cloud.replace(tzinfo=UTC)
        now = time.time()
        # Date is truncated to the second: the true cloud time is up to 1 s later.
        offset = cloud.timestamp() + 0.5 - now
        self.offset_s = offset
        synced = abs(offset) <= SYNC_TOLERANCE_S
        if synced == self._written_synced and now - self._written_at < REFRESH_S:
            return
        if not synced:
            log.warning(
                "the wall clock is %.0f s off the cloud's; events are marked clock_synced=false", offset
            )
        facts = {
            "synced": synced,
            "checked_at": now,
            "offset_s": round(offset, 3),
            "cloud_time": cloud.timestamp(),
            "boot_id": boot_id(),
            "mono_ns": mono_ns(),
        }
        try:
            atomic_write(self.path, json.dumps(facts).encode())
        except OSError as exc:
            log.warning("could not write %s: %s", self.path, exc)
            return
        self._written_at, self._written_synced = now, synced
