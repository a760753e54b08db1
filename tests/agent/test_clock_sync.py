"""The clock learnt from the cloud's Date header (retry timing: tests/neopro/test_backoff.py)."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from agent.clock_sync import ClockWatch
from neopro.clock import clock_synced
from neopro.datadir import DataDir


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
