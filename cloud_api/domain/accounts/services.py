"""Sign-in, token rotation, people and clubs.

Refresh tokens rotate: each use returns a new one and spends the old. Presenting a spent
token again means it was copied, so the whole family (every token of that sign-in) is
revoked and the caller gets 401. Failed logins are counted in the database, so the limit
holds across instances.
"""

from __future__ import annotations

from datetime import timedelta

from litestar.exceptions import NotAuthorizedException, PermissionDeniedException
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cloud_api.db.base import utcnow
from cloud_api.db.models import Club, LoginAttempt, RefreshToken, User
from cloud_api.lib.security import (
    TokenKeys,
    hash_password,
    new_id,
    new_secret,
    same_digest,
    sha256_hex,
    split_credential,
    verify_password,
)
from cloud_api.lib.settings import Settings
from cloud_api.server.errors import FieldError

from .guards import RANK, Principal, Role
from .schemas import TokenPair, UserCreate

ADDRESS_FACTOR = 10


class TooManyAttempts(FieldError):
    def __init__(self, window_s: int) -> None:
        super().__init__(
            429, "email", f"too many failed sign-ins; wait {window_s // 60} minutes and try again"
        )
        self.headers = {"Retry-After": str(window_s)}


def principal_of(user: User) -> Principal:
    return Principal(id=user.id, club_id=user.club_id, role=Role(user.role))


async def issue_tokens(
    session: AsyncSession, settings: Settings, tokens: TokenKeys, user: User, family_id: str | None = None
) -> TokenPair:
    access = tokens.issue({"sub": user.id, "club": user.club_id, "role": user.role, "typ": "access"})
    secret = new_secret()
    row = RefreshToken(
        id=new_id(),
        user_id=user.id,
        family_id=family_id or new_id(),
        token_hash=sha256_hex(secret),
        expires_at=utcnow() + timedelta(seconds=settings.refresh_ttl_s),
    )
    session.add(row)
    return TokenPair(
        access_token=access, refresh_token=f"{row.id}.{secret}", expires_in=settings.access_ttl_s
    )


async def login(
    session: AsyncSession, settings: Settings, tokens: TokenKeys, email: str, password: str, address: str
) -> tuple[User, TokenPair]:
    email = email.strip().lower()
    since = utcnow() - timedelta(seconds=settings.login_window_s)
    failed = (
        select(func.count())
        .select_from(LoginAttempt)
        .where(LoginAttempt.success.is_(False), LoginAttempt.at >= since)
    )
    by_email = await session.scalar(failed.where(LoginAttempt.email == email)) or 0
    # One address may be a club's whole office behind one NAT: a wider allowance than one account.
    by_address = await session.scalar(failed.where(LoginAttempt.address == address)) or 0
    if by_email >= settings.login_max_failures or by_address >= ADDRESS_FACTOR * settings.login_max_failures:
        raise TooManyAttempts(settings.login_window_s)
    user = await session.scalar(select(User).where(User.email == email))
    ok = await verify_password(password, user.password_hash if user else None)
    session.add(LoginAttempt(email=email, address=address, success=ok and user is not None and user.active))
    if not ok or user is None or not user.active:
        await session.commit()  # the failure must count even though this request fails
        raise NotAuthorizedException("wrong e-mail or password")
    return user, await issue_tokens(session, settings, tokens, user)


async def refresh(session: AsyncSession, settings: Settings, tokens: TokenKeys, presented: str) -> TokenPair:
    parts = split_credential(presented)
    row = await session.get(RefreshToken, parts[0]) if parts else None
    if row is None or parts is None or not same_digest(parts[1], row.token_hash):
        raise NotAuthorizedException("unknown refresh token; sign in again")
    now = utcnow()
    if row.used_at is not None or row.revoked_at is not None:
        await _revoke_family(session, row.family_id)
        await session.commit()  # the revocation must stand although this request fails
        raise NotAuthorizedException("this refresh token was already used; every session of it is revoked")
    if row.expires_at <= now:
        raise NotAuthorizedException("the refresh token has expired; sign in again")
    spent = await session.execute(
        update(RefreshToken)
        .where(RefreshToken.id == row.id, RefreshToken.used_at.is_(None))
        .values(used_at=now)
    )
    if spent.rowcount != 1:  # a concurrent use won the race: treat as reuse
        await _revoke_family(session, row.family_id)
        await session.commit()
        raise NotAuthorizedException("this refresh token was already used; every session of it is revoked")
    user = await session.get(User, row.user_id)
    if user is None or not user.active:
        raise NotAuthorizedException("this account is disabled")
    return await issue_tokens(session, settings, tokens, user, family_id=row.family_id)


async def logout(session: AsyncSession, presented: str) -> None:
    parts = split_credential(presented)
    row = await session.get(RefreshToken, parts[0]) if parts else None
    if row is not None and parts is not None and same_digest(parts[1], row.token_hash):
        await _revoke_family(session, row.family_id)


async def _revoke_family(session: AsyncSession, family_id: str) -> None:
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.family_id == family_id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def change_password(session: AsyncSession, principal: Principal, current: str, new: str) -> None:
    user = await session.get(User, principal.id)
    if user is None or not await verify_password(current, user.password_hash):
        raise FieldError(403, "current_password", "the current password is wrong")
    user.password_hash = await hash_password(new)
    user.password_changed_at = utcnow()
    # Every other session ends: a changed password is often a stolen one.
    await session.execute(
        update(RefreshToken)
        .where(RefreshToken.user_id == user.id, RefreshToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())
    )


async def create_user(session: AsyncSession, actor: Principal | None, data: UserCreate) -> User:
    role = data.role
    if actor is not None:
        if RANK[role] > RANK[actor.role]:
            raise FieldError(403, "role", f"you cannot give the role {role.value}")
        club_id = data.club_id if actor.is_platform else actor.club_id
        if not actor.is_platform and data.club_id not in (None, actor.club_id):
            raise FieldError(403, "club_id", "you can only add people to your own club")
    else:
        club_id = data.club_id
    if role is Role.PLATFORM_ADMIN:
        club_id = None
    elif club_id is None:
        raise FieldError(422, "club_id", "a club role needs club_id (the club the person belongs to)")
    elif await session.get(Club, club_id) is None:
        raise FieldError(422, "club_id", "no such club")
    user = User(
        email=data.email.strip().lower(),
        name=data.name,
        role=role.value,
        club_id=club_id,
        password_hash=await hash_password(data.password),
    )
    session.add(user)
    try:
        await session.flush()
    except IntegrityError:
        raise FieldError(409, "email", "a person with this e-mail already exists") from None
    return user


def check_role_change(actor: Principal, target: User, role: Role | None) -> None:
    if role is not None and RANK[role] > RANK[actor.role]:
        raise PermissionDeniedException(f"you cannot give the role {role.value}")
    if RANK[Role(target.role)] > RANK[actor.role]:
        raise PermissionDeniedException("you cannot change a person with a higher role")
