"""Retry timing: exponential backoff with full jitter, and the server's ``Retry-After``.

Full jitter (a uniform draw between 0 and the exponential cap) spreads a fleet that lost
the cloud at the same moment, so a cloud restart is not met by every Pi at the same second.
A ``Retry-After`` from the cloud wins over our own guess: it knows its load. The player
uses the same timing to reconnect to the hub.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime


class Backoff:
    def __init__(
        self, base_s: float = 1.0, cap_s: float = 300.0, *, rng: random.Random | None = None
    ) -> None:
        self.base_s = base_s
        self.cap_s = cap_s
        self.attempt = 0
        self._rng = rng or random.Random()

    def next_delay(self, retry_after_s: float | None = None) -> float:
        """The wait before the next try; grows with each failure until :meth:`reset`."""
        ceiling = min(self.cap_s, self.base_s * 2**self.attempt)
        self.attempt += 1
        if retry_after_s is not None:
            return min(max(retry_after_s, 0.0), self.cap_s * 4)
        return self._rng.uniform(0, ceiling)

    def reset(self) -> None:
        self.attempt = 0


def parse_retry_after(value: str | None, *, now: datetime | None = None) -> float | None:
    """``Retry-After`` as seconds (it may be a number of seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max((when - (now or datetime.now(UTC))).total_seconds(), 0.0)
