"""Sites (one Pi at one club), enrollment codes, device credentials and what heartbeats say."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Float, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, BigIntKey, created_column, id_column


class Site(Base):
    __tablename__ = "sites"
    id: Mapped[str] = id_column()
    club_id: Mapped[str] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    created_at: Mapped[datetime] = created_column()


class EnrollmentCode(Base):
    """Only the code's sha256 is kept; single use, short-lived."""

    __tablename__ = "enrollment_codes"
    code_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    club_id: Mapped[str] = mapped_column(String(32))
    created_at: Mapped[datetime] = created_column()
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class Device(Base):
    """An enrolled Pi: the sha256 of its credential's secret, never the secret itself."""

    __tablename__ = "devices"
    id: Mapped[str] = id_column()
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    club_id: Mapped[str] = mapped_column(String(32), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64))
    hardware: Mapped[dict[str, Any]] = mapped_column(default=dict)
    enrolled_at: Mapped[datetime] = created_column()
    revoked_at: Mapped[datetime | None]


class _Metrics:
    software_version: Mapped[str | None] = mapped_column(String(200))
    applied_config_version: Mapped[int | None] = mapped_column(Integer)
    applied_at: Mapped[datetime | None]
    on_air: Mapped[str | None] = mapped_column(String(64))
    cpu_percent: Mapped[float | None] = mapped_column(Float)
    temperature_c: Mapped[float | None] = mapped_column(Float)
    disk_percent: Mapped[float | None] = mapped_column(Float)
    memory_percent: Mapped[float | None] = mapped_column(Float)
    uptime_s: Mapped[float | None] = mapped_column(Float)
    outbox_backlog: Mapped[int] = mapped_column(Integer, default=0)


class SiteStatus(_Metrics, Base):
    """The latest heartbeat of a site, upserted in batches."""

    __tablename__ = "site_status"
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), primary_key=True)
    device_id: Mapped[str] = mapped_column(String(32))
    last_seen_at: Mapped[datetime]


class HeartbeatRow(_Metrics, Base):
    """Every heartbeat, for health history and alerts (the analytics issue reads it)."""

    __tablename__ = "heartbeats"
    __table_args__ = (
        Index("ix_heartbeats_site_received", "site_id", "received_at"),
        # The retention job deletes by age across all sites.
        Index("ix_heartbeats_received", "received_at"),
    )
    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    site_id: Mapped[str] = mapped_column(String(32))
    device_id: Mapped[str] = mapped_column(String(32))
    received_at: Mapped[datetime]
