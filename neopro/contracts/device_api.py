"""The device API (contract 4): what the agent on a Pi and the cloud say to each other.

Every device call is HTTP(S) under ``/device/v1`` with ``Authorization: Bearer <credential>``,
except enrollment, which presents the one-time enrollment code instead. The credential is
``<device_id>.<secret>`` (a 256-bit random secret: the cloud keeps only its sha256, see
ARCHITECTURE decision 12). A revoked credential gets 401 at its next call.

=====================================  =====================  ===========================
call                                   request body           response
=====================================  =====================  ===========================
``POST /device/v1/enroll``             :class:`EnrollRequest`  :class:`EnrollResponse` 201
``GET  /device/v1/manifest``           (``If-None-Match``)     :class:`Manifest` + strong
                                                               ``ETag``, or 304
``GET  /device/v1/media/{media_id}``   (``Range``,             the bytes; 206 for a range,
                                       ``If-Range``)           strong ``ETag`` = sha256
``POST /device/v1/heartbeat``          :class:`Heartbeat`      204 once stored
``GET  /device/v1/commands``           -                       :class:`CommandList`
``POST /device/v1/commands/{id}/ack``  -                       :class:`DeviceCommand`
``POST /device/v1/commands/{id}/result`` :class:`CommandResult` :class:`DeviceCommand`
``WS   /device/v1/push``               -                       :data:`PushMessage` frames
=====================================  =====================  ===========================

The push websocket carries :data:`PushMessage` frames from the cloud (JSON, tagged by
``type``); the agent sends nothing but websocket pings. When it connects, the cloud pushes
every command still due, highest priority first, then each new one the moment it is
created. Commands pulled or pushed are "sent"; the agent acknowledges (running), then
reports the result. A command that expires before it is sent never runs.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

import msgspec
from msgspec import Meta, Struct

from ._errors import decode_json
from ._types import Id, Sha256
from .site_config import SiteConfig

API_PREFIX = "/device/v1"
#: How often an agent should send a heartbeat; the cloud derives online/stale/offline from it.
HEARTBEAT_INTERVAL_S = 30

Short = Annotated[str, Meta(max_length=200)]
Percent = Annotated[float, Meta(ge=0, le=100)]


class _Payload(Struct, kw_only=True, forbid_unknown_fields=False):
    """Device payloads ignore unknown fields: an older cloud accepts a newer agent and vice versa."""


# -- enrollment ------------------------------------------------------------------------
class HardwareFacts(_Payload, kw_only=True):
    model: Short = ""
    serial: Short = ""
    mac: Short = ""
    os: Short = ""
    software_version: Short = ""
    hostname: Short = ""


class EnrollRequest(_Payload, kw_only=True):
    #: The code shown when the site was created, e.g. ``K7QX-3MPD`` (case and dashes ignored).
    code: Annotated[str, Meta(min_length=4, max_length=32)]
    hardware: HardwareFacts = msgspec.field(default_factory=HardwareFacts)


class EnrollResponse(_Payload, kw_only=True):
    site_id: Id
    club_id: Id
    device_id: Id
    #: ``<device_id>.<secret>``; shown once, store it in device.json (mode 0600).
    credential: str
    heartbeat_interval_s: int = HEARTBEAT_INTERVAL_S


# -- manifest and media ----------------------------------------------------------------
class ManifestMedia(_Payload, kw_only=True):
    id: Id
    sha256: Sha256
    size: Annotated[int, Meta(ge=0)]
    ext: str = "mp4"
    #: Path of the download, relative to the cloud's base URL (``/device/v1/media/<id>``).
    url: str


class Manifest(_Payload, kw_only=True):
    site_id: Id
    #: The published configuration version (0 = nothing published yet; ``config`` is then None).
    config_version: Annotated[int, Meta(ge=0)]
    config: SiteConfig | None = None
    media: list[ManifestMedia] = []


# -- heartbeat -------------------------------------------------------------------------
class Heartbeat(_Payload, kw_only=True):
    software_version: Short = ""
    #: The configuration version the device applied, and when.
    applied_config_version: Annotated[int, Meta(ge=0)] | None = None
    applied_at: datetime | None = None
    #: The media id on screen now, if any.
    on_air: Annotated[str, Meta(max_length=64)] | None = None
    cpu_percent: Percent | None = None
    temperature_c: Annotated[float, Meta(ge=-50, le=150)] | None = None
    disk_percent: Percent | None = None
    memory_percent: Percent | None = None
    uptime_s: Annotated[float, Meta(ge=0)] | None = None
    #: Proof-of-play events waiting in the device outbox.
    outbox_backlog: Annotated[int, Meta(ge=0)] = 0
    #: Why the device refused the last configuration it was offered (it keeps the current one).
    config_error: Annotated[str, Meta(max_length=2000)] | None = None
    #: Conditions a person should act on, in words: outbox near its bound, disk full, ...
    alerts: list[Annotated[str, Meta(max_length=500)]] = []


class SiteState(StrEnum):
    """Derived from the last heartbeat: online (< 3 intervals), stale (< 10 min), offline."""

    ONLINE = "online"
    STALE = "stale"
    OFFLINE = "offline"
    NEVER = "never_seen"


# -- commands --------------------------------------------------------------------------
class CommandType(StrEnum):
    REBOOT = "reboot"
    RESTART_SERVICE = "restart_service"
    SYNC_NOW = "sync_now"
    APPLY_CONFIG = "apply_config"
    PLAY_CLIP = "play_clip"
    SET_VOLUME = "set_volume"
    SCREENSHOT = "screenshot"
    GET_LOGS = "get_logs"
    UPDATE_SOFTWARE = "update_software"


class CommandStatus(StrEnum):
    QUEUED = "queued"
    SENT = "sent"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    EXPIRED = "expired"
    CANCELLED = "cancelled"


#: The statuses after which a command never changes again.
FINAL_STATUSES = frozenset(
    {CommandStatus.SUCCEEDED, CommandStatus.FAILED, CommandStatus.EXPIRED, CommandStatus.CANCELLED}
)

#: What each command type takes in ``args`` (checked by the cloud when the command is created):
#: restart_service {"service": "player"|"remote"|"agent"}; apply_config {"version": int};
#: play_clip {"media_id": str}; set_volume {"volume": 0..100};
#: get_logs {"service": str, "lines": int}; update_software {"version": str, "url": str, "sha256": str}.
#: (The agent also honours an optional update_software "max_bytes": int, its download cap.)
COMMAND_ARGS: dict[CommandType, dict[str, type]] = {
    CommandType.REBOOT: {},
    CommandType.RESTART_SERVICE: {"service": str},
    CommandType.SYNC_NOW: {},
    CommandType.APPLY_CONFIG: {"version": int},
    CommandType.PLAY_CLIP: {"media_id": str},
    CommandType.SET_VOLUME: {"volume": int},
    CommandType.SCREENSHOT: {},
    CommandType.GET_LOGS: {"service": str, "lines": int},
    CommandType.UPDATE_SOFTWARE: {"version": str, "url": str, "sha256": str},
}


class DeviceCommand(_Payload, kw_only=True):
    id: Id
    type: CommandType
    args: dict[str, Any] = {}
    #: 1 (lowest) .. 10 (most urgent); due commands are delivered highest first, then oldest.
    priority: Annotated[int, Meta(ge=1, le=10)] = 5
    status: CommandStatus
    created_at: datetime
    expires_at: datetime | None = None
    attempts: int = 0
    max_attempts: int = 3


class CommandList(_Payload, kw_only=True):
    commands: list[DeviceCommand]


class CommandResult(_Payload, kw_only=True):
    status: Literal["succeeded", "failed"]
    #: Free-form output (logs lines, screenshot media id, ...), at most 64 KiB once encoded.
    result: dict[str, Any] = {}
    error: Annotated[str, Meta(max_length=2000)] | None = None


# -- push channel (cloud -> agent over the websocket) -----------------------------------
class _Push(Struct, tag_field="type", kw_only=True, forbid_unknown_fields=False):
    pass


class PushCommand(_Push, tag="command", kw_only=True):
    command: DeviceCommand


class PushConfig(_Push, tag="config", kw_only=True):
    """A new configuration was published: fetch the manifest."""

    version: int


class PushRevoked(_Push, tag="revoked", kw_only=True):
    """This device's credential was revoked; the socket closes after this frame."""


class PushHello(_Push, tag="hello", kw_only=True):
    """First frame after the socket is authenticated."""

    site_id: Id
    device_id: Id
    config_version: int = 0


PushMessage = PushHello | PushCommand | PushConfig | PushRevoked


def decode_push(data: bytes | str) -> PushMessage:
    """Decode one push frame (the agent's side), raising ContractError on a malformed one."""
    return decode_json(data, PushMessage)  # type: ignore[arg-type]


def encode(payload: Struct) -> bytes:
    return msgspec.json.encode(payload)
