"""Sites, enrollment and device credentials.

Enrollment: creating a site (or asking again) yields a one-time code; a Pi presents it with
its hardware facts and gets ``<device_id>.<secret>``. Only sha256(secret) is stored. A site
is one Pi: a new enrollment revokes the site's earlier devices (a replaced or re-imaged Pi).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import msgspec
from litestar.exceptions import NotAuthorizedException
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from cloud_api.db.base import utcnow
from cloud_api.db.models import Device, EnrollmentCode, Site, SiteConfigVersion, SiteStatus
from cloud_api.lib.security import new_enrollment_code, new_id, new_secret, normalize_code, sha256_hex
from cloud_api.lib.settings import Settings
from neopro.contracts.device_api import EnrollRequest, EnrollResponse, SiteState

from .schemas import EnrollmentCodeOut, SiteOut, SiteStatusOut

_METRICS = (
    "software_version", "applied_config_version", "applied_at", "on_air", "cpu_percent", "temperature_c",
    "disk_percent", "memory_percent", "uptime_s", "outbox_backlog",
)  # fmt: skip


def state_of(last_seen: datetime | None, settings: Settings, now: datetime | None = None) -> SiteState:
    if last_seen is None:
        return SiteState.NEVER
    age = ((now or utcnow()) - last_seen).total_seconds()
    if age <= settings.stale_after_s:
        return SiteState.ONLINE
    return SiteState.STALE if age <= settings.offline_after_s else SiteState.OFFLINE


def status_out(status: SiteStatus | None, settings: Settings) -> SiteStatusOut:
    if status is None:
        return SiteStatusOut(state=SiteState.NEVER)
    return SiteStatusOut(
        state=state_of(status.last_seen_at, settings),
        last_seen_at=status.last_seen_at,
        device_id=status.device_id,
        **{name: getattr(status, name) for name in _METRICS},
    )


async def published_versions(session: AsyncSession, site_ids: list[str]) -> dict[str, int]:
    if not site_ids:
        return {}
    rows = await session.execute(
        select(SiteConfigVersion.site_id, func.max(SiteConfigVersion.version))
        .where(SiteConfigVersion.site_id.in_(site_ids))
        .group_by(SiteConfigVersion.site_id)
    )
    return {site_id: version for site_id, version in rows}


async def sites_out(session: AsyncSession, settings: Settings, sites: list[Site]) -> list[SiteOut]:
    ids = [s.id for s in sites]
    versions = await published_versions(session, ids)
    statuses = {
        s.site_id: s for s in await session.scalars(select(SiteStatus).where(SiteStatus.site_id.in_(ids)))
    }
    return [
        SiteOut(
            id=s.id,
            club_id=s.club_id,
            name=s.name,
            created_at=s.created_at,
            published_config_version=versions.get(s.id, 0),
            status=status_out(statuses.get(s.id), settings),
        )
        for s in sites
    ]


async def new_code(session: AsyncSession, settings: Settings, site: Site) -> EnrollmentCodeOut:
    code = new_enrollment_code()
    expires = utcnow() + timedelta(seconds=settings.enrollment_ttl_s)
    session.add(
        EnrollmentCode(
            code_hash=sha256_hex(normalize_code(code)),
            site_id=site.id,
            club_id=site.club_id,
            expires_at=expires,
        )
    )
    return EnrollmentCodeOut(code=code, expires_at=expires)


async def enroll(
    session: AsyncSession, settings: Settings, request: EnrollRequest
) -> tuple[EnrollResponse, list[str]]:
    """Spend the code (atomically: two Pis racing with one code get one credential) and enroll.

    Returns the answer and the ids of the site's earlier devices, now revoked.
    """
    now = utcnow()
    code_hash = sha256_hex(normalize_code(request.code))
    spent = await session.execute(
        update(EnrollmentCode)
        .where(
            EnrollmentCode.code_hash == code_hash,
            EnrollmentCode.used_at.is_(None),
            EnrollmentCode.expires_at > now,
        )
        .values(used_at=now)
    )
    if spent.rowcount != 1:
        raise NotAuthorizedException(
            "this enrollment code is unknown, expired or already used; ask for a new one"
        )
    code = await session.get(EnrollmentCode, code_hash)
    assert code is not None
    replaced = list(
        await session.scalars(
            select(Device.id).where(Device.site_id == code.site_id, Device.revoked_at.is_(None))
        )
    )
    await session.execute(
        update(Device)
        .where(Device.site_id == code.site_id, Device.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    secret = new_secret()
    device = Device(
        id=new_id(),
        site_id=code.site_id,
        club_id=code.club_id,
        secret_hash=sha256_hex(secret),
        hardware=msgspec.to_builtins(request.hardware),
    )
    session.add(device)
    await session.flush()
    answer = EnrollResponse(
        site_id=code.site_id,
        club_id=code.club_id,
        device_id=device.id,
        credential=f"{device.id}.{secret}",
        heartbeat_interval_s=settings.heartbeat_interval_s,
    )
    return answer, replaced
