"""The configuration the player has accepted, and which of its files can be played.

A configuration is taken only when it parses and validates (``parse_site_config``); the
accepted one is copied to ``config/last-good.json``, and a refused one leaves the player
on the last good one, with the reason kept for the state the hub shows. A file is
playable when it exists and ffprobe accepts it (cached by size and mtime, probed in a
thread): a timeline never names a missing or corrupt file, because one bad entry makes
mpv refuse the whole EDL.
"""

from __future__ import annotations

import asyncio
import logging
import os
from dataclasses import dataclass
from pathlib import Path

from neopro.contracts import ContractError, SiteConfig, Video, parse_site_config
from neopro.contracts.site_config import encode_site_config
from neopro.datadir import DataDir, atomic_write
from neopro.media.probe import MediaInfo, MediaRejected, probe

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ConfigOutcome:
    config: SiteConfig | None
    #: Why the current document was refused (None when it was taken).
    refused: str | None = None
    changed: bool = False


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_mtime_ns)


class Library:
    def __init__(self, data_dir: DataDir) -> None:
        self.data_dir = data_dir
        self.config: SiteConfig | None = None
        self._config_stamp: tuple[int, int] | None = None
        self._probes: dict[Path, tuple[tuple[int, int], MediaInfo | str]] = {}
        #: Files found unplayable while playing (mpv refused them), by path.
        self._refused_by_mpv: dict[Path, str] = {}

    # -- configuration ------------------------------------------------------------------
    def config_changed_on_disk(self) -> bool:
        return _stamp(self.data_dir.current_config) != self._config_stamp

    async def load_config(self) -> ConfigOutcome:
        """Read ``config/current.json``; take it if valid, else keep (or fall back to) the last good one."""
        path = self.data_dir.current_config
        self._config_stamp = _stamp(path)
        try:
            raw = await asyncio.to_thread(path.read_bytes)
        except FileNotFoundError:
            raw = None
        if raw is not None:
            try:
                cfg = parse_site_config(raw).without_expired()
            except ContractError as exc:
                reason = f"configuration refused: {exc.field}: {exc.reason}"
                log.error("%s (%s); keeping the last good one", reason, path)
                if self.config is None:
                    self.config = await self._last_good()
                return ConfigOutcome(self.config, refused=reason)
            changed = self.config is None or encode_site_config(cfg) != encode_site_config(self.config)
            if changed:
                await asyncio.to_thread(atomic_write, self.data_dir.last_good_config, raw)
            self.config = cfg
            return ConfigOutcome(cfg, changed=changed)
        if self.config is None:
            self.config = await self._last_good()
        return ConfigOutcome(self.config)

    def drop_expired(self) -> bool:
        """Remove videos whose ``expires_at`` has passed since the config was taken."""
        if self.config is None:
            return False
        current = self.config.without_expired()
        changed = current is not self.config
        self.config = current
        return changed

    async def _last_good(self) -> SiteConfig | None:
        try:
            raw = await asyncio.to_thread(self.data_dir.last_good_config.read_bytes)
            return parse_site_config(raw).without_expired()
        except (OSError, ContractError):
            return None

    # -- media --------------------------------------------------------------------------
    def path_of(self, video: Video) -> Path:
        return self.data_dir.media_path(video.filename)

    def problem(self, video: Video) -> str | None:
        """Why ``video`` cannot be played, from what is known now (None: playable)."""
        path = self.path_of(video)
        if path in self._refused_by_mpv:
            return self._refused_by_mpv[path]
        stamp = _stamp(path)
        if stamp is None:
            return "file missing"
        cached = self._probes.get(path)
        if cached is None or cached[0] != stamp:
            return "not checked yet"
        return cached[1] if isinstance(cached[1], str) else None

    def info(self, video: Video) -> MediaInfo | None:
        cached = self._probes.get(self.path_of(video))
        return cached[1] if cached and isinstance(cached[1], MediaInfo) else None

    async def check(self, videos: list[Video]) -> dict[str, str]:
        """Probe what is not known yet; returns {video id: problem} for every unplayable one."""
        return await asyncio.to_thread(self._check, videos)

    def _check(self, videos: list[Video]) -> dict[str, str]:
        problems: dict[str, str] = {}
        for video in videos:
            path = self.path_of(video)
            stamp = _stamp(path)
            if stamp is not None and not os.access(path, os.R_OK):
                stamp = None
            if stamp is None:
                self._probes.pop(path, None)
            elif (cached := self._probes.get(path)) is None or cached[0] != stamp:
                try:
                    result: MediaInfo | str = probe(path, timeout=10)
                except MediaRejected as exc:
                    result = str(exc)
                self._probes[path] = (stamp, result)
            problem = self.problem(video)
            if problem is not None:
                problems[video.id] = problem
        return problems

    def refuse(self, video: Video, reason: str) -> None:
        """mpv could not play ``video`` although ffprobe accepted it: never try it again."""
        self._refused_by_mpv[self.path_of(video)] = reason

    def forget(self, video: Video) -> None:
        """Probe again next time (the file may have been replaced)."""
        self._probes.pop(self.path_of(video), None)
