"""Media library queries: who may see what, and the shape it is returned in."""

from __future__ import annotations

from litestar.exceptions import NotFoundException
from sqlalchemy import ColumnElement, and_, exists, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession

from cloud_api.db.models import Media, MediaAssignment
from cloud_api.domain.accounts.guards import Principal

from .schemas import MediaOut


def visible(principal: Principal) -> ColumnElement[bool]:
    """A club sees its own media and the platform media assigned to it (or to one of its sites)."""
    if principal.is_platform:
        return true()
    assigned = exists(
        select(MediaAssignment.id).where(
            MediaAssignment.media_id == Media.id, MediaAssignment.club_id == principal.club_id
        )
    )
    return or_(Media.club_id == principal.club_id, and_(Media.club_id.is_(None), assigned))


async def visible_media(session: AsyncSession, principal: Principal, media_id: str) -> Media:
    row = await session.scalar(select(Media).where(Media.id == media_id, visible(principal)))
    if row is None:
        raise NotFoundException("no such media")
    return row


def writable(principal: Principal, media: Media) -> bool:
    """Platform media is changed by the platform only; a club's by its admins (and the platform)."""
    return principal.is_platform or (media.club_id is not None and media.club_id == principal.club_id)


def media_out(m: Media) -> MediaOut:
    return MediaOut(
        id=m.id, club_id=m.club_id, owner=m.owner, name=m.name, ext=m.ext, sha256=m.sha256, size=m.size,
        duration_s=m.duration_s, width=m.width, height=m.height, video_codec=m.video_codec, status=m.status,
        transcode_progress=m.transcode_progress, transcode_error=m.transcode_error, source_id=m.source_id,
        has_thumbnail=m.thumbnail_key is not None, created_at=m.created_at,
    )  # fmt: skip
