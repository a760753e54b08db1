"""Request and response bodies of the accounts domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import Meta, Struct

from .guards import Role

Email = Annotated[str, Meta(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")]
Password = Annotated[str, Meta(min_length=10, max_length=200)]
Name = Annotated[str, Meta(min_length=1, max_length=120)]


class LoginRequest(Struct, kw_only=True):
    email: Annotated[str, Meta(max_length=254)]
    password: Annotated[str, Meta(max_length=200)]


class TokenPair(Struct, kw_only=True):
    access_token: str
    refresh_token: str
    token_type: str = "bearer"
    expires_in: int


class RefreshRequest(Struct, kw_only=True):
    refresh_token: Annotated[str, Meta(max_length=300)]


class PasswordChange(Struct, kw_only=True):
    current_password: Annotated[str, Meta(max_length=200)]
    new_password: Password


class ClubCreate(Struct, kw_only=True):
    name: Name


class ClubUpdate(Struct, kw_only=True):
    name: Name


class ClubOut(Struct, kw_only=True):
    id: str
    name: str
    created_at: datetime


class UserCreate(Struct, kw_only=True):
    email: Email
    password: Password
    role: Role
    name: Annotated[str, Meta(max_length=120)] = ""
    #: Platform admins say which club; club admins create in their own club.
    club_id: str | None = None


class UserUpdate(Struct, kw_only=True):
    name: Annotated[str, Meta(max_length=120)] | None = None
    role: Role | None = None
    active: bool | None = None


class UserOut(Struct, kw_only=True):
    id: str
    email: str
    name: str
    role: Role
    club_id: str | None
    active: bool
    created_at: datetime


class AuditOut(Struct, kw_only=True):
    id: int
    at: datetime
    actor_type: str
    actor_id: str | None
    club_id: str | None
    action: str
    object_type: str | None
    object_id: str | None
    address: str | None
    detail: dict[str, Any]
