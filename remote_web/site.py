"""Reading and changing the site configuration from the hub.

The local admin changes the configuration the way the agent does: it builds a whole new
document, validates it with the contract, writes it atomically (temp + fsync + rename) under
the data dir's config lock (the agent writes the same file) and tells the player to reload.
A version stays a local, unpublished one (the agent's next sync from the cloud merges the
club's additions into what it publishes); platform-locked items are never touched here.
"""

from __future__ import annotations

import asyncio
import logging
import re
import unicodedata
from collections.abc import Callable

import msgspec

from neopro.contracts import Category, ContractError, Owner, SiteConfig, Video, encode_site_config
from neopro.contracts import parse_site_config as _parse
from neopro.datadir import DataDir, atomic_write

log = logging.getLogger(__name__)


class Refused(Exception):
    """A change the admin asked for that cannot be made; ``status`` is the HTTP answer."""

    def __init__(self, status: int, field: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.field = field
        self.message = message


def load(data_dir: DataDir) -> SiteConfig | None:
    """The applied configuration, or None when there is none (or it is unreadable: logged)."""
    try:
        return _parse(data_dir.current_config.read_bytes())
    except FileNotFoundError:
        return None
    except ContractError as exc:
        log.error("%s is not a valid configuration: %s", data_dir.current_config, exc)
        return None


class SiteEditor:
    """Serialises the admin's edits so two browser tabs never write over each other."""

    def __init__(self, data_dir: DataDir) -> None:
        self._data_dir = data_dir
        self._lock = asyncio.Lock()

    def etag(self) -> str | None:
        """Identifies the applied file (inode, size, mtime): an atomic replace always changes it."""
        try:
            st = self._data_dir.current_config.stat()
        except OSError:
            return None
        return f"{st.st_ino:x}-{st.st_size:x}-{st.st_mtime_ns:x}"

    def current(self) -> SiteConfig | None:
        return load(self._data_dir)

    async def _change(self, edit: Callable[[SiteConfig], SiteConfig]) -> SiteConfig:
        """Read, ``edit`` and write ``current.json`` as one step under the data dir's config lock.

        The agent writes the same file when the cloud publishes: holding
        :meth:`DataDir.config_lock` (a blocking ``flock``, so in a thread) around the whole
        read-modify-write means neither puts back a document the other has just replaced.
        The asyncio lock keeps this process's own edits in line without parking threads.
        """
        async with self._lock:
            return await asyncio.to_thread(self._change_locked, edit)

    def _change_locked(self, edit: Callable[[SiteConfig], SiteConfig]) -> SiteConfig:
        with self._data_dir.config_lock():
            cfg = edit(self._require())
            data = encode_site_config(cfg)
            _parse(data)  # never write a document the player would refuse
            atomic_write(self._data_dir.current_config, data)
            return cfg

    def _require(self) -> SiteConfig:
        cfg = self.current()
        if cfg is None:
            raise Refused(
                409, "$", "There is no site configuration yet: enrol the device or install samples."
            )
        return cfg

    async def add_video(self, video: Video, category_id: str) -> SiteConfig:
        def edit(cfg: SiteConfig) -> SiteConfig:
            category = cfg.category(category_id)
            if category is None:
                raise Refused(404, "category", f"No category {category_id!r}.")
            if category.owner == Owner.PLATFORM:
                raise Refused(403, "category", f"Category {category.label!r} is locked by the platform.")
            existing = next((v for v in cfg.videos if v.sha256 == video.sha256), None)
            if existing is not None:
                filed = existing  # the same file again: just file it in the category too
                videos = cfg.videos
            else:
                filed = msgspec.structs.replace(video, id=unique_id(video.title, {v.id for v in cfg.videos}))
                videos = [*cfg.videos, filed]
            categories = [
                msgspec.structs.replace(c, videos=[*c.videos, filed.id])
                if c.id == category_id and filed.id not in c.videos
                else c
                for c in cfg.categories
            ]
            return msgspec.structs.replace(cfg, videos=videos, categories=categories)

        return await self._change(edit)

    async def delete_video(self, video_id: str) -> tuple[SiteConfig, Video]:
        """Remove a club video everywhere it is named; returns the new config and the removed video."""
        removed: list[Video] = []

        def edit(cfg: SiteConfig) -> SiteConfig:
            video = cfg.video(video_id)
            if video is None:
                raise Refused(404, "video", f"No video {video_id!r}.")
            locked_in = next(
                (c for c in cfg.categories if c.owner == Owner.PLATFORM and video_id in c.all_videos()), None
            )
            if video.owner == Owner.PLATFORM or locked_in is not None:
                where = f" (in {locked_in.label!r})" if locked_in else ""
                raise Refused(403, "video", f"{video.title!r}{where} is locked by the platform: it stays.")
            removed.append(video)

            def keep(ids: list[str]) -> list[str]:
                return [i for i in ids if i != video_id]

            return msgspec.structs.replace(
                cfg,
                videos=[v for v in cfg.videos if v.id != video_id],
                categories=[
                    msgspec.structs.replace(
                        c,
                        videos=keep(c.videos),
                        subcategories=[
                            msgspec.structs.replace(s, videos=keep(s.videos)) for s in c.subcategories
                        ],
                    )
                    for c in cfg.categories
                ],
                loops={p: [s for s in slots if s.video != video_id] for p, slots in cfg.loops.items()},
            )

        cfg = await self._change(edit)
        return cfg, removed[0]

    async def add_category(self, label: str, color: str, icon: str) -> SiteConfig:
        def edit(cfg: SiteConfig) -> SiteConfig:
            category = Category(
                id=unique_id(label, {c.id for c in cfg.categories}), label=label, color=color, icon=icon
            )
            return msgspec.structs.replace(cfg, categories=[*cfg.categories, category])

        return await self._change(edit)

    async def delete_category(self, category_id: str) -> SiteConfig:
        def edit(cfg: SiteConfig) -> SiteConfig:
            category = cfg.category(category_id)
            if category is None:
                raise Refused(404, "category", f"No category {category_id!r}.")
            if category.owner == Owner.PLATFORM:
                raise Refused(403, "category", f"{category.label!r} is locked by the platform.")
            return msgspec.structs.replace(cfg, categories=[c for c in cfg.categories if c.id != category_id])

        return await self._change(edit)


def unique_id(text: str, taken: set[str]) -> str:
    """A contract ``Id`` from a person's words ("Entrée joueurs" -> "entree-joueurs"), not in ``taken``."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode().lower()
    base = re.sub(r"[^a-z0-9]+", "-", plain).strip("-")[:48] or "item"
    candidate, n = base, 2
    while candidate in taken:
        candidate, n = f"{base}-{n}", n + 1
    return candidate


def validate(cfg: SiteConfig) -> None:
    """Raise :class:`Refused` (422) when ``cfg`` breaks the contract."""
    try:
        _parse(encode_site_config(cfg))
    except ContractError as exc:
        raise Refused(422, exc.field, exc.reason) from None
