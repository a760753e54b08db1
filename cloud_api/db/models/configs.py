"""Versioned site configuration: one draft (version 0) per site, then immutable published versions."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, created_column, id_column

DRAFT = 0


class SiteConfigVersion(Base):
    __tablename__ = "site_configs"
    __table_args__ = (UniqueConstraint("site_id", "version", name="uq_site_configs_site_version"),)
    id: Mapped[str] = id_column()
    site_id: Mapped[str] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"), index=True)
    club_id: Mapped[str] = mapped_column(String(32), index=True)
    #: 0 is the draft; 1, 2, ... are published, never changed afterwards.
    version: Mapped[int] = mapped_column(Integer)
    document: Mapped[dict[str, Any]]
    created_at: Mapped[datetime] = created_column()
    created_by: Mapped[str | None] = mapped_column(String(32))
    note: Mapped[str] = mapped_column(String(280), default="")
    #: Set on a rollback: the version this one republished.
    republished_from: Mapped[int | None] = mapped_column(Integer)
