"""Tenant scoping shared by every admin domain: the club comes from the token."""

from __future__ import annotations

from typing import Any

from litestar.exceptions import NotFoundException, PermissionDeniedException
from sqlalchemy import ColumnElement, true

from .guards import Principal


def club_scope(principal: Principal, column: Any) -> ColumnElement[bool]:
    """A WHERE clause limiting a query to the caller's club (no limit for a platform admin)."""
    return true() if principal.is_platform else column == principal.club_id


def owned_or_404(principal: Principal, obj: Any, what: str, club_id: str | None = None) -> Any:
    """The object when the caller may see it; otherwise 404, so other clubs' ids reveal nothing."""
    if obj is None or not principal.sees(club_id if club_id is not None else obj.club_id):
        raise NotFoundException(f"no such {what}")
    return obj


def target_club(principal: Principal, requested: str | None, *, allow_platform: bool = False) -> str | None:
    """The club a new object belongs to: the caller's own, or (platform admin) the one asked for."""
    if principal.is_platform:
        if requested is None and not allow_platform:
            raise PermissionDeniedException("as a platform admin, say which club: give club_id")
        return requested
    if requested is not None and requested != principal.club_id:
        raise PermissionDeniedException("you can only create objects in your own club")
    return principal.club_id
