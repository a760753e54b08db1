"""Clubs (the tenants), people, their refresh tokens, login attempts and the audit log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from ..base import Base, BigIntKey, created_column, id_column


class Club(Base):
    __tablename__ = "clubs"
    id: Mapped[str] = id_column()
    name: Mapped[str] = mapped_column(String(120), unique=True)
    created_at: Mapped[datetime] = created_column()


class User(Base):
    __tablename__ = "users"
    id: Mapped[str] = id_column()
    #: None for a platform admin: they belong to no club and see every club.
    club_id: Mapped[str | None] = mapped_column(ForeignKey("clubs.id", ondelete="CASCADE"), index=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120), default="")
    role: Mapped[str] = mapped_column(String(32))
    password_hash: Mapped[str] = mapped_column(String(200))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = created_column()
    password_changed_at: Mapped[datetime | None]


class RefreshToken(Base):
    """One link of a rotation chain; a family is every token born of one login."""

    __tablename__ = "refresh_tokens"
    id: Mapped[str] = id_column()
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    family_id: Mapped[str] = mapped_column(String(32), index=True)
    token_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = created_column()
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]


class LoginAttempt(Base):
    __tablename__ = "login_attempts"
    __table_args__ = (
        Index("ix_login_attempts_email_at", "email", "at"),
        Index("ix_login_attempts_address_at", "address", "at"),
        # The retention job deletes by age.
        Index("ix_login_attempts_at", "at"),
    )
    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    email: Mapped[str] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = created_column()
    success: Mapped[bool] = mapped_column(Boolean)


class AuditEntry(Base):
    """Who did what, when, from where: one row per write, written in the write's transaction."""

    __tablename__ = "audit_log"
    __table_args__ = (Index("ix_audit_log_club_at", "club_id", "at"),)
    id: Mapped[int] = mapped_column(BigIntKey, primary_key=True, autoincrement=True)
    at: Mapped[datetime] = created_column()
    actor_type: Mapped[str] = mapped_column(String(16))
    actor_id: Mapped[str | None] = mapped_column(String(32))
    club_id: Mapped[str | None] = mapped_column(String(32))
    action: Mapped[str] = mapped_column(String(200))
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    address: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
