"""Retry timing shared by the edge processes: full jitter under a growing cap, Retry-After wins."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from neopro.backoff import Backoff, parse_retry_after


def test_full_jitter_spreads_retries_under_a_growing_cap() -> None:
    backoff = Backoff(base_s=0.5, cap_s=10.0, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(8)]
    ceilings = [0.5, 1, 2, 4, 8, 10, 10, 10]
    assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    fleet = [Backoff(1.0, 60.0, rng=random.Random(i)) for i in range(200)]
    for b in fleet:
        b.attempt = 6  # the whole fleet lost its server at once
    spread = sorted(b.next_delay() for b in fleet)
    assert spread[0] < 10 and spread[-1] > 50, "full jitter: retries spread over the whole window"
    backoff.reset()
    assert backoff.attempt == 0 and backoff.next_delay() <= 0.5


def test_retry_after_wins_over_our_own_guess() -> None:
    backoff = Backoff(base_s=1.0, cap_s=8.0)
    assert backoff.next_delay(retry_after_s=17.0) == 17.0
    assert backoff.next_delay(retry_after_s=3600.0) == 32.0  # bounded: 4 x the cap
    assert parse_retry_after("120") == 120.0
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None
