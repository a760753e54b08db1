"""Who is calling an admin route, and may they.

The tenant comes from the token only: a club user's ``club_id`` is in their access token,
never taken from a path or a body. A route's minimum role is its ``opt["role"]``; without
one, reading needs a club operator and writing a club admin, so a new route is closed to
operators' writes by default.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

import jwt
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from litestar.handlers.base import BaseRouteHandler

from cloud_api.server.db import set_actor


class Role(StrEnum):
    PLATFORM_ADMIN = "platform_admin"
    CLUB_ADMIN = "club_admin"
    CLUB_OPERATOR = "club_operator"
    #: Reserved for the sponsor reports: may sign in and read their own profile only.
    SPONSOR_VIEWER = "sponsor_viewer"


RANK = {Role.SPONSOR_VIEWER: 1, Role.CLUB_OPERATOR: 2, Role.CLUB_ADMIN: 3, Role.PLATFORM_ADMIN: 4}


@dataclass(frozen=True)
class Principal:
    id: str
    club_id: str | None
    role: Role
    kind: str = "user"

    @property
    def is_platform(self) -> bool:
        return self.role is Role.PLATFORM_ADMIN

    def sees(self, club_id: str | None) -> bool:
        """May this person see an object of ``club_id`` (None = a platform object)?"""
        return self.is_platform or (club_id is not None and club_id == self.club_id)


def required_role(handler: BaseRouteHandler, method: str) -> Role:
    role = handler.opt.get("role")
    if role is not None:
        return Role(role)
    return Role.CLUB_OPERATOR if method in ("GET", "HEAD") else Role.CLUB_ADMIN


def bearer(connection: ASGIConnection) -> str:
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not token:
        raise NotAuthorizedException("send 'Authorization: Bearer <access token>' (POST /api/v1/auth/login)")
    return token.strip()


def admin_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    if handler.opt.get("public"):
        return
    try:
        claims = connection.app.state.runtime.tokens.verify(bearer(connection))
        principal = Principal(id=claims["sub"], club_id=claims.get("club"), role=Role(claims["role"]))
    except (jwt.PyJWTError, KeyError, ValueError):
        raise NotAuthorizedException("the access token is invalid or expired; sign in again") from None
    if principal.role is not Role.PLATFORM_ADMIN and not principal.club_id:
        raise NotAuthorizedException("the access token names no club")
    set_actor(connection, principal)
    method = connection.scope.get("method", "GET")  # type: ignore[call-overload]
    needed = required_role(handler, method)
    if RANK[principal.role] < RANK[needed]:
        raise PermissionDeniedException(
            f"this needs the role {needed.value} (you are {principal.role.value})"
        )
