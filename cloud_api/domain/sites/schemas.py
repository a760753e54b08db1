"""Request and response bodies of the sites domain."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import Meta, Struct

from neopro.contracts.device_api import SiteState

Name = Annotated[str, Meta(min_length=1, max_length=120)]


class SiteCreate(Struct, kw_only=True):
    name: Name
    #: Platform admins say which club; club admins create in their own club.
    club_id: str | None = None


class SiteUpdate(Struct, kw_only=True):
    name: Name


class EnrollmentCodeOut(Struct, kw_only=True):
    #: Type it on the Pi's first-boot screen, or scan it (``neopro-enroll:<code>``).
    code: str
    expires_at: datetime


class SiteStatusOut(Struct, kw_only=True):
    state: SiteState
    last_seen_at: datetime | None = None
    device_id: str | None = None
    software_version: str | None = None
    applied_config_version: int | None = None
    applied_at: datetime | None = None
    on_air: str | None = None
    cpu_percent: float | None = None
    temperature_c: float | None = None
    disk_percent: float | None = None
    memory_percent: float | None = None
    uptime_s: float | None = None
    outbox_backlog: int = 0


class SiteOut(Struct, kw_only=True):
    id: str
    club_id: str
    name: str
    created_at: datetime
    published_config_version: int
    status: SiteStatusOut


class SiteCreated(Struct, kw_only=True):
    site: SiteOut
    enrollment: EnrollmentCodeOut


class DeviceOut(Struct, kw_only=True):
    id: str
    site_id: str
    enrolled_at: datetime
    revoked_at: datetime | None
    hardware: dict[str, Any]
