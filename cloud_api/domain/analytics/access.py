"""Who may read which numbers: the tenant from the token, a sponsor viewer only its sponsor.

A club person sees their club's plays (of their sponsors and of platform-wide sponsors shown
at their club). A platform admin sees everything. A ``sponsor_viewer`` is bound to one sponsor
(``sponsor_viewers``) and sees that sponsor's plays at its club, nothing else: any other
sponsor id is answered 404, like an id of another club. Only a platform admin may bind a
viewer to a platform-wide sponsor, and only such a binding sees the sponsor's plays at every
club (``SponsorViewer.club_id`` None).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from litestar.exceptions import NotFoundException, PermissionDeniedException
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


async def viewer_binding(session: AsyncSession, principal: Principal) -> SponsorViewer | None:
    """The sponsor a sponsor_viewer is bound to (None for any other role)."""
    if principal.role is not Role.SPONSOR_VIEWER:
        return None
    binding = await session.get(SponsorViewer, principal.id)
    if binding is None:
        raise PermissionDeniedException("this sponsor account is bound to no sponsor yet; ask the club admin")
    return binding


async def viewer_sponsor(session: AsyncSession, principal: Principal) -> str | None:
    binding = await viewer_binding(session, principal)
    return None if binding is None else binding.sponsor_id


async def scope_for(session: AsyncSession, principal: Principal, requested: Scope) -> Scope:
    """The caller's request narrowed to what they may see."""
    binding = await viewer_binding(session, principal)
    if binding is not None:
        if requested.sponsor_id not in (None, binding.sponsor_id):
            raise NotFoundException("no such sponsor")
        if binding.club_id is not None and requested.club_id not in (None, binding.club_id):
            raise NotFoundException("no such club")
        club_id = binding.club_id if binding.club_id is not None else requested.club_id
        return replace(requested, sponsor_id=binding.sponsor_id, club_id=club_id)
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


def viewer_club(principal: Principal, sponsor: Sponsor, viewer_club_id: str | None) -> str | None:
    """The club a new binding is scoped to; refuses a club admin binding to a platform sponsor.

    A platform-wide sponsor is shown at every club: a viewer bound to it by a club admin would
    read every club's plays, so only a platform admin may make that binding.
    """
    if sponsor.club_id is None:
        if not principal.is_platform:
            raise PermissionDeniedException(
                "sponsor_id: this is a platform-wide sponsor; only a platform admin may bind a "
                "sponsor account to it (ask the platform team)"
            )
        return None
    return viewer_club_id if viewer_club_id is not None else sponsor.club_id
