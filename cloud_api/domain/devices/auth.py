"""Device credentials: ``<device_id>.<secret>``, checked with sha256 + a constant-time compare.

A small in-process cache keeps the stored hash for a while so a heartbeat costs no extra
query; revocation is published on the push bus and drops the entry on every instance, so a
revoked device gets 401 at its next call wherever it lands.
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from litestar.connection import ASGIConnection
from litestar.di import NamedDependency
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler

from cloud_api.db.fastreads import FastReads
from cloud_api.lib.bus_messages import DeviceRevoked
from cloud_api.lib.security import same_digest, split_credential
from cloud_api.server.db import ACTOR_KEY, set_actor


@dataclass(frozen=True)
class DeviceIdentity:
    id: str
    site_id: str
    club_id: str
    kind: str = "device"


@dataclass(frozen=True)
class _Entry:
    secret_hash: str
    identity: DeviceIdentity | None  # None: revoked or unknown
    until: float


class DeviceDirectory:
    def __init__(self, reads: FastReads, ttl_s: float = 30.0) -> None:
        self._reads = reads
        self._ttl = ttl_s
        self._cache: dict[str, _Entry] = {}

    async def authenticate(self, credential: str) -> DeviceIdentity | None:
        parts = split_credential(credential)
        if parts is None:
            return None
        device_id, secret = parts
        entry = self._cache.get(device_id)
        if entry is None or entry.until < time.monotonic():
            entry = await self._load(device_id)
        if entry.identity is None or not same_digest(secret, entry.secret_hash):
            return None
        return entry.identity

    async def _load(self, device_id: str) -> _Entry:
        row = await self._reads.device(device_id)
        if row is None:
            entry = _Entry("0" * 64, None, time.monotonic() + 1.0)
        else:
            secret_hash, site_id, club_id, revoked_at = row
            identity = DeviceIdentity(device_id, site_id, club_id) if revoked_at is None else None
            entry = _Entry(secret_hash, identity, time.monotonic() + self._ttl)
        if len(self._cache) > 200_000:
            self._cache.clear()
        self._cache[device_id] = entry
        return entry

    def forget(self, device_id: str) -> None:
        self._cache.pop(device_id, None)


def announce_revocation(runtime: Any, device_id: str) -> Callable[[], Awaitable[None]]:
    """After commit: forget the device here at once, then tell every instance (and its socket)."""

    async def announce() -> None:
        runtime.devices.forget(device_id)
        await runtime.bus.publish(DeviceRevoked(device_id=device_id))

    return announce


UNAUTHORIZED = "send 'Authorization: Bearer <device credential>' of an enrolled, unrevoked device"


async def device_guard(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """Every device route but enroll: a valid, unrevoked device credential. Access tokens fail here."""
    if handler.opt.get("public"):
        return
    scheme, _, token = connection.headers.get("authorization", "").partition(" ")
    identity = None
    if scheme.lower() == "bearer" and token:
        identity = await connection.app.state.runtime.devices.authenticate(token.strip())
    if identity is None:
        raise NotAuthorizedException(UNAUTHORIZED)
    set_actor(connection, identity)


#: The calling device, as device handlers declare it.
CurrentDevice = NamedDependency[DeviceIdentity]


def provide_device(request: ASGIConnection) -> DeviceIdentity:
    identity = request.scope.get(ACTOR_KEY)  # type: ignore[misc]
    if not isinstance(identity, DeviceIdentity):
        raise NotAuthorizedException("device credential required")
    return identity
