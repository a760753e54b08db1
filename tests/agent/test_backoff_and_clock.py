"""Retry timing (full jitter, Retry-After) and the clock learnt from the cloud's Date header."""

from __future__ import annotations

import json
import random
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from agent.backoff import Backoff, parse_retry_after
from agent.clock_sync import ClockWatch
from neopro.clock import clock_synced
from neopro.datadir import DataDir


def test_full_jitter_spreads_retries_under_a_growing_cap() -> None:
    backoff = Backoff(base_s=1.0, cap_s=8.0, rng=random.Random(7))
    delays = [backoff.next_delay() for _ in range(8)]
    ceilings = [1, 2, 4, 8, 8, 8, 8, 8]
    assert all(0 <= d <= c for d, c in zip(delays, ceilings, strict=True))
    fleet = [Backoff(1.0, 60.0, rng=random.Random(i)) for i in range(200)]
    for b in fleet:
        b.attempt = 6  # the whole fleet lost the cloud at once
    spread = sorted(b.next_delay() for b in fleet)
    assert spread[0] < 10 and spread[-1] > 50, "full jitter: retries spread over the whole window"
    backoff.reset()
    assert backoff.next_delay() <= 1.0


def test_retry_after_wins_over_our_own_guess() -> None:
    backoff = Backoff(base_s=1.0, cap_s=8.0)
    assert backoff.next_delay(retry_after_s=17.0) == 17.0
    assert parse_retry_after("120") == 120.0
    now = datetime(2026, 11, 25, 9, 0, tzinfo=UTC)
    assert parse_retry_after(format_datetime(now + timedelta(seconds=30), usegmt=True), now=now) == 30.0
    assert parse_retry_after("soon") is None and parse_retry_after(None) is None


def test_the_clock_is_marked_synced_only_when_the_cloud_agrees(data_dir: DataDir) -> None:
    watch = ClockWatch(data_dir.root)
    assert not clock_synced(data_dir.root)
    watch.observe(format_datetime(datetime.now(UTC), usegmt=True))
    assert clock_synced(data_dir.root)
    facts = json.loads((data_dir.root / "clock.json").read_text())
    assert abs(facts["offset_s"]) <= 2 and facts["boot_id"] and facts["mono_ns"] > 0

    # A Pi that booted with yesterday's clock: the cloud says it is a day later.
    watch.observe(format_datetime(datetime.now(UTC) + timedelta(days=1), usegmt=True))
    assert not clock_synced(data_dir.root)
    assert abs(json.loads((data_dir.root / "clock.json").read_text())["offset_s"] - 86400) < 3
    assert watch.offset_s is not None and watch.offset_s > 86000
