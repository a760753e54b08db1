"""Which media a club or a site may use: its own, plus platform media assigned to it."""

from __future__ import annotations

from sqlalchemy import ColumnElement, and_, exists, or_, select

from cloud_api.db.models import Media, MediaAssignment


def usable_by(club_id: str, site_id: str | None = None) -> ColumnElement[bool]:
    """WHERE clause: media of the club, or platform media assigned to the club (or to this site)."""
    assigned = exists(
        select(MediaAssignment.id).where(
            MediaAssignment.media_id == Media.id,
            MediaAssignment.club_id == club_id,
            or_(MediaAssignment.site_id.is_(None), MediaAssignment.site_id == site_id)
            if site_id is not None
            else MediaAssignment.site_id.is_(None),
        )
    )
    return or_(Media.club_id == club_id, and_(Media.club_id.is_(None), assigned))
