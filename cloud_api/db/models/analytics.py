"""Proof-of-play as the cloud keeps it: raw events, their rollups, chains, reports and alerts.

Raw events are kept for drill-down and for the verification code; every analytics read goes
to ``play_rollups``, which ingest keeps up to date in the same transaction as the insert, so
a sponsor's season is a few thousand rows whatever the number of events. Rollup keys use ''
for "none" (a loop play outside a match has no match session) so they can be primary keys.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Boolean, Date, Float, Index, Integer, String, text
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, BigIntKey, created_column, id_column


class PlayEvent(Base):
    __tablename__ = "play_events"
    __table_args__ = (
        Index("ix_play_events_sponsor_day", "sponsor_id", "day"),
        Index("ix_play_events_club_day", "club_id", "day"),
        Index("ix_play_events_device_seq", "device_id", "seq"),
    )
    event_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    club_id: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[str] = mapped_column(String(32))
    media_id: Mapped[str] = mapped_column(String(64))
    sponsor_id: Mapped[str | None] = mapped_column(String(64))
    category_id: Mapped[str | None] = mapped_column(String(64))
    phase: Mapped[str] = mapped_column(String(16))
    trigger: Mapped[str] = mapped_column(String(16))
    #: The corrected start (see domain/analytics/clock.py) and the UTC day it falls on.
    started_at: Mapped[datetime]
    ended_at: Mapped[datetime | None]
    day: Mapped[date] = mapped_column(Date)
    #: What the device said, kept as evidence.
    device_started_at: Mapped[datetime]
    seconds_on_screen: Mapped[float] = mapped_column(Float)
    completed: Mapped[bool] = mapped_column(Boolean)
    interrupted_by: Mapped[str | None] = mapped_column(String(16))
    score_home: Mapped[int | None] = mapped_column(Integer)
    score_away: Mapped[int | None] = mapped_column(Integer)
    match_session_id: Mapped[str | None] = mapped_column(String(64))
    boot_id: Mapped[str] = mapped_column(String(64))
    started_mono_ns: Mapped[int] = mapped_column(BigInteger)
    clock_synced: Mapped[bool] = mapped_column(Boolean)
    #: "synced", "boot_offset" (corrected), "uncorrected".
    clock_source: Mapped[str] = mapped_column(String(16))
    #: None, or why the time is not trusted: "before_epoch", "future", or "wall_stepped" (the
    #: device's wall clock stepped during the clip: its end is start + monotonic duration).
    time_flag: Mapped[str | None] = mapped_column(String(16))
    received_at: Mapped[datetime]
    seq: Mapped[int | None] = mapped_column(BigInteger)
    prev_hash: Mapped[str | None] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class PlayRollup(Base):
    """Sums of plays per day x site x sponsor x video x phase x trigger x match session."""

    __tablename__ = "play_rollups"
    __table_args__ = (Index("ix_play_rollups_club_day", "club_id", "day"),)
    sponsor_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    site_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    media_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    phase: Mapped[str] = mapped_column(String(16), primary_key=True)
    trigger: Mapped[str] = mapped_column(String(16), primary_key=True)
    match_session_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    club_id: Mapped[str] = mapped_column(String(32))
    plays: Mapped[int] = mapped_column(BigInteger)
    seconds: Mapped[float] = mapped_column(Float)
    completed: Mapped[int] = mapped_column(BigInteger)


class PlaybackErrorRow(Base):
    __tablename__ = "playback_errors"
    __table_args__ = (Index("ix_playback_errors_site_received", "site_id", "received_at"),)
    event_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    club_id: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[str] = mapped_column(String(32))
    media_id: Mapped[str | None] = mapped_column(String(64))
    reason: Mapped[str] = mapped_column(String(500))
    at: Mapped[datetime]
    received_at: Mapped[datetime]


class DeviceBoot(Base):
    """When a boot of a device began (wall time), learnt from a synced event or a batch's arrival."""

    __tablename__ = "device_boots"
    device_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    boot_id: Mapped[str] = mapped_column(String(64), primary_key=True)
    booted_at: Mapped[datetime]
    #: "synced_event" (exact) or "arrival" (an upper bound: the network delay is in it).
    source: Mapped[str] = mapped_column(String(16))


class ChainState(Base):
    """How far a device's chain is verified, and what is wrong with it."""

    __tablename__ = "chain_states"
    device_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    club_id: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[str] = mapped_column(String(32))
    verified_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    verified_hash: Mapped[str] = mapped_column(String(64))
    max_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    #: Events with a seq that are stored (to tell how many are missing).
    seen: Mapped[int] = mapped_column(BigInteger, default=0)
    #: seq of the first event whose prev_hash did not match, if any.
    broken_at_seq: Mapped[int | None] = mapped_column(BigInteger)
    #: The lowest seq seen: a re-enrolled device (new id, same state.db) starts mid-chain.
    first_seq: Mapped[int] = mapped_column(BigInteger, default=1, server_default="1")
    #: Since when records have been missing (None: no gap); the gap alert waits on it.
    gap_since: Mapped[datetime | None]
    updated_at: Mapped[datetime]


class SponsorViewer(Base):
    """A sponsor_viewer account and the one sponsor whose numbers it may read."""

    __tablename__ = "sponsor_viewers"
    user_id: Mapped[str] = mapped_column(String(32), primary_key=True)
    sponsor_id: Mapped[str] = mapped_column(String(32), index=True)
    #: The club whose plays the viewer sees. None (every club showing the sponsor) only when a
    #: platform admin bound it to a platform-wide sponsor: a club admin can never open other
    #: clubs' plays through a sponsor account.
    club_id: Mapped[str | None] = mapped_column(String(32))


class ReportRecord(Base):
    """A report handed out: its scope and the digest of the events it counted (re-checkable)."""

    __tablename__ = "report_records"
    id: Mapped[str] = id_column()
    code: Mapped[str] = mapped_column(String(40), unique=True)
    kind: Mapped[str] = mapped_column(String(16))
    club_id: Mapped[str | None] = mapped_column(String(32))
    sponsor_id: Mapped[str | None] = mapped_column(String(32))
    site_id: Mapped[str | None] = mapped_column(String(32))
    date_from: Mapped[date] = mapped_column(Date)
    date_to: Mapped[date] = mapped_column(Date)
    event_count: Mapped[int] = mapped_column(BigInteger)
    digest: Mapped[str] = mapped_column(String(64))
    created_by: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = created_column()


class Alert(Base):
    """Raised once per (site, kind) while its condition holds; resolved when it clears."""

    __tablename__ = "alerts"
    __table_args__ = (
        Index(
            "uq_alerts_active",
            "site_id",
            "kind",
            unique=True,
            postgresql_where=text("resolved_at IS NULL"),
            sqlite_where=text("resolved_at IS NULL"),
        ),
        Index("ix_alerts_club_raised", "club_id", "raised_at"),
    )
    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    club_id: Mapped[str] = mapped_column(String(32))
    site_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(32))
    severity: Mapped[str] = mapped_column(String(16))
    message: Mapped[str] = mapped_column(String(500))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    raised_at: Mapped[datetime]
    resolved_at: Mapped[datetime | None]
    notified_at: Mapped[datetime | None]
