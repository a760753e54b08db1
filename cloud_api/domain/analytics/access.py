"""Who may read which numbers: the tenant from the token, a sponsor viewer only its sponsor.

A club person sees their club's plays (of their sponsors and of platform-wide sponsors shown
at their club). A platform admin sees everything. A ``sponsor_viewer`` is bound to one sponsor
(``sponsor_viewers``) and sees that sponsor's plays wherever they were shown, nothing else:
any other sponsor id is answered 404, like an id of another club.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from cloud_api.db.models import Sponsor, SponsorViewer
from cloud_api.domain.accounts.guards import Principal, Role


@dataclass(frozen=True)
class Scope:
    """What an analytics query counts. ``club_id`` None = every club (platform, sponsor viewer)."""

    club_id: str | None = None
    sponsor_id: str | None = None
    site_id: str | None = None
    date_from: date | None = None
    date_to: date | None = None


async def viewer_sponsor(session: AsyncSession, principal: Principal) -> str | None:
    if principal.role is not Role.SPONSOR_VIEWER:
        return None
    sponsor_id = await session.scalar(
        select(SponsorViewer.sponsor_id).where(SponsorViewer.user_id == principal.id)
    )
    if sponsor_id is None:
        raise PermissionDeniedException("this sponsor account is bound to no sponsor yet; ask the club admin")
    return sponsor_id


async def scope_for(session: AsyncSession, principal: Principal, requested: Scope) -> Scope:
    """The caller's request narrowed to what they may see."""
    own = await viewer_sponsor(session, principal)
    if own is not None:
        if requested.sponsor_id not in (None, own):
            raise NotFoundException("no such sponsor")
        return replace(requested, sponsor_id=own, club_id=None)
    if principal.is_platform:
        return requested
    if requested.club_id not in (None, principal.club_id):
        raise NotFoundException("no such club")
    return replace(requested, club_id=principal.club_id)


async def visible_sponsor(session: AsyncSession, principal: Principal, sponsor_id: str) -> Sponsor:
    """The sponsor if the caller may read its numbers, else 404."""
    sponsor = await session.get(Sponsor, sponsor_id)
    own = await viewer_sponsor(session, principal)
    if sponsor is None or (own is not None and own != sponsor_id):
        raise NotFoundException("no such sponsor")
    if own is None and not principal.is_platform and sponsor.club_id not in (None, principal.club_id):
        raise NotFoundException("no such sponsor")
    return sponsor
