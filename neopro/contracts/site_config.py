"""The site configuration document (contract 1).

One versioned JSON document per site: its videos (by media id + sha256), the categories
the remote shows, the sponsor loop of every match phase, the sponsors, the overlay style,
the remote settings and the playback rules. The cloud validates it (422 naming the field),
the agent validates it before applying, the player validates it before taking it.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Literal

import msgspec
from msgspec import Meta, Struct

from ._errors import ContractError, decode_json
from ._types import Color, Id, Label, Owner, Phase, Sha256

SCHEMA_VERSION = 1
MEDIA_EXTENSIONS = ("mp4", "m4v", "mov", "mkv", "webm")


class _Doc(Struct, kw_only=True, forbid_unknown_fields=True, omit_defaults=False):
    pass


class Video(_Doc, kw_only=True):
    id: Id
    title: Label
    sha256: Sha256
    ext: Literal["mp4", "m4v", "mov", "mkv", "webm"] = "mp4"
    duration_s: Annotated[float, Meta(gt=0, le=6 * 3600)]
    size: Annotated[int, Meta(ge=0)] = 0
    sponsor_id: Id | None = None
    owner: Owner = Owner.CLUB
    #: A platform-pushed video may expire; once expired it is dropped everywhere.
    expires_at: datetime | None = None

    @property
    def filename(self) -> str:
        """The content-addressed file name under ``media/``: never derived from user input."""
        return f"{self.sha256}.{self.ext}"

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now


class Subcategory(_Doc, kw_only=True):
    id: Id
    label: Label
    videos: list[Id] = []


class Category(_Doc, kw_only=True):
    id: Id
    label: Label
    color: Color = "#1565C0"
    #: A short symbol for the remote's button (an emoji or one or two letters).
    icon: Annotated[str, Meta(max_length=8)] = ""
    owner: Owner = Owner.CLUB
    videos: list[Id] = []
    subcategories: list[Subcategory] = []
    #: The phases in which the remote shows this category; empty means every phase.
    phases: list[Phase] = []

    def all_videos(self) -> list[str]:
        out = list(self.videos)
        for sub in self.subcategories:
            out.extend(sub.videos)
        return out


class Sponsor(_Doc, kw_only=True):
    id: Id
    name: Label
    owner: Owner = Owner.CLUB


class LoopSlot(_Doc, kw_only=True):
    video: Id
    owner: Owner = Owner.CLUB


class ScoreBug(_Doc, kw_only=True):
    enabled: bool = True
    position: Literal["top_left", "top_right", "bottom_left", "bottom_right"] = "top_left"
    offset_x: Annotated[int, Meta(ge=0, le=1000)] = 48
    offset_y: Annotated[int, Meta(ge=0, le=1000)] = 40
    background: Color = "#101820E0"
    corner_radius: Annotated[int, Meta(ge=0, le=100)] = 14
    score_color: Color = "#FFFFFF"
    score_size: Annotated[int, Meta(ge=12, le=200)] = 64
    team_color: Color = "#FFD54F"
    team_size: Annotated[int, Meta(ge=12, le=200)] = 36
    show_clock: bool = False


class Overlay(_Doc, kw_only=True):
    score: ScoreBug = msgspec.field(default_factory=ScoreBug)
    message_color: Color = "#FFFFFF"
    message_background: Color = "#000000C0"


class RemoteSettings(_Doc, kw_only=True):
    title: Label = "Neopro"
    language: Literal["fr", "en", "es"] = "fr"


class Playback(_Doc, kw_only=True):
    #: After a triggered clip: replay the sponsor clip it interrupted from its start
    #: (the sponsor still gets a full play), or go on with the next one.
    resume: Literal["interrupted", "next"] = "interrupted"
    #: A trigger while a triggered clip is on air replaces it, or queues after it.
    trigger_during_trigger: Literal["replace", "queue"] = "replace"
    volume: Annotated[int, Meta(ge=0, le=100)] = 100


class SiteInfo(_Doc, kw_only=True):
    #: None until the device has enrolled.
    id: Id | None = None
    club_name: Label
    site_name: Label = "Club TV"
    timezone: Annotated[str, Meta(min_length=1, max_length=64)] = "Europe/Paris"
    hotspot_ssid: Annotated[str, Meta(max_length=32)] | None = None


class SiteConfig(_Doc, kw_only=True):
    schema_version: Literal[1] = SCHEMA_VERSION
    #: Published version number; 0 for a local, never-published document.
    version: Annotated[int, Meta(ge=0)] = 0
    site: SiteInfo
    videos: list[Video] = []
    sponsors: list[Sponsor] = []
    categories: list[Category] = []
    loops: dict[Phase, list[LoopSlot]] = {}
    overlay: Overlay = msgspec.field(default_factory=Overlay)
    remote: RemoteSettings = msgspec.field(default_factory=RemoteSettings)
    playback: Playback = msgspec.field(default_factory=Playback)

    # -- look-ups ---------------------------------------------------------------------
    def video(self, video_id: str) -> Video | None:
        return next((v for v in self.videos if v.id == video_id), None)

    def category(self, category_id: str) -> Category | None:
        return next((c for c in self.categories if c.id == category_id), None)

    def category_of(self, video_id: str) -> Category | None:
        return next((c for c in self.categories if video_id in c.all_videos()), None)

    def loop(self, phase: Phase) -> list[Video]:
        """The playable loop of a phase; an empty phase falls back to the neutral loop."""
        slots = self.loops.get(phase) or self.loops.get(Phase.NEUTRAL) or []
        index = {v.id: v for v in self.videos}
        return [index[s.video] for s in slots if s.video in index]

    def without_expired(self, now: datetime | None = None) -> SiteConfig:
        """The same document with expired videos removed from every place that names them."""
        now = now or datetime.now(UTC)
        gone = {v.id for v in self.videos if v.expired(now)}
        if not gone:
            return self

        def keep(ids: list[str]) -> list[str]:
            return [i for i in ids if i not in gone]

        return msgspec.structs.replace(
            self,
            videos=[v for v in self.videos if v.id not in gone],
            categories=[
                msgspec.structs.replace(
                    c,
                    videos=keep(c.videos),
                    subcategories=[
                        msgspec.structs.replace(s, videos=keep(s.videos)) for s in c.subcategories
                    ],
                )
                for c in self.categories
            ],
            loops={p: [s for s in slots if s.video not in gone] for p, slots in self.loops.items()},
        )


def check_site_config(cfg: SiteConfig) -> SiteConfig:
    """The rules a type cannot express: unique ids, and every reference points somewhere."""
    _unique("$.videos", [v.id for v in cfg.videos])
    _unique("$.sponsors", [s.id for s in cfg.sponsors])
    _unique("$.categories", [c.id for c in cfg.categories])
    videos = {v.id for v in cfg.videos}
    sponsors = {s.id for s in cfg.sponsors}
    for i, v in enumerate(cfg.videos):
        if v.sponsor_id is not None and v.sponsor_id not in sponsors:
            raise ContractError(
                f"$.videos[{i}].sponsor_id", f"names sponsor {v.sponsor_id!r}, which is not in $.sponsors"
            )
        if v.expires_at is not None and v.expires_at.tzinfo is None:
            raise ContractError(f"$.videos[{i}].expires_at", "needs a time zone (e.g. ...Z)")
    for i, c in enumerate(cfg.categories):
        _unique(f"$.categories[{i}].subcategories", [s.id for s in c.subcategories])
        _refs(f"$.categories[{i}].videos", c.videos, videos)
        for j, s in enumerate(c.subcategories):
            _refs(f"$.categories[{i}].subcategories[{j}].videos", s.videos, videos)
    for phase, slots in cfg.loops.items():
        _refs(f"$.loops.{phase.value}", [s.video for s in slots], videos)
    return cfg


def parse_site_config(data: bytes | str) -> SiteConfig:
    """Decode and fully validate a configuration document, or raise :class:`ContractError`."""
    return check_site_config(decode_json(data, SiteConfig, decoder=_decoder))


def encode_site_config(cfg: SiteConfig) -> bytes:
    return msgspec.json.format(msgspec.json.encode(cfg), indent=2)


def _unique(where: str, ids: list[str]) -> None:
    seen: set[str] = set()
    for i, item in enumerate(ids):
        if item in seen:
            raise ContractError(f"{where}[{i}].id", f"duplicate id {item!r}")
        seen.add(item)


def _refs(where: str, ids: list[str], known: set[str]) -> None:
    for i, item in enumerate(ids):
        if item not in known:
            raise ContractError(f"{where}[{i}]", f"names video {item!r}, which is not in $.videos")


_decoder = msgspec.json.Decoder(SiteConfig)


def keep_club_additions(
    incoming: SiteConfig, base: SiteConfig | None, local: SiteConfig | None
) -> SiteConfig:
    """The new cloud document, plus what the club added on the Pi since the last one.

    ``base`` is the cloud document the device applied last, ``local`` what is on the device
    now (the local admin edits it). The cloud's document wins for everything it names —
    platform items replace their local copies — and a club video, category or filing that
    exists locally but not in ``base`` (so the club added it on the Pi) is kept, unless the
    cloud now names something with the same id. Expired videos go in any case.
    """
    if local is None:
        return incoming
    base_videos = {v.id for v in base.videos} if base else set()
    base_categories = {c.id: c for c in base.categories} if base else {}
    incoming_ids = {v.id for v in incoming.videos}
    incoming_shas = {v.sha256 for v in incoming.videos}
    added_videos = [
        v
        for v in local.videos
        if v.owner == Owner.CLUB
        and v.id not in base_videos
        and v.id not in incoming_ids
        and v.sha256 not in incoming_shas
    ]
    videos = [*incoming.videos, *added_videos]
    known = {v.id for v in videos}

    def added_refs(local_ids: list[str], base_ids: list[str], into: list[str]) -> list[str]:
        extra = [i for i in local_ids if i not in base_ids and i not in into and i in known]
        return [*into, *extra]

    categories = []
    for cat in incoming.categories:
        mine = local.category(cat.id)
        if cat.owner == Owner.PLATFORM or mine is None or mine.owner == Owner.PLATFORM:
            categories.append(cat)
            continue
        before = base_categories.get(cat.id)
        categories.append(
            msgspec.structs.replace(
                cat, videos=added_refs(mine.videos, before.videos if before else [], cat.videos)
            )
        )
    taken = {c.id for c in incoming.categories}
    for cat in local.categories:
        if cat.owner == Owner.CLUB and cat.id not in taken and cat.id not in base_categories:
            categories.append(
                msgspec.structs.replace(
                    cat,
                    videos=[i for i in cat.videos if i in known],
                    subcategories=[
                        msgspec.structs.replace(s, videos=[i for i in s.videos if i in known])
                        for s in cat.subcategories
                    ],
                )
            )
    merged = msgspec.structs.replace(incoming, videos=videos, categories=categories)
    return check_site_config(merged).without_expired()
