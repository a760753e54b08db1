"""Everything a running instance holds, built once by the app factory and kept in ``app.state``."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker

from cloud_api.db.fastreads import FastReads
from cloud_api.lib.bus import Bus
from cloud_api.lib.security import TokenKeys
from cloud_api.lib.settings import Settings
from cloud_api.lib.storage import Storage

if TYPE_CHECKING:
    from cloud_api.domain.devices.auth import DeviceDirectory
    from cloud_api.domain.devices.heartbeats import HeartbeatWriter
    from cloud_api.domain.devices.manifest import ManifestCache
    from cloud_api.domain.devices.push import PushHub


@dataclass
class Runtime:
    settings: Settings
    engine: AsyncEngine
    sessionmaker: async_sessionmaker
    storage: Storage
    bus: Bus
    tokens: TokenKeys
    devices: DeviceDirectory
    hub: PushHub
    heartbeats: HeartbeatWriter
    manifests: ManifestCache
    reads: FastReads
    #: Background work (transcodes) kept referenced until it finishes.
    tasks: set[asyncio.Task[Any]] = field(default_factory=set)

    def spawn(self, coro: Any, name: str) -> asyncio.Task[Any]:
        task = asyncio.create_task(coro, name=name)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)
        return task
