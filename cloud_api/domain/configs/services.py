"""Draft, publish, history, diff and rollback of a site's configuration.

Published versions are immutable rows numbered 1, 2, ...; the draft is row 0. A rollback
publishes an old document again as a new version, so history only ever grows and every
device moves forward.
"""

from __future__ import annotations

from typing import Any

import msgspec
from litestar.exceptions import NotFoundException
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from cloud_api.db.models import Media, Site, SiteConfigVersion
from cloud_api.db.models.configs import DRAFT
from cloud_api.domain.accounts.guards import Principal
from cloud_api.domain.media.access import usable_by
from cloud_api.server.errors import FieldError
from neopro.contracts import ContractError, SiteConfig, SiteInfo, convert, parse_site_config

from .locks import check_locks
from .schemas import ConfigVersionOut, ConfigVersionSummary


def parse_document(body: Any, site: Site) -> SiteConfig:
    """Validate a posted document (422 naming the field); the site id is always the site's own."""
    cfg = parse_site_config(msgspec.json.encode(body))
    return msgspec.structs.replace(cfg, site=msgspec.structs.replace(cfg.site, id=site.id))


def plain(cfg: SiteConfig) -> dict[str, Any]:
    return msgspec.to_builtins(cfg)


async def latest(session: AsyncSession, site_id: str) -> SiteConfigVersion | None:
    return await session.scalar(
        select(SiteConfigVersion)
        .where(SiteConfigVersion.site_id == site_id, SiteConfigVersion.version > DRAFT)
        .order_by(SiteConfigVersion.version.desc())
        .limit(1)
    )


async def get_version(session: AsyncSession, site_id: str, version: int) -> SiteConfigVersion:
    row = await session.scalar(
        select(SiteConfigVersion).where(
            SiteConfigVersion.site_id == site_id, SiteConfigVersion.version == version
        )
    )
    if row is None or version == DRAFT:
        raise NotFoundException(f"no published version {version} for this site")
    return row


async def draft(session: AsyncSession, site_id: str) -> SiteConfigVersion | None:
    return await session.scalar(
        select(SiteConfigVersion).where(
            SiteConfigVersion.site_id == site_id, SiteConfigVersion.version == DRAFT
        )
    )


def starting_document(site: Site, club_name: str) -> SiteConfig:
    return SiteConfig(
        site=SiteInfo(id=site.id, club_name=club_name[:80] or "Club", site_name=site.name[:80] or "Club TV")
    )


async def save_draft(
    session: AsyncSession, principal: Principal, site: Site, cfg: SiteConfig
) -> SiteConfigVersion:
    base = await latest(session, site.id)
    if not principal.is_platform:
        check_locks(convert(base.document, SiteConfig) if base else None, cfg)
    row = await draft(session, site.id)
    if row is None:
        row = SiteConfigVersion(site_id=site.id, club_id=site.club_id, version=DRAFT, document=plain(cfg))
        session.add(row)
    else:
        row.document = plain(cfg)
    row.created_by = principal.id
    await session.flush()
    return row


async def check_media(session: AsyncSession, site: Site, cfg: SiteConfig) -> None:
    """Every video must be in the library of the site's club, or the Pi could never fetch it."""
    wanted = {v.sha256 for v in cfg.videos}
    if not wanted:
        return
    found = set(
        await session.scalars(
            select(Media.sha256).where(
                Media.sha256.in_(wanted), Media.status == "ready", usable_by(site.club_id, site.id)
            )
        )
    )
    for i, video in enumerate(cfg.videos):
        if video.sha256 not in found:
            raise ContractError(
                f"$.videos[{i}].sha256",
                "no ready media with this sha256 in this club's library: upload it first",
            )


async def publish(
    session: AsyncSession,
    principal: Principal,
    site: Site,
    cfg: SiteConfig,
    note: str,
    republished_from: int | None = None,
) -> SiteConfigVersion:
    base = await latest(session, site.id)
    if not principal.is_platform:
        check_locks(convert(base.document, SiteConfig) if base else None, cfg)
    await check_media(session, site, cfg)
    number = (base.version if base else 0) + 1
    cfg = msgspec.structs.replace(cfg, version=number)
    row = SiteConfigVersion(
        site_id=site.id, club_id=site.club_id, version=number, document=plain(cfg), created_by=principal.id,
        note=note, republished_from=republished_from,
    )  # fmt: skip
    session.add(row)
    try:
        await session.flush()
    except IntegrityError:
        raise FieldError(
            409, "version", "someone published at the same moment; look at the history and retry"
        ) from None
    return row


async def max_version(session: AsyncSession, site_id: str) -> int:
    return (
        await session.scalar(
            select(func.max(SiteConfigVersion.version)).where(SiteConfigVersion.site_id == site_id)
        )
        or 0
    )


def summary(row: SiteConfigVersion) -> ConfigVersionSummary:
    return ConfigVersionSummary(
        version=row.version, created_at=row.created_at, created_by=row.created_by, note=row.note,
        republished_from=row.republished_from,
    )  # fmt: skip


def version_out(row: SiteConfigVersion) -> ConfigVersionOut:
    return ConfigVersionOut(
        site_id=row.site_id, version=row.version, created_at=row.created_at, created_by=row.created_by,
        note=row.note, republished_from=row.republished_from, document=row.document,
    )  # fmt: skip
