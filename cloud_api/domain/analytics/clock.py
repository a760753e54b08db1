"""Dating events from a Pi with no real-time clock.

A Pi boots at 1970 (or at its last saved time) until NTP syncs. Its monotonic clock is
exact within one boot, so the wall time of an unsynced event is ``booted_at + mono``, where
``booted_at`` (per device and boot) is learnt from:

1. a synced event of the same boot: ``started_at - started_mono_ns`` (exact), or
2. a batch that says which boot sent it and its monotonic time when it left:
   ``received_at - sent_mono_ns`` (late by the network delay: well under a second).

An event that still cannot be dated, or whose time is before the software existed or in the
future, keeps the device's time and is flagged; its day is then the day it arrived.

The end of a clip is its start plus the monotonic duration: the wall clock can step (NTP
syncing mid-clip) and leave ``ended_at`` before ``started_at``. Such an event is a genuine
billable play: it is stored with the flag "wall_stepped" (its start and day stand).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from neopro.contracts.proof_of_play import ProofOfPlay

from .settings import AnalyticsSettings


@dataclass(frozen=True)
class Dated:
    started_at: datetime
    ended_at: datetime | None
    day: date
    source: str  # "synced", "boot_offset", "uncorrected"
    flag: str | None  # None, "before_epoch", "future", "wall_stepped"


def boot_from_synced(event: ProofOfPlay) -> datetime:
    return event.started_at - timedelta(microseconds=event.started_mono_ns // 1000)


def boot_from_arrival(received_at: datetime, sent_mono_ns: int) -> datetime:
    return received_at - timedelta(microseconds=sent_mono_ns // 1000)


def date_event(
    event: ProofOfPlay, booted_at: datetime | None, received_at: datetime, settings: AnalyticsSettings
) -> Dated:
    if event.clock_synced:
        start, source = event.started_at, "synced"
    elif booted_at is not None:
        start = booted_at + timedelta(microseconds=event.started_mono_ns // 1000)
        source = "boot_offset"
    else:
        start, source = event.started_at, "uncorrected"
    wall_stepped = event.ended_at is not None and event.ended_at < event.started_at
    if event.ended_mono_ns is not None:
        end: datetime | None = start + timedelta(
            microseconds=(event.ended_mono_ns - event.started_mono_ns) // 1000
        )
    elif event.ended_at is not None and not wall_stepped:
        end = start + (event.ended_at - event.started_at)
    else:
        end = None
    flag = None
    if start < settings.epoch:
        flag = "before_epoch"
    elif start > received_at + timedelta(seconds=settings.future_slack_s):
        flag = "future"
    day = (received_at if flag else start).date()
    if flag is None and wall_stepped:
        flag = "wall_stepped"
    return Dated(start, end, day, source, flag)
