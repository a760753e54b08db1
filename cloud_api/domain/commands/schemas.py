"""Request and response bodies of the command queue."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from msgspec import Meta, Struct

from neopro.contracts.device_api import CommandStatus, CommandType


class CommandCreate(Struct, kw_only=True):
    type: CommandType
    #: What the type takes: see ``neopro.contracts.device_api.COMMAND_ARGS``.
    args: dict[str, Any] = {}
    #: 1 (lowest) .. 10 (most urgent).
    priority: Annotated[int, Meta(ge=1, le=10)] = 5
    #: Seconds from now after which the command must never run; None = never expires.
    expires_in_s: Annotated[int, Meta(ge=1, le=90 * 24 * 3600)] | None = None
    max_attempts: Annotated[int, Meta(ge=1, le=10)] = 3


class CommandOut(Struct, kw_only=True):
    id: str
    site_id: str
    club_id: str
    type: CommandType
    args: dict[str, Any]
    priority: int
    status: CommandStatus
    attempts: int
    max_attempts: int
    created_at: datetime
    created_by: str | None
    expires_at: datetime | None
    sent_at: datetime | None
    acked_at: datetime | None
    finished_at: datetime | None
    result: dict[str, Any] | None
    error: str | None
