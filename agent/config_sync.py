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
from pathlib import Path

import aiohttp
import msgspec

from neopro.contracts import ContractError, SiteConfig, check_site_config, decode_json, encode_site_config
from neopro.contracts import device_api as api
from neopro.contracts.site_config import keep_club_additions, parse_site_config
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
        gc_grace_s: float = 600.0,
    ) -> None:
        self.client = client
        self.data = data
        self.board = board
        self.limits = limits or MediaLimits()
        self.throttle = throttle
        self.media_session = media_session or client.session
        self.on_applied = on_applied
        self.gc_grace_s = gc_grace_s
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
                incoming = await self._prepare(manifest)
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
            try:
                cfg, before = await asyncio.to_thread(
                    apply_cloud_config, self.data, manifest.config, incoming
                )
            except ContractError as exc:
                self._reject(
                    f"configuration {incoming.version} merged with the club's additions is invalid at "
                    f"{exc.field}: {exc.reason}",
                    etag,
                )
                return False
            self._etag = etag
            self.applied_version, self.applied_at = cfg.version, datetime.now(UTC)
            self.last_error = None
            log.info("configuration %d applied (%d videos)", cfg.version, len(cfg.videos))
            if self.board is not None:
                self.board.clear_alert("disk")
                self.board.update(applied_config_version=cfg.version, config_error=None, force=True)
            if self.on_applied is not None:
                await self.on_applied(cfg)
            dropped = {v.filename for v in before.videos} if before is not None else set()
            await asyncio.to_thread(collect_named_garbage, self.data, dropped, self.gc_grace_s)
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
        # What the merged document will name: the cloud's videos, fetched unless already here,
        # and the club's own uploads, which are on this Pi only and never asked of the cloud.
        merged = await asyncio.to_thread(preview_merge, self.data, cfg)
        club_only = {v.sha256 for v in merged.videos} - {v.sha256 for v, _ in wanted}
        for sha in sorted(club_only):
            if not any(self.data.media_dir.glob(f"{sha}.*")):
                log.warning("club video %s is named locally but its file is missing; nothing to fetch", sha)
        for video, item in wanted:
            if self.data.media_path(video.filename).exists():
                continue
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


def _load(path: Path) -> SiteConfig | None:
    try:
        return parse_site_config(path.read_bytes())
    except (OSError, ContractError):
        return None


def preview_merge(data: DataDir, incoming: SiteConfig) -> SiteConfig:
    """What :func:`apply_cloud_config` would write now (read under the lock, nothing written)."""
    with data.config_lock():
        return keep_club_additions(incoming, base=_load(data.cloud_config), local=_load(data.current_config))


def apply_cloud_config(
    data: DataDir, as_sent: SiteConfig, incoming: SiteConfig
) -> tuple[SiteConfig, SiteConfig | None]:
    """Merge the cloud's new document with the club's local additions and write both (blocking).

    One read-merge-write under :meth:`DataDir.config_lock`, which the hub holds for its own
    edits, so neither puts back a document the other just replaced. ``current.json`` is
    written first, ``cloud.json`` (the base of the next merge, and the applied version) last:
    a power cut between the two makes the next pass merge again with the old base, which
    keeps the club's additions; the other order would skip the apply for ever. Returns the
    merged document and the cloud's previous one (what it named before: for the GC).
    """
    with data.config_lock():
        base = _load(data.cloud_config)
        local = _load(data.current_config)
        merged = keep_club_additions(incoming, base=base, local=local)
        body = encode_site_config(merged)
        parse_site_config(body)  # what we write, the player takes
        atomic_write(data.current_config, body)
        atomic_write(data.cloud_config, encode_site_config(as_sent))
        return merged, base


def collect_named_garbage(data: DataDir, dropped: set[str], grace_s: float) -> list[str]:
    """Media GC keeping every file ``current.json`` names now, under the config lock (blocking).

    Read under the lock, so a club upload the hub has just filed is in the keep set; one it
    has put under ``media/`` but not filed yet is spared by ``grace_s`` (see
    :func:`collect_garbage`); ``dropped`` (the cloud named them, no longer does) go at once.
    """
    with data.config_lock():
        current = _load(data.current_config)
        if current is None:
            return []  # never collect against a missing or unreadable document
        keep = {v.filename for v in current.without_expired().videos}
        return collect_garbage(data.media_dir, keep, dropped=dropped, grace_s=grace_s)


def _applied_on_disk(data: DataDir) -> tuple[int | None, datetime | None]:
    """The cloud version applied last: ``cloud.json``'s, else (older agents) ``current.json``'s."""
    for path in (data.cloud_config, data.current_config):
        try:
            raw = path.read_bytes()
            stat = path.stat()
            cfg = msgspec.json.decode(raw, type=SiteConfig)
        except (OSError, msgspec.DecodeError, msgspec.ValidationError):
            continue
        return cfg.version, datetime.fromtimestamp(stat.st_mtime, UTC)
    return None, None
