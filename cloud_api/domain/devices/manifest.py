"""The manifest: the published configuration and the media it needs, with a strong ETag.

Built from immutable things (a published version, content-addressed media), so it is cached
per site for a few seconds and dropped at once when a new version is published (push bus).
Conditional requests from a whole fleet are then answered 304 without touching the database.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from cloud_api.db.models import Media, SiteConfigVersion
from cloud_api.domain.media.access import usable_by
from neopro.contracts import SiteConfig, convert
from neopro.contracts.device_api import API_PREFIX, Manifest, ManifestMedia

from .auth import DeviceIdentity

#: A safety net only: a publish drops the entry at once (push bus).
TTL_S = 60.0
_encoder = msgspec.json.Encoder()


@dataclass(frozen=True)
class BuiltManifest:
    body: bytes
    etag: str
    until: float


class ManifestCache:
    def __init__(self, sessionmaker: async_sessionmaker) -> None:
        self._sessionmaker = sessionmaker
        self._cache: dict[str, BuiltManifest] = {}

    async def get(self, device: DeviceIdentity) -> BuiltManifest:
        built = self._cache.get(device.site_id)
        if built is None or built.until < time.monotonic():
            async with self._sessionmaker() as session:
                body = _encoder.encode(await build(session, device))
            built = BuiltManifest(body, f'"{hashlib.sha256(body).hexdigest()}"', time.monotonic() + TTL_S)
            self._cache[device.site_id] = built
        return built

    def forget(self, site_id: str) -> None:
        self._cache.pop(site_id, None)


async def build(session: AsyncSession, device: DeviceIdentity) -> Manifest:
    row = await session.scalar(
        select(SiteConfigVersion)
        .where(SiteConfigVersion.site_id == device.site_id, SiteConfigVersion.version > 0)
        .order_by(SiteConfigVersion.version.desc())
        .limit(1)
    )
    if row is None:
        return Manifest(site_id=device.site_id, config_version=0)
    config = convert(row.document, SiteConfig)
    wanted = {v.sha256 for v in config.videos}
    media: dict[str, ManifestMedia] = {}
    if wanted:
        found = await session.scalars(
            select(Media)
            .where(
                Media.sha256.in_(wanted), Media.status == "ready", usable_by(device.club_id, device.site_id)
            )
            .order_by(Media.created_at)
        )
        for m in found:
            media.setdefault(
                m.sha256,
                ManifestMedia(
                    id=m.id, sha256=m.sha256, size=m.size, ext=m.ext, url=f"{API_PREFIX}/media/{m.id}"
                ),
            )
    return Manifest(
        site_id=device.site_id,
        config_version=row.version,
        config=config,
        media=sorted(media.values(), key=lambda m: m.sha256),
    )
