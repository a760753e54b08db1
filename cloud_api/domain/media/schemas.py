"""Request and response bodies of the media library."""

from __future__ import annotations

from datetime import datetime

from msgspec import Struct


class MediaOut(Struct, kw_only=True):
    id: str
    club_id: str | None
    owner: str
    name: str
    ext: str
    sha256: str
    size: int
    duration_s: float
    width: int
    height: int
    video_codec: str
    #: ready | transcoding | failed
    status: str
    transcode_progress: float | None
    transcode_error: str | None
    source_id: str | None
    has_thumbnail: bool
    created_at: datetime


class UploadOut(Struct, kw_only=True):
    media: MediaOut
    #: The Pi-profile copy being made in the background, when a transcode was asked for.
    transcode: MediaOut | None = None


class AssignmentCreate(Struct, kw_only=True):
    club_id: str
    #: None: every site of the club.
    site_id: str | None = None


class AssignmentOut(Struct, kw_only=True):
    id: str
    media_id: str
    club_id: str
    site_id: str | None
    created_at: datetime
