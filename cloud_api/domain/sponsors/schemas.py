"""Request and response bodies of sponsors and their contracts."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Literal

from msgspec import Meta, Struct

Name = Annotated[str, Meta(min_length=1, max_length=120)]


class SponsorCreate(Struct, kw_only=True):
    name: Name
    contact_email: Annotated[str, Meta(max_length=254)] = ""
    #: Platform admins: a club, or None for a platform-wide sponsor. Club admins: their own club.
    club_id: str | None = None


class SponsorUpdate(Struct, kw_only=True):
    name: Name | None = None
    contact_email: Annotated[str, Meta(max_length=254)] | None = None


class SponsorOut(Struct, kw_only=True):
    id: str
    club_id: str | None
    name: str
    contact_email: str
    media_ids: list[str]
    created_at: datetime


class SponsorVideoLink(Struct, kw_only=True):
    media_id: str


class ContractCreate(Struct, kw_only=True):
    starts_on: date
    ends_on: date
    #: What the sponsor bought: a number of plays and/or of seconds on screen, per match or per season.
    target_plays: Annotated[int, Meta(ge=1, le=10_000_000)] | None = None
    target_seconds: Annotated[int, Meta(ge=1, le=10_000_000_000)] | None = None
    per: Literal["match", "season"] = "season"
    site_id: str | None = None
    note: Annotated[str, Meta(max_length=280)] = ""


class ContractOut(Struct, kw_only=True):
    id: str
    sponsor_id: str
    club_id: str | None
    site_id: str | None
    starts_on: date
    ends_on: date
    target_plays: int | None
    target_seconds: int | None
    per: str
    note: str
    created_at: datetime
