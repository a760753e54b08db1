"""When the device may call its wall time synchronised (a Pi has no real-time clock)."""

from __future__ import annotations

import json
import time

from neopro import clock
from neopro.datadir import DataDir


def facts(**changes) -> dict:
    base = {
        "synced": True,
        "checked_at": time.time(),
        "offset_s": 0.1,
        "cloud_time": time.time(),
        "boot_id": clock.boot_id(),
        "mono_ns": clock.mono_ns(),
    }
    return {**base, **changes}


def write(data_dir: DataDir, content: dict) -> None:
    (data_dir.root / "clock.json").write_text(json.dumps(content))


def test_a_fresh_check_during_this_boot_counts(data_dir: DataDir):
    write(data_dir, facts())
    assert clock.clock_synced(data_dir.root)


def test_a_check_from_another_boot_never_counts(data_dir: DataDir):
    # A Pi back from a power cut at a restored time: yesterday's file must not vouch for it.
    write(data_dir, facts(boot_id="0" * 32))
    assert not clock.clock_synced(data_dir.root)


def test_a_wall_clock_step_since_the_check_undoes_it(data_dir: DataDir):
    # The check happened 10 s ago on the monotonic clock, but the wall clock says an hour.
    write(data_dir, facts(checked_at=time.time() - 3600, mono_ns=clock.mono_ns() - 10 * 10**9))
    assert not clock.clock_synced(data_dir.root)


def test_an_old_check_expires_and_a_garbled_file_is_not_trusted(data_dir: DataDir):
    hours = 7 * 3600
    write(data_dir, facts(checked_at=time.time() - hours, mono_ns=clock.mono_ns() - hours * 10**9))
    assert not clock.clock_synced(data_dir.root)
    (data_dir.root / "clock.json").write_text("{not json")
    assert not clock.clock_synced(data_dir.root)
    write(data_dir, facts(synced=False))
    assert not clock.clock_synced(data_dir.root)
