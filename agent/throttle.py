"""An optional bandwidth cap: a token bucket shared by every download of the agent.

A club's 4G dongle also carries the match stream or the bar's card terminal; a cap keeps
media sync from taking the whole link. ``None`` means no cap.
"""

from __future__ import annotations

import asyncio
import time


class Throttle:
    def __init__(self, bytes_per_s: float | None, *, burst_s: float = 0.25) -> None:
        self.rate = bytes_per_s
        self._capacity = (bytes_per_s or 0) * burst_s
        self._tokens = self._capacity
        self._last = time.monotonic()

    async def take(self, nbytes: int) -> None:
        """Wait until ``nbytes`` may pass under the cap."""
        if not self.rate:
            return
        now = time.monotonic()
        self._tokens = min(self._capacity, self._tokens + (now - self._last) * self.rate)
        self._last = now
        self._tokens -= nbytes
        if self._tokens < 0:
            await asyncio.sleep(-self._tokens / self.rate)
