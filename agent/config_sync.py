"""Follow the manifest and apply a new site configuration only once all its media are here.

The order is what keeps the TV whole: fetch the manifest (``If-None-Match``: a 304 costs
nothing), validate the configuration as the player will, download every media file it
names (each verified, each atomic), and only then replace ``config/current.json``
atomically. The player notices the new file (its size and mtime change with the rename)
and reloads. Files the new configuration no longer names are collected after that, never
before. A configuration that fails any check is reported with the reason and the current
one stays on the TV.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import aiohttp
import msgspec

from neopro.contracts import ContractError, SiteConfig, check_site_config, decode_json, encode_site_config
from neopro.contracts import device_api as api
from neopro.contracts.site_config import parse_site_config
from neopro.datadir import DataDir, atomic_write

from .cloud_client import CloudClient, CloudRefused
from .media_errors import NoSpace, Refused
from .media_fetch import MediaLimits, Wanted, fetch_media
from .media_gc import collect_garbage
from .status import StatusBoard
from .throttle import Throttle

log = logging.getLogger("neopro.agent.config")


class ConfigRejected(Exception):
    """The cloud's configuration (or its media) cannot be applied; the reason says why.

    ``final``: the document itself is wrong, so the same manifest is not fetched again
    until it changes; a refused media file is retried at the next poll.
    """

    def __init__(self, reason: str, *, final: bool = True) -> None:
        super().__init__(reason)
        self.final = final


class ConfigSync:
    def __init__(
        self,
        client: CloudClient,
        data: DataDir,
        *,
        board: StatusBoard | None = None,
        limits: MediaLimits | None = None,
        throttle: Throttle | None = None,
        media_session: aiohttp.ClientSession | None = None,
        on_applied: Callable[[SiteConfig], Awaitable[object]] | None = None,
    ) -> None:
        self.client = client
        self.data = data
        self.board = board
        self.limits = limits or MediaLimits()
        self.throttle = throttle
        self.media_session = media_session or client.session
        self.on_applied = on_applied
        self.applied_version, self.applied_at = _applied_on_disk(data)
        self.last_error: str | None = None
        self._etag: str | None = None
        self._lock = asyncio.Lock()

    async def sync_once(self) -> bool:
        """One pass; True when a new configuration was applied. Network trouble raises (retry)."""
        async with self._lock:
            raw, etag = await self.client.manifest(self._etag)
            if raw is None:
                return False
            try:
                manifest = decode_json(raw, api.Manifest)
            except ContractError as exc:
                self._reject(f"the manifest is malformed at {exc.field}: {exc.reason}", etag)
                return False
            if manifest.config is None:
                self._etag = etag
                return False
            if manifest.config.version == self.applied_version:
                self._etag = etag
                return False
            try:
                cfg = await self._prepare(manifest)
            except ConfigRejected as exc:
                # A refused media file may be fixed behind the same manifest: ask again later.
                self._reject(str(exc), etag if exc.final else None)
                return False
            except NoSpace as exc:
                # Not the configuration's fault: keep asking (the etag stays unset), alert a person.
                self.last_error = exc.reason
                if self.board is not None:
                    self.board.alert("disk", exc.reason)
                    self.board.update(config_error=exc.reason, force=True)
                log.error("configuration %d waits: %s", manifest.config.version, exc.reason)
                return False
            await asyncio.to_thread(atomic_write, self.data.current_config, encode_site_config(cfg))
            self._etag = etag
            self.applied_version, self.applied_at = cfg.version, datetime.now(UTC)
            self.last_error = None
            log.info("configuration %d applied (%d videos)", cfg.version, len(cfg.videos))
            if self.board is not None:
                self.board.clear_alert("disk")
                self.board.update(applied_config_version=cfg.version, config_error=None, force=True)
            if self.on_applied is not None:
                await self.on_applied(cfg)
            keep = {v.filename for v in cfg.without_expired().videos}
            await asyncio.to_thread(collect_garbage, self.data.media_dir, keep)
            return True

    async def _prepare(self, manifest: api.Manifest) -> SiteConfig:
        assert manifest.config is not None
        try:
            cfg = check_site_config(manifest.config)
            # Round-trip through the player's own parser: what we write, the player takes.
            parse_site_config(encode_site_config(cfg))
        except ContractError as exc:
            raise ConfigRejected(
                f"configuration {manifest.config.version} is invalid at {exc.field}: {exc.reason}"
            ) from None
        by_sha = {m.sha256: m for m in manifest.media}
        wanted = []
        for i, video in enumerate(cfg.without_expired().videos):
            item = by_sha.get(video.sha256)
            if item is None:
                raise ConfigRejected(
                    f"configuration {cfg.version}: video {video.id!r} ($.videos[{i}]) has sha256 "
                    f"{video.sha256}, which the manifest's media list does not offer"
                )
            if item.ext != video.ext:
                raise ConfigRejected(
                    f"configuration {cfg.version}: video {video.id!r}: the manifest offers extension "
                    f"{item.ext!r:.40}, the configuration says {video.ext!r}"
                )
            if item.size > self.limits.max_file_bytes:
                raise ConfigRejected(
                    f"configuration {cfg.version}: video {video.id!r}: announced size {item.size} bytes "
                    f"is outside 0..{self.limits.max_file_bytes}"
                )
            wanted.append((video, item))
        for video, item in wanted:
            try:
                url = self.client.media_url(item.url)
                await fetch_media(
                    self.media_session,
                    url,
                    Wanted(video.sha256, video.ext, item.size),
                    self.data,
                    limits=self.limits,
                    throttle=self.throttle,
                    board=self.board,
                    headers=self.client.auth_headers,
                )
            except (Refused, CloudRefused) as exc:
                raise ConfigRejected(
                    f"configuration {cfg.version}: video {video.id!r}: {exc.reason}", final=False
                ) from None
        return cfg

    def _reject(self, reason: str, etag: str | None) -> None:
        self.last_error = reason
        self._etag = etag
        log.error("%s; the current configuration stays", reason)
        if self.board is not None:
            self.board.update(config_error=reason, force=True)


def _applied_on_disk(data: DataDir) -> tuple[int | None, datetime | None]:
    try:
        raw = data.current_config.read_bytes()
        stat = data.current_config.stat()
        cfg = msgspec.json.decode(raw, type=SiteConfig)
    except (OSError, msgspec.DecodeError, msgspec.ValidationError):
        return None, None
    return cfg.version, datetime.fromtimestamp(stat.st_mtime, UTC)
