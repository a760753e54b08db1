"""Sponsors (a club's or platform-wide), their videos and their contracts.

The reports issue reads these: a contract is a period and a target (plays or seconds, per
match or per season) for a sponsor, optionally limited to one site.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, created_column, id_column


class Sponsor(Base):
    __tablename__ = "sponsors"
    id: Mapped[str] = id_column()
    #: None for a platform-wide sponsor.
    club_id: Mapped[str | None] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    contact_email: Mapped[str] = mapped_column(String(254), default="")
    created_at: Mapped[datetime] = created_column()


class SponsorVideo(Base):
    __tablename__ = "sponsor_videos"
    sponsor_id: Mapped[str] = mapped_column(ForeignKey("sponsors.id", ondelete="CASCADE"), primary_key=True)
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), primary_key=True)


class SponsorContract(Base):
    __tablename__ = "sponsor_contracts"
    id: Mapped[str] = id_column()
    sponsor_id: Mapped[str] = mapped_column(ForeignKey("sponsors.id", ondelete="CASCADE"), index=True)
    club_id: Mapped[str | None] = mapped_column(String(32), index=True)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id", ondelete="SET NULL"))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    target_plays: Mapped[int | None] = mapped_column(Integer)
    target_seconds: Mapped[int | None] = mapped_column(Integer)
    #: "match" or "season": what a target counts per.
    per: Mapped[str] = mapped_column(String(16))
    note: Mapped[str] = mapped_column(String(280), default="")
    created_at: Mapped[datetime] = created_column()
