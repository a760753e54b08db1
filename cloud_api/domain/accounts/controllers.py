"""Routes of the accounts domain: sign-in, clubs, people and the audit log."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from litestar import Controller, Request, get, patch, post
from litestar.datastructures import State
from litestar.params import FromPath, FromQuery, JSONBody, QueryParameter
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from cloud_api.db.models import AuditEntry, Club, User
from cloud_api.domain.accounts.deps import CurrentUser
from cloud_api.server.db import DbSession, client_address, note, set_actor
from cloud_api.server.errors import FieldError

from . import services
from .guards import Role
from .schemas import (
    AuditOut,
    ClubCreate,
    ClubOut,
    ClubUpdate,
    LoginRequest,
    PasswordChange,
    RefreshRequest,
    TokenPair,
    UserCreate,
    UserOut,
    UserUpdate,
)
from .tenancy import club_scope, owned_or_404


def user_out(u: User) -> UserOut:
    return UserOut(
        id=u.id, email=u.email, name=u.name, role=Role(u.role), club_id=u.club_id, active=u.active,
        created_at=u.created_at,
    )  # fmt: skip


def club_out(c: Club) -> ClubOut:
    return ClubOut(id=c.id, name=c.name, created_at=c.created_at)


class AuthController(Controller):
    path = "/auth"
    tags = ["auth"]

    @post("/login", status_code=200, opt={"public": True})
    async def login(
        self, request: Request, state: State, db_session: DbSession, data: JSONBody[LoginRequest]
    ) -> TokenPair:
        """Sign in: a short-lived access token and a rotating refresh token."""
        rt = state.runtime
        user, pair = await services.login(
            db_session, rt.settings, rt.tokens, data.email, data.password, client_address(request)
        )
        set_actor(request, services.principal_of(user))
        return pair

    @post("/refresh", status_code=200, opt={"public": True})
    async def refresh(self, state: State, db_session: DbSession, data: JSONBody[RefreshRequest]) -> TokenPair:
        """Spend a refresh token for a new pair; a token used twice revokes its whole family."""
        return await services.refresh(
            db_session, state.runtime.settings, state.runtime.tokens, data.refresh_token
        )

    @post("/logout", status_code=204, opt={"public": True})
    async def logout(self, db_session: DbSession, data: JSONBody[RefreshRequest]) -> None:
        await services.logout(db_session, data.refresh_token)

    @get("/me", opt={"role": Role.SPONSOR_VIEWER})
    async def me(self, db_session: DbSession, principal: CurrentUser) -> UserOut:
        user = await db_session.get(User, principal.id)
        return user_out(owned_or_404(principal, user, "user", club_id=principal.club_id))

    @post("/password", status_code=204, opt={"role": Role.SPONSOR_VIEWER})
    async def change_password(
        self, db_session: DbSession, principal: CurrentUser, data: JSONBody[PasswordChange]
    ) -> None:
        """Change your own password; every refresh token you hold is revoked."""
        await services.change_password(db_session, principal, data.current_password, data.new_password)


class ClubController(Controller):
    path = "/clubs"
    tags = ["clubs"]

    @get("/")
    async def list_clubs(self, db_session: DbSession, principal: CurrentUser) -> list[ClubOut]:
        rows = await db_session.scalars(
            select(Club).where(club_scope(principal, Club.id)).order_by(Club.name)
        )
        return [club_out(c) for c in rows]

    @post("/", opt={"role": Role.PLATFORM_ADMIN})
    async def create_club(
        self, request: Request, db_session: DbSession, data: JSONBody[ClubCreate]
    ) -> ClubOut:
        club = Club(name=data.name)
        db_session.add(club)
        try:
            await db_session.flush()
        except IntegrityError:
            raise FieldError(409, "name", "a club with this name already exists") from None
        note(request, object_id=club.id, club_id=club.id)
        return club_out(club)

    @get("/{club_id:str}")
    async def get_club(
        self, db_session: DbSession, principal: CurrentUser, club_id: FromPath[str]
    ) -> ClubOut:
        club = await db_session.get(Club, club_id)
        return club_out(owned_or_404(principal, club, "club", club_id=club_id))

    @patch("/{club_id:str}", opt={"role": Role.PLATFORM_ADMIN})
    async def update_club(
        self, db_session: DbSession, club_id: FromPath[str], data: JSONBody[ClubUpdate]
    ) -> ClubOut:
        club = await db_session.get(Club, club_id)
        if club is None:
            raise FieldError(404, "club_id", "no such club")
        club.name = data.name
        try:
            await db_session.flush()
        except IntegrityError:
            raise FieldError(409, "name", "a club with this name already exists") from None
        return club_out(club)


class UserController(Controller):
    path = "/users"
    tags = ["users"]

    @get("/")
    async def list_users(self, db_session: DbSession, principal: CurrentUser) -> list[UserOut]:
        rows = await db_session.scalars(
            select(User).where(club_scope(principal, User.club_id)).order_by(User.email)
        )
        return [user_out(u) for u in rows]

    @post("/")
    async def create_user(
        self, request: Request, db_session: DbSession, principal: CurrentUser, data: JSONBody[UserCreate]
    ) -> UserOut:
        user = await services.create_user(db_session, principal, data)
        note(request, object_id=user.id, club_id=user.club_id)
        return user_out(user)

    @get("/{user_id:str}")
    async def get_user(
        self, db_session: DbSession, principal: CurrentUser, user_id: FromPath[str]
    ) -> UserOut:
        user = await db_session.get(User, user_id)
        return user_out(owned_or_404(principal, user, "user"))

    @patch("/{user_id:str}")
    async def update_user(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        user_id: FromPath[str],
        data: JSONBody[UserUpdate],
    ) -> UserOut:
        user = owned_or_404(principal, await db_session.get(User, user_id), "user")
        services.check_role_change(principal, user, data.role)
        if data.role is not None:
            user.role = data.role.value
        if data.name is not None:
            user.name = data.name
        if data.active is not None:
            user.active = data.active
        return user_out(user)


class AuditController(Controller):
    path = "/audit"
    tags = ["audit"]

    @get("/", opt={"role": Role.CLUB_ADMIN})
    async def list_audit(
        self,
        db_session: DbSession,
        principal: CurrentUser,
        limit: Annotated[int, QueryParameter(ge=1, le=1000)] = 100,
        before_id: Annotated[int | None, QueryParameter(ge=1, le=2**62)] = None,
        since: FromQuery[datetime | None] = None,
    ) -> list[AuditOut]:
        """Every write, newest first: who, what, when, from where (your club only)."""
        query = select(AuditEntry).where(club_scope(principal, AuditEntry.club_id))
        if before_id is not None:
            query = query.where(AuditEntry.id < before_id)
        if since is not None:
            since = since if since.tzinfo else since.replace(tzinfo=UTC)
            query = query.where(AuditEntry.at >= since)
        rows = await db_session.scalars(query.order_by(AuditEntry.id.desc()).limit(limit))
        return [
            AuditOut(
                id=a.id,
                at=a.at,
                actor_type=a.actor_type,
                actor_id=a.actor_id,
                club_id=a.club_id,
                action=a.action,
                object_type=a.object_type,
                object_id=a.object_id,
                address=a.address,
                detail=a.detail,
            )
            for a in rows
        ]
