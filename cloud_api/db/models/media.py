"""The media library: validated, hashed, thumbnailed video files and where they may be used."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Float, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, created_column, id_column


class Media(Base):
    __tablename__ = "media"
    id: Mapped[str] = id_column()
    #: None for platform media, which is assigned to clubs and sites (MediaAssignment).
    club_id: Mapped[str | None] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"), index=True)
    owner: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    ext: Mapped[str] = mapped_column(String(8))
    sha256: Mapped[str] = mapped_column(String(64), index=True)
    size: Mapped[int] = mapped_column(BigInteger)
    storage_key: Mapped[str] = mapped_column(String(200))
    thumbnail_key: Mapped[str | None] = mapped_column(String(200))
    duration_s: Mapped[float] = mapped_column(Float)
    width: Mapped[int] = mapped_column(Integer)
    height: Mapped[int] = mapped_column(Integer)
    video_codec: Mapped[str] = mapped_column(String(32))
    #: ready | transcoding | failed (a transcode in progress or failed has no playable file yet)
    status: Mapped[str] = mapped_column(String(16), default="ready")
    transcode_progress: Mapped[float | None] = mapped_column(Float)
    transcode_error: Mapped[str | None] = mapped_column(String(500))
    #: A transcode is a new media row (media is content-addressed, never changed in place);
    #: this names the upload it was made from.
    source_id: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[datetime] = created_column()
    created_by: Mapped[str | None] = mapped_column(String(32))


class MediaAssignment(Base):
    """Platform media made available to a club (site_id None) or to one of its sites."""

    __tablename__ = "media_assignments"
    id: Mapped[str] = id_column()
    media_id: Mapped[str] = mapped_column(ForeignKey("media.id", ondelete="CASCADE"), index=True)
    club_id: Mapped[str] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"), index=True)
    site_id: Mapped[str | None] = mapped_column(ForeignKey("sites.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = created_column()
